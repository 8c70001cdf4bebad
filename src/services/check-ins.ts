/**
 * Check-ins (issue 14; the rule is src/domain/check-ins.ts): the tick emails each volunteer a
 * private link `checkInMonths` into their term and tells staff once when it goes unanswered past
 * `checkInGraceDays`; the member answers through the link (continue, or step down as on the status
 * page). Each email is queued once (outbox keys `check-in:<member>`, `check-in-overdue:<member>`).
 */
import type { Db } from '../db/client.js'
import type { Deps } from '../deps.js'
import * as checkInQueries from '../db/queries/check-ins.js'
import * as memberQueries from '../db/queries/members.js'
import { findTeamById, type TeamRow } from '../db/queries/teams.js'
import { checkInDue, checkInOverdue, type CheckInAnswer } from '../domain/check-ins.js'
import { termPolicyOf } from '../domain/policy.js'
import { formatInstant, instantFromDate, instantToDate, type Instant } from '../domain/time.js'
import { AppError } from '../errors.js'
import { recordAudit } from './audit.js'
import { deploymentKeys } from './keys.js'
import { stepDown } from './members.js'
import { humanInstant, queueNotice } from './notices.js'

/** What the tick did about check-ins, for its report. */
export interface CheckInAction {
  type: 'check-in' | 'check-in-overdue'
  team: string
  memberId: string
  notice: 'queued' | 'skipped'
  reason?: string
}

/** The actor a check-in link's uses are recorded as. */
export function memberActor(memberId: string): string {
  return `member:${memberId}`
}

/** A member's check-in link. */
export function checkInUrl(
  keys: Awaited<ReturnType<typeof deploymentKeys>>,
  memberId: string,
  expiresAt: Instant,
  publicUrl: string | null,
): string {
  return `${publicUrl ?? ''}/check-in/${keys.checkInToken(memberId, instantToDate(expiresAt))}`
}

/** The tick's check-in step for one team: due check-ins emailed, overdue ones told to staff; each once. */
export async function checkInTick(deps: Deps, team: TeamRow, now: Date): Promise<CheckInAction[]> {
  const policy = termPolicyOf(team.policy)
  const actions: CheckInAction[] = []
  const { db } = deps.database
  const at = instantFromDate(now)
  const members = new Map((await memberQueries.listMembers(db, team.id)).map(({ member }) => [member.id, member]))
  if (policy.checkInMonths !== null) {
    const existing = new Set((await checkInQueries.listCheckIns(db, team.id)).map((c) => c.memberId))
    for (const member of members.values()) {
      if (existing.has(member.id)) continue
      const due = checkInDue(member, policy, at)
      if (due === null) continue
      const queued = await db.transaction(async (tx) => {
        const made = await checkInQueries.insertCheckIn(tx, {
          memberId: member.id,
          teamId: team.id,
          dueAt: due.dueAt,
          expiresAt: due.expiresAt,
          sentAt: now,
        })
        if (!made) return null
        const keys = await deploymentKeys(tx)
        return queueNotice(
          tx,
          deps.config.mail.from,
          {
            team,
            kind: 'check-in',
            key: `check-in:${member.id}`,
            to: member.email,
            toName: member.name,
            values: {
              team: team.name,
              name: member.name,
              termStart: humanInstant(member.termStart),
              termEnd: humanInstant(due.expiresAt),
              checkInUrl: checkInUrl(keys, member.id, due.expiresAt, deps.config.publicUrl),
              graceDays: String(policy.checkInGraceDays),
            },
            memberId: member.id,
          },
          now,
        )
      })
      if (queued)
        actions.push({
          type: 'check-in',
          team: team.slug,
          memberId: member.id,
          notice: queued.status === 'skipped' ? 'skipped' : 'queued',
        })
    }
  }
  // Overdue check-ins are told even after staff turned check-ins off: the question was asked.
  for (const checkIn of await checkInQueries.unansweredCheckIns(db, team.id)) {
    const member = members.get(checkIn.memberId)
    if (!member) continue
    const sentAt = instantFromDate(checkIn.sentAt)
    if (!checkInOverdue({ sentAt, answer: checkIn.answer }, member, policy, at)) continue
    const queued = await db.transaction(async (tx) => {
      if (!(await checkInQueries.markOverdue(tx, member.id, now))) return null
      const locked = (await findTeamById(tx, team.id))!
      return queueNotice(
        tx,
        deps.config.mail.from,
        {
          team: locked,
          kind: 'check-in-overdue',
          key: `check-in-overdue:${member.id}`,
          to: locked.staffEmail,
          values: {
            team: locked.name,
            memberName: member.name,
            memberId: member.id,
            sentAt: humanInstant(sentAt),
            termEnd: member.termEnd === null ? '' : humanInstant(member.termEnd),
            graceDays: String(policy.checkInGraceDays),
          },
          memberId: member.id,
        },
        now,
      )
    })
    if (queued)
      actions.push({
        type: 'check-in-overdue',
        team: team.slug,
        memberId: member.id,
        notice: queued.status === 'skipped' ? 'skipped' : 'queued',
        ...(queued.status === 'skipped' && queued.lastError ? { reason: queued.lastError } : {}),
      })
  }
  return actions
}

