import { createHash } from 'node:crypto'
import type { Db } from '../db/client.js'
import type { CallRow } from '../db/queries/calls.js'
import * as memberQueries from '../db/queries/members.js'
import * as outboxQueries from '../db/queries/outbox.js'
import type { TeamRow } from '../db/queries/teams.js'
import * as templateQueries from '../db/queries/templates.js'
import {
  DEFAULT_TEMPLATES,
  NOTICE_SPECS,
  renderTemplate,
  retentionValues,
  volunteerExplanation,
  type NoticeKind,
  type Template,
} from '../domain/notices.js'
import { retentionOf, totalSeats, type SeatCounts } from '../domain/policy.js'
import { effectiveEnd } from '../domain/roster.js'
import { seatsToFill, type Decision, type Selection } from '../domain/selection.js'
import type { Instant } from '../domain/time.js'
import { messageIdDomain } from '../integrations/mail.js'

/** An email to queue: what, to whom, with which values; `skip` records it as skipped instead. */
export interface Notice {
  team: TeamRow
  kind: NoticeKind
  /** Unique forever: the same notice is never queued twice (call + kind + recipient, member + kind). */
  key: string
  /** Null when the team has no address for this audience: the notice is recorded as skipped. */
  to: string | null
  toName?: string | null
  values: Record<string, string>
  callId?: string | null
  memberId?: string | null
  /** The response the email is about (an acknowledgement). */
  responseId?: string | null
  skip?: string | null
  /** Not sent before this instant (the list's welcome of a replacement waits for her term start). */
  notBefore?: Date | null
}

/** The permanent Message-ID of a notice, derived from its key (so a crash can never change it). */
export function messageIdFor(key: string, from: string): string {
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 32)
  return `<rota.${digest}@${messageIdDomain(from)}>`
}

/** The template staff saved for a kind, or rota's default. */
export async function templateFor(db: Db, teamId: string, kind: NoticeKind): Promise<Template> {
  const saved = await templateQueries.findTemplate(db, teamId, kind)
  return saved ? { subject: saved.subject, body: saved.body } : DEFAULT_TEMPLATES[kind]
}

const AUDIENCE_MISSING: Record<string, string> = {
  'mailing-list': 'the team has no mailingList (PATCH /teams/{team})',
  staff: 'the team has no staffEmail (PATCH /teams/{team})',
  volunteer: 'the volunteer gave no email address',
  member: 'the member has no email address',
  approver: 'the team policy has no approval.approverEmail (PATCH /teams/{team})',
}

/**
 * Queues notices in the caller's transaction, rendered now with each team's templates; a notice
 * whose key is already in the outbox (another instance, or an earlier tick, queued it) is left
 * alone. Returns the rows this call inserted.
 */
export async function queueNotices(
  db: Db,
  from: string,
  notices: readonly Notice[],
  now: Date,
): Promise<outboxQueries.OutboxRow[]> {
  const templates = new Map<string, Template>()
  const rows: outboxQueries.NewOutboxRow[] = []
  for (const notice of notices) {
    const cacheKey = `${notice.team.id}/${notice.kind}`
    let template = templates.get(cacheKey)
    if (!template) templates.set(cacheKey, (template = await templateFor(db, notice.team.id, notice.kind)))
    const rendered = renderTemplate(template, notice.values)
    const to = notice.to?.trim() || null
    const skip = notice.skip ?? (to === null ? AUDIENCE_MISSING[NOTICE_SPECS[notice.kind].audience]! : null)
    rows.push({
      teamId: notice.team.id,
      kind: notice.kind,
      key: notice.key,
      messageId: messageIdFor(notice.key, from),
      toAddress: to,
      // A blank name is no name: the To header is the bare address.
      toName: notice.toName?.trim() || null,
      subject: rendered.subject,
      body: rendered.body,
      status: skip === null ? 'pending' : 'skipped',
      lastError: skip === null ? null : `skipped: ${skip}`,
      nextAttemptAt: skip === null ? (notice.notBefore ?? now) : null,
      callId: notice.callId ?? null,
      memberId: notice.memberId ?? null,
      responseId: notice.responseId ?? null,
      createdAt: now,
      updatedAt: now,
    })
  }
  return outboxQueries.insertMessages(db, rows)
}

/** One notice: see queueNotices. Returns the new row, or null when its key was already queued. */
export async function queueNotice(
  db: Db,
  from: string,
  notice: Notice,
  now: Date,
): Promise<outboxQueries.OutboxRow | null> {
  return (await queueNotices(db, from, [notice], now))[0] ?? null
}

/** The team's privacy notice (its `privacy-notice` template), filled from its retention policy. */
export async function privacyNoticeFor(db: Db, team: TeamRow): Promise<string> {
  const template = await templateFor(db, team.id, 'privacy-notice')
  return renderTemplate(template, { team: team.name, ...retentionValues(retentionOf(team.policy)) }).body
}

/** An instant as people read it in an email: `2027-03-01 00:00 UTC`. */
export function humanInstant(instant: Instant): string {
  return `${instant.slice(0, 10)} ${instant.slice(11, 16)} UTC`
}

