/**
 * The team's schedule: existing calls, the calls still to come on the cadence, and the seats each
 * one will fill (issue 4, "Cadence").
 *
 * The Code of Conduct: "Every 12 months, a new call for volunteers will be made to replace existing
 * team members on a staggered rolling basis", each call open "for one month (4 weeks)", and
 * "Volunteer terms are expected to last for two years (24 months)". The schedule projects that
 * rhythm forward: a call every `callIntervalMonths` after the latest call opened, each filling the
 * seats whose terms end by its term start, assuming the calls before it filled theirs.
 *
 * `planSchedule` is a pure function of its input: time comes in as `now`, and the order of the
 * input arrays never changes the result.
 */
import { CALL_STATUSES, type CallStatus } from './lifecycle.js'
import type { Policy, SeatCounts } from './policy.js'
import { isInauguralCall, planSeatSlots, seatsToFill } from './selection.js'
import type { Category, Seat } from './selection.js'
import { defaultTermStart } from './terms.js'
import { addCalendarMonths, addDays, compareInstants } from './time.js'
import type { Instant } from './time.js'

/** A call that exists in the database, as the schedule needs it. */
export interface ScheduleCall {
  id: string
  opensAt: Instant
  closesAt: Instant
  termStart: Instant
  status: CallStatus
  /**
   * Seats fixed by staff on the call; null lets rota compute them. For a closed call, pass the seats
   * its selection offered (the service has them): without them, a closed call reports the seats
   * still empty at its term start.
   */
  seats: SeatCounts | null
}

/** A team member, as the schedule needs it: no email or other personal data. */
export interface ScheduleMember {
  id: string
  name: string
  seat: Seat
  termStart: Instant
  /** Effective end (an early end if there is one, else the end of term); null = no end (staff). */
  endsAt: Instant | null
}

/** A call on the schedule: `planned` on the cadence and not created yet, or an existing call's status. */
export const SCHEDULE_STATUSES = ['planned', ...CALL_STATUSES] as const
export type ScheduleStatus = (typeof SCHEDULE_STATUSES)[number]

/** One call on the schedule: an existing call, or one planned on the cadence and not yet created. */
export interface PlannedCall {
  /** The existing call's id; null for a planned call that does not exist yet. */
  id: string | null
  opensAt: Instant
  closesAt: Instant
  termStart: Instant
  status: ScheduleStatus
  seatsToFill: SeatCounts
}

/** A volunteer's term ending within the schedule's horizon. */
export interface TermEnd {
  memberId: string
  name: string
  seat: Category
  termEnd: Instant
}

export interface ScheduleInput {
  policy: Policy
  calls: readonly ScheduleCall[]
  members: readonly ScheduleMember[]
  now: Instant
  /** How far ahead to look, in years of 12 calendar months (the HTTP API allows 1–10). */
  years: number
  /** Cadence dates staff decided against (a call rota created for that date, then cancelled): not planned again. */
  declinedDates?: readonly Instant[]
}

export interface Schedule {
  /** Existing and planned calls, by opening time. */
  calls: PlannedCall[]
  /** Volunteers' terms ending in `[now, horizon)`, by end then name. */
  termEnds: TermEnd[]
}

/** Thrown when the numbers given to `planSchedule` cannot describe a schedule. */
export class InvalidScheduleInputError extends Error {
  readonly code = 'invalid-schedule-input' as const
  constructor(message: string) {
    super(message)
    this.name = 'InvalidScheduleInputError'
  }
}

/**
 * The end of the schedule's horizon, `years` × 12 calendar months after `now` (exclusive), because
 * the schedule answers "what happens over the next few years" in whole years.
 */
export function scheduleHorizon(now: Instant, years: number): Instant {
  return addCalendarMonths(now, 12 * years)
}

/**
 * The opening instants of the calls still to come on the cadence, in `[now, horizon)`: "every 12
 * months, a new call" — `n × callIntervalMonths` after the latest non-cancelled call opened (each
 * counted from that anchor, so month-end clamping never drifts), skipping dates before `now` (a team
 * that missed a call waits for the next cadence date) or before an existing call closes; with no
 * call at all, the first one opens at `now` and the cadence counts from there.
 */
