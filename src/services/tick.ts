import { recordAudit, TICK_ACTOR } from './audit.js'
import { auditedCall } from './calls.js'
import type { Deps } from '../deps.js'
import * as callQueries from '../db/queries/calls.js'
import * as memberQueries from '../db/queries/members.js'
import { listTeams, type TeamRow } from '../db/queries/teams.js'
import { AppError } from '../errors.js'
import {
  autoScheduleDue,
  callSteps,
  termNotice,
  type AutoCloseFacts,
  type CallStep,
  type NoticeDecision,
} from '../domain/lifecycle.js'
import { countResponses } from '../db/queries/responses.js'
import { compareInstants, instantFromDate, type Instant } from '../domain/time.js'
import { closeOrHoldAfterSync, hasForm } from './forms.js'
import { deliverOutbox, type DeliveryReport } from './outbox.js'
import { existingKeys } from '../db/queries/outbox.js'
import { ROSTER_CHANNEL } from './roster.js'
import { teamSchedule } from './schedule.js'
import { requireTeam } from './teams.js'
import { callValues, humanInstant, queueNotice, SEAT_NAMES, seatsOffered } from './notices.js'
import { addCounts, eraseDue, noCounts, purgeErased, type ErasureCounts } from './privacy.js'
import { announceTeamChanges, queueWebhookEvent } from './webhooks.js'
import { checkInTick } from './check-ins.js'
import { approvalReminders } from './approval.js'

/** One thing the tick did. `notice` says whether its email was queued or recorded as skipped. */
export interface TickAction {
  type:
    | 'call-scheduled'
    | 'call-opened'
    | 'call-reminder'
    | 'call-closed'
    | 'needs-review'
    | 'close-failed'
    | 'term-ending'
    // Check-ins (issue 14).
    | 'check-in'
    | 'check-in-overdue'
    | 'approval-reminder'
  team: string
  callId?: string
  memberId?: string
  notice?: 'queued' | 'skipped'
  reason?: string
  /** For call-closed: how many volunteers were selected, and how many responses were decided. */
  selected?: number
  decisions?: number
  /** For needs-review: how many warnings ask staff to review the call before they close it. */
  warnings?: number
  error?: { code: string; message: string }
}

export interface TickReport {
  at: string
  actions: TickAction[]
  outbox: DeliveryReport
  /** What the teams' retention policies made due and the tick erased (src/domain/retention.ts). */
  erased: ErasureCounts
  /** When something was erased: whether it was also purged from the database's files (purgeErased). */
  purged?: boolean
}

const TICK_STAFF = 'rota (tick)'

/**
 * Brings the database up to date with what should have happened by `now`, then sends what the
 * outbox holds. Idempotent: every transition is a conditional write in the same transaction as the
 * emails it causes, so a second tick — on this instance or another, at once or after a crash —
 * finds nothing left to do. Teams are handled one by one; a failure in one (Google down while
 * closing) is reported and retried on the next tick without holding up the others.
 */
export async function tick(deps: Deps, now: Date, by?: string): Promise<TickReport> {
  const actions: TickAction[] = []
  let erased = noCounts()
  const touched = new Set<string>()
  for (const team of await listTeams(deps.database.db)) {
    await autoSchedule(deps, team, now, actions)
    for (const call of await callQueries.callsInFlight(deps.database.db, team.id)) {
      const facts = await autoCloseFacts(deps, call, now)
      const steps = callSteps(
        {
          id: call.id,
          opensAt: call.opensAt,
          closesAt: call.closesAt,
          openedAt: call.openedAt,
          remindedAt: call.remindedAt,
          closed: call.closedAt !== null,
          cancelled: call.cancelledAt !== null,
        },
        team.policy,
        instantFromDate(now),
        facts,
      )
      for (const step of steps) {
        const action = await applyStep(deps, team, step, now)
        if (action) actions.push(action)
      }
    }
    await termNotices(deps, team, now, actions)
    // Check-ins (issue 14): src/services/check-ins.ts.
    actions.push(...(await checkInTick(deps, team, now)))
    // Proposals waiting for the committee (policy approval: committee): the approver is reminded weekly.
    for (const callId of await approvalReminders(deps.database.db, team, now, {
      mailFrom: deps.config.mail.from,
      publicUrl: deps.config.publicUrl,
    }))
      actions.push({ type: 'approval-reminder', team: team.slug, callId, notice: 'queued' })
    // Storage limitation: personal data past the team's retention goes, on the day it is due.
    erased = addCounts(erased, await eraseDue(deps.database.db, deps.mailer, team, now, touched))
    // Term boundaries crossed and roster changes since the last check, for the team's webhooks.
    await announceTeamChanges(deps.database.db, deps.config.publicUrl, team, now)
  }
  // What was erased, out of the database's files too (when anything was): see purgeErased.
  const purged = await purgeErased(deps.database, touched)
  if (actions.some((a) => a.type === 'call-closed') || erased.members > 0) {
    // New members: every instance's roster cache must drop what it holds.
    await deps.database.notify(deps.database.db, ROSTER_CHANNEL, 'changed').catch(() => {})
  }
  const outbox = await deliverOutbox(deps)
  // Staff running the tick on demand is their action (what the tick changed has rows of its own, by `tick`).
  if (by !== undefined)
    await recordAudit(deps.database.db, {
      at: now,
      actor: by,
      action: 'tick.run',
      entity: 'tick',
      entityId: now.toISOString(),
      after: { actions: actions.length, sent: outbox.sent },
    })
  return { at: now.toISOString(), actions, outbox, erased, ...(touched.size > 0 ? { purged } : {}) }
}

