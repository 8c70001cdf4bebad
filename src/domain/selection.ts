/**
 * First-come selection of Code of Conduct Team volunteers (docs/rules.md#r2, #r6, #r7, #r8; #d1–#d8).
 *
 * The Code of Conduct: "The team is composed based on a first-come, first-served volunteer
 * approach … If more than one individual from a single institution volunteers, the first volunteer
 * will be selected. If there are more than 4 volunteers from IIIF-C member institutions, the first 4
 * to respond will be selected. If there are more than 4 volunteers from non-IIIF-C member
 * institutions, the first 4 to respond will be selected."
 *
 * `selectVolunteers` is a pure function of its input: no clock, no I/O, no dependence on the order
 * of the arrays it is given. Every response gets exactly one decision with a sentence explaining it.
 */

import { createHash } from 'node:crypto'
import { buildInstitutionIndex, lookalikeGroups, matchInstitution } from './institutions.js'
import type { Institution, InstitutionMatch, LookalikeSigns } from './institutions.js'
import { addCalendarMonths, compareInstants, formatInstant } from './time.js'
import type { Instant } from './time.js'
import {
  CATEGORIES,
  classNames,
  institutionFlags,
  isEligible,
  isLegacyShape,
  legacySeatsOf,
  upgradeSeatFields,
  zeroCounts,
  type Category,
  type LegacySeatFields,
  type Policy,
  type Seat,
  type SeatClass,
  type SeatCounts,
} from './policy.js'
// Term limits (issue 14): the rule lives in term-limits.ts; the hooks here are marked "term limits".
import { reachesTermLimit, termLimitSentence, type ServedTerm, type TermLimitPolicy } from './term-limits.js'

export { CATEGORIES, SEATS, type Category, type Seat } from './policy.js'
export type { SeatCounts }

/** What the selection reads of a policy: its seat classes, caps, term and stagger. */
export type ClassPolicy = Pick<Policy, 'seats' | 'maxPerInstitution' | 'flagCaps' | 'termMonths' | 'stagger'> &
  // Term limits: the policy's limit, when it has one.
  TermLimitPolicy

/** The policy as the selection takes it: in the shape with seat classes, or the one before (IIIF 2017 classes). */
export type SelectionPolicy = ClassPolicy | (LegacySeatFields & { termMonths: number } & TermLimitPolicy)

/** A selection policy in the shape with seat classes. */
export function classPolicyOf(policy: SelectionPolicy): ClassPolicy {
  if (!isLegacyShape(policy)) return policy as ClassPolicy
  const { maxConsecutiveTerms, partialTermsCount } = policy as TermLimitPolicy
  return {
    ...upgradeSeatFields(policy as LegacySeatFields),
    termMonths: policy.termMonths,
    ...(maxConsecutiveTerms === undefined ? {} : { maxConsecutiveTerms }),
    ...(partialTermsCount === undefined ? {} : { partialTermsCount }),
  }
}

export interface ResponseInput {
  /** rota's response id. */
  id: string
  externalId: string | null
  /** The instant the response was first submitted, full precision. */
  submittedAt: Instant
  /** Ingestion order, the tie-breaker for equal `submittedAt` (JSON array order, CSV row order, Google responseId order). */
  ingestSeq: number
  name: string
  email: string
  institution: string | null
  /**
   * Term limits: the terms the responding person (by normalised email) has served in a row up to
   * the call's term start, as the policy counts them (`consecutiveTermsBefore`); absent: none.
   */
  consecutiveTerms?: readonly ServedTerm[]
}

export interface MemberInput {
  id: string
  name: string
  email: string
  seat: Seat
  /** Raw institution text, matched with the same rules as responses. */
  institution: string | null
  termStart: Instant
  /** Effective end of the term; null means no end (e.g. staff). */
  endsAt: Instant | null
}

export interface SelectionInput {
  /** The call's window, `[opensAt, closesAt)`. */
  window: { opensAt: Instant; closesAt: Instant }
  termStart: Instant
  policy: SelectionPolicy
  /** Seats fixed by staff on the call; when set, they replace the computed seats to fill (docs/rules.md#d7). */
  fixedSeats: SeatCounts | null
  institutions: Institution[]
  members: MemberInput[]
  responses: ResponseInput[]
  /**
   * The team's name, as the explanations say it ("is already on the IIIF Code of Conduct Team");
   * wording only (not digested). Without it, "the Code of Conduct Team".
   */
  teamName?: string
}

/** What the selection decided for a response. */
export const OUTCOMES = ['selected', 'alternate', 'excluded'] as const
export type Outcome = (typeof OUTCOMES)[number]

/** Why a response was not selected: excluded by a rule, or an alternate because the seats were full. */
export const REASONS = [
  'early',
  'late',
  'missing-fields',
  'duplicate-person',
  'already-on-team',
  'institution-on-team',
  'institution-already-selected',
  'seats-full',
  // Term limits: the person has served the policy's most consecutive terms (after already-on-team).
  'term-limit',
  'flag-cap',
  'not-eligible',
] as const
export type Reason = (typeof REASONS)[number]

export interface Decision {
  responseId: string
  externalId: string | null
  name: string
  /** The matched institution's canonical name, else the raw trimmed text; null when unaffiliated or blank. */
  institution: string | null
  /** `id:<institution id>` | `name:<normalised text>` | null when unaffiliated. */
  institutionKey: string | null
  submittedAt: Instant
  /** 1-based rank in first-come order over all responses. */
  position: number
  outcome: Outcome
  /** The seat taken (selected) or the category waited for (alternate); null when excluded. */
  seat: Category | null
  reason: Reason | null
  termStart: Instant | null
  termEnd: Instant | null
  /** One plain sentence a staff member can forward to the volunteer. */
  explanation: string
}

/** A seat offered by the call, filled or not, with the term it carries. */
export interface SeatSlot {
  category: Category
  /** 1-based, in the order seats are filled. */
  index: number
  termStart: Instant
  termEnd: Instant
  responseId: string | null
}

export interface Warning {
  responseId: string
  /** `confusable-institution`: the institution matched only through look-alike or invisible characters; `suggestions` holds the name it was matched to. */
  code: 'unknown-institution' | 'confusable-institution' | 'edited-after-submission' | 'deleted-upstream'
  message: string
  suggestions: string[]
}

