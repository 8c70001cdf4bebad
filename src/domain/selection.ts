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
import { CATEGORIES, type Category, type Seat, type SeatCounts } from './policy.js'

export { CATEGORIES, SEATS, type Category, type Seat } from './policy.js'
export type { SeatCounts }

export interface SelectionPolicy {
  seats: SeatCounts
  termMonths: number
  inauguralStagger: boolean
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
}

/** What the selection decided for a response. */
export const OUTCOMES = ['selected', 'alternate', 'excluded'] as const
export type Outcome = (typeof OUTCOMES)[number]

/** Why a response was not selected: excluded by a rule, or an alternate because the seats were full. */
export const REASONS = ['early', 'late', 'missing-fields', 'duplicate-person', 'already-on-team', 'institution-on-team', 'institution-already-selected', 'seats-full'] as const
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

/** Version of the selection rules, part of the digest so a change of rules never reuses an old digest. */
const RULES_VERSION = 'rota-selection/1'

/** Normalises an email address (trimmed, lower-case), because whether two responses come from one person is judged by email (docs/rules.md#d4). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

/** Tells whether a team member is still serving after a call's term starts — their term has no end or ends after it — since only they hold seats and institutions then (docs/rules.md#d7). */
export function continuesPast(member: Pick<MemberInput, 'endsAt'>, termStart: Instant): boolean {
  return member.endsAt === null || compareInstants(member.endsAt, termStart) > 0
}

/** The team members still serving after a call's term starts (docs/rules.md#d7). */
export function continuingMembers<M extends Pick<MemberInput, 'endsAt'>>(members: readonly M[], termStart: Instant): M[] {
  return members.filter((member) => continuesPast(member, termStart))
}

