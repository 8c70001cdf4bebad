/**
 * The team's schedule: existing calls, the calls still to come on the cadence, and the seats each
 * one will fill (docs/rules.md#r11, #d17).
 *
 * The Code of Conduct: "Every 12 months, a new call for volunteers will aim to replace existing
 * team members on a staggered rolling basis", each call open "for one month (4 weeks)", and
 * "Volunteer terms are expected to last for two years (24 months)". The schedule projects that
 * rhythm forward: a call every `callIntervalMonths` after the latest call opened, each filling the
 * seats whose terms end by its term start, assuming the calls before it filled theirs.
 *
 * `planSchedule` is a pure function of its input: time comes in as `now`, and the order of the
 * input arrays never changes the result.
 */
import { CALL_STATUSES, type CallStatus } from './lifecycle.js'
import { classNames, zeroCounts, type Policy, type SeatCounts } from './policy.js'
import { classPolicyOf, isInauguralCall, planSeatSlots, seatsToFill, type SelectionPolicy } from './selection.js'
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
    throw new InvalidScheduleInputError(
      `policy.callIntervalMonths must be a whole number of at least 1, got ${interval}`,
    )
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
 * Why the numbers given to `planSchedule` cannot describe a schedule, or null when they can: whole
 * years from 1, seat counts, term length and window from 0, and a call interval from 1 month.
 */
export function scheduleInputProblem(input: Pick<ScheduleInput, 'policy' | 'years'>): string | null {
  const { policy, years } = input
  if (!Number.isSafeInteger(years) || years < 1) return `years must be a whole number of at least 1, got ${years}`
  for (const [field, value] of [
    ...policy.seats.map((c, i) => [`policy.seats[${i}].count`, c.count] as const),
    ['policy.termMonths', policy.termMonths] as const,
    ['policy.windowDays', policy.windowDays] as const,
  ]) {
    if (!Number.isSafeInteger(value) || value < 0) return `${field} must be a whole number of at least 0, got ${value}`
  }
  const interval = policy.callIntervalMonths
  if (!Number.isSafeInteger(interval) || interval < 1)
    return `policy.callIntervalMonths must be a whole number of at least 1, got ${interval}`
  return null
}

/**
 * Whether an existing call belongs on the schedule over `[now, horizon)`: it opens before the
 * horizon, and its window ends after `now` or its terms start at or after `now` (a call just closed
 * stays until its members start serving). Cancelled calls are never shown.
 */
export function isOnSchedule(
  call: Pick<ScheduleCall, 'opensAt' | 'closesAt' | 'termStart' | 'status'>,
  now: Instant,
  horizon: Instant,
): boolean {
  if (call.status === 'cancelled' || compareInstants(call.opensAt, horizon) >= 0) return false
  return compareInstants(call.closesAt, now) > 0 || compareInstants(call.termStart, now) >= 0
}

/**
 * The calls still to come on the cadence (`cadenceDates`), less the dates staff declined, each with
 * the window and term start `createCall` would give it by default — open `windowDays` days, terms
 * starting as `defaultTermStart` says, counted from the previous call's term start — so a planned
 * call, once created, keeps its dates (a window opening 1 February in a leap year closes on the
 * 29th, a day before the terms it replaces end, so its terms start on the anniversary instead).
 * `calls` are the team's non-cancelled calls in opening order.
 */
export function plannedCalls(
  policy: Pick<Policy, 'callIntervalMonths' | 'windowDays'>,
  calls: readonly Pick<ScheduleCall, 'opensAt' | 'closesAt' | 'termStart' | 'status'>[],
  now: Instant,
  horizon: Instant,
  declinedDates: readonly Instant[] = [],
): Array<{ opensAt: Instant; closesAt: Instant; termStart: Instant }> {
  let previousTermStart = calls.at(-1)?.termStart ?? null
  const declined = new Set(declinedDates)
  const planned: Array<{ opensAt: Instant; closesAt: Instant; termStart: Instant }> = []
  for (const opensAt of cadenceDates(policy, calls, now, horizon)) {
    if (declined.has(opensAt)) continue
    const closesAt = addDays(opensAt, policy.windowDays)
    const termStart = defaultTermStart(closesAt, previousTermStart, policy)
    previousTermStart = termStart
    planned.push({ opensAt, closesAt, termStart })
  }
  return planned
}

/** A call that has not filled its seats yet (existing and not closed, or planned), as the simulation needs it. */
export interface PendingCall {
  /** null for a planned call. */
  id: string | null
  opensAt: Instant
  termStart: Instant
  /** Seats staff fixed on the call, else null. */
  fixed: SeatCounts | null
}