export interface Selection {
  seats: SeatCounts
  shortfall: SeatCounts
  inaugural: boolean
  slots: SeatSlot[]
  /** In first-come order. */
  decisions: Decision[]
  warnings: Warning[]
  inputDigest: string
}

/** Thrown when the numbers in a selection's input cannot describe a real call. */
export class InvalidSelectionInputError extends Error {
  readonly code = 'invalid-selection-input' as const
  constructor(message: string) {
    super(message)
    this.name = 'InvalidSelectionInputError'
  }
}

/**
 * Version of the selection rules, part of the digest so a change of rules never reuses an old digest.
 * A policy the old shape could say (the IIIF 2017 classes, one per institution, no flag caps) is
 * digested as before seat classes, so stored selections still match their inputs; any other with
 * its classes, caps and the institutions' flags.
 */
const RULES_VERSION = 'rota-selection/1'
const CLASS_RULES_VERSION = 'rota-selection/2'

/** Normalises an email address (trimmed, lower-case), because whether two responses come from one person is judged by email (docs/rules.md#d4). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

/** Tells whether a team member is still serving after a call's term starts — their term has no end or ends after it — since only they hold seats and institutions then (docs/rules.md#d7). */
export function continuesPast(member: Pick<MemberInput, 'endsAt'>, termStart: Instant): boolean {
  return member.endsAt === null || compareInstants(member.endsAt, termStart) > 0
}

/** The team members still serving after a call's term starts (docs/rules.md#d7). */
export function continuingMembers<M extends Pick<MemberInput, 'endsAt'>>(
  members: readonly M[],
  termStart: Instant,
): M[] {
  return members.filter((member) => continuesPast(member, termStart))
}

/**
 * Counts the volunteer (non-staff) members per seat class who continue past a term start — the seats
 * a call does not need to refill: every class given (in that order) and any other seat a member holds.
 */
export function continuingVolunteerCounts(
  members: readonly Pick<MemberInput, 'endsAt' | 'seat'>[],
  termStart: Instant,
  classes: readonly string[] = CATEGORIES,
): SeatCounts {
  const counts = zeroCounts(classes)
  for (const member of continuingMembers(members, termStart)) {
    if (member.seat !== 'staff') counts[member.seat] = (counts[member.seat] ?? 0) + 1
  }
  return counts
}

/**
 * Seats a call fills per category: the policy's seats ("a minimum of four representatives from
 * different IIIF Consortium (IIIF-C) member institutions, and four individuals from across the IIIF
 * community") less the volunteers continuing past its term start, never below zero — unless staff
 * fixed the seats on the call (docs/rules.md#r1, #d7).
 */
export function seatsToFill(
  policy: Pick<ClassPolicy, 'seats'> | Pick<LegacySeatFields, 'seats'>,
  members: readonly Pick<MemberInput, 'endsAt' | 'seat'>[],
  termStart: Instant,
  fixedSeats: SeatCounts | null = null,
): SeatCounts {
  const classes = seatClassesOf(policy)
  const seats = zeroCounts(classes.map((c) => c.class))
  if (fixedSeats) {
    for (const c of classes) seats[c.class] = fixedSeats[c.class] ?? 0
    return seats
  }
  const continuing = continuingVolunteerCounts(members, termStart)
  for (const c of classes) seats[c.class] = Math.max(0, c.count - (continuing[c.class] ?? 0))
  return seats
}

/** A policy's seat classes, whichever shape it is in. */
export function seatClassesOf(policy: Pick<ClassPolicy, 'seats'> | Pick<LegacySeatFields, 'seats'>): SeatClass[] {
  return Array.isArray(policy.seats)
    ? policy.seats
    : upgradeSeatFields({ seats: policy.seats, inauguralStagger: false }).seats
}

/**
 * Tells whether a call forms the team from scratch — no volunteer continues past its term start and
 * the policy staggers — so half its seats get short terms and later calls can replace the team "on a
 * staggered rolling basis" (docs/rules.md#d8).
 */
export function isInauguralCall(
  policy: Pick<ClassPolicy, 'stagger'> | Pick<LegacySeatFields, 'inauguralStagger'>,
  members: readonly Pick<MemberInput, 'endsAt' | 'seat'>[],
  termStart: Instant,
): boolean {
  const staggers = 'stagger' in policy ? policy.stagger === 'halves' : policy.inauguralStagger
  if (!staggers) return false
  return !continuingMembers(members, termStart).some((member) => member.seat !== 'staff')
}

/**
 * Lays out every seat a call offers with its term: "Volunteer terms are expected to last for two
 * years (24 months)" from the term start; in an inaugural call the first ⌈n/2⌉ seats of each
 * category get the full term and the rest half of it (rounded down), so "every 12 months, a new call
 * … replace[s] existing team members on a staggered rolling basis" (docs/rules.md#r10, #d8).
 */
export function planSeatSlots(
  seats: SeatCounts,
  termStart: Instant,
  termMonths: number,
  inaugural: boolean,
  classes: readonly string[] = Object.keys(seats),
): SeatSlot[] {
  const slots: SeatSlot[] = []
  const fullEnd = addCalendarMonths(termStart, termMonths)
  const shortEnd = addCalendarMonths(termStart, Math.floor(termMonths / 2))
  for (const category of classes) {
    const n = seats[category] ?? 0
    const longSeats = Math.ceil(n / 2)
    for (let index = 1; index <= n; index++) {
      const termEnd = inaugural && index > longSeats ? shortEnd : fullEnd
      slots.push({ category, index, termStart, termEnd, responseId: null })
    }
  }
  return slots
}

/** First-come order: by submission instant to the nanosecond, then by ingestion order (docs/rules.md#d1); the id settles anything left so array order never matters. */
export function compareResponses(
  a: Pick<ResponseInput, 'submittedAt' | 'ingestSeq' | 'id'>,
  b: Pick<ResponseInput, 'submittedAt' | 'ingestSeq' | 'id'>,
): number {
  return compareInstants(a.submittedAt, b.submittedAt) || a.ingestSeq - b.ingestSeq || compareText(a.id, b.id)
}

