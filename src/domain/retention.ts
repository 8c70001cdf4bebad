import type { Retention, Seat } from './policy.js'
import type { OutboxStatus } from './notices.js'
import { addCalendarMonths, addDays, compareInstants, type Instant } from './time.js'

/**
 * Storage limitation (GDPR art. 5(1)(e)): which personal data a team's retention policy says must go
 * at instant `now`. Pure: the service loads the facts, applies what this returns in one transaction,
 * and leaves tombstones (README, "Personal data").
 */

/** A volunteer's response, as retention sees it. `person` is the email key (trimmed, lower-cased). */
export interface ResponseFacts {
  id: string
  person: string
  callId: string
  /** When its call closed (or was cancelled); null while it is still undecided. */
  closedAt: Instant | null
  /** The member this response made (selected, or a promoted alternate), unless voided by a reopen. */
  memberId: string | null
}

/** A member, as retention sees them. */
export interface MemberFacts {
  id: string
  person: string
  seat: Seat
  /** Effective end of the term (an early end, else the term's end); null: serving with no end. */
  endsAt: Instant | null
  /** When the close that made this member was undone (the member never served). */
  voidedAt: Instant | null
}

/** An email, as retention sees it. `person` is its recipient's email key, when it went to a volunteer or member. */
export interface MailFacts {
  id: string
  person: string | null
  status: OutboxStatus
  createdAt: Instant
  callId: string | null
  memberId: string | null
}

export interface ErasureFacts {
  responses: readonly ResponseFacts[]
  members: readonly MemberFacts[]
  mail: readonly MailFacts[]
}

/** What is due for erasure: ids of responses, members and outbox rows. */
export interface ErasureDue {
  responses: string[]
  members: string[]
  mail: string[]
}

/** Whether `months` calendar months have passed since `from` at `now` (null months: never). */
export function monthsPassed(from: Instant, months: number | null, now: Instant): boolean {
  return months !== null && compareInstants(addCalendarMonths(from, months), now) <= 0
}

/**
 * An instant no later than any `from` for which `monthsPassed(from, months, now)` holds — every due
 * record is older — so a query can leave out what cannot be due yet (a calendar month has at least 28
 * days). Null when nothing is ever due (months null).
 */
export function notAfter(months: number | null, now: Instant): Instant | null {
  return months === null ? null : addDays(now, -28 * months)
}

/** Whether a member row ever counted (a reopen voids the members its close made). */
function counts(member: MemberFacts): boolean {
  return member.voidedAt === null
}

/**
 * Decides what is due at `now`:
 * - a member's data, `membersMonthsAfterTerm` after the last term of that person ended — never while
 *   they serve or are about to (any counting member row without an end, or ending after `now`); a
 *   member row voided by a reopen is an applicant's: due `applicantsMonths` after it was voided;
 * - a response that made a member goes with that member; any other response (not selected, an
 *   alternate never promoted), `applicantsMonths` after its call closed;
 * - an email that is no longer on its way (not pending or sending): `mailMonths` after it was
 *   queued, or with the response or member it was about (the same call and recipient, or the member).
 * Each on the day it is due, not before (`monthsPassed`).
 */
export function erasureDue(facts: ErasureFacts, retention: Retention, now: Instant): ErasureDue {
  const byPerson = new Map<string, MemberFacts[]>()
  for (const member of facts.members) {
    if (!counts(member)) continue
    const list = byPerson.get(member.person) ?? []
    list.push(member)
    byPerson.set(member.person, list)
  }
  // A person's members go together, once every term of theirs has ended and the period has passed.
  const personDue = new Map<string, boolean>()
  for (const [person, list] of byPerson) {
    let last: Instant | null = null
    let ended = true
    for (const member of list) {
      if (member.endsAt === null || compareInstants(member.endsAt, now) > 0) ended = false
      else if (last === null || compareInstants(member.endsAt, last) > 0) last = member.endsAt
    }
    personDue.set(person, ended && last !== null && monthsPassed(last, retention.membersMonthsAfterTerm, now))
  }

  const members = new Set<string>()
  for (const member of facts.members) {
    const due = counts(member)
      ? personDue.get(member.person) === true
      : monthsPassed(member.voidedAt!, retention.applicantsMonths, now)
    if (due) members.add(member.id)
  }

  const responses = new Set<string>()
  for (const response of facts.responses) {
    const due =
      response.memberId !== null
        ? members.has(response.memberId)
        : response.closedAt !== null && monthsPassed(response.closedAt, retention.applicantsMonths, now)
    if (due) responses.add(response.id)
  }
  // An email about an erased response: to its person, about its call.
  const erasedAbout = new Set(facts.responses.filter((r) => responses.has(r.id)).map((r) => `${r.callId} ${r.person}`))

  const mail: string[] = []
  for (const row of facts.mail) {
    if (row.status === 'pending' || row.status === 'sending') continue
    const aboutErased =
      (row.memberId !== null && members.has(row.memberId)) ||
      (row.person !== null && row.callId !== null && erasedAbout.has(`${row.callId} ${row.person}`))
    if (aboutErased || monthsPassed(row.createdAt, retention.mailMonths, now)) mail.push(row.id)
  }
  return { responses: [...responses], members: [...members], mail }
}
