/**
 * What should have happened by `now`: the pure half of the tick (docs/rules.md#d10). These
 * functions only decide; the tick service applies each decision with a conditional write that one
 * instance alone can win, so deciding twice (two instances, or a tick after a crash) is harmless.
 *
 * A notice whose moment passed while rota was not running is still decided once, but as `skip`
 * when it no longer helps anyone (an announcement for a call that already closed): staff see it in
 * the outbox as skipped instead of the list receiving a burst of stale email.
 *
 * Closing a call, whoever asks (the tick or staff), is decided here too: `mayCloseCall` says
 * whether it may close now and where its window ends (docs/rules.md#d16), `closeDecision` whether
 * the tick must leave it to staff (docs/rules.md#d6).
 */
import type { Policy } from './policy.js'
import { conflict, invalidRequest, type Decided } from './refusal.js'
import { addDays, compareInstants, formatInstant, type Instant } from './time.js'

/**
 * Where a call stands: scheduled (before it opens), open (during its window), due (window over, no
 * selection yet), closed (selection final), cancelled.
 */
export const CALL_STATUSES = ['scheduled', 'open', 'due', 'closed', 'cancelled'] as const
export type CallStatus = (typeof CALL_STATUSES)[number]

/** Who created a call: staff, or the tick on the cadence (`auto`). */
export const CALL_ORIGINS = ['staff', 'auto'] as const
export type CallOrigin = (typeof CALL_ORIGINS)[number]

/** Send the notice, or record it as skipped with the reason. */
export type NoticeDecision = { send: true } | { send: false; reason: string }

/** A call as the lifecycle needs it. */
export interface LifecycleCall {
  id: string
  opensAt: Instant
  closesAt: Instant
  /** When rota marked it open (and announced it); null until then. */
  openedAt: Instant | null
  /** When rota decided the reminder; null until then. */
  remindedAt: Instant | null
  closed: boolean
  cancelled: boolean
}

export type CallStep =
  | { type: 'open'; callId: string; notice: NoticeDecision }
  | { type: 'remind'; callId: string; notice: NoticeDecision }
  | { type: 'close'; callId: string }

/** The instant the reminder is due: `reminderDays` before the call closes (null: reminders off). */
export function reminderAt(
  call: Pick<LifecycleCall, 'closesAt'>,
  policy: Pick<Policy, 'reminderDays'>,
): Instant | null {
  return policy.reminderDays > 0 ? addDays(call.closesAt, -policy.reminderDays) : null
}

/**
 * The steps a call needs at `now`, in order: mark it open once `opensAt` has passed (announced
 * while the window is still open), remind the list `reminderDays` before it closes (unless the
 * window is not longer than that, the call has closed, or the announcement only goes out now — it
 * already gives the deadline), and close it once `closesAt` has passed — unless, given what the
 * tick knows of it (`facts`), the call is one staff close themselves (`tickMayClose`).
 */
export function callSteps(
  call: LifecycleCall,
  policy: Pick<Policy, 'reminderDays'>,
  now: Instant,
  facts?: AutoCloseFacts,
): CallStep[] {
  if (call.cancelled) return []
  const steps: CallStep[] = []
  const windowOver = compareInstants(now, call.closesAt) >= 0
  let announcedNow = false
  if (call.openedAt === null && compareInstants(now, call.opensAt) >= 0) {
    let notice: NoticeDecision = { send: true }
    if (call.closed) notice = { send: false, reason: 'the call was closed before rota announced it' }
    else if (windowOver) notice = { send: false, reason: 'the window had already closed when rota came to announce it' }
    announcedNow = notice.send
    steps.push({ type: 'open', callId: call.id, notice })
  }
  const remindAt = reminderAt(call, policy)
  if (
    !call.closed &&
    call.remindedAt === null &&
    remindAt !== null &&
    compareInstants(now, remindAt) >= 0 &&
    compareInstants(now, call.opensAt) >= 0
  ) {
    let notice: NoticeDecision = { send: true }
    if (compareInstants(remindAt, call.opensAt) <= 0)
      notice = { send: false, reason: `the window is not longer than reminderDays (${policy.reminderDays})` }
    else if (windowOver) notice = { send: false, reason: 'the window had already closed when the reminder came due' }
    else if (announcedNow)
      notice = { send: false, reason: 'the call is announced only now; the announcement gives the deadline' }
    steps.push({ type: 'remind', callId: call.id, notice })
  }
  if (!call.closed && windowOver && (facts === undefined || tickMayClose(call, facts).close))
    steps.push({ type: 'close', callId: call.id })
  return steps
}

