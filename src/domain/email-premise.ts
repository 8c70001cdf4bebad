/**
 * Emails that match what happened (issue 12). An email is rendered when rota decides to send it,
 * but it leaves later — on the next tick, after a retry, after an outage. Meanwhile the team may
 * have changed: the outbox asks `emailPremise` just before each send whether what the email says
 * about its recipient is still true, and records it as skipped, with the reason, when it is not
 * (nothing is lost: staff see it and may still send it). And a change to the team queues the emails
 * that tell the people concerned (`noticesAfterStepDown`).
 */
import type { NoticeDecision } from './lifecycle.js'
import type { NoticeKind } from './notices.js'
import { compareInstants, formatInstant, type Instant } from './time.js'

/** A member as the premise of an email needs them. */
export interface PremiseMember {
  /** selected (by a call), replacement (an alternate promoted), appointed (by staff). */
  origin: string
  endedAt: Instant | null
}

/**
 * What the outbox knows at send time. `member`: the member the email is about (rows queued for a
 * member), null when that member is no longer on record; absent when the email is about no member.
 * `atAddress`: the members that the email's call brought in (selected, promoted or appointed into
 * it) with the recipient's address.
 */
export interface PremiseFacts {
  member?: PremiseMember | null
  atAddress?: readonly PremiseMember[]
  /** The response the email is about (an acknowledgement) and its call; null when it is no longer on record. */
  response?: PremiseResponse | null
  /** For the approver's emails: how many proposals of the email's call still wait (in its current selection). */
  waiting?: number
}

/** A response as the premise of its acknowledgement needs it. */
export interface PremiseResponse {
  submittedAt: Instant
  /** Null while it counts; else whether the volunteer withdrew it or staff removed it. */
  removed: 'withdrawn' | 'by-staff' | null
  erased: boolean
  call: { opensAt: Instant; closesAt: Instant; closed: boolean; cancelled: boolean }
}

/** Send it, or skip it because what it says is no longer true. */
export type Premise = { holds: true } | { holds: false; reason: string }

const HOLDS: Premise = { holds: true }

/** The facts the premise of `kind` depends on: what the outbox must look up before sending it. */
export function premiseNeeds(kind: NoticeKind): {
  member: boolean
  atAddress: boolean
  response?: boolean
  waiting?: boolean
} {
  switch (kind) {
    case 'approval-requested':
    case 'approval-reminder':
      return { member: false, atAddress: false, waiting: true }
    case 'selected':
    case 'alternate':
      return { member: false, atAddress: true, response: false }
    case 'replacement-selected':
    case 'appointed':
    case 'term-ending':
    case 'member-joined':
      return { member: true, atAddress: false, response: false }
    case 'acknowledged':
      return { member: false, atAddress: false, response: true }
    default:
      return { member: false, atAddress: false, response: false }
  }
}

/**
 * Whether an email still tells the truth when it is about to go out:
 * - `selected` ("you have been selected, your term runs …") only to someone the call selected who
 *   is still on the team — not after they stepped down or were removed;
 * - `alternate` ("you may be asked if a seat frees up") only while the volunteer has not since
 *   joined the team from that call (promoted or appointed: that email tells them instead);
 * - `replacement-selected`, `appointed`, `term-ending` and the list's `member-joined` only while the
 *   member they are about is on the team and has not stepped down;
 * - `acknowledged` ("we received your response; you may withdraw it before the close") only while
 *   that response still counts — not withdrawn, removed by staff or erased, still inside the
 *   window — and its call is neither closed (the result email tells them) nor cancelled.
 * - `approval-requested` and `approval-reminder` only while proposals of the call still wait: once
 *   the committee decided them all (or staff reopened the call), the approver is not asked again.
 * Everything else (announcements, staff notices, thanks to a member who stepped down) holds.
 */
