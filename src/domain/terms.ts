import type { Policy } from './policy.js'
import { addCalendarMonths, addDays, compareInstants, type Instant } from './time.js'

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