/** Counts the volunteer (non-staff) members per category who continue past a term start — the seats a call does not need to refill. */
export function continuingVolunteerCounts(
  members: readonly Pick<MemberInput, 'endsAt' | 'seat'>[],
  termStart: Instant,
): SeatCounts {
  const counts: SeatCounts = { consortium: 0, community: 0 }
  for (const member of continuingMembers(members, termStart)) {
    if (member.seat !== 'staff') counts[member.seat]++
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
  policy: Pick<SelectionPolicy, 'seats'>,
  members: readonly Pick<MemberInput, 'endsAt' | 'seat'>[],
  termStart: Instant,
  fixedSeats: SeatCounts | null = null,
): SeatCounts {
  if (fixedSeats) return { consortium: fixedSeats.consortium, community: fixedSeats.community }
  const continuing = continuingVolunteerCounts(members, termStart)
  return {
    consortium: Math.max(0, policy.seats.consortium - continuing.consortium),
    community: Math.max(0, policy.seats.community - continuing.community),
  }
}

/**
 * Tells whether a call forms the team from scratch — no volunteer continues past its term start and
 * the policy staggers — so half its seats get short terms and later calls can replace the team "on a
 * staggered rolling basis" (docs/rules.md#d8).
 */
export function isInauguralCall(
  policy: Pick<SelectionPolicy, 'inauguralStagger'>,
  members: readonly Pick<MemberInput, 'endsAt' | 'seat'>[],
  termStart: Instant,
): boolean {
  if (!policy.inauguralStagger) return false
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
): SeatSlot[] {
  const slots: SeatSlot[] = []
  const fullEnd = addCalendarMonths(termStart, termMonths)
  const shortEnd = addCalendarMonths(termStart, Math.floor(termMonths / 2))
  for (const category of CATEGORIES) {
    const n = seats[category]
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
 */
export function selectVolunteers(input: SelectionInput): Selection {
  validate(input)
  const { window, termStart, policy } = input
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
  const responses = [...input.responses].sort((a, b) => compareResponses(a, b) || compareText(canonicalJson(a), canonicalJson(b)))
  const members = [...continuingMembers(input.members, termStart)].sort(
    (a, b) => compareText(a.id, b.id) || compareText(canonicalJson(a), canonicalJson(b)),
  )
  const spellings = unknownSpellings(
    [...members.filter((m) => m.seat !== 'staff').map((m) => m.institution), ...responses.map((r) => r.institution)],
    match,
    matches,
  )

  const seats = seatsToFill(policy, members, termStart, input.fixedSeats)
  const inaugural = isInauguralCall(policy, members, termStart)
  const slots = planSeatSlots(seats, termStart, policy.termMonths, inaugural)

  // Who already serves: by email (anyone, staff included) and by institution (volunteers only).
  const memberByEmail = new Map<string, MemberInput>()
  const memberByInstitution = new Map<string, MemberInput>()
  for (const member of members) {
    const email = normaliseEmail(member.email)
    if (email !== '' && !memberByEmail.has(email)) memberByEmail.set(email, member)
    if (member.seat === 'staff') continue
    const matched = match(member.institution)
    if (matched.kind !== 'unaffiliated' && !memberByInstitution.has(matched.key)) memberByInstitution.set(matched.key, member)
  }

  const firstByEmail = new Map<string, Decision>()
  const selectedByInstitution = new Map<string, Decision>()
  const filled: SeatCounts = { consortium: 0, community: 0 }
  const waiting: SeatCounts = { consortium: 0, community: 0 }
  const decisions: Decision[] = []
  const warnings: Warning[] = []

  responses.forEach((response, i) => {
    const matched = match(response.institution)
    const who = displayName(response.name)
    const at = formatInstant(response.submittedAt)
    const decision: Decision = {
      responseId: response.id,
      externalId: response.externalId,
      name: response.name.trim(),
      institution: institutionLabel(matched),
      institutionKey: matched.kind === 'unaffiliated' ? null : matched.key,
      submittedAt: response.submittedAt,
      position: i + 1,
      outcome: 'excluded',
      seat: null,
      reason: null,
      termStart: null,
      termEnd: null,
      explanation: '',
    }
    decisions.push(decision)
    const exclude = (reason: Reason, explanation: string): void => {
      decision.reason = reason
      decision.explanation = explanation
    }

    // docs/rules.md#d2: the window is [opensAt, closesAt).
    if (compareInstants(response.submittedAt, window.opensAt) < 0) {
      return exclude('early', `${who} responded at ${at}, before the call opened at ${formatInstant(window.opensAt)}, so the response could not be counted.`)
    }
    if (compareInstants(response.submittedAt, window.closesAt) >= 0) {
      return exclude('late', `${who} responded at ${at}, after the call closed at ${formatInstant(window.closesAt)}, so the response could not be counted.`)
    }

    // docs/rules.md#d3: a name and an email are required.
    const missing = [response.name.trim() === '' ? 'a name' : null, response.email.trim() === '' ? 'an email address' : null].filter(
      (field): field is string => field !== null,
    )
    if (missing.length > 0) {
      return exclude('missing-fields', `The response submitted at ${at} did not include ${missing.join(' or ')}, so it could not be considered.`)
    }

    // docs/rules.md#d4: one person, one response; and not someone already serving.
    const email = normaliseEmail(response.email)
    const earlier = firstByEmail.get(email)
    if (earlier) {
      return exclude(
        'duplicate-person',
        `${who} had already responded from the same email address at ${formatInstant(earlier.submittedAt)} (position ${earlier.position}), and only a person's first response counts.`,
      )
    }
    firstByEmail.set(email, decision)
    const serving = memberByEmail.get(email)
    if (serving) {
      return exclude(
        'already-on-team',
        `${who} is already on the Code of Conduct Team${serving.endsAt ? ` until ${formatInstant(serving.endsAt)}` : ''}, so this response was not needed.`,
      )
    }

    // docs/rules.md#d5: unknown institutions are their own institution, with a warning for staff.
    if (matched.kind === 'unknown') {
      const hint = matched.suggestions.length > 0 ? ` Did you mean ${orList(matched.suggestions.map((s) => `"${s}"`))}?` : ''
      warnings.push({
        responseId: response.id,
        code: 'unknown-institution',
        message: `${who}'s institution "${matched.text}" matches no known institution or alias, so it is treated as its own community institution.${hint}`,
        suggestions: [...matched.suggestions],
      })
    }

    // docs/rules.md#d6: look-alike spellings share their institution's seat; staff check them (the tick waits).
    const lookalike = lookalikeOf(matched, spellings)
    if (lookalike) {
      warnings.push({
        responseId: response.id,
        code: 'confusable-institution',
        message: `${who}'s institution "${shown(response.institution ?? '')}" only looks like "${lookalike.matchedTo}" (${signsText(lookalike.signs)}), so it is counted as that institution; check it before the call is closed.`,
        suggestions: [lookalike.matchedTo],
      })
    }

    // docs/rules.md#r6: one seat per institution; unaffiliated volunteers are exempt.
    if (matched.kind !== 'unaffiliated') {
      const institution = decision.institution ?? matched.key
      const holder = memberByInstitution.get(matched.key)
      if (holder) {
        return exclude(
          'institution-on-team',
          `${institution} already has a volunteer seat on the Code of Conduct Team, held by ${displayName(holder.name)}${holder.endsAt ? ` until ${formatInstant(holder.endsAt)}` : ''}, and each institution holds only one.`,
        )
      }
      const first = selectedByInstitution.get(matched.key)
      if (first) {
        return exclude(
          'institution-already-selected',
          `${first.name} from ${first.institution ?? institution} responded earlier, at ${formatInstant(first.submittedAt)}, and was selected, and only the first volunteer from an institution is selected.`,
        )
      }
    }

    // docs/rules.md#r7, #r8: a seat in the volunteer's category while any is left, else the waitlist.
    const category: Category = matched.kind === 'known' && matched.institution.consortium ? 'consortium' : 'community'
    decision.seat = category
    if (filled[category] < seats[category]) {
      filled[category]++
      const slot = slots.find((s) => s.category === category && s.index === filled[category])
      if (!slot) throw new Error('unreachable: a seat without a slot')
      slot.responseId = response.id
      decision.outcome = 'selected'
      decision.termStart = slot.termStart
      decision.termEnd = slot.termEnd
      decision.explanation = `${who} responded at ${at} and was selected for ${seatLabel(category)} ${slot.index} of ${seats[category]}, serving from ${formatInstant(slot.termStart)} until ${formatInstant(slot.termEnd)}.`
      if (matched.kind !== 'unaffiliated') selectedByInstitution.set(matched.key, decision)
      return
    }
    waiting[category]++
    decision.outcome = 'alternate'
    decision.reason = 'seats-full'
    decision.explanation =
      seats[category] === 0
        ? `${who} responded at ${at}, but this call offers no ${seatLabel(category)}s, so ${who} is number ${waiting[category]} on the ${category} waitlist.`
        : `${who} responded at ${at}, after ${seats[category] === 1 ? `the only ${seatLabel(category)} was` : `all ${seats[category]} ${seatLabel(category)}s were`} filled, so ${who} is number ${waiting[category]} on the ${category} waitlist.`
  })

  return {
    seats,
    shortfall: { consortium: seats.consortium - filled.consortium, community: seats.community - filled.community },
    inaugural,
    slots,
    decisions,
    warnings,
    inputDigest: selectionInputDigest(input),
  }
}

/**
 * A sha256 fingerprint of exactly the inputs that decide a selection — window, term start, policy,
 * fixed seats, institutions, the continuing members and the responses, each in a canonical order —
 * so a stored selection can be shown to follow from its inputs (docs/rules.md#d18).
 */
export function selectionInputDigest(input: SelectionInput): string {
  const institutions = [...input.institutions]
    .map((i) => ({ id: i.id, name: i.name, aliases: [...i.aliases].sort(compareText), consortium: i.consortium }))
    .sort((a, b) => compareText(a.id, b.id) || compareText(canonicalJson(a), canonicalJson(b)))
  // A member's term start never changes the outcome, and members who leave before the term starts
  // play no part, so neither is fingerprinted.
  const members = continuingMembers(input.members, input.termStart)
    .map((m) => ({ id: m.id, name: m.name, email: m.email, seat: m.seat, institution: m.institution, endsAt: m.endsAt }))
    .sort((a, b) => compareText(a.id, b.id) || compareText(canonicalJson(a), canonicalJson(b)))
  const responses = [...input.responses]
    .map((r) => ({
      id: r.id,
      externalId: r.externalId,
      submittedAt: r.submittedAt,
      ingestSeq: r.ingestSeq,
      name: r.name,
      email: r.email,
      institution: r.institution,
    }))
    .sort((a, b) => compareResponses(a, b) || compareText(canonicalJson(a), canonicalJson(b)))
  const canonical = canonicalJson({
    rules: RULES_VERSION,
    window: { opensAt: input.window.opensAt, closesAt: input.window.closesAt },
    termStart: input.termStart,
    policy: {
      seats: { consortium: input.policy.seats.consortium, community: input.policy.seats.community },
      termMonths: input.policy.termMonths,
      inauguralStagger: input.policy.inauguralStagger,
    },
    fixedSeats: input.fixedSeats ? { consortium: input.fixedSeats.consortium, community: input.fixedSeats.community } : null,
    institutions,
    members,
    responses,
  })
  return createHash('sha256').update(canonical, 'utf8').digest('hex')
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

function validate(input: SelectionInput): void {
  const counts: [string, number][] = [
    ['policy.seats.consortium', input.policy.seats.consortium],
    ['policy.seats.community', input.policy.seats.community],
    ['policy.termMonths', input.policy.termMonths],
  ]
  if (input.fixedSeats) {
    counts.push(['fixedSeats.consortium', input.fixedSeats.consortium], ['fixedSeats.community', input.fixedSeats.community])
  }
  for (const [field, value] of counts) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidSelectionInputError(`${field} must be a whole number of at least 0, got ${value}`)
    }
  }
}

type UnknownMatch = Extract<InstitutionMatch, { kind: 'unknown' }>

/**
 * Gives unknown spellings that only look different (`lookalikeGroups`) one key, in the match cache
 * itself, and lists each group's spellings in the order met (members by id, then responses first
 * come), for naming the spelling a look-alike was matched to.
 */
function unknownSpellings(
  raws: readonly (string | null)[],
  match: (raw: string | null) => InstitutionMatch,
  cache: Map<string | null, InstitutionMatch>,
): Map<string, UnknownMatch[]> {
  const unknown = raws.map(match).filter((m): m is UnknownMatch => m.kind === 'unknown')
  const groups = lookalikeGroups(unknown)
  for (const [raw, found] of cache) {
    if (found.kind === 'unknown') cache.set(raw, { ...found, key: groups.get(found.key) ?? found.key })
  }
  const spellings = new Map<string, UnknownMatch[]>()
  for (const raw of raws) {
    const found = match(raw)
    if (found.kind !== 'unknown') continue
    const list = spellings.get(found.key)
    if (!list) spellings.set(found.key, [found])
    else if (!list.some((m) => m.visible === found.visible)) list.push(found)
  }
  return spellings
}

/**
 * A spelling matched only through look-alike or invisible characters: a known institution reached
 * through its skeleton, or an unknown one sharing its key with a spelling that reads differently
 * (named by the first such spelling, one without look-alike signs if there is one). Null when the
 * spelling shows no look-alike signs: a name wholly in Cyrillic or Japanese is not suspect.
 */
function lookalikeOf(matched: InstitutionMatch, spellings: ReadonlyMap<string, UnknownMatch[]>): { matchedTo: string; signs: LookalikeSigns } | null {
  if (matched.kind === 'known') return matched.lookalike ? { matchedTo: matched.institution.name, signs: matched.lookalike } : null
  if (matched.kind !== 'unknown' || matched.signs === null) return null
  const others = (spellings.get(matched.key) ?? []).filter((m) => m.visible !== matched.visible)
  const other = others.find((m) => m.signs === null) ?? others[0]
  return other ? { matchedTo: other.text, signs: matched.signs } : null
}

/** A volunteer's text as staff should see it: invisible characters spelt out (`<U+200B>`). */
function shown(raw: string): string {
  return raw.trim().replace(/\p{Cf}/gu, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`)
}

function signsText(signs: LookalikeSigns): string {
  const parts: string[] = []
  if (signs.invisible.length > 0) parts.push(`it holds the invisible character${signs.invisible.length > 1 ? 's' : ''} ${signs.invisible.join(', ')}`)
  if (signs.scripts.length > 1) parts.push(`it mixes ${signs.scripts.slice(0, -1).join(', ')} and ${signs.scripts[signs.scripts.length - 1]} letters`)
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

function seatLabel(category: Category): string {
  return category === 'consortium' ? 'IIIF Consortium seat' : 'community seat'
}

function orList(items: string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export type { Institution }