/**
 * The member a check-in token opens: 404 `check-in-link-not-found` for a token rota did not sign as
 * a check-in link (a status link's token included), 410 `check-in-link-expired` once it expired.
 */
export async function resolveCheckInToken(db: Db, token: string, now: Date): Promise<string> {
  const keys = await deploymentKeys(db)
  const read = keys.readCheckInToken(token, now)
  if (!read.ok) {
    if (read.why === 'expired') throw new AppError('gone', 'check-in-link-expired', 'This check-in link has expired')
    throw notFound()
  }
  if (!(await checkInQueries.findCheckIn(db, read.responseId))) throw notFound()
  return read.responseId
}

function notFound(): AppError {
  return new AppError('not-found', 'check-in-link-not-found', 'There is no such check-in link')
}

/** What the member sees behind their link: their term and their answer, if given. No other member is named. */
export interface CheckInView {
  team: string
  termStart: string
  termEnd: string | null
  dueAt: string
  answer: CheckInAnswer | null
  answeredAt: string | null
  /** Whether the link can still be answered: not answered and still serving. */
  canAnswer: boolean
}

export async function checkInView(db: Db, memberId: string): Promise<CheckInView> {
  const checkIn = (await checkInQueries.findCheckIn(db, memberId))!
  const member = (await memberQueries.findMember(db, memberId))!
  const team = (await findTeamById(db, member.teamId))!
  return {
    team: team.name,
    termStart: formatInstant(member.termStart),
    termEnd: member.termEnd === null ? null : formatInstant(member.termEnd),
    dueAt: formatInstant(checkIn.dueAt),
    answer: checkIn.answer,
    answeredAt: checkIn.answeredAt?.toISOString() ?? null,
    canAnswer: checkIn.answer === null && member.endedAt === null && member.voidedAt === null,
  }
}

/**
 * The member answers their check-in, once: `continue` is recorded; `step-down` also steps them
 * down as the staff route does (the next alternate takes the seat), in the same transaction. Both
 * audited as `member:<id>`. 409 `check-in-answered` when already answered, `check-in-closed` when
 * the member no longer serves.
 */
export async function answerCheckIn(
  db: Db,
  memberId: string,
  answer: CheckInAnswer,
  now: Date,
  options: { mailFrom: string },
): Promise<CheckInView> {
  const actor = memberActor(memberId)
  await db.transaction(async (tx) => {
    const checkIn = (await checkInQueries.findCheckIn(tx, memberId, { forUpdate: true }))!
    if (checkIn.answer !== null)
      throw new AppError(
        'conflict',
        'check-in-answered',
        `This check-in was already answered (${checkIn.answer}) on ${checkIn.answeredAt!.toISOString()}`,
      )
    const member = (await memberQueries.findMember(tx, memberId))!
    if (member.endedAt !== null || member.voidedAt !== null)
      throw new AppError('conflict', 'check-in-closed', 'This member no longer serves on the team')
    await checkInQueries.answerCheckIn(tx, memberId, { answer, answeredAt: now })
    await recordAudit(tx, {
      at: now,
      actor,
      action: `check-in.${answer}`,
      entity: 'member',
      entityId: memberId,
      after: { answer, dueAt: checkIn.dueAt },
    })
    if (answer === 'step-down')
      await stepDown(
        tx,
        memberId,
        { reason: 'stepped down by the member at their check-in', replacement: 'next-alternate' },
        now,
        { mailFrom: options.mailFrom, by: actor },
      )
  })
  return checkInView(db, memberId)
}

/** The staff view of a team's check-ins, by member id. */
export async function checkInsByMember(
  db: Db,
  teamId: string,
): Promise<
  Map<
    string,
    { dueAt: string; sentAt: string; answer: CheckInAnswer | null; answeredAt: string | null; overdueAt: string | null }
  >
> {
  const rows = await checkInQueries.listCheckIns(db, teamId)
  return new Map(
    rows.map((c) => [
      c.memberId,
      {
        dueAt: formatInstant(c.dueAt),
        sentAt: c.sentAt.toISOString(),
        answer: c.answer,
        answeredAt: c.answeredAt?.toISOString() ?? null,
        overdueAt: c.overdueAt?.toISOString() ?? null,
      },
    ]),
  )
}