/** A volunteer whose term may need a notice. */
export interface TermHolder {
  id: string
  termEnd: Instant | null
  /** Set when they left early: no term-ending notice then. */
  endedAt: Instant | null
  seat: string
}

/**
 * Whether a volunteer's term-ending notice is due at `now`: `termNoticeDays` before the term
 * ends; skipped when the term has already ended (rota was not running) — null when not due, or
 * when there is nothing to notify (staff, no end, an early end, notices off).
 */
export function termNotice(
  member: TermHolder,
  policy: Pick<Policy, 'termNoticeDays'>,
  now: Instant,
): NoticeDecision | null {
  if (member.seat === 'staff' || member.termEnd === null || member.endedAt !== null || policy.termNoticeDays <= 0)
    return null
  if (compareInstants(now, addDays(member.termEnd, -policy.termNoticeDays)) < 0) return null
  if (compareInstants(now, member.termEnd) >= 0)
    return { send: false, reason: 'the term had already ended when the notice came due' }
  return { send: true }
}

/**
 * Whether the next call on the cadence should be created now: `autoScheduleDays` before it opens,
 * and only for a team that already has a call (the first call is staff's decision, and gives the
 * cadence its anchor).
 */
export function autoScheduleDue(
  planned: { opensAt: Instant } | null,
  hasCalls: boolean,
  policy: Pick<Policy, 'autoScheduleDays'>,
  now: Instant,
): boolean {
  if (planned === null || !hasCalls || policy.autoScheduleDays <= 0) return false
  return compareInstants(now, addDays(planned.opensAt, -policy.autoScheduleDays)) >= 0
}

/**
 * Selection warnings that keep a due call open until staff close it themselves: an institution
 * named with look-alike or invisible characters takes or blocks a seat ("If more than one
 * individual from a single institution volunteers, the first volunteer will be selected"), so a
 * person checks it before the outcome is announced (docs/rules.md#d6).
 */
export const REVIEW_WARNING_CODES: readonly string[] = ['confusable-institution']

/**
 * Whether the tick may close a due call whose selection carries `warnings`: yes when none asks for
 * review; otherwise no, and how many do (staff close it with POST /calls/{id}/close).
 */
export function closeDecision(
  warnings: readonly { code: string }[],
): { close: true } | { close: false; review: number } {
  const review = warnings.filter((w) => REVIEW_WARNING_CODES.includes(w.code)).length
  return review === 0 ? { close: true } : { close: false, review }
}

/** A call as closing it needs it. */
export interface ClosingCall {
  opensAt: Instant
  closesAt: Instant
  closed: boolean
  cancelled: boolean
}

/**
 * Whether a call may be closed at `now` and where its window then ends. A cancelled or closed call
 * cannot be (a selection is final once made); nor can a call that has not opened. Before
 * `closesAt` — the Code of Conduct keeps a call "open for one month (4 weeks)" — only when staff
 * ask for an early close, and the window then ends at `now`, so responses after it do not count.
 */
export function mayCloseCall(
  call: ClosingCall,
  now: Instant,
  early: boolean,
): Decided<{ closesAt: Instant; early: boolean }> {
  if (call.cancelled) return conflict('call-cancelled', 'This call was cancelled; there is nothing to select')
  if (call.closed) return conflict('already-closed', 'This call is already closed; its selection is final')
  if (compareInstants(now, call.opensAt) < 0) {
    return conflict(
      'call-not-open',
      `This call opens at ${formatInstant(call.opensAt)}; it cannot be closed before it opens`,
    )
  }
  const beforeClose = compareInstants(now, call.closesAt) < 0
  if (beforeClose && !early) {
    return conflict(
      'window-open',
      `The window is open until ${formatInstant(call.closesAt)}; send { "early": true } to close it now`,
    )
  }
  return { ok: true, closesAt: beforeClose ? now : call.closesAt, early: beforeClose }
}

/**
 * Whether the tick announced a call as live: it marked it open while its window was still open (an
 * announcement decided after the window, or never, is not one). Until then staff may still move it.
 */
export function wasAnnounced(call: { openedAt: Instant | null; closesAt: Instant }): boolean {
  return call.openedAt !== null && compareInstants(call.openedAt, call.closesAt) < 0
}

/** What the tick must know, beyond the window, to decide whether it may close a due call itself. */
export interface AutoCloseFacts {
  /** When the call was created (rota's clock). */
  createdAt: Instant
  /** When staff last reopened it; null if never. */
  reopenedAt: Instant | null
  /** How many responses it holds. */
  responses: number
  /** Whether it reads its responses from a linked Google Form. */
  hasForm: boolean
}

