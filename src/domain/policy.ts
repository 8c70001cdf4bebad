import { emailAddressProblem } from './email.js'

/**
 * A team's policy: how it chooses and rotates its volunteers. Seats are named classes, each with a
 * count and an eligibility rule over the volunteer's institution (its flags); the IIIF 2017 rules
 * are two classes, `consortium` (institutions flagged `consortium`) and `community` (any other).
 */

/** The seat of the "dedicated IIIF staff": reserved, never a class name. */
export const STAFF_SEAT = 'staff'

/** The default policy's seat classes, in policy order. */
export const CATEGORIES = ['consortium', 'community'] as const

/** A seat class's name: a slug (`^[a-z][a-z0-9-]{0,31}$`), unique in its policy, never `staff`. */
export type Category = string

/** A team member's seat: `staff` (one of the "dedicated IIIF staff") or a seat class of the policy. */
export type Seat = string

/** The default policy's seats, staff first (the roster's order). */
export const SEATS = [STAFF_SEAT, ...CATEGORIES] as const

/** What a class name and a flag look like. */
export const SLUG_PATTERN = '^[a-z][a-z0-9-]{0,31}$'
const SLUG = new RegExp(SLUG_PATTERN)

/** The flag that marks IIIF Consortium member institutions (`consortium: true` in the institutions API). */
export const CONSORTIUM_FLAG = 'consortium'

/**
 * Who may take a seat of a class, judged on the flags of the volunteer's institution: `"any"`;
 * `{ institutionFlag }` (the institution carries the flag; a free-text or blank institution carries
 * none); `{ not }`, `{ all }`, `{ any }`.
 */
export type Eligibility =
  'any' | { institutionFlag: string } | { not: Eligibility } | { all: Eligibility[] } | { any: Eligibility[] }

/** A seat class: its name, how many seats it has, and who may take them. */
export interface SeatClass {
  class: string
  count: number
  eligible: Eligibility
}

/** At most `max` members and selected volunteers (together) from institutions carrying `flag`. */
export interface FlagCap {
  flag: string
  max: number
}

/** `halves`: a call that fills an empty team gives half its seats (per class, rounded down) half a term. */
export const STAGGERS = ['none', 'halves'] as const
export type Stagger = (typeof STAGGERS)[number]

/** Seats per class, keys in policy order. */
export type SeatCounts = Record<string, number>