/**
 * Selects volunteers first-come, first-served: window, required fields, one response per person,
 * not already on the team, one seat per institution, then a seat in the volunteer's category while
 * any is left and the waitlist after that, each with its term and an explanation (docs/rules.md: the
 * Code of Conduct's "Code of Conduct Team Selection Process", #r2–#r8, and rota's rules #d1–#d8).
 *
 * `prepareCall` puts the input in first-come order and matches institutions; then, response by
 * response, `rulesFor(…).judge` decides (the rules alone) and `wordingFor(…)` words the decision and
 * any warning for staff (the sentences alone).
 */
export function selectVolunteers(input: SelectionInput): Selection {
  validate(input)
  const call = prepareCall(input)
  const rules = rulesFor(call)
  const wording = wordingFor(call)
  const decisions: Decision[] = []
  const warnings: Warning[] = []
  call.responses.forEach((response, i) => {
    const matched = call.match(response.institution)
    const decision = undecided(response, matched, i + 1)
    const ground = rules.judge(response, decision, matched)
    decision.explanation = wording.sentence(response, decision, ground)
    warnings.push(...wording.warnings(response, decision, ground, matched))
    decisions.push(decision)
  })
  const { seats, slots } = call
  const shortfall = zeroCounts(call.classes)
  for (const c of call.classes) shortfall[c] = (seats[c] ?? 0) - (rules.filled[c] ?? 0)
  const selection: Selection = {
    seats,
    shortfall,
    inaugural: call.inaugural,
    slots,
    decisions,
    warnings,
    inputDigest: digestInput(input, call.firstCome),
  }
  memberKeysOf.set(selection, memberKeys(call))
  return selection
}

/**
 * The members continuing past a call's term start, each with the institution key the selection
 * matched them to (null when unaffiliated) — the same keys its decisions carry, look-alike spellings
 * grouped — and whether that institution is a IIIF Consortium member: what the public report shows
 * of them, anonymised (docs/rules.md#r6, #d7).
 */
export function continuingInstitutionKeys(input: SelectionInput, selection?: Selection): ContinuingKeys {
  const known = selection ? memberKeysOf.get(selection) : undefined
  return known ?? memberKeys(prepareCall(input))
}

type ContinuingKeys = Array<{
  member: MemberInput
  institutionKey: string | null
  consortium: boolean
  /** The flags of the member's institution when known; none for a free-text institution. */
  flags: string[]
}>

/** The continuing members' keys of each selection `selectVolunteers` made (kept aside: a selection's shape stays as it was). */
const memberKeysOf = new WeakMap<Selection, ContinuingKeys>()

function memberKeys(call: PreparedCall): ContinuingKeys {
  return call.members.map((member) => {
    const matched = call.match(member.institution)
    return {
      member,
      institutionKey: matched.kind === 'unaffiliated' ? null : matched.key,
      consortium: matched.kind === 'known' && matched.institution.consortium,
      flags: matched.kind === 'known' ? [...institutionFlags(matched.institution)].sort(compareText) : [],
    }
  })
}

/**
 * A sha256 fingerprint of exactly the inputs that decide a selection — window, term start, policy,
 * fixed seats, institutions, the continuing members and the responses, each in a canonical order —
 * so a stored selection can be shown to follow from its inputs (docs/rules.md#d18).
 */
export function selectionInputDigest(input: SelectionInput): string {
  return digestInput(input, firstComeOrder(input.responses))
}

/** JSON with object keys sorted at every level, so equal values always serialise to equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (value === undefined) return 'null'
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compareText(a, b))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

// ---------------------------------------------------------------------------------------------
// Step 1: the call in first-come order, with every institution text matched once.

type UnknownMatch = Extract<InstitutionMatch, { kind: 'unknown' }>

interface PreparedCall {
  window: SelectionInput['window']
  termStart: Instant
  /** Responses ordered by `compareResponses` alone (stable): `responses` and the digest settle its ties each their own way. */
  firstCome: FirstCome
  /** First-come order, ties settled by the whole response, so array order never matters. */
  responses: Arrival[]
  /** Members continuing past the term start, by id. */
  members: MemberInput[]
  match: (raw: string | null) => InstitutionMatch
  /** Unknown spellings per (look-alike group) key: what a look-alike spelling is matched to. */
  spellings: ReadonlyMap<string, SpellingGroup>
  seats: SeatCounts
  inaugural: boolean
  slots: SeatSlot[]
  policy: ClassPolicy
  /** The policy's class names, in policy order. */
  classes: string[]
  /** The team as the explanations name it: "the IIIF Code of Conduct Team". */
  team: string
}

function prepareCall(input: SelectionInput): PreparedCall {
  const { termStart } = input
  const policy = classPolicyOf(input.policy)
  const classes = classNames(policy)
  const index = buildInstitutionIndex(input.institutions)
  // Many volunteers type the same institution text: match each distinct text once.
  const matches = new Map<string | null, InstitutionMatch>()
  const match = (raw: string | null): InstitutionMatch => {
    let found = matches.get(raw)
    if (!found) {
      found = matchInstitution(raw, index)
      matches.set(raw, found)
    }
    return found
  }
  const firstCome = firstComeOrder(input.responses)
  const responses = settleTies(firstCome, (arrival) => canonicalJson(arrival.source))
  const members = [...continuingMembers(input.members, termStart)].sort(
    (a, b) => compareText(a.id, b.id) || compareText(canonicalJson(a), canonicalJson(b)),
  )
  const raws = new Set<string | null>()
  for (const member of members) if (member.seat !== 'staff') raws.add(member.institution)
  for (const response of responses) raws.add(response.institution)
  const spellings = unknownSpellings(raws, match, matches)
  const seats = seatsToFill(policy, members, termStart, input.fixedSeats)
  const inaugural = isInauguralCall(policy, members, termStart)
  const slots = planSeatSlots(seats, termStart, policy.termMonths, inaugural, classes)
  return {
    window: input.window,
    termStart,
    firstCome,
    responses,
    members,
    match,
    spellings,
    seats,
    inaugural,
    slots,
    policy,
    classes,
    team: teamPhrase(input.teamName),
  }
}