export function cadenceDates(
  policy: Pick<Policy, 'callIntervalMonths'>,
  calls: readonly Pick<ScheduleCall, 'opensAt' | 'closesAt' | 'status'>[],
  now: Instant,
  horizon: Instant,
): Instant[] {
  const interval = policy.callIntervalMonths
  if (!Number.isSafeInteger(interval) || interval < 1) {
    throw new InvalidScheduleInputError(`policy.callIntervalMonths must be a whole number of at least 1, got ${interval}`)
  }
  const live = calls.filter((call) => call.status !== 'cancelled')
  const anchor = latest(live.map((call) => call.opensAt))
  // A planned window never overlaps an existing one: wait for the last existing call to close.
  const notBefore = latest([now, ...live.map((call) => call.closesAt)]) ?? now
  const dates: Instant[] = []
  if (anchor === null) {
    for (let n = 0; ; n++) {
      const date = addCalendarMonths(now, n * interval)
      if (compareInstants(date, horizon) >= 0) break
      dates.push(date)
    }
    return dates
  }
  // Jump close to `notBefore` instead of stepping through years of missed calls one by one.
  const gap = monthIndex(notBefore) - monthIndex(anchor)
  for (let n = Math.max(1, Math.floor(gap / interval) - 1); ; n++) {
    const date = addCalendarMonths(anchor, n * interval)
    if (compareInstants(date, horizon) >= 0) break
    if (compareInstants(date, notBefore) >= 0) dates.push(date)
  }
  return dates
}

/**
 * The team's schedule over `[now, now + years)`: existing non-cancelled calls whose window ends
 * after `now` or whose terms start at or after `now`, plus calls planned on the cadence
 * (`cadenceDates`, each open `windowDays` days, terms starting as `defaultTermStart` says), by
 * opening time; each pending call fills, per category, the seats left by volunteers not continuing
 * past its term start (selection's `seatsToFill`, or the seats staff fixed), assuming every earlier
 * pending call filled its seats for `termMonths` — halved for the short seats when the call would be
 * inaugural — while a closed call reports the seats it offered if given, else those still empty at
 * its term start; `termEnds` lists volunteers whose effective end falls in the horizon, by end then
 * name (issue 4, "Cadence").
 */