/**
 * Whether the tick may close a due call, or must leave it `due` for staff. A call has two lives: a
 * live call is announced, takes responses through its window and is closed by the tick when the
 * window ends; a call run after the fact (created, or reopened, once its window was over, to import
 * a form that has closed) waits for staff to import its responses and close it. So the tick does
 * not close a call created or reopened after its window ended, nor one with no response and no
 * linked form that was never announced: closing it would select nobody and announce that.
 */
export function tickMayClose(
  call: Pick<LifecycleCall, 'closesAt' | 'openedAt'>,
  facts: AutoCloseFacts,
): { close: true } | { close: false; reason: string } {
  if (compareInstants(facts.createdAt, call.closesAt) >= 0)
    return { close: false, reason: 'created after its window ended: staff import its responses and close it' }
  if (facts.reopenedAt !== null && compareInstants(facts.reopenedAt, call.closesAt) >= 0)
    return { close: false, reason: 'reopened after its window ended: staff close it' }
  if (facts.responses === 0 && !facts.hasForm && !wasAnnounced(call))
    return { close: false, reason: 'never announced, with no responses and no linked form: staff import and close it' }
  return { close: true }
}

/**
 * The term start a close gives: the call's own (`termStart`, which may be later than the window's
 * end — after an early close, the original `closesAt`), or the one staff send with the close, which
 * must not come before the window's end ("terms start once the call has closed").
 */
export function closingTermStart(
  given: Instant | null,
  stored: Instant,
  closesAt: Instant,
): Decided<{ termStart: Instant }> {
  if (given === null) return { ok: true, termStart: stored }
  if (compareInstants(given, closesAt) < 0)
    return invalidRequest('invalid-close', [
      { field: 'body.termStart', message: `must not be before the window's end (${formatInstant(closesAt)})` },
    ])
  return { ok: true, termStart: given }
}

/** A closed call as reopening it needs it. */
export interface ReopeningCall {
  closed: boolean
  cancelled: boolean
}

/** What stands in the way of undoing a close: the team's history since, as the reopen rule reads it. */
export interface ReopenFacts {
  /** A call of the team that opens after this one and has closed since, if any. */
  laterClosed: { id: string; opensAt: Instant } | null
  /** Members the close created who have stepped down or been replaced since. */
  departed: ReadonlyArray<{ id: string; name: string }>
  /** Members staff appointed into the call's empty seats who have not stepped down. */
  appointees: ReadonlyArray<{ id: string; name: string }>
}

/**
 * Whether staff may undo a call's close: only a closed call, with a reason (kept on record), and
 * only while nothing has been built on its selection — no later call of the team has closed (its
 * seats were counted with these members), none of the members it created has stepped down or been
 * replaced, and nobody staff appointed into its empty seats still holds one. Its terms may already
 * have started (a call run after the fact usually has).
 */
export function mayReopenCall(call: ReopeningCall, facts: ReopenFacts, reason: string): Decided<object> {
  if (reason.trim() === '')
    return invalidRequest('invalid-reopen', [{ field: 'body.reason', message: 'must say why (it is kept on record)' }])
  if (call.cancelled) return conflict('call-cancelled', 'This call was cancelled; there is no close to undo')
  if (!call.closed) return conflict('call-not-closed', 'This call is not closed; there is no close to undo')
  if (facts.laterClosed)
    return conflict(
      'later-call-closed',
      `A later call of the team (${facts.laterClosed.id}, opening ${formatInstant(facts.laterClosed.opensAt)}) has closed since, and its seats were counted with this call's members; reopen that one first`,
      { callId: facts.laterClosed.id },
    )
  if (facts.departed.length > 0)
    return conflict(
      'members-departed',
      `${facts.departed.map((m) => m.name).join(', ')} ${facts.departed.length === 1 ? 'has' : 'have'} stepped down or been replaced since this call closed, so its close can no longer be undone`,
      { memberIds: facts.departed.map((m) => m.id) },
    )
  if (facts.appointees.length > 0)
    return conflict(
      'call-has-appointees',
      `${facts.appointees.map((m) => m.name).join(', ')} ${facts.appointees.length === 1 ? 'was' : 'were'} appointed into this call's empty seats; step them down first (their seats depend on this selection)`,
      { memberIds: facts.appointees.map((m) => m.id) },
    )
  return { ok: true }
}