/** "the <name>" (the name as it is when it starts with "the"); without a name, the default team's words. */
export function teamPhrase(name: string | undefined): string {
  const trimmed = name?.trim()
  if (!trimmed) return 'the Code of Conduct Team'
  return /^the\s/i.test(trimmed) ? trimmed : `the ${trimmed}`
}

/**
 * A response's fields, read once into objects of one shape: the selection reads each field several
 * times (sorting, n log n times), and callers' objects can be slow to read (mixed shapes).
 */
interface Arrival extends ResponseInput {
  /** The caller's object, for settling ties by everything it holds. */
  source: ResponseInput
  /** The digits of `submittedAt` down to the second (YYYYMMDDhhmmss) and its nanoseconds, or -1 when it is not canonical. */
  seconds: number
  nanos: number
}

/**
 * `compareResponses` by numbers: canonical instants have fixed-width digits, so their text order is
 * the order of (seconds digits, nanoseconds), and equal numbers mean equal text.
 */
function compareCanonicalArrivals(a: Arrival, b: Arrival): number {
  return a.seconds - b.seconds || a.nanos - b.nanos || a.ingestSeq - b.ingestSeq || compareText(a.id, b.id)
}

/** Responses in `compareResponses` order, and where it leaves ties. */
interface FirstCome {
  /** A stable sort: tied responses stay in array order until `settleTies`. */
  sorted: Arrival[]
  /** `[start, end)` of each run of two or more tied responses in `sorted`. */
  ties: Array<readonly [number, number]>
}

/** The responses in `compareResponses` order, with the ties it leaves. */
function firstComeOrder(responses: readonly ResponseInput[]): FirstCome {
  let canonical = true
  const arrivals = responses.map((source): Arrival => {
    const { id, externalId, submittedAt, ingestSeq, name, email, institution, consecutiveTerms } = source
    const seconds = canonicalSeconds(submittedAt)
    const nanos = seconds < 0 ? -1 : digits(submittedAt, 20, 29)
    if (nanos < 0) canonical = false
    return {
      id,
      externalId,
      submittedAt,
      ingestSeq,
      name,
      email,
      institution,
      consecutiveTerms,
      source,
      seconds,
      nanos,
    }
  })
  const compare = canonical ? compareCanonicalArrivals : compareResponses
  const sorted = arrivals.sort(compare)
  const ties: Array<readonly [number, number]> = []
  for (let start = 0; start < sorted.length;) {
    let end = start + 1
    while (end < sorted.length && compare(sorted[start]!, sorted[end]!) === 0) end++
    if (end - start > 1) ties.push([start, end])
    start = end
  }
  return { sorted, ties }
}

/** Where the year, month, day, hours, minutes and seconds are written in a canonical instant. */
const SECONDS_DIGITS: ReadonlyArray<readonly [number, number]> = [
  [0, 4],
  [5, 7],
  [8, 10],
  [11, 13],
  [14, 16],
  [17, 19],
]

/** The digits of a canonical instant (`YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ`) down to the second, as one number; -1 for any other text. */
function canonicalSeconds(at: string): number {
  if (
    typeof at !== 'string' ||
    at.length !== 30 ||
    at[4] !== '-' ||
    at[7] !== '-' ||
    at[10] !== 'T' ||
    at[13] !== ':' ||
    at[16] !== ':' ||
    at[19] !== '.' ||
    at[29] !== 'Z'
  )
    return -1
  let value = 0
  for (const [from, to] of SECONDS_DIGITS) {
    const part = digits(at, from, to)
    if (part < 0) return -1
    value = value * 10 ** (to - from) + part
  }
  return value
}