export function planSchedule(input: ScheduleInput): Schedule {
  const { policy, now, years } = input
  if (!Number.isSafeInteger(years) || years < 1) {
    throw new InvalidScheduleInputError(`years must be a whole number of at least 1, got ${years}`)
  }
  for (const [field, value] of [
    ['policy.seats.consortium', policy.seats.consortium],
    ['policy.seats.community', policy.seats.community],
    ['policy.termMonths', policy.termMonths],
    ['policy.windowDays', policy.windowDays],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidScheduleInputError(`${field} must be a whole number of at least 0, got ${value}`)
    }
  }
  const horizon = scheduleHorizon(now, years)
  const calls = input.calls.filter((call) => call.status !== 'cancelled').sort(compareCalls)

  const shown: { call: PlannedCall; pending: boolean; fixed: SeatCounts | null }[] = []
  for (const call of calls) {
    if (compareInstants(call.opensAt, horizon) >= 0) continue
    if (compareInstants(call.closesAt, now) <= 0 && compareInstants(call.termStart, now) < 0) continue
    shown.push({
      call: { id: call.id, opensAt: call.opensAt, closesAt: call.closesAt, termStart: call.termStart, status: call.status, seatsToFill: zero() },
      pending: call.status !== 'closed',
      fixed: call.seats,
    })
  }
  // Planned calls get the window and term start `createCall` would give them by default, so a
  // planned call, once created, keeps its dates — terms on the previous call's anniversary when the
  // window reaches it (a window opening 1 February in a leap year closes on the 29th, a day before
  // the terms it replaces end), else as the window closes.
  let previousTermStart = calls.at(-1)?.termStart ?? null
  const declined = new Set(input.declinedDates ?? [])
  for (const opensAt of cadenceDates(policy, calls, now, horizon)) {
    if (declined.has(opensAt)) continue
    const closesAt = addDays(opensAt, policy.windowDays)
    const termStart = defaultTermStart(closesAt, previousTermStart, policy)
    previousTermStart = termStart
    shown.push({ call: { id: null, opensAt, closesAt, termStart, status: 'planned', seatsToFill: zero() }, pending: true, fixed: null })
  }

  // Closed calls have already produced their members: they are reported, not simulated.
  for (const entry of shown) {
    if (!entry.pending) entry.call.seatsToFill = seatsToFill(policy, input.members, entry.call.termStart, entry.fixed)
  }

  // Simulate the team call by call. Every pending existing call takes part, shown or not (a call
  // whose selection is overdue will still fill seats), and so does every planned one.
  const simulated: { seat: Seat; endsAt: Instant | null }[] = input.members.map((m) => ({ seat: m.seat, endsAt: m.endsAt }))
  const shownById = new Map(shown.flatMap((entry) => (entry.call.id === null ? [] : [[entry.call.id, entry] as const])))
  const pending: { termStart: Instant; opensAt: Instant; id: string | null; fixed: SeatCounts | null; report: PlannedCall | null }[] = [
    ...calls
      .filter((call) => call.status !== 'closed')
      .map((call) => ({ termStart: call.termStart, opensAt: call.opensAt, id: call.id, fixed: call.seats, report: shownById.get(call.id)?.call ?? null })),
    ...shown
      .filter((entry) => entry.call.id === null)
      .map((entry) => ({ termStart: entry.call.termStart, opensAt: entry.call.opensAt, id: null, fixed: null, report: entry.call })),
  ].sort(
    (a, b) => compareInstants(a.termStart, b.termStart) || compareInstants(a.opensAt, b.opensAt) || compareNullableText(a.id, b.id),
  )
  for (const call of pending) {
    const fill = seatsToFill(policy, simulated, call.termStart, call.fixed)
    const inaugural = isInauguralCall(policy, simulated, call.termStart)
    for (const slot of planSeatSlots(fill, call.termStart, policy.termMonths, inaugural)) {
      simulated.push({ seat: slot.category, endsAt: slot.termEnd })
    }
    if (call.report) call.report.seatsToFill = fill
  }

  const termEnds: TermEnd[] = []
  for (const member of input.members) {
    if (member.seat === 'staff' || member.endsAt === null) continue
    if (compareInstants(member.endsAt, now) < 0 || compareInstants(member.endsAt, horizon) >= 0) continue
    termEnds.push({ memberId: member.id, name: member.name, seat: member.seat, termEnd: member.endsAt })
  }
  termEnds.sort(
    (a, b) =>
      compareInstants(a.termEnd, b.termEnd) || compareText(a.name, b.name) || compareText(a.seat, b.seat) || compareText(a.memberId, b.memberId),
  )

  return {
    calls: shown
      .map((entry) => entry.call)
      .sort((a, b) => compareInstants(a.opensAt, b.opensAt) || compareInstants(a.closesAt, b.closesAt) || compareNullableText(a.id, b.id)),
    termEnds,
  }
}

// ---------------------------------------------------------------------------------------------

function compareCalls(a: ScheduleCall, b: ScheduleCall): number {
  return (
    compareInstants(a.opensAt, b.opensAt) ||
    compareInstants(a.closesAt, b.closesAt) ||
    compareInstants(a.termStart, b.termStart) ||
    compareText(a.id, b.id) ||
    compareText(a.status, b.status)
  )
}

function latest(instants: readonly Instant[]): Instant | null {
  let found: Instant | null = null
  for (const instant of instants) if (found === null || compareInstants(instant, found) > 0) found = instant
  return found
}

/** Months since year 0 of an instant's calendar month (UTC), for jumping along the cadence. */
function monthIndex(instant: Instant): number {
  return Number(instant.slice(0, 4)) * 12 + Number(instant.slice(5, 7)) - 1
}

function zero(): SeatCounts {
  return { consortium: 0, community: 0 }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Existing calls (with an id) before planned ones at the same instant. */
function compareNullableText(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return compareText(a, b)
}