/** How a team chooses and rotates its volunteers. */
export interface Policy {
  /** The seat classes in policy order: a volunteer takes the first they are eligible for with a seat left. */
  seats: SeatClass[]
  /** At most this many members and selected volunteers (together) per institution; unaffiliated volunteers are exempt. */
  maxPerInstitution: number
  /** Caps per institution flag (conda-style "at most N from flag X"). */
  flagCaps: FlagCap[]
  termMonths: number
  callIntervalMonths: number
  windowDays: number
  stagger: Stagger
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

/** The IIIF 2017 seat classes: IIIF Consortium member institutions, then everyone else. */
export function iiif2017Seats(consortium: number, community: number): SeatClass[] {
  return [
    { class: 'consortium', count: consortium, eligible: { institutionFlag: CONSORTIUM_FLAG } },
    { class: 'community', count: community, eligible: { not: { institutionFlag: CONSORTIUM_FLAG } } },
  ]
}

/**
 * The IIIF Code of Conduct's own numbers: "a minimum of four representatives from different IIIF
 * Consortium (IIIF-C) member institutions, and four individuals from across the IIIF community",
 * terms of "two years (24 months)", a call "Every 12 months" that stays open "one month (4 weeks)"
 * (docs/rules.md#r1, #r4, #r10, #r11).
 */
export const DEFAULT_POLICY: Policy = {
  seats: iiif2017Seats(4, 4),
  maxPerInstitution: 1,
  flagCaps: [],
  termMonths: 24,
  callIntervalMonths: 12,
  windowDays: 28,
  stagger: 'halves',
  reminderDays: 7,
  autoScheduleDays: 60,
  termNoticeDays: 30,
  retention: DEFAULT_RETENTION,
  ...DEFAULT_TERM_POLICY,
  approval: NO_APPROVAL,
}

/** Seats per class as the policy offers them, in policy order. */
export function seatCountsOf(policy: Pick<Policy, 'seats'>): SeatCounts {
  const counts: SeatCounts = {}
  for (const c of policy.seats) counts[c.class] = c.count
  return counts
}

/** The policy's class names, in policy order. */
export function classNames(policy: Pick<Policy, 'seats'>): string[] {
  return policy.seats.map((c) => c.class)
}

/** Zero seats for every class of the policy, in policy order. */
export function zeroCounts(classes: readonly string[]): SeatCounts {
  const counts: SeatCounts = {}
  for (const c of classes) counts[c] = 0
  return counts
}

/** The total of a seat count map. */
export function totalSeats(counts: SeatCounts): number {
  let total = 0
  for (const n of Object.values(counts)) total += n
  return total
}

/** Tells whether an institution with these flags may take a seat under this rule. */
export function isEligible(rule: Eligibility, flags: ReadonlySet<string>): boolean {
  if (rule === 'any') return true
  if ('institutionFlag' in rule) return flags.has(rule.institutionFlag)
  if ('not' in rule) return !isEligible(rule.not, flags)
  if ('all' in rule) return rule.all.every((r) => isEligible(r, flags))
  return rule.any.some((r) => isEligible(r, flags))
}

/** An institution's flags: its `flags`, with `consortium` added for a IIIF Consortium member. */
export function institutionFlags(institution: { consortium: boolean; flags?: readonly string[] }): Set<string> {
  const flags = new Set(institution.flags ?? [])
  if (institution.consortium) flags.add(CONSORTIUM_FLAG)
  return flags
}

// ---------------------------------------------------------------------------------------------
// The old shape (before seat classes): `seats: { consortium, community }`, `inauguralStagger`.

/** The policy fields that changed shape, as they were before seat classes. */
export interface LegacySeatFields {
  seats: { consortium: number; community: number }
  inauguralStagger: boolean
}

/** A policy in the shape it had before seat classes (accepted by the API for one release). */
export type LegacyPolicy = Omit<Policy, 'seats' | 'maxPerInstitution' | 'flagCaps' | 'stagger'> & LegacySeatFields

/** A policy given in either shape. */
export type AnyShapePolicy = Policy | LegacyPolicy

/** Tells whether a policy (or its seat fields) is in the shape before seat classes. */
export function isLegacyShape(policy: object): policy is LegacySeatFields {
  const seats = (policy as { seats?: unknown }).seats
  return (typeof seats === 'object' && seats !== null && !Array.isArray(seats)) || 'inauguralStagger' in policy
}

/**
 * The seat fields of a policy in the old shape, in the new: the IIIF 2017 classes with the old
 * counts, one seat per institution, no flag caps, `stagger` halves ⇔ `inauguralStagger`. Lossless:
 * `legacySeatsOf` gives the old fields back.
 */
export function upgradeSeatFields(
  old: LegacySeatFields,
): Pick<Policy, 'seats' | 'maxPerInstitution' | 'flagCaps' | 'stagger'> {
  return {
    seats: iiif2017Seats(old.seats.consortium, old.seats.community),
    maxPerInstitution: 1,
    flagCaps: [],
    stagger: old.inauguralStagger ? 'halves' : 'none',
  }
}

/** A whole policy in the new shape, whichever shape it was given in. */
export function upgradePolicy<P extends object>(policy: P): P extends LegacyPolicy ? Policy : P {
  if (!isLegacyShape(policy)) return policy as never
  const { seats: _seats, inauguralStagger: _stagger, ...rest } = policy as unknown as LegacyPolicy
  return { ...rest, ...upgradeSeatFields(policy) } as never
}

/**
 * The seat fields in the old shape when the policy says exactly what the old shape could — the IIIF
 * 2017 classes in that order, one seat per institution, no flag caps — else null.
 */
export function legacySeatsOf(
  policy: Pick<Policy, 'seats' | 'maxPerInstitution' | 'flagCaps' | 'stagger'>,
): LegacySeatFields | null {
  const [a, b, ...more] = policy.seats
  if (!a || !b || more.length > 0 || policy.maxPerInstitution !== 1 || policy.flagCaps.length > 0) return null
  const same = (x: SeatClass, y: SeatClass) =>
    x.class === y.class && JSON.stringify(x.eligible) === JSON.stringify(y.eligible)
  const [c, d] = iiif2017Seats(a.count, b.count)
  if (!same(a, c!) || !same(b, d!)) return null
  return { seats: { consortium: a.count, community: b.count }, inauguralStagger: policy.stagger === 'halves' }
}

/** A change to a policy: any subset of its fields; `seats` and `flagCaps` are replaced whole, `retention` field by field. */
export interface PolicyPatch {
  seats?: SeatClass[]
  maxPerInstitution?: number
  flagCaps?: FlagCap[]
  termMonths?: number
  callIntervalMonths?: number
  windowDays?: number
  stagger?: Stagger
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

/** A change in the old shape: seat counts per default class, field by field, and `inauguralStagger`. */
export type LegacyPolicyPatch = Omit<PolicyPatch, 'seats' | 'stagger'> & {
  seats?: { consortium?: number; community?: number } | SeatClass[]
  inauguralStagger?: boolean
  stagger?: Stagger
}

export interface PolicyProblem {
  field: string
  message: string
}

/**
 * A change given in the old shape, in the new one against the current policy: `seats.consortium` /
 * `seats.community` set the count of the class of that name (a problem when the policy has none),
 * `inauguralStagger` sets `stagger`. `deprecated` tells whether the old shape was used.
 */
export function upgradePolicyPatch(
  current: Policy,
  patch: LegacyPolicyPatch,
): { patch: PolicyPatch; deprecated: boolean; problems: PolicyProblem[] } {
  const { seats, inauguralStagger, ...rest } = patch
  const problems: PolicyProblem[] = []
  const out: PolicyPatch = { ...rest }
  let deprecated = false
  if (seats !== undefined) {
    if (Array.isArray(seats)) out.seats = seats
    else {
      deprecated = true
      out.seats = current.seats.map((c) => ({ ...c }))
      for (const [name, count] of Object.entries(seats)) {
        if (count === undefined) continue
        if (!Number.isInteger(count) || count < 0) {
          problems.push({ field: `policy.seats.${name}`, message: 'must be a whole number ≥ 0' })
          continue
        }
        const found = out.seats.find((c) => c.class === name)
        if (found) found.count = count
        else problems.push({ field: `policy.seats.${name}`, message: `the policy has no seat class named ${name}` })
      }
    }
  }
  if (inauguralStagger !== undefined) {
    deprecated = true
    if (rest.stagger !== undefined && rest.stagger !== (inauguralStagger ? 'halves' : 'none'))
      problems.push({ field: 'policy.inauguralStagger', message: 'contradicts policy.stagger (give only stagger)' })
    out.stagger = inauguralStagger ? 'halves' : 'none'
  }
  return { patch: out, deprecated, problems }
}

/** Applies a partial change to a policy, field by field. */
export function mergePolicy(policy: Policy, patch: PolicyPatch): Policy {
  return {
    seats: patch.seats ?? policy.seats,
    maxPerInstitution: patch.maxPerInstitution ?? policy.maxPerInstitution,
    flagCaps: patch.flagCaps ?? policy.flagCaps,
    termMonths: patch.termMonths ?? policy.termMonths,
    callIntervalMonths: patch.callIntervalMonths ?? policy.callIntervalMonths,
    windowDays: patch.windowDays ?? policy.windowDays,
    stagger: patch.stagger ?? policy.stagger,
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

/** How deep an eligibility rule may nest. */
const MAX_RULE_DEPTH = 8

/** The problems of an eligibility rule, each naming its place (`policy.seats[0].eligible.not`). */
export function eligibilityProblems(rule: unknown, field: string, depth = 0): PolicyProblem[] {
  if (depth > MAX_RULE_DEPTH) return [{ field, message: `nests deeper than ${MAX_RULE_DEPTH} levels` }]
  if (rule === 'any') return []
  const shape = '"any", { "institutionFlag": flag }, { "not": rule }, { "all": [rules] } or { "any": [rules] }'
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule) || Object.keys(rule).length !== 1)
    return [{ field, message: `must be ${shape}` }]
  const [key, value] = Object.entries(rule as Record<string, unknown>)[0]!
  switch (key) {
    case 'institutionFlag':
      return typeof value === 'string' && SLUG.test(value)
        ? []
        : [{ field: `${field}.institutionFlag`, message: `must be a flag (${SLUG_PATTERN})` }]
    case 'not':
      return eligibilityProblems(value, `${field}.not`, depth + 1)
    case 'all':
    case 'any':
      if (!Array.isArray(value) || value.length === 0)
        return [{ field: `${field}.${key}`, message: 'must be a non-empty list of rules' }]
      return value.flatMap((r, i) => eligibilityProblems(r, `${field}.${key}[${i}]`, depth + 1))
    default:
      return [{ field, message: `must be ${shape}` }]
  }
}

/**
 * Checks the rules a policy must keep beyond field types: seat classes named by unique slugs (not
 * `staff`) with sound eligibility rules and at least one seat in all, a window that closes before
 * the next annual call opens, and terms that can be halved when the policy staggers ("replace
 * existing team members on a staggered rolling basis", docs/rules.md#d19).
 */
export function policyProblems(policy: Policy): PolicyProblem[] {
  const problems: PolicyProblem[] = []
  const whole = (field: string, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min) problems.push({ field, message: `must be a whole number ≥ ${min}` })
  }
  if (!Array.isArray(policy.seats) || policy.seats.length === 0)
    problems.push({ field: 'policy.seats', message: 'must be a non-empty list of seat classes' })
  else {
    const seen = new Set<string>()
    policy.seats.forEach((c, i) => {
      const at = `policy.seats[${i}]`
      if (typeof c.class !== 'string' || !SLUG.test(c.class))
        problems.push({ field: `${at}.class`, message: `must be a slug (${SLUG_PATTERN})` })
      else if (c.class === STAFF_SEAT)
        problems.push({ field: `${at}.class`, message: 'staff is reserved for staff members' })
      else if (seen.has(c.class))
        problems.push({ field: `${at}.class`, message: `${c.class} is already a class of this policy` })
      seen.add(c.class)
      whole(`${at}.count`, c.count, 0)
      problems.push(...eligibilityProblems(c.eligible, `${at}.eligible`))
    })
  }
  whole('policy.maxPerInstitution', policy.maxPerInstitution, 1)
  if (!Array.isArray(policy.flagCaps)) problems.push({ field: 'policy.flagCaps', message: 'must be a list' })
  else {
    const seen = new Set<string>()
    policy.flagCaps.forEach((cap, i) => {
      if (typeof cap.flag !== 'string' || !SLUG.test(cap.flag))
        problems.push({ field: `policy.flagCaps[${i}].flag`, message: `must be a flag (${SLUG_PATTERN})` })
      else if (seen.has(cap.flag))
        problems.push({ field: `policy.flagCaps[${i}].flag`, message: `${cap.flag} is capped twice` })
      seen.add(cap.flag)
      whole(`policy.flagCaps[${i}].max`, cap.max, 0)
    })
  }
  if (!(STAGGERS as readonly unknown[]).includes(policy.stagger))
    problems.push({ field: 'policy.stagger', message: `must be one of ${STAGGERS.join(', ')}` })
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
  if (totalSeats(seatCountsOf(policy)) < 1) {
    problems.push({ field: 'policy.seats', message: 'must offer at least one volunteer seat' })
  }
  // The shortest calendar month has 28 days: a longer window could overlap the next call.
  if (policy.windowDays > policy.callIntervalMonths * 28) {
    problems.push({
      field: 'policy.windowDays',
      message: `must be at most ${policy.callIntervalMonths * 28} days so that a call closes before the next one opens`,
    })
  }
  if (policy.stagger === 'halves' && policy.termMonths % 2 !== 0) {
    problems.push({
      field: 'policy.termMonths',
      message: 'must be even while stagger is halves (half the first team serves half a term)',
    })
  }
  return problems
}

/** A policy's retention, with the defaults for a policy stored before retention existed. */
export function retentionOf(policy: object): Retention {
  const stored = (policy as Partial<Pick<Policy, 'retention'>>).retention
  return { ...DEFAULT_RETENTION, ...stored }
}
