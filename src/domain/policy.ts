import { emailAddressProblem } from './email.js'

/** The two kinds of volunteer seat: IIIF Consortium member institutions and the wider community. */
export const CATEGORIES = ['consortium', 'community'] as const
export type Category = (typeof CATEGORIES)[number]

/** A team member's seat: one of the "dedicated IIIF staff", or a volunteer category (in the roster's order). */
export const SEATS = ['staff', ...CATEGORIES] as const
export type Seat = (typeof SEATS)[number]

/** Seats per volunteer category. */
export interface SeatCounts {
  consortium: number
  community: number
}

/** How a team chooses and rotates its volunteers. */
export interface Policy {
  seats: SeatCounts
  termMonths: number
  callIntervalMonths: number
  windowDays: number
  inauguralStagger: boolean
  /** Days before a call closes that the list is reminded; 0: no reminder. */
  reminderDays: number
  /** Days before the next call on the cadence opens that rota creates it (as `scheduled`) and tells staff; 0: staff create calls themselves. */
  autoScheduleDays: number
  /** Days before a volunteer's term ends that rota tells them; 0: no notice. */
  termNoticeDays: number
  /** How long rota keeps personal data (src/domain/retention.ts). */
  retention: Retention
  // Term limits and check-ins (issue 14; src/domain/term-limits.ts, src/domain/check-ins.ts). Optional:
  // policies stored before them lack them; read them through `termPolicyOf`.
  /** At most this many consecutive terms per person (by email); null: no limit. */
  maxConsecutiveTerms?: number | null
  /** Whether a partial term (a replacement's, or a shorter appointment) counts toward `maxConsecutiveTerms`. */
  partialTermsCount?: boolean
  /** Months into a term that the member is asked to confirm they continue; null: no check-in. */
  checkInMonths?: number | null
  /** Days a member has to answer the check-in before staff are told. */
  checkInGraceDays?: number
  /**
   * Whether a call's selection takes effect at close (`none`) or once a committee approves it
   * (src/domain/approval.ts). Absent (a policy stored before approval existed): `none`; read it with `approvalOf`.
   */
  approval?: Approval
}

/** The term-limit and check-in fields of a policy, with the defaults for a policy stored before they existed. */
export type TermPolicy = Required<
  Pick<Policy, 'maxConsecutiveTerms' | 'partialTermsCount' | 'checkInMonths' | 'checkInGraceDays'>
>

/** No term limit and no check-in: what every team had before issue 14. */
export const DEFAULT_TERM_POLICY: TermPolicy = {
  maxConsecutiveTerms: null,
  partialTermsCount: true,
  checkInMonths: null,
  checkInGraceDays: 14,
}

/** A policy's term-limit and check-in fields, defaults filled in for a policy stored before they existed. */
export function termPolicyOf(policy: Partial<TermPolicy>): TermPolicy {
  return {
    maxConsecutiveTerms: policy.maxConsecutiveTerms ?? DEFAULT_TERM_POLICY.maxConsecutiveTerms,
    partialTermsCount: policy.partialTermsCount ?? DEFAULT_TERM_POLICY.partialTermsCount,
    checkInMonths: policy.checkInMonths ?? DEFAULT_TERM_POLICY.checkInMonths,
    checkInGraceDays: policy.checkInGraceDays ?? DEFAULT_TERM_POLICY.checkInGraceDays,
  }
}

/**
 * Who approves a call's selection: nobody (`none`: the close decides, as the 2017 Code of Conduct
 * has it), or a committee (`committee`: "approved by the IIIF Coordinating Committee", 2025) whose
 * address `approverEmail` hears of proposals waiting.
 */
export type Approval = { mode: 'none' } | { mode: 'committee'; approverEmail: string }

/** The close decides: no approval step. */
export const NO_APPROVAL: Approval = { mode: 'none' }

/** A policy's approval step, `none` for a policy stored before approval existed. */
export function approvalOf(policy: object): Approval {
  return (policy as Partial<Pick<Policy, 'approval'>>).approval ?? NO_APPROVAL
}

/**
 * How long rota keeps personal data, in calendar months; null keeps it (until erased on request).
 * `applicantsMonths`: volunteers not selected, counted from their call's close; `membersMonthsAfterTerm`:
 * former members, from the end of their last term; `mailMonths`: the text of emails (outbox bodies,
 * recipients, `.eml` files), from when they were queued. GDPR art. 5(1)(e), storage limitation.
 */
export interface Retention {
  applicantsMonths: number | null
  membersMonthsAfterTerm: number | null
  mailMonths: number | null
}

/** Kept long enough to answer questions about a call and a term, no longer. */
export const DEFAULT_RETENTION: Retention = { applicantsMonths: 12, membersMonthsAfterTerm: 24, mailMonths: 6 }

/** The longest retention period staff may set (ten years). */
export const MAX_RETENTION_MONTHS = 120

/**
 * The IIIF Code of Conduct's own numbers: "a minimum of four representatives from different IIIF
 * Consortium (IIIF-C) member institutions, and four individuals from across the IIIF community",
 * terms of "two years (24 months)", a call "Every 12 months" that stays open "one month (4 weeks)"
 * (docs/rules.md#r1, #r4, #r10, #r11).
 */
export const DEFAULT_POLICY: Policy = {
  seats: { consortium: 4, community: 4 },
  termMonths: 24,
  callIntervalMonths: 12,
  windowDays: 28,
  inauguralStagger: true,
  reminderDays: 7,
  autoScheduleDays: 60,
  termNoticeDays: 30,
  retention: DEFAULT_RETENTION,
  ...DEFAULT_TERM_POLICY,
  approval: NO_APPROVAL,
}