/** The decimal number written by `text[from..to)`, or -1 when a character there is not a digit. */
function digits(text: string, from: number, to: number): number {
  let value = 0
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

/**
 * Settles the ties left by `compareResponses` (same instant, ingestion order and id) by `key`, so
 * that the order never depends on array order. The same as sorting by `compareResponses(a, b) ||
 * compareText(key(a), key(b))`, but `key` runs on ties only.
 */
function settleTies({ sorted, ties }: FirstCome, key: (arrival: Arrival) => string): Arrival[] {
  const settled = [...sorted]
  for (const [start, end] of ties) {
    const run = settled.slice(start, end).map((arrival) => ({ arrival, key: key(arrival) }))
    run.sort((a, b) => compareText(a.key, b.key))
    run.forEach(({ arrival }, k) => (settled[start + k] = arrival))
  }
  return settled
}

/** The unknown spellings given one key: in the order met, each reading differently (`visible`). */
interface SpellingGroup {
  /** The first two spellings met, and the first two without look-alike signs: enough to name, for any spelling, another one. */
  first: UnknownMatch[]
  firstPlain: UnknownMatch[]
}

/**
 * Gives unknown spellings that only look different (`lookalikeGroups`) one key, in the match cache
 * itself, and notes each group's spellings in the order met (members by id, then responses first
 * come), for naming the spelling a look-alike was matched to.
 */
function unknownSpellings(
  raws: ReadonlySet<string | null>,
  match: (raw: string | null) => InstitutionMatch,
  cache: Map<string | null, InstitutionMatch>,
): Map<string, SpellingGroup> {
  const unknown: UnknownMatch[] = []
  for (const raw of raws) {
    const found = match(raw)
    if (found.kind === 'unknown') unknown.push(found)
  }
  const groups = lookalikeGroups(unknown)
  for (const [raw, found] of cache) {
    if (found.kind === 'unknown') cache.set(raw, { ...found, key: groups.get(found.key) ?? found.key })
  }
  const spellings = new Map<string, SpellingGroup & { visible: Set<string> }>()
  for (const raw of raws) {
    const found = match(raw)
    if (found.kind !== 'unknown') continue
    let group = spellings.get(found.key)
    if (!group) spellings.set(found.key, (group = { first: [], firstPlain: [], visible: new Set() }))
    if (group.visible.has(found.visible)) continue
    group.visible.add(found.visible)
    if (group.first.length < 2) group.first.push(found)
    if (found.signs === null && group.firstPlain.length < 2) group.firstPlain.push(found)
  }
  return spellings
}

// ---------------------------------------------------------------------------------------------
// Step 2: the rules. `rulesFor` decides each response in turn — outcome, reason, seat, term — and
// names the ground the wording needs: whom or what the rule pointed at.

/** What a rule's decision rests on, beyond the decision itself. */
type Ground =
  | { rule: 'window' }
  | { rule: 'missing-fields'; name: boolean; email: boolean }
  | { rule: 'duplicate-person'; earlier: Decision }
  | { rule: 'already-on-team'; member: MemberInput }
  | { rule: 'term-limit'; terms: readonly ServedTerm[]; max: number }
  | { rule: 'institution-on-team'; holder: MemberInput; held: number }
  | { rule: 'institution-already-selected'; first: Decision; held: number }
  | { rule: 'flag-cap'; flag: string; max: number }
  | { rule: 'not-eligible' }
  | { rule: 'seat'; slot: SeatSlot }
  | { rule: 'waitlist'; place: number }

interface Rules {
  /** Decides the next response in first-come order: sets `decision`'s outcome, reason, seat and term, and says why. */
  judge(response: ResponseInput, decision: Decision, matched: InstitutionMatch): Ground
  /** Seats taken so far, per category. */
  readonly filled: SeatCounts
}

const WINDOW: Ground = { rule: 'window' }

function rulesFor(call: PreparedCall): Rules {
  const { window, members, match, seats, policy, classes } = call
  const max = policy.maxPerInstitution
  const caps = policy.flagCaps
  const flagsOf = (matched: InstitutionMatch): ReadonlySet<string> =>
    matched.kind === 'known' ? institutionFlags(matched.institution) : NO_FLAGS

  // Who already serves: by email (anyone, staff included), by institution and by capped flag (volunteers only).
  const memberByEmail = new Map<string, MemberInput>()
  const memberByInstitution = new Map<string, MemberInput>()
  const heldByInstitution = new Map<string, number>()
  const heldByFlag = new Map<string, number>()
  for (const member of members) {
    const email = normaliseEmail(member.email)
    if (email !== '' && !memberByEmail.has(email)) memberByEmail.set(email, member)
    if (member.seat === 'staff') continue
    const matched = match(member.institution)
    if (matched.kind !== 'unaffiliated') {
      if (!memberByInstitution.has(matched.key)) memberByInstitution.set(matched.key, member)
      heldByInstitution.set(matched.key, (heldByInstitution.get(matched.key) ?? 0) + 1)
    }
    if (caps.length > 0) {
      const flags = flagsOf(matched)
      for (const cap of caps) if (flags.has(cap.flag)) heldByFlag.set(cap.flag, (heldByFlag.get(cap.flag) ?? 0) + 1)
    }
  }
  const slotsOf: Record<string, SeatSlot[]> = {}
  for (const c of classes) slotsOf[c] = []
  for (const slot of call.slots) slotsOf[slot.category]![slot.index - 1] = slot
  // Which classes an institution may take, in policy order: one list per distinct set of flags.
  const eligibleFor = new Map<string, string[]>()
  const classesFor = (matched: InstitutionMatch): string[] => {
    const flags = flagsOf(matched)
    const id = [...flags].sort(compareText).join(' ')
    let found = eligibleFor.get(id)
    if (!found)
      eligibleFor.set(id, (found = policy.seats.filter((c) => isEligible(c.eligible, flags)).map((c) => c.class)))
    return found
  }

  const firstByEmail = new Map<string, Decision>()
  const selectedByInstitution = new Map<string, Decision>()
  const selectedCount = new Map<string, number>()
  const filled = zeroCounts(classes)
  const waiting = zeroCounts(classes)

  const judge = (response: ResponseInput, decision: Decision, matched: InstitutionMatch): Ground => {
    // docs/rules.md#d2: the window is [opensAt, closesAt).
    if (compareInstants(response.submittedAt, window.opensAt) < 0) {
      decision.reason = 'early'
      return WINDOW
    }
    if (compareInstants(response.submittedAt, window.closesAt) >= 0) {
      decision.reason = 'late'
      return WINDOW
    }
    // docs/rules.md#d3: a name and an email are required.
    const email = normaliseEmail(response.email)
    if (decision.name === '' || email === '') {
      decision.reason = 'missing-fields'
      return { rule: 'missing-fields', name: decision.name === '', email: email === '' }
    }
    // docs/rules.md#d4: one person, one response; and not someone already serving.
    const earlier = firstByEmail.get(email)
    if (earlier) {
      decision.reason = 'duplicate-person'
      return { rule: 'duplicate-person', earlier }
    }
    firstByEmail.set(email, decision)
    const serving = memberByEmail.get(email)
    if (serving) {
      decision.reason = 'already-on-team'
      return { rule: 'already-on-team', member: serving }
    }
    // Term limits (issue 14): a person who has served the policy's most consecutive terms is not selected again.
    const served = response.consecutiveTerms ?? []
    if (reachesTermLimit(served.length, call.policy)) {
      decision.reason = 'term-limit'
      return { rule: 'term-limit', terms: served, max: call.policy.maxConsecutiveTerms! }
    }
    // docs/rules.md#d5: unknown institutions are their own institution (the wording warns staff); #d6: look-alikes share their institution's seat.
    // docs/rules.md#r6: one seat per institution (`maxPerInstitution`), members and this call together; unaffiliated volunteers are exempt.
    if (matched.kind !== 'unaffiliated') {
      const held = heldByInstitution.get(matched.key) ?? 0
      const chosen = selectedCount.get(matched.key) ?? 0
      if (held + chosen >= max) {
        if (held >= max) {
          decision.reason = 'institution-on-team'
          return { rule: 'institution-on-team', holder: memberByInstitution.get(matched.key)!, held }
        }
        decision.reason = 'institution-already-selected'
        return { rule: 'institution-already-selected', first: selectedByInstitution.get(matched.key)!, held }
      }
    }
    // At most `max` members and selected volunteers from institutions carrying a capped flag.
    let flags: ReadonlySet<string> = NO_FLAGS
    if (caps.length > 0) {
      flags = flagsOf(matched)
      for (const cap of caps) {
        if (flags.has(cap.flag) && (heldByFlag.get(cap.flag) ?? 0) >= cap.max) {
          decision.reason = 'flag-cap'
          return { rule: 'flag-cap', flag: cap.flag, max: cap.max }
        }
      }
    }
    // docs/rules.md#r7, #r8: a seat in the first class (policy order) the volunteer is eligible for with one left, else the waitlist of the first.
    const eligible = classesFor(matched)
    const category = eligible.find((c) => filled[c]! < seats[c]!) ?? eligible[0]
    if (category === undefined) {
      decision.reason = 'not-eligible'
      return { rule: 'not-eligible' }
    }
    decision.seat = category
    if (filled[category]! < seats[category]!) {
      const index = ++filled[category]!
      const slot = slotsOf[category]![index - 1]
      if (!slot) throw new Error('unreachable: a seat without a slot')
      slot.responseId = response.id
      decision.outcome = 'selected'
      decision.termStart = slot.termStart
      decision.termEnd = slot.termEnd
      if (matched.kind !== 'unaffiliated') {
        if (!selectedByInstitution.has(matched.key)) selectedByInstitution.set(matched.key, decision)
        selectedCount.set(matched.key, (selectedCount.get(matched.key) ?? 0) + 1)
      }
      for (const cap of caps) if (flags.has(cap.flag)) heldByFlag.set(cap.flag, (heldByFlag.get(cap.flag) ?? 0) + 1)
      return { rule: 'seat', slot }
    }
    decision.outcome = 'alternate'
    decision.reason = 'seats-full'
    return { rule: 'waitlist', place: ++waiting[category]! }
  }
  return { judge, filled }
}

const NO_FLAGS: ReadonlySet<string> = new Set()

/** A response's decision before any rule has looked at it: excluded, for no reason yet, unexplained. */
function undecided(response: ResponseInput, matched: InstitutionMatch, position: number): Decision {
  return {
    responseId: response.id,
    externalId: response.externalId,
    name: response.name.trim(),
    institution: institutionLabel(matched),
    institutionKey: matched.kind === 'unaffiliated' ? null : matched.key,
    submittedAt: response.submittedAt,
    position,
    outcome: 'excluded',
    seat: null,
    reason: null,
    termStart: null,
    termEnd: null,
    explanation: '',
  }
}

// ---------------------------------------------------------------------------------------------
// Step 3: the wording. One plain sentence per decision, and the warnings for staff about a
// response's institution (unknown, then look-alike) once it reached the institution rules.

/** Rules that decide before institutions are looked at: such responses raise no institution warning. */
const BEFORE_INSTITUTIONS: ReadonlySet<Ground['rule']> = new Set([
  'window',
  'missing-fields',
  'duplicate-person',
  'already-on-team',
  'term-limit',
])

interface Wording {
  /** The sentence for a decision, from its ground. */
  sentence(response: ResponseInput, decision: Decision, ground: Ground): string
  /** The warnings for staff about the response's institution, if any (none before the institution rules). */
  warnings(response: ResponseInput, decision: Decision, ground: Ground, matched: InstitutionMatch): Warning[]
}

function wordingFor(call: PreparedCall): Wording {
  const { seats, spellings } = call
  const max = call.policy.maxPerInstitution
  const opens = formatInstant(call.window.opensAt)
  const closes = formatInstant(call.window.closesAt)
  const hints = new Map<UnknownMatch, string>()
  const none: Warning[] = []

  const sentence = (response: ResponseInput, decision: Decision, ground: Ground): string => {
    const who = displayName(decision.name)
    const at = formatInstant(response.submittedAt)
    switch (ground.rule) {
      case 'window':
        return decision.reason === 'early'
          ? text`${who} responded at ${at}, before the call opened at ${opens}, so the response could not be counted.`
          : text`${who} responded at ${at}, after the call closed at ${closes}, so the response could not be counted.`
      case 'missing-fields': {
        const missing =
          ground.name && ground.email ? 'a name or an email address' : ground.name ? 'a name' : 'an email address'
        return text`The response submitted at ${at} did not include ${missing}, so it could not be considered.`
      }
      case 'duplicate-person':
        return text`${who} had already responded from the same email address at ${formatInstant(ground.earlier.submittedAt)} (position ${ground.earlier.position}), and only a person's first response counts.`
      case 'already-on-team':
        return text`${who} is already on ${call.team}${ground.member.endsAt ? ` until ${formatInstant(ground.member.endsAt)}` : ''}, so this response was not needed.`
      case 'term-limit':
        return termLimitSentence(who, ground.terms, ground.max)
      case 'institution-on-team': {
        const { holder, held } = ground
        const where = decision.institution ?? decision.institutionKey
        if (max !== 1)
          return text`${where} already has ${held} volunteer seats on ${call.team}, and each institution holds at most ${max}.`
        return text`${where} already has a volunteer seat on ${call.team}, held by ${displayName(holder.name)}${holder.endsAt ? ` until ${formatInstant(holder.endsAt)}` : ''}, and each institution holds only one.`
      }
      case 'institution-already-selected': {
        const { first, held } = ground
        if (max !== 1)
          return text`${decision.institution ?? decision.institutionKey} already has ${max} volunteers on ${call.team} or selected in this call (${held} serving, ${max - held} selected earlier, the first ${first.name} at ${formatInstant(first.submittedAt)}), and each institution holds at most ${max}.`
        return text`${first.name} from ${first.institution ?? decision.institution ?? decision.institutionKey} responded earlier, at ${formatInstant(first.submittedAt)}, and was selected, and only the first volunteer from an institution is selected.`
      }
      case 'flag-cap':
        return text`${who} responded at ${at}, but ${ground.max === 1 ? 'a volunteer' : `${ground.max} volunteers`} from institutions marked ${ground.flag} already serve or were selected, and the team takes at most ${ground.max} from them.`
      case 'not-eligible':
        return text`${who} responded at ${at}, but ${decision.institution === null ? 'a volunteer without an institution' : `${decision.institution}`} is not eligible for any seat class of this call (${call.classes.join(', ')}).`
      case 'seat': {
        const { slot } = ground
        return text`${who} responded at ${at} and was selected for ${seatLabel(slot.category)} ${slot.index} of ${seats[slot.category]!}, serving from ${formatInstant(slot.termStart)} until ${formatInstant(slot.termEnd)}.`
      }
      case 'waitlist': {
        const category = decision.seat!
        const n = seats[category]!
        return n === 0
          ? text`${who} responded at ${at}, but this call offers no ${seatLabel(category)}s, so ${who} is number ${ground.place} on the ${category} waitlist.`
          : text`${who} responded at ${at}, after ${n === 1 ? `the only ${seatLabel(category)} was` : `all ${n} ${seatLabel(category)}s were`} filled, so ${who} is number ${ground.place} on the ${category} waitlist.`
      }
    }
  }

  const warnings = (
    response: ResponseInput,
    decision: Decision,
    ground: Ground,
    matched: InstitutionMatch,
  ): Warning[] => {
    if (BEFORE_INSTITUTIONS.has(ground.rule)) return none
    const who = displayName(decision.name)
    const found: Warning[] = []
    if (matched.kind === 'unknown') {
      let hint = hints.get(matched)
      if (hint === undefined) {
        hint =
          matched.suggestions.length > 0 ? ` Did you mean ${orList(matched.suggestions.map((s) => `"${s}"`))}?` : ''
        hints.set(matched, hint)
      }
      found.push({
        responseId: response.id,
        code: 'unknown-institution',
        message: text`${who}'s institution "${matched.text}" matches no known institution or alias, so it is treated as its own community institution.${hint}`,
        suggestions: [...matched.suggestions],
      })
    }
    // Look-alike spellings share their institution's seat; staff check them (the tick waits).
    const lookalike = lookalikeOf(matched, spellings)
    if (lookalike) {
      found.push({
        responseId: response.id,
        code: 'confusable-institution',
        message: text`${who}'s institution "${shown(response.institution ?? '')}" only looks like "${lookalike.matchedTo}" (${signsText(lookalike.signs)}), so it is counted as that institution; check it before the call is closed.`,
        suggestions: [lookalike.matchedTo],
      })
    }
    return found.length > 0 ? found : none
  }

  return { sentence, warnings }
}

/**
 * A template's text as one flat string. Selections keep their sentences by the 100,000, and a plain
 * template literal keeps each as a tree of its pieces, several times the size, for the garbage
 * collector to copy around.
 */
function text(strings: TemplateStringsArray, ...values: unknown[]): string {
  const parts: string[] = [strings[0]!]
  for (let i = 0; i < values.length; i++) parts.push(String(values[i]), strings[i + 1]!)
  return parts.join('')
}

/**
 * A spelling matched only through look-alike or invisible characters: a known institution reached
 * through its skeleton, or an unknown one sharing its key with a spelling that reads differently
 * (named by the first such spelling, one without look-alike signs if there is one). Null when the
 * spelling shows no look-alike signs: a name wholly in Cyrillic or Japanese is not suspect.
 */
function lookalikeOf(
  matched: InstitutionMatch,
  spellings: ReadonlyMap<string, SpellingGroup>,
): { matchedTo: string; signs: LookalikeSigns } | null {
  if (matched.kind === 'known')
    return matched.lookalike ? { matchedTo: matched.institution.name, signs: matched.lookalike } : null
  if (matched.kind !== 'unknown' || matched.signs === null) return null
  const group = spellings.get(matched.key)
  if (!group) return null
  // The spellings of a group read differently from each other, so at most one of the first two reads like this one.
  const reads = (m: UnknownMatch): boolean => m.visible !== matched.visible
  const other = group.firstPlain.find(reads) ?? group.first.find(reads)
  return other ? { matchedTo: other.text, signs: matched.signs } : null
}

// ---------------------------------------------------------------------------------------------
// The input digest.

/** A response's digested fields, keys in canonical (sorted) order. */
function digested(
  response: ResponseInput,
): Pick<ResponseInput, 'email' | 'externalId' | 'id' | 'ingestSeq' | 'institution' | 'name' | 'submittedAt'> {
  const { email, externalId, id, ingestSeq, institution, name, submittedAt } = response
  return { email, externalId, id, ingestSeq, institution, name, submittedAt }
}

/** Characters of canonical text hashed at a time. */
const HASH_PIECE = 1 << 20

/** The digested fields of a response, in canonical (sorted) key order. */
const DIGESTED_FIELDS = ['email', 'externalId', 'id', 'ingestSeq', 'institution', 'name', 'submittedAt'] as const

/**
 * `canonicalJson` of the digested responses, by one `JSON.stringify` of the whole array (the digest
 * writes 100,000s of them): given the list of keys, `JSON.stringify` writes those keys only, in
 * that (sorted) order, and leaves out undefined values as `canonicalJson` does. Values other than
 * plain JSON scalars (never met in practice) take the general path.
 */
function canonicalResponses(responses: readonly Arrival[]): string {
  const plain = responses.every(
    (r) =>
      isScalar(r.email) &&
      isScalar(r.externalId) &&
      isScalar(r.id) &&
      isScalar(r.ingestSeq) &&
      isScalar(r.institution) &&
      isScalar(r.name) &&
      isScalar(r.submittedAt),
  )
  return plain ? JSON.stringify(responses, [...DIGESTED_FIELDS]) : canonicalJson(responses.map(digested))
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}

function isScalar(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  )
}