export function emailPremise(kind: NoticeKind, facts: PremiseFacts): Premise {
  switch (kind) {
    case 'approval-requested':
    case 'approval-reminder':
      return facts.waiting === 0
        ? { holds: false, reason: 'no proposal of the call waits for approval any more' }
        : HOLDS
    case 'selected': {
      const selected = (facts.atAddress ?? []).find((m) => m.origin === 'selected')
      if (!selected) return { holds: false, reason: 'the volunteer is no longer on the team' }
      if (selected.endedAt !== null)
        return {
          holds: false,
          reason: `the volunteer stepped down (effective ${formatInstant(selected.endedAt)}) before this email went out`,
        }
      return HOLDS
    }
    case 'alternate': {
      const joined = (facts.atAddress ?? []).find((m) => m.origin !== 'selected')
      return joined
        ? {
            holds: false,
            reason: `the volunteer has since joined the team (${joined.origin === 'replacement' ? 'promoted' : 'appointed'}); that email tells them`,
          }
        : HOLDS
    }
    case 'replacement-selected':
    case 'appointed':
    case 'term-ending':
    case 'member-joined': {
      if (facts.member === undefined) return HOLDS
      if (facts.member === null) return { holds: false, reason: 'the member is no longer on the team' }
      if (facts.member.endedAt !== null)
        return {
          holds: false,
          reason: `the member stepped down (effective ${formatInstant(facts.member.endedAt)}) before this email went out`,
        }
      return HOLDS
    }
    case 'acknowledged':
      return acknowledgementPremise(facts.response)
    default:
      return HOLDS
  }
}

function acknowledgementPremise(response: PremiseResponse | null | undefined): Premise {
  if (response === undefined) return HOLDS
  if (response === null) return { holds: false, reason: 'the response is no longer on record' }
  if (response.erased) return { holds: false, reason: "the volunteer's data was erased" }
  if (response.removed === 'withdrawn')
    return { holds: false, reason: 'the volunteer withdrew the response before this email went out' }
  if (response.removed === 'by-staff')
    return { holds: false, reason: 'staff removed the response before this email went out' }
  const { call } = response
  if (call.cancelled) return { holds: false, reason: 'the call was cancelled before this email went out' }
  if (call.closed)
    return {
      holds: false,
      reason: 'the call closed before this email went out; the result email tells the volunteer, with the same link',
    }
  if (
    compareInstants(response.submittedAt, call.opensAt) < 0 ||
    compareInstants(response.submittedAt, call.closesAt) >= 0
  )
    return { holds: false, reason: "the response is outside the call's window (changed since): it does not count" }
  return HOLDS
}

/** An email a step-down causes: its kind, who receives it, and the earliest instant it may go. */
export interface StepDownNotice {
  kind: 'stepped-down' | 'replacement-selected' | 'member-joined'
  /** `member`: the one who stepped down; `replacement`: the alternate promoted; `mailing-list`: the team's list. */
  to: 'member' | 'replacement' | 'mailing-list'
  /** Null: at once. */
  notBefore: Instant | null
}

/**
 * What a step-down queues: thanks to the member who leaves (`stepped-down`); when an alternate was
 * promoted, `replacement-selected` to her (with her term) and the list's welcome (`member-joined`)
 * held back until her term starts — the list hears nothing before then, and nothing about who left.
 * Without a replacement the list hears nothing: the vacancy is staff's to fill.
 */
export function noticesAfterStepDown(replacement: { termStart: Instant } | null): StepDownNotice[] {
  const notices: StepDownNotice[] = [{ kind: 'stepped-down', to: 'member', notBefore: null }]
  if (replacement) {
    notices.push({ kind: 'replacement-selected', to: 'replacement', notBefore: null })
    notices.push({ kind: 'member-joined', to: 'mailing-list', notBefore: replacement.termStart })
  }
  return notices
}

/**
 * Whether an appointment is told to the appointee: yes, unless the term it records had already
 * ended when staff recorded it (entering the team's history is not news to anyone) — then the
 * `appointed` email is kept as skipped, with that reason.
 */
export function appointmentNotice(term: { termEnd: Instant | null }, now: Instant): NoticeDecision {
  if (term.termEnd !== null && compareInstants(term.termEnd, now) <= 0)
    return { send: false, reason: `the term had already ended (${formatInstant(term.termEnd)}) when it was recorded` }
  return { send: true }
}