/** What decides whether the tick may close a due call itself (`tickMayClose`); read only once its window is over. */
async function autoCloseFacts(deps: Deps, call: callQueries.CallRow, now: Date): Promise<AutoCloseFacts | undefined> {
  if (call.closedAt !== null || compareInstants(instantFromDate(now), call.closesAt) < 0) return undefined
  const { db } = deps.database
  return {
    createdAt: instantFromDate(call.createdAt),
    reopenedAt: call.reopenedAt === null ? null : instantFromDate(call.reopenedAt),
    responses: await countResponses(db, call.id),
    hasForm: await hasForm(db, call.id),
  }
}

function noticeFields(decision: NoticeDecision): Pick<TickAction, 'notice' | 'reason'> {
  return decision.send ? { notice: 'queued' } : { notice: 'skipped', reason: decision.reason }
}

async function applyStep(deps: Deps, team: TeamRow, step: CallStep, now: Date): Promise<TickAction | null> {
  const { db } = deps.database
  const from = deps.config.mail.from
  const at = instantFromDate(now)
  if (step.type === 'open' || step.type === 'remind') {
    const kind = step.type === 'open' ? 'call-opened' : 'call-reminder'
    return db.transaction(async (tx) => {
      // Only the instance whose conditional write returns the row queues the email.
      const call =
        step.type === 'open'
          ? await callQueries.markOpened(tx, step.callId, at)
          : await callQueries.markReminded(tx, step.callId, at)
      if (!call) return null
      await recordAudit(tx, {
        at: now,
        actor: TICK_ACTOR,
        action: step.type === 'open' ? 'call.open' : 'call.remind',
        entity: 'call',
        entityId: call.id,
        before: step.type === 'open' ? { openedAt: null } : { remindedAt: null },
        after: {
          ...(step.type === 'open' ? { openedAt: at } : { remindedAt: at }),
          notice: step.notice.send ? 'queued' : 'skipped',
        },
      })
      // A call staff moved into the future after the tick met it past its window (its notice then
      // recorded as skipped) is announced afresh: its new notice is keyed by the new opening.
      const plain = `call:${call.id}:${kind}`
      const key = (await existingKeys(tx, [plain])).has(plain) ? `${plain}:${call.opensAt}` : plain
      const seats = await seatsOffered(tx, team, call)
      await queueNotice(
        tx,
        from,
        {
          team,
          kind,
          key,
          to: team.mailingList,
          values: callValues(team, call, seats),
          callId: call.id,
          skip: step.notice.send ? null : step.notice.reason,
        },
        now,
      )
      if (step.type === 'open')
        await queueWebhookEvent(
          tx,
          team,
          'call.opened',
          {
            key: `call.opened:${call.id}:${call.opensAt}`,
            occurredAt: at,
            data: { call: { id: call.id, opens_at: call.opensAt, closes_at: call.closesAt } },
          },
          now,
        )
      return { type: kind, team: team.slug, callId: call.id, ...noticeFields(step.notice) }
    })
  }
  try {
    const outcome = await closeOrHoldAfterSync(
      db,
      deps.forms,
      step.callId,
      { early: false, staff: TICK_STAFF, mailFrom: from, publicUrl: deps.config.publicUrl },
      () => now,
    )
    if (outcome.held) {
      // Reported once, when staff are told; later ticks find the call still held and say nothing new.
      if (!outcome.notice) return null
      return {
        type: 'needs-review',
        team: team.slug,
        callId: step.callId,
        notice: outcome.notice.status,
        ...(outcome.notice.reason ? { reason: outcome.notice.reason } : {}),
        warnings: outcome.review,
      }
    }
    const { selection } = outcome
    const selected = selection.decisions.filter((d) => d.outcome === 'selected').length
    return {
      type: 'call-closed',
      team: team.slug,
      callId: step.callId,
      selected,
      decisions: selection.decisions.length,
    }
  } catch (error) {
    // Another instance closed (or staff cancelled) it first: nothing left to do.
    if (error instanceof AppError && (error.code === 'already-closed' || error.code === 'call-cancelled')) return null
    if (error instanceof AppError)
      return {
        type: 'close-failed',
        team: team.slug,
        callId: step.callId,
        error: { code: error.code, message: error.message },
      }
    throw error
  }
}