/** The values every call notice shares. */
export function callValues(team: TeamRow, call: CallRow, seats: SeatCounts): Record<string, string> {
  return {
    team: team.name,
    callId: call.id,
    opensAt: humanInstant(call.opensAt),
    closesAt: humanInstant(call.closesAt),
    termStart: humanInstant(call.termStart),
    formUrl: team.formUrl ?? '(the volunteer form link will follow)',
    seatsConsortium: String(seats['consortium'] ?? 0),
    seatsCommunity: String(seats['community'] ?? 0),
    seatsTotal: String(totalSeats(seats)),
    seats: seatsInWords(seats),
  }
}

/** Seats per class in words, in the map's (policy) order: "2 consortium seats and 1 community seat"; "no seats". */
export function seatsInWords(seats: SeatCounts): string {
  const parts = Object.entries(seats)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${n} ${c} ${n === 1 ? 'seat' : 'seats'}`)
  if (parts.length === 0) return 'no seats'
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}`
}

/** The seats a call will offer: those staff fixed, else those left by volunteers not continuing past its term start. */
export async function seatsOffered(db: Db, team: TeamRow, call: CallRow): Promise<SeatCounts> {
  if (call.seats) return call.seats
  const members = (await memberQueries.listMembers(db, team.id)).map(({ member }) => ({
    seat: member.seat,
    endsAt: effectiveEnd(member),
  }))
  return seatsToFill(team.policy, members, call.termStart)
}

export const SEAT_NAMES: Record<string, string> = {
  consortium: 'IIIF Consortium',
  community: 'community',
  staff: 'staff',
}

/**
 * The emails a closed call causes, queued in the closing transaction: `call-results` to the list
 * (names and institutions of the new members only), one outcome email per volunteer address —
 * `selected`, else `alternate`, else `not-selected`, so someone who answered twice hears once —
 * and `shortfall` to staff when seats stay empty.
 */
export async function queueResultNotices(
  db: Db,
  from: string,
  team: TeamRow,
  call: CallRow,
  selection: Pick<Selection, 'decisions' | 'seats' | 'shortfall'>,
  emails: ReadonlyMap<string, string>,
  now: Date,
  /** How many earlier closes of the call were undone (reopened): the keys of a later close's emails differ, so they are queued anew. */
  round = 0,
  /** The volunteer's own values for a response: `receipt` (its receipt code) and `statusUrl` (its private status link). */
  personal: (responseId: string) => { receipt: string; statusUrl: string } = () => ({ receipt: '', statusUrl: '' }),
  /** Which of the notices to queue (all by default): approval sends an approved volunteer's own email before the rest. */
  include: (notice: Notice) => boolean = () => true,
): Promise<number> {
  const prefix = round === 0 ? `call:${call.id}` : `call:${call.id}:close-${round + 1}`
  const base = callValues(team, call, selection.seats)
  const privacyNotice = await privacyNoticeFor(db, team)
  const selected = selection.decisions.filter((d) => d.outcome === 'selected')
  const newMembers =
    selected.length === 0
      ? '(no volunteers were selected)'
      : selected.map((d) => `- ${d.name}${d.institution ? ` (${d.institution})` : ''}`).join('\n')
  const shortfall = {
    shortfallConsortium: String(selection.shortfall['consortium'] ?? 0),
    shortfallCommunity: String(selection.shortfall['community'] ?? 0),
    shortfallTotal: String(totalSeats(selection.shortfall)),
    shortfall: seatsInWords(selection.shortfall),
  }
  const notices: Notice[] = []
  const queue = (notice: Notice) => {
    if (include(notice)) notices.push(notice)
  }
  queue({
    team,
    kind: 'call-results',
    key: `${prefix}:call-results`,
    to: team.mailingList,
    values: { ...base, ...shortfall, newMembers },
    callId: call.id,
  })

  const rank = { selected: 0, alternate: 1, excluded: 2 } as const
  const best = new Map<string, Decision>()
  const unaddressed: Decision[] = []
  for (const decision of selection.decisions) {
    const email = emails.get(decision.responseId)?.trim().toLowerCase() ?? ''
    if (email === '') {
      unaddressed.push(decision)
      continue
    }
    const current = best.get(email)
    if (!current || rank[decision.outcome] < rank[current.outcome]) best.set(email, decision)
  }
  const outcomeNotice = (decision: Decision, key: string, to: string | null): Notice => ({
    team,
    kind:
      decision.outcome === 'selected' ? 'selected' : decision.outcome === 'alternate' ? 'alternate' : 'not-selected',
    key,
    to,
    toName: decision.name,
    values: {
      ...base,
      name: decision.name,
      seat: SEAT_NAMES[decision.seat ?? ''] ?? '',
      termEnd: decision.termEnd ? humanInstant(decision.termEnd) : '',
      // Never the staff sentence as such: it may name another volunteer (the one who took the institution's seat).
      explanation: volunteerExplanation(decision, selection.decisions, team.name),
      ...personal(decision.responseId),
      privacyNotice,
    },
    callId: call.id,
  })
  for (const [email, decision] of best)
    queue(outcomeNotice(decision, `${prefix}:result:${email}`, emails.get(decision.responseId)!.trim()))
  for (const decision of unaddressed)
    queue(outcomeNotice(decision, `${prefix}:result:response:${decision.responseId}`, null))

  if (totalSeats(selection.shortfall) > 0) {
    queue({
      team,
      kind: 'shortfall',
      key: `${prefix}:shortfall`,
      to: team.staffEmail,
      values: { ...base, ...shortfall, newMembers },
      callId: call.id,
    })
  }
  return (await queueNotices(db, from, notices, now)).length
}
