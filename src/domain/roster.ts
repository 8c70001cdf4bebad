/**
 * Who is on the team at an instant, and which volunteer seats are empty.
 *
 * The Code of Conduct: "The Code of Conduct Team comprises all dedicated IIIF staff, plus a minimum
 * of four representatives from different IIIF Consortium (IIIF-C) member institutions, and four
 * individuals from across the IIIF community". Terms are staggered, people leave early and staff
 * appoint replacements, so the team is a function of time (docs/rules.md#r1, #r15, #d14).
 */
import type { SeatCounts } from './policy.js'
import type { Category, Seat } from './selection.js'
import { compareInstants, type Instant } from './time.js'

export interface RosterMember {
  id: string
  name: string
  institution: string | null
  seat: Seat
  termStart: Instant
  /** The original end of term (null for staff), kept on record when someone leaves early. */
  termEnd: Instant | null
  /** When the member actually stopped (or will stop) serving, if early. */
  endedAt: Instant | null
}

const SEAT_ORDER: Record<string, number> = { staff: 0, consortium: 1, community: 2 }

/** Where a seat comes in the roster: staff, then the IIIF 2017 classes, then any other class (by name). */
function seatOrder(a: Seat, b: Seat): number {
  const x = SEAT_ORDER[a] ?? 3
  const y = SEAT_ORDER[b] ?? 3
  return x - y || (x === 3 ? (a < b ? -1 : a > b ? 1 : 0) : 0)
}

/** The instant a member stops serving: the early end when there is one, else the end of term (null: never). */
export function effectiveEnd(member: Pick<RosterMember, 'termEnd' | 'endedAt'>): Instant | null {
  if (member.endedAt === null) return member.termEnd
  if (member.termEnd === null) return member.endedAt
  return compareInstants(member.endedAt, member.termEnd) < 0 ? member.endedAt : member.termEnd
}

/** A member serves at `t` when `termStart ≤ t < end` (the effective end; no end for staff). */
export function servesAt(member: Pick<RosterMember, 'termStart' | 'termEnd' | 'endedAt'>, t: Instant): boolean {
  if (compareInstants(member.termStart, t) > 0) return false
  const end = effectiveEnd(member)
  return end === null || compareInstants(t, end) < 0
}

/** The team at `t`: staff first, then consortium, then community seats (then any other class by name), each by term start then name. */
export function rosterAt<M extends RosterMember>(members: readonly M[], t: Instant): M[] {
  return members
    .filter((member) => servesAt(member, t))
    .sort(
      (a, b) =>
        seatOrder(a.seat, b.seat) ||
        compareInstants(a.termStart, b.termStart) ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
}

/** Empty volunteer seats at `t` per category: the policy's seats less the volunteers serving then, never below zero. */
export function vacanciesAt(seats: SeatCounts, members: readonly RosterMember[], t: Instant): SeatCounts {
  const serving: SeatCounts = {}
  for (const member of members)
    if (member.seat !== 'staff' && servesAt(member, t)) serving[member.seat] = (serving[member.seat] ?? 0) + 1
  const vacancies: SeatCounts = {}
  for (const [category, n] of Object.entries(seats)) vacancies[category] = Math.max(0, n - (serving[category] ?? 0))
  return vacancies
}

/**
 * Empty volunteer seats per category throughout `[start, end)` (end null: without end): the fewest
 * at any instant of it. A seat is only free for a whole term if nobody takes it meanwhile, and the
 * number serving only rises when someone's term starts, so the fewest is found at `start` or at a
 * term start inside the span.
 */
export function vacanciesDuring(
  seats: SeatCounts,
  members: readonly RosterMember[],
  start: Instant,
  end: Instant | null,
): SeatCounts {
  const fewest = vacanciesAt(seats, members, start)
  for (const member of members) {
    const t = member.termStart
    if (compareInstants(t, start) <= 0 || (end !== null && compareInstants(t, end) >= 0)) continue
    const then = vacanciesAt(seats, members, t)
    for (const category of Object.keys(fewest)) fewest[category] = Math.min(fewest[category]!, then[category]!)
  }
  return fewest
}

/** Members whose terms start after `t` (and who will serve), by term start then seat and name: the roster's `incoming`. */
export function incomingAfter<M extends RosterMember>(members: readonly M[], t: Instant): M[] {
  return members
    .filter((m) => compareInstants(m.termStart, t) > 0)
    .filter((m) => {
      const end = effectiveEnd(m)
      return end === null || compareInstants(m.termStart, end) < 0
    })
    .sort(
      (a, b) =>
        compareInstants(a.termStart, b.termStart) ||
        seatOrder(a.seat, b.seat) ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
}

/** The first instant after `t` at which someone's service starts or ends, or null: the roster at `t` stays true until then (it may also stay true after it, when someone leaves as they start). */
export function nextChangeAfter(members: readonly RosterMember[], t: Instant): Instant | null {
  let next: Instant | null = null
  for (const member of members) {
    for (const boundary of [member.termStart, effectiveEnd(member)]) {
      if (
        boundary !== null &&
        compareInstants(boundary, t) > 0 &&
        (next === null || compareInstants(boundary, next) < 0)
      )
        next = boundary
    }
  }
  return next
}

/**
 * The term a replacement serves: the remainder of the departing member's seat — from the later of
 * the departure and the seat's start, to the departing member's original end of term — so seat
 * slots keep the stagger instead of restarting a full term.
 */
export function remainderOfTerm(
  departing: Pick<RosterMember, 'termStart' | 'termEnd'>,
  effective: Instant,
): { termStart: Instant; termEnd: Instant | null } {
  const termStart = compareInstants(effective, departing.termStart) < 0 ? departing.termStart : effective
  return { termStart, termEnd: departing.termEnd }
}

export type { Category }
