/**
 * Check-ins (issue 14): when a policy sets `checkInMonths`, each volunteer is asked that many
 * months into their own term (a replacement's or an appointee's counted from their own start)
 * whether they can continue, through a private link; unanswered after `checkInGraceDays`, staff are
 * told once. Nobody is removed automatically: a member who cannot continue steps down through the
 * link (or staff act). Pure: time comes in as `now`.
 */
import { addCalendarMonths, addDays, compareInstants, type Instant } from './time.js'

/** The answers a member can give. */
export const CHECK_IN_ANSWERS = ['continue', 'step-down'] as const
export type CheckInAnswer = (typeof CHECK_IN_ANSWERS)[number]

/** A member as the check-in rule sees them. */
export interface CheckInMember {
  seat: string
  termStart: Instant
  /** The original end of term (null for staff). */
  termEnd: Instant | null
  endedAt: Instant | null
}

/** The check-in fields of a policy (see `termPolicyOf`). */
export interface CheckInPolicy {
  checkInMonths: number | null
  checkInGraceDays: number
}

/**
 * The member's check-in when it is due at `now`: `checkInMonths` after their own term start,
 * while they still serve (no early end, the term not over). Staff seats and terms too short to
 * reach the check-in have none; the link works until the end of the term.
 */
export function checkInDue(
  member: CheckInMember,
  policy: CheckInPolicy,
  now: Instant,
): { dueAt: Instant; expiresAt: Instant } | null {
  if (policy.checkInMonths === null || member.seat === 'staff' || member.termEnd === null) return null
  if (member.endedAt !== null) return null
  const dueAt = addCalendarMonths(member.termStart, policy.checkInMonths)
  if (compareInstants(dueAt, member.termEnd) >= 0) return null
  if (compareInstants(now, dueAt) < 0 || compareInstants(now, member.termEnd) >= 0) return null
  return { dueAt, expiresAt: member.termEnd }
}

/**
 * Whether staff should now be told that a check-in went unanswered: `checkInGraceDays` after it
 * was sent, no answer, and the member still serving.
 */
export function checkInOverdue(
  checkIn: { sentAt: Instant; answer: CheckInAnswer | null },
  member: Pick<CheckInMember, 'termEnd' | 'endedAt'>,
  policy: CheckInPolicy,
  now: Instant,
): boolean {
  if (checkIn.answer !== null || member.endedAt !== null) return false
  if (member.termEnd !== null && compareInstants(now, member.termEnd) >= 0) return false
  return compareInstants(now, addDays(checkIn.sentAt, policy.checkInGraceDays)) >= 0
}