/** A change to a policy: any subset of its fields, seats included field by field. */
export interface PolicyPatch {
  seats?: Partial<SeatCounts>
  termMonths?: number
  callIntervalMonths?: number
  windowDays?: number
  inauguralStagger?: boolean
  reminderDays?: number
  autoScheduleDays?: number
  termNoticeDays?: number
  retention?: Partial<Retention>
  maxConsecutiveTerms?: number | null
  partialTermsCount?: boolean
  checkInMonths?: number | null
  checkInGraceDays?: number
  /** Replaced whole. */
  approval?: Approval
}

export interface PolicyProblem {
  field: string
  message: string
}

/** Applies a partial change to a policy, field by field. */
export function mergePolicy(policy: Policy, patch: PolicyPatch): Policy {
  return {
    seats: { ...policy.seats, ...patch.seats },
    termMonths: patch.termMonths ?? policy.termMonths,
    callIntervalMonths: patch.callIntervalMonths ?? policy.callIntervalMonths,
    windowDays: patch.windowDays ?? policy.windowDays,
    inauguralStagger: patch.inauguralStagger ?? policy.inauguralStagger,
    reminderDays: patch.reminderDays ?? policy.reminderDays,
    autoScheduleDays: patch.autoScheduleDays ?? policy.autoScheduleDays,
    termNoticeDays: patch.termNoticeDays ?? policy.termNoticeDays,
    // null is a value here ("keep"): only a field left out keeps the old one.
    retention: { ...retentionOf(policy), ...patch.retention },
    // null is a value here too (no limit, no check-in).
    ...termPolicyOf(policy),
    ...definedOnly({
      maxConsecutiveTerms: patch.maxConsecutiveTerms,
      partialTermsCount: patch.partialTermsCount,
      checkInMonths: patch.checkInMonths,
      checkInGraceDays: patch.checkInGraceDays,
    }),
    approval: patch.approval ?? approvalOf(policy),
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

/**
 * Checks the rules a policy must keep beyond field types: at least one volunteer seat, a window
 * that closes before the next annual call opens, and terms that can be halved when the inaugural
 * stagger ("replace existing team members on a staggered rolling basis") is on (docs/rules.md#d19).
 */
export function policyProblems(policy: Policy): PolicyProblem[] {
  const problems: PolicyProblem[] = []
  const whole = (field: string, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min) problems.push({ field, message: `must be a whole number ≥ ${min}` })
  }
  whole('policy.seats.consortium', policy.seats.consortium, 0)
  whole('policy.seats.community', policy.seats.community, 0)
  whole('policy.termMonths', policy.termMonths, 1)
  whole('policy.callIntervalMonths', policy.callIntervalMonths, 1)
  whole('policy.windowDays', policy.windowDays, 1)
  whole('policy.reminderDays', policy.reminderDays, 0)
  whole('policy.autoScheduleDays', policy.autoScheduleDays, 0)
  whole('policy.termNoticeDays', policy.termNoticeDays, 0)
  const retention = retentionOf(policy)
  for (const field of ['applicantsMonths', 'membersMonthsAfterTerm', 'mailMonths'] as const) {
    const value = retention[field]
    if (value !== null && (!Number.isInteger(value) || value < 1 || value > MAX_RETENTION_MONTHS))
      problems.push({
        field: `policy.retention.${field}`,
        message: `must be a whole number of months from 1 to ${MAX_RETENTION_MONTHS}, or null to keep`,
      })
  }
  const terms = termPolicyOf(policy)
  if (terms.maxConsecutiveTerms !== null) whole('policy.maxConsecutiveTerms', terms.maxConsecutiveTerms, 1)
  if (terms.checkInMonths !== null) whole('policy.checkInMonths', terms.checkInMonths, 1)
  whole('policy.checkInGraceDays', terms.checkInGraceDays, 1)
  const approval = approvalOf(policy)
  if (approval.mode === 'committee') {
    const problem = emailAddressProblem(approval.approverEmail.trim())
    if (problem !== null) problems.push({ field: 'policy.approval.approverEmail', message: problem })
  }
  if (problems.length > 0) return problems
  if (terms.checkInMonths !== null && terms.checkInMonths >= policy.termMonths) {
    problems.push({ field: 'policy.checkInMonths', message: `must be less than termMonths (${policy.termMonths})` })
  }
  if (policy.seats.consortium + policy.seats.community < 1) {
    problems.push({ field: 'policy.seats', message: 'must offer at least one volunteer seat' })
  }
  // The shortest calendar month has 28 days: a longer window could overlap the next call.
  if (policy.windowDays > policy.callIntervalMonths * 28) {
    problems.push({
      field: 'policy.windowDays',
      message: `must be at most ${policy.callIntervalMonths * 28} days so that a call closes before the next one opens`,
    })
  }
  if (policy.inauguralStagger && policy.termMonths % 2 !== 0) {
    problems.push({
      field: 'policy.termMonths',
      message: 'must be even while inauguralStagger is on (half the first team serves half a term)',
    })
  }
  return problems
}

/** A policy's retention, with the defaults for a policy stored before retention existed. */
export function retentionOf(policy: Pick<Policy, 'retention'> | Omit<Policy, 'retention'>): Retention {
  const stored = (policy as Partial<Pick<Policy, 'retention'>>).retention
  return { ...DEFAULT_RETENTION, ...stored }
}
