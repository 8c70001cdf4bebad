/**
 * Term limits (issue 14): a policy may cap how many consecutive terms one person serves
 * (`maxConsecutiveTerms`). A volunteer who has already served that many terms in a row, up to a
 * call's term start, is excluded from the call with reason `term-limit`; the next in line takes the
 * seat. One person across calls is one normalised email address (`normaliseEmail`).
 *
 * Pure: the service reads the members' history and passes each response's counted terms in
 * (`ResponseInput.consecutiveTerms`); the selection only compares their number with the policy.
 */
import { addCalendarMonths, addDays, compareInstants, type Instant } from './time.js'

/**
 * How far apart two terms may be and still follow each other: a term that ends at most this many
 * days before the next one starts (or ends after it starts) is consecutive with it. Terms are meant
 * to meet exactly (a term ends when the next call's term starts); a month's slack absorbs a call
 * whose term start staff moved by a few weeks, and no more, so a year off breaks the run.
 */
export const CONSECUTIVE_GAP_DAYS = 31

/** A term a person served on the team, as the term-limit rule sees it. */
export interface ServedTerm {
  termStart: Instant
  /** Effective end: an early end where the member left early, else the term's end. */
  endsAt: Instant
  /**
   * A partial term: taken over mid-term from someone who left (origin `replacement`), or a staff
   * appointment shorter than a policy term. Whether it counts is the policy's `partialTermsCount`.
   */
  partial: boolean
}

/** The term-limit fields of a policy. */
export interface TermLimitPolicy {
  /** At most this many consecutive terms per person; null: no limit. */
  maxConsecutiveTerms?: number | null
  /** Whether a partial term counts as a term (true), or is skipped but keeps the run going (false). */
  partialTermsCount?: boolean
}

/**
 * The terms a person has served in an unbroken run up to `termStart`, oldest first, counting only
 * the terms the policy counts: starting from the term that ends at (or within
 * `CONSECUTIVE_GAP_DAYS` before) `termStart`, each earlier term that ends within the gap of the
 * next one's start joins the run. Terms still running after `termStart` play no part (their holder
 * is already on the team). A partial term the policy does not count is left out of the result but
 * does not break the run.
 */
export function consecutiveTermsBefore(
  terms: readonly ServedTerm[],
  termStart: Instant,
  policy: TermLimitPolicy,
): ServedTerm[] {
  const past = terms
    .filter((t) => compareInstants(t.endsAt, termStart) <= 0 && compareInstants(t.termStart, termStart) < 0)
    .sort((a, b) => compareInstants(b.termStart, a.termStart) || compareInstants(b.endsAt, a.endsAt))
  const run: ServedTerm[] = []
  let cursor = termStart
  for (const term of past) {
    // Sorted by start, newest first: the next candidate is the latest-starting term before the cursor.
    if (compareInstants(term.termStart, cursor) >= 0) continue
    if (compareInstants(term.endsAt, addDays(cursor, -CONSECUTIVE_GAP_DAYS)) < 0) break
    run.push(term)
    cursor = term.termStart
  }
  const counted = policy.partialTermsCount === false ? run.filter((t) => !t.partial) : run
  return counted.reverse()
}

/** Tells whether a person with `served` consecutive terms would exceed the policy's limit by serving another. */
export function reachesTermLimit(served: number, policy: TermLimitPolicy): boolean {
  const max = policy.maxConsecutiveTerms ?? null
  return max !== null && served >= max
}

/** "2021–2023, 2023–2025": the years of each term, for an explanation. */
export function termYears(terms: readonly Pick<ServedTerm, 'termStart' | 'endsAt'>[]): string {
  return terms.map((t) => `${t.termStart.slice(0, 4)}–${t.endsAt.slice(0, 4)}`).join(', ')
}

const NUMBER_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten']

function spelled(n: number): string {
  return NUMBER_WORDS[n] ?? String(n)
}

/** The sentence for a volunteer excluded by the term limit, naming their terms. */
export function termLimitSentence(who: string, served: readonly ServedTerm[] | number, max: number): string {
  const count = typeof served === 'number' ? served : served.length
  const years = typeof served === 'number' || served.length === 0 ? '' : ` (${termYears(served)})`
  return `${who} has served ${spelled(count)} consecutive term${count === 1 ? '' : 's'}${years}, and the policy allows at most ${max} in a row, so ${who} cannot be selected again now.`
}

/** A member record as the term-limit rule reads it (any team member, past or present). */
export interface TermRecord {
  email: string
  seat: string
  termStart: Instant
  /** The term's original end (null for staff). */
  termEnd: Instant | null
  /** The early end, when the member left early. */
  endedAt: Instant | null
  /** `selected`, `replacement`, `appointed` or `staff`. */
  origin: string
}

/**
 * The volunteer terms each person (by normalised email) has served, from the members' records: staff
 * seats never count (they are not volunteer terms). A replacement's term is partial (the rest of
 * someone else's term), and so is a staff appointment shorter than the policy's term length.
 */
export function servedTermsByPerson(
  records: readonly TermRecord[],
  termMonths: number,
  normalise: (email: string) => string,
): Map<string, ServedTerm[]> {
  const byPerson = new Map<string, ServedTerm[]>()
  for (const record of records) {
    if (record.seat === 'staff' || record.termEnd === null) continue
    const email = normalise(record.email)
    if (email === '') continue
    const partial =
      record.origin === 'replacement' ||
      (record.origin === 'appointed' &&
        compareInstants(record.termEnd, addCalendarMonths(record.termStart, termMonths)) < 0)
    const term: ServedTerm = { termStart: record.termStart, endsAt: record.endedAt ?? record.termEnd, partial }
    const terms = byPerson.get(email)
    if (terms) terms.push(term)
    else byPerson.set(email, [term])
  }
  return byPerson
}