/**
 * `selectionInputDigest`, given the responses already in `compareResponses` order (ties unsettled):
 * the canonical text is hashed in three pieces, the responses' text never copied.
 */
/** Term limits: the limit and each response's counted terms, when the policy has a limit (else undefined: left out of the digest). */
function termLimitDigestPart(input: SelectionInput): unknown {
  const max = input.policy.maxConsecutiveTerms ?? null
  if (max === null) return undefined
  const served = input.responses
    .filter((r) => (r.consecutiveTerms?.length ?? 0) > 0)
    .map((r) => ({ id: r.id, terms: r.consecutiveTerms!.map((t) => [t.termStart, t.endsAt, t.partial]) }))
    .sort((a, b) => compareText(a.id, b.id) || compareText(canonicalJson(a), canonicalJson(b)))
  return { max, partialTermsCount: input.policy.partialTermsCount ?? true, served }
}

function digestInput(input: SelectionInput, firstCome: FirstCome): string {
  const policy = classPolicyOf(input.policy)
  const legacy = legacySeatsOf(policy)
  const institutions = [...input.institutions]
    .map((i) =>
      legacy
        ? { id: i.id, name: i.name, aliases: [...i.aliases].sort(compareText), consortium: i.consortium }
        : {
            id: i.id,
            name: i.name,
            aliases: [...i.aliases].sort(compareText),
            flags: [...institutionFlags(i)].sort(compareText),
          },
    )
    .sort((a, b) => compareText(a.id, b.id) || compareText(canonicalJson(a), canonicalJson(b)))
  // A member's term start never changes the outcome, and members who leave before the term starts
  // play no part, so neither is fingerprinted.
  const members = continuingMembers(input.members, input.termStart)
    .map((m) => ({
      id: m.id,
      name: m.name,
      email: m.email,
      seat: m.seat,
      institution: m.institution,
      endsAt: m.endsAt,
    }))
    .sort((a, b) => compareText(a.id, b.id) || compareText(canonicalJson(a), canonicalJson(b)))
  const responses = settleTies(firstCome, (response) => canonicalJson(digested(response)))
  const classes = classNames(policy)
  const fixed = (seats: SeatCounts): SeatCounts => {
    const out: SeatCounts = {}
    for (const c of classes) out[c] = seats[c] ?? 0
    return out
  }
  const parts: Record<string, unknown> = legacy
    ? {
        rules: RULES_VERSION,
        window: { opensAt: input.window.opensAt, closesAt: input.window.closesAt },
        termStart: input.termStart,
        policy: { seats: legacy.seats, termMonths: policy.termMonths, inauguralStagger: legacy.inauguralStagger },
        fixedSeats: input.fixedSeats ? fixed(input.fixedSeats) : null,
        institutions,
        members,
        // Term limits: only a policy with a limit adds its part, so every other digest stays as it was.
        termLimit: termLimitDigestPart(input),
      }
    : {
        rules: CLASS_RULES_VERSION,
        window: { opensAt: input.window.opensAt, closesAt: input.window.closesAt },
        termStart: input.termStart,
        policy: {
          seats: policy.seats,
          maxPerInstitution: policy.maxPerInstitution,
          flagCaps: policy.flagCaps,
          termMonths: policy.termMonths,
          stagger: policy.stagger,
        },
        // In policy order (an array): canonical JSON sorts object keys, and the order of classes matters.
        fixedSeats: input.fixedSeats ? classes.map((c) => [c, input.fixedSeats![c] ?? 0]) : null,
        institutions,
        members,
        termLimit: termLimitDigestPart(input),
      }
  // The text `canonicalJson({ ...parts, responses })` would give: the keys sorted, "responses" among them.
  const keys = [...Object.keys(parts).filter((key) => parts[key] !== undefined), 'responses'].sort(compareText)
  const field = (key: string): string => `${JSON.stringify(key)}:${canonicalJson(parts[key])}`
  const at = keys.indexOf('responses')
  const hash = createHash('sha256')
  hash.update(
    `{${keys
      .slice(0, at)
      .map((key) => `${field(key)},`)
      .join('')}"responses":`,
    'utf8',
  )
  // In pieces: hashing text of this size (tens of MB) at once is several times slower.
  const text = canonicalResponses(responses)
  for (let start = 0; start < text.length;) {
    let end = Math.min(start + HASH_PIECE, text.length)
    // Never between the two halves of a surrogate pair: each would be hashed as U+FFFD.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end++
    hash.update(text.slice(start, end), 'utf8')
    start = end
  }
  hash.update(
    `${keys
      .slice(at + 1)
      .map((key) => `,${field(key)}`)
      .join('')}}`,
    'utf8',
  )
  return hash.digest('hex')
}