/**
 * The seats each pending call will fill, in the order the calls are given: taking them by term
 * start (then opening, existing calls before planned ones), each fills, per category, the seats left
 * by volunteers not continuing past its term start (selection's `seatsToFill`, or the seats staff
 * fixed) — counting the members and everyone the earlier calls seated, for `termMonths`, or half of
 * it for the short seats of a call that would be inaugural ("replace existing team members on a
 * staggered rolling basis").
 */
export function simulateSeatsToFill(
  given: SelectionPolicy,
  members: readonly Pick<ScheduleMember, 'seat' | 'endsAt'>[],
  pending: readonly PendingCall[],
): SeatCounts[] {
  const policy = classPolicyOf(given)
  const classes = classNames(policy)
  const simulated: { seat: Seat; endsAt: Instant | null }[] = members.map((m) => ({ seat: m.seat, endsAt: m.endsAt }))
  const fills: SeatCounts[] = pending.map(() => zeroCounts(classes))
  const order = pending
    .map((call, index) => ({ call, index }))
    .sort(
      (a, b) =>
        compareInstants(a.call.termStart, b.call.termStart) ||
        compareInstants(a.call.opensAt, b.call.opensAt) ||
        compareNullableText(a.call.id, b.call.id),
    )
  for (const { call, index } of order) {
    const fill = seatsToFill(policy, simulated, call.termStart, call.fixed)
    const inaugural = isInauguralCall(policy, simulated, call.termStart)
    for (const slot of planSeatSlots(fill, call.termStart, policy.termMonths, inaugural, classes)) {
      simulated.push({ seat: slot.category, endsAt: slot.termEnd })
    }
    fills[index] = fill
  }
  return fills
}

/** Volunteers whose effective end falls in `[now, horizon)` (staff have no end), by end, then name. */
export function termEndsWithin(members: readonly ScheduleMember[], now: Instant, horizon: Instant): TermEnd[] {
  const termEnds: TermEnd[] = []
  for (const member of members) {
    if (member.seat === 'staff' || member.endsAt === null) continue
    if (compareInstants(member.endsAt, now) < 0 || compareInstants(member.endsAt, horizon) >= 0) continue
    termEnds.push({ memberId: member.id, name: member.name, seat: member.seat, termEnd: member.endsAt })
  }
  return termEnds.sort(
    (a, b) =>
      compareInstants(a.termEnd, b.termEnd) ||
      compareText(a.name, b.name) ||
      compareText(a.seat, b.seat) ||
      compareText(a.memberId, b.memberId),
  )
}

/**
 * The team's schedule over `[now, now + years)` (docs/rules.md#r11, #d17): the existing calls on
 * it (`isOnSchedule`) and the calls planned on the cadence (`plannedCalls`), by opening time, each
 * pending one with the seats it will fill assuming every earlier pending call — shown or not: an
 * overdue call will still fill seats — filled its own (`simulateSeatsToFill`), while a closed call,
 * whose members exist, reports the seats it offered if given, else those still empty at its term
 * start; and the volunteers' terms ending meanwhile (`termEndsWithin`). Refuses input that cannot
 * describe a schedule (`scheduleInputProblem`).
 */
export function planSchedule(input: ScheduleInput): Schedule {
  const problem = scheduleInputProblem(input)
  if (problem !== null) throw new InvalidScheduleInputError(problem)
  const { policy, now } = input
  const horizon = scheduleHorizon(now, input.years)
  const calls = input.calls.filter((call) => call.status !== 'cancelled').sort(compareCalls)
  const planned = plannedCalls(policy, calls, now, horizon, input.declinedDates)

  const unclosed = calls.filter((call) => call.status !== 'closed')
  const fills = simulateSeatsToFill(policy, input.members, [
    ...unclosed.map((call) => ({ id: call.id, opensAt: call.opensAt, termStart: call.termStart, fixed: call.seats })),
    ...planned.map((call) => ({ id: null, opensAt: call.opensAt, termStart: call.termStart, fixed: null })),
  ])
  const fillOf = new Map(unclosed.map((call, i) => [call.id, fills[i]!]))

  const shown: PlannedCall[] = [
    ...calls
      .filter((call) => isOnSchedule(call, now, horizon))
      .map((call) => ({
        id: call.id,
        opensAt: call.opensAt,
        closesAt: call.closesAt,
        termStart: call.termStart,
        status: call.status,
        seatsToFill:
          call.status === 'closed'
            ? seatsToFill(policy, input.members, call.termStart, call.seats)
            : fillOf.get(call.id)!,
      })),
    ...planned.map((call, i) => ({
      id: null,
      ...call,
      status: 'planned' as const,
      seatsToFill: fills[unclosed.length + i]!,
    })),
  ]
  return {
    calls: shown.sort(
      (a, b) =>
        compareInstants(a.opensAt, b.opensAt) ||
        compareInstants(a.closesAt, b.closesAt) ||
        compareNullableText(a.id, b.id),
    ),
    termEnds: termEndsWithin(input.members, now, horizon),
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