/**
 * `autoScheduleDays` before the next call on the cadence, creates it (`scheduled`, origin `auto`)
 * and tells staff. The insert is keyed by team and cadence date, so it happens once — and a call
 * staff cancelled is not created again.
 */
async function autoSchedule(deps: Deps, team: TeamRow, now: Date, actions: TickAction[]): Promise<void> {
  if (team.policy.autoScheduleDays <= 0) return
  const { db } = deps.database
  const existing = await callQueries.activeCalls(db, team.id)
  if (existing.length === 0) return
  const schedule = await teamSchedule(db, team, 2, now)
  const planned = schedule.calls.find((c) => c.id === null) ?? null
  if (!autoScheduleDue(planned, true, team.policy, instantFromDate(now)) || planned === null) return
  const action = await db.transaction(async (tx) => {
    // Locked as createCall locks it: a call staff create at this moment and this one cannot overlap.
    const locked = await requireTeam(tx, team.slug, true)
    const others = await callQueries.activeCalls(tx, locked.id)
    const overlaps = others.some(
      (c) => compareInstants(c.opensAt, planned.closesAt) < 0 && compareInstants(planned.opensAt, c.closesAt) < 0,
    )
    if (overlaps) return null
    const call = await callQueries.insertPlannedCall(tx, {
      teamId: locked.id,
      opensAt: planned.opensAt,
      closesAt: planned.closesAt,
      termStart: planned.termStart,
      seats: null,
      origin: 'auto',
      plannedOpensAt: planned.opensAt,
      createdAt: now,
    })
    if (!call) return null
    await recordAudit(tx, {
      at: now,
      actor: TICK_ACTOR,
      action: 'call.create',
      entity: 'call',
      entityId: call.id,
      after: { team: locked.slug, origin: 'auto', ...auditedCall(call) },
    })
    await queueNotice(
      tx,
      deps.config.mail.from,
      {
        team: locked,
        kind: 'call-scheduled',
        key: `call:${call.id}:call-scheduled`,
        to: locked.staffEmail,
        values: callValues(locked, call, planned.seatsToFill),
        callId: call.id,
      },
      now,
    )
    return {
      type: 'call-scheduled' as const,
      team: team.slug,
      callId: call.id,
      notice: locked.staffEmail ? ('queued' as const) : ('skipped' as const),
    }
  })
  if (action) actions.push(action)
}

/** `termNoticeDays` before a volunteer's term ends, queues `term-ending` to them, once per member. */
async function termNotices(deps: Deps, team: TeamRow, now: Date, actions: TickAction[]): Promise<void> {
  const { db } = deps.database
  const at: Instant = instantFromDate(now)
  for (const { member } of await memberQueries.membersAwaitingTermNotice(db, team.id)) {
    const termEnd = member.termEnd
    const decision = termNotice({ id: member.id, termEnd, endedAt: member.endedAt, seat: member.seat }, team.policy, at)
    if (decision === null || termEnd === null) continue
    const queued = await queueNotice(
      db,
      deps.config.mail.from,
      {
        team,
        kind: 'term-ending',
        key: `term-ending:${member.id}`,
        to: member.email,
        toName: member.name,
        values: {
          team: team.name,
          name: member.name,
          termEnd: humanInstant(termEnd),
          seat: SEAT_NAMES[member.seat] ?? member.seat,
        },
        memberId: member.id,
        skip: decision.send ? null : decision.reason,
      },
      now,
    )
    if (queued) actions.push({ type: 'term-ending', team: team.slug, memberId: member.id, ...noticeFields(decision) })
  }
}