// ---------------------------------------------------------------------------------------------

function validate(input: SelectionInput): void {
  const legacy = isLegacyShape(input.policy)
  const policy = classPolicyOf(input.policy)
  const counts: [string, number][] = policy.seats.map((c, i) => [
    legacy ? `policy.seats.${c.class}` : `policy.seats[${i}].count`,
    c.count,
  ])
  counts.push(['policy.termMonths', policy.termMonths])
  if (!legacy) counts.push(['policy.maxPerInstitution', policy.maxPerInstitution])
  if (input.fixedSeats) {
    for (const c of policy.seats) counts.push([`fixedSeats.${c.class}`, input.fixedSeats[c.class] ?? 0])
    for (const name of Object.keys(input.fixedSeats))
      if (!policy.seats.some((c) => c.class === name))
        throw new InvalidSelectionInputError(`fixedSeats.${name}: the policy has no seat class named ${name}`)
  }
  for (const [field, value] of counts) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidSelectionInputError(`${field} must be a whole number of at least 0, got ${value}`)
    }
  }
}

/** A volunteer's text as staff should see it: invisible characters spelt out (`<U+200B>`). */
function shown(raw: string): string {
  return raw.trim().replace(/\p{Cf}/gu, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`)
}

function signsText(signs: LookalikeSigns): string {
  const parts: string[] = []
  if (signs.invisible.length > 0)
    parts.push(`it holds the invisible character${signs.invisible.length > 1 ? 's' : ''} ${signs.invisible.join(', ')}`)
  if (signs.scripts.length > 1)
    parts.push(
      `it mixes ${signs.scripts.slice(0, -1).join(', ')} and ${signs.scripts[signs.scripts.length - 1]} letters`,
    )
  return parts.join('; ')
}

function institutionLabel(match: InstitutionMatch): string | null {
  if (match.kind === 'known') return match.institution.name
  if (match.kind === 'unknown') return match.text
  return null
}

function displayName(name: string): string {
  const trimmed = name.trim()
  return trimmed === '' ? 'This volunteer' : trimmed
}

/** How a seat of a class is named in sentences: the IIIF 2017 classes as they always were, any other by its name. */
export function seatLabel(category: Category): string {
  return category === 'consortium' ? 'IIIF Consortium seat' : `${category} seat`
}

function orList(items: string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export type { Institution }
