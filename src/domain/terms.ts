import type { Policy } from './policy.js'
import { addCalendarMonths, addDays, compareInstants, formatInstant, type Instant } from './time.js'

/**
 * When a call's terms start unless staff say otherwise: when it closes — or, when the previous
 * call's terms started `callIntervalMonths` earlier to the day within one window of that, on that
 * anniversary, so terms stay aligned year after year ("every 12 months, a new call … replace[s]
 * existing team members on a staggered rolling basis"). Without it a call that opens on 1 February
 * in a leap year would close on 29 February, one day before the terms it must replace end, and
 * find no seat to fill (docs/rules.md#d9).
 */
export function defaultTermStart(
  closesAt: Instant,
  previousTermStart: Instant | null,
  policy: Pick<Policy, 'callIntervalMonths' | 'windowDays'>,
): Instant {
  if (previousTermStart === null) return closesAt
  const anniversary = addCalendarMonths(previousTermStart, policy.callIntervalMonths)
  const inReach =
    compareInstants(anniversary, closesAt) >= 0 &&
    compareInstants(anniversary, addDays(closesAt, policy.windowDays)) < 0
  return inReach ? anniversary : closesAt
}

/**
 * A call's term start after its window is set (created or moved): the one staff give, which then
 * stays (`explicit`); else, when staff set one before, that one — it must still come at or after
 * the new `closesAt`, or the edit is refused naming `body.termStart` rather than moving it silently;
 * else the default (`defaultTermStart`), which follows the window wherever it moves.
 */
export function termStartFor(
  window: { closesAt: Instant },
  given: Instant | null,
  current: { termStart: Instant; explicit: boolean } | null,
  previousTermStart: Instant | null,
  policy: Pick<Policy, 'callIntervalMonths' | 'windowDays'>,
): { termStart: Instant; explicit: boolean; problem: string | null } {
  const termStart =
    given ?? (current?.explicit ? current.termStart : defaultTermStart(window.closesAt, previousTermStart, policy))
  const explicit = given !== null || (current?.explicit ?? false)
  let problem: string | null = null
  if (compareInstants(termStart, window.closesAt) < 0)
    problem =
      given === null
        ? `(set to ${formatInstant(termStart)} by staff) would come before the new closesAt; send a new termStart with the move`
        : 'must not be before closesAt (terms start once the call has closed)'
  return { termStart, explicit, problem }
}
