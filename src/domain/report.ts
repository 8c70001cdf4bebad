/**
 * The public selection report and its verifier (docs/rules.md#r2, #r6–#r8, #d1–#d8).
 *
 * The Code of Conduct selects volunteers "first-come, first-served … with timestamp"; a first-come
 * selection is only trusted if the people who took part can check it without seeing each other's
 * data. `anonymiseSelection` turns a closed call's selection into a report with no names and no
 * emails: each response's exact instant, category, institution (known institutions by their public
 * id and name, any other by a salted hash), a salted hash of the person (so one person's second
 * response can be seen to be one), outcome, reason, seat and the sha256 of the volunteer's receipt.
 * `verifyReport` re-runs the selection rules on that anonymised sequence and names the first line
 * that does not follow from them. Pure: the hashes come in as functions; no clock, no I/O.
 */
import {
  CATEGORIES,
  CONSORTIUM_FLAG,
  classNames,
  eligibilityProblems,
  institutionFlags,
  isEligible,
  legacySeatsOf,
  SLUG_PATTERN,
  zeroCounts,
  policyProblems,
  DEFAULT_POLICY,
  STAGGERS,
  type FlagCap,
  type SeatClass,
  type Stagger,
} from './policy.js'
import {
  classPolicyOf,
  continuingInstitutionKeys,
  isInauguralCall,
  normaliseEmail,
  OUTCOMES,
  planSeatSlots,
  REASONS,
  SEATS,
  seatsToFill,
  type Category,
  type Outcome,
  type Reason,
  type Seat,
  type Selection,
  type SelectionInput,
  type SeatCounts,
} from './selection.js'
import { compareInstants, isInstant, type Instant } from './time.js'
import { reachesTermLimit, type TermLimitPolicy } from './term-limits.js'

/**
 * The report's format: a verifier refuses any other. `/1` for a policy the shape before seat
 * classes could say (the IIIF 2017 classes, one seat per institution, no flag caps: a known
 * institution's `consortium` is all the rules read); `/2` for any other: the policy's classes and
 * caps, and every known institution's flags.
 */
export const REPORT_FORMAT = 'rota-selection-report/1'
export const REPORT_FORMAT_CLASSES = 'rota-selection-report/2'
export type ReportFormat = typeof REPORT_FORMAT | typeof REPORT_FORMAT_CLASSES

/** A known institution by its public id and name (and, in format `/2`, its flags); any other by a salted hash of its key, equal only for equal institutions. */
export type ReportInstitution = { id: string; name: string; consortium: boolean; flags?: string[] } | { hash: string }

/** The policy as a report shows it: the old shape in format `/1`, the seat classes and caps in `/2`. */
export type ReportPolicy = (
  | { seats: { consortium: number; community: number }; termMonths: number; inauguralStagger: boolean }
  | { seats: SeatClass[]; maxPerInstitution: number; flagCaps: FlagCap[]; termMonths: number; stagger: Stagger }
) & {
  /** Term limits: present only when the policy has a limit. */
  maxConsecutiveTerms?: number
}

/** One response, anonymised. */
export interface ReportLine {
  /** 1-based, first-come order. */
  position: number
  /** The canonical instant, to the nanosecond. */
  submittedAt: string
  /** The seat class taken or waited for; for an excluded line, the first class its institution is eligible for (null when none: format `/2` only). */
  category: Category | null
  /** Null when unaffiliated (or blank). */
  institution: ReportInstitution | null
  /** A salted hash of the normalised email address (equal for one person's responses); null when it was blank. */
  person: string | null
  outcome: Outcome
  reason: Reason | null
  /** The seat taken, 1-based within its category, for a selected volunteer; else null. */
  seat: number | null
  /** When a selected volunteer's term ends (canonical instant); else null. */
  termEnd: string | null
  /** sha256 (hex) of the volunteer's receipt code, as printed in their email. */
  receiptHash: string
  /** Term limits: the consecutive terms the person had served up to the term start (count only); present when the policy has a limit. */
  consecutiveTerms?: number
}

/** A team member continuing past the call's term start, anonymised as responses are. */
export interface ContinuingLine {
  seat: Seat
  institution: ReportInstitution | null
  person: string | null
}

/** What the selection of a call rests on and decided, anonymised: everything the verifier needs. */
export interface ReportBody {
  format: ReportFormat
  callId: string
  window: { opensAt: string; closesAt: string }
  termStart: string
  policy: ReportPolicy
  /** Seats staff fixed on the call, replacing the computed ones; null when computed from the policy. */
  fixedSeats: SeatCounts | null
  /** The seats offered. */
  seats: SeatCounts
  inaugural: boolean
  /** The stored selection's fingerprint of its (private) inputs. */
  inputDigest: string
  continuing: ContinuingLine[]
  responses: ReportLine[]
}

/** The salted, keyed functions that anonymise a call (the service holds the keys). */
export interface Anonymiser {
  /** A salted hash of an institution key (`name:<normalised text>`). */
  institution(key: string): string
  /** A salted hash of a normalised email address. */
  person(email: string): string
  /** sha256 (hex) of the response's receipt code. */
  receiptHash(responseId: string): string
}

/** Term limits: the report's limit, when the policy has one (left out otherwise, so reports stay as they were). */
function termLimitOf(policy: TermLimitPolicy): { maxConsecutiveTerms?: number } {
  const max = policy.maxConsecutiveTerms ?? null
  return max === null ? {} : { maxConsecutiveTerms: max }
}

/**
 * A selection as the public may see it: in first-come order, no names, no emails; known
 * institutions by public id and name, others by salted hash (docs/rules.md#d18).
 */
export function anonymiseSelection(
  callId: string,
  input: SelectionInput,
  selection: Pick<Selection, 'decisions' | 'seats' | 'inaugural' | 'slots' | 'inputDigest'>,
  anonymiser: Anonymiser,
): ReportBody {
  const policy = classPolicyOf(input.policy)
  const legacy = legacySeatsOf(policy)
  const classes = classNames(policy)
  const byId = new Map(input.institutions.map((i) => [i.id, i]))
  const institution = (key: string | null): ReportInstitution | null => {
    if (key === null) return null
    if (key.startsWith('id:')) {
      const known = byId.get(key.slice(3))
      if (known)
        return legacy
          ? { id: known.id, name: known.name, consortium: known.consortium }
          : {
              id: known.id,
              name: known.name,
              consortium: known.consortium,
              flags: [...institutionFlags(known)].sort(compareText),
            }
    }
    return { hash: anonymiser.institution(key) }
  }
  const inOrder = (seats: SeatCounts): SeatCounts => {
    const out: SeatCounts = {}
    for (const c of classes) out[c] = seats[c] ?? 0
    return out
  }
  const firstEligible = (shown: ReportInstitution | null): string | null => {
    const flags = shown !== null && 'id' in shown ? reportFlags(shown) : new Set<string>()
    return policy.seats.find((c) => isEligible(c.eligible, flags))?.class ?? null
  }
  const person = (email: string): string | null => {
    const normalised = normaliseEmail(email)
    return normalised === '' ? null : anonymiser.person(normalised)
  }
  const emails = new Map(input.responses.map((r) => [r.id, r.email]))
  const limited = (input.policy.maxConsecutiveTerms ?? null) !== null
  const served = new Map(input.responses.map((r) => [r.id, r.consecutiveTerms?.length ?? 0]))
  const seatOf = new Map(selection.slots.filter((s) => s.responseId !== null).map((s) => [s.responseId!, s.index]))
  const continuing = continuingInstitutionKeys(input, selection as Selection)
    .map(({ member, institutionKey }) => ({
      seat: member.seat,
      institution: member.seat === 'staff' ? null : institution(institutionKey),
      person: person(member.email),
    }))
    // Never in the members' id order: nothing links a line to a member but what it shows.
    .sort((a, b) => compareText(JSON.stringify(a), JSON.stringify(b)))
  return {
    format: legacy ? REPORT_FORMAT : REPORT_FORMAT_CLASSES,
    callId,
    window: { opensAt: input.window.opensAt, closesAt: input.window.closesAt },
    termStart: input.termStart,
    policy: legacy
      ? {
          seats: legacy.seats,
          termMonths: policy.termMonths,
          inauguralStagger: legacy.inauguralStagger,
          ...termLimitOf(input.policy),
        }
      : {
          seats: policy.seats,
          maxPerInstitution: policy.maxPerInstitution,
          flagCaps: policy.flagCaps,
          termMonths: policy.termMonths,
          stagger: policy.stagger,
          ...termLimitOf(input.policy),
        },
    fixedSeats: input.fixedSeats ? inOrder(input.fixedSeats) : null,
    seats: inOrder(selection.seats),
    inaugural: selection.inaugural,
    inputDigest: selection.inputDigest,
    continuing,
    responses: selection.decisions.map((d) => {
      const shown = institution(d.institutionKey)
      return {
        position: d.position,
        submittedAt: d.submittedAt,
        category: d.seat ?? firstEligible(shown),
        institution: shown,
        person: person(emails.get(d.responseId) ?? ''),
        outcome: d.outcome,
        reason: d.reason,
        seat: d.outcome === 'selected' ? (seatOf.get(d.responseId) ?? null) : null,
        termEnd: d.termEnd,
        receiptHash: anonymiser.receiptHash(d.responseId),
        ...(limited ? { consecutiveTerms: served.get(d.responseId) ?? 0 } : {}),
      }
    }),
  }
}

// ---------------------------------------------------------------------------------------------
// The verifier.

export type Verdict =
  | { ok: true; summary: string }
  | {
      ok: false
      /** The first line (response position, or array index + 1 where the position itself is wrong) at fault; null when the fault is in the call's parts. */
      position: number | null
      message: string
    }

class Fault extends Error {
  constructor(
    readonly position: number | null,
    message: string,
  ) {
    super(message)
  }
}

/** What the rules give for one line: outcome, reason, seat and term end, and why, in words. */
interface Expected {
  outcome: Outcome
  reason: Reason | null
  seat: number | null
  termEnd: string | null
  /** The class taken or waited for (selected and alternate lines). */
  category?: string
  why: string
}

/**
 * Re-runs the first-come rules on a report's anonymised sequence and checks every line's outcome,
 * reason, seat and term end, and the seats offered, against them: the window `[opensAt, closesAt)`,
 * one response per person, not already on the team, one seat per institution (continuing members'
 * institutions first), then a seat in the volunteer's category while any is left, the waitlist after
 * that (docs/rules.md#r2, #r6–#r8, #d1–#d8). `missing-fields` for a response with an email address
 * (its name was blank) is taken as given: the report does not show names.
 */
export function verifyReport(value: unknown): Verdict {
  try {
    return { ok: true, summary: check(value) }
  } catch (error) {
    if (error instanceof Fault) return { ok: false, position: error.position, message: error.message }
    throw error
  }
}

function check(value: unknown): string {
  const report = readReport(value)
  const { termStart, window } = report
  const policy = classPolicyOf(report.policy)
  const classes = classNames(policy)
  const legacy = report.format === REPORT_FORMAT
  const institutions = new Map<string, { name: string; consortium: boolean; flags: string }>()
  const flagsOf = new Map<string | null, ReadonlySet<string>>()
  const keyOf = (i: ReportInstitution | null, where: string, position: number | null): string | null => {
    if (i === null) return null
    if ('hash' in i) return `hash:${i.hash}`
    const seen = institutions.get(i.id)
    const flags = [...reportFlags(i)].sort(compareText).join(', ')
    if (!seen) {
      institutions.set(i.id, { name: i.name, consortium: i.consortium, flags })
      flagsOf.set(`id:${i.id}`, reportFlags(i))
    } else if (seen.name !== i.name || seen.consortium !== i.consortium || seen.flags !== flags)
      throw new Fault(
        position,
        legacy
          ? `${where}: institution ${i.id} is shown as ${JSON.stringify(i.name)} (${i.consortium ? 'consortium' : 'not consortium'}), elsewhere as ${JSON.stringify(seen.name)} (${seen.consortium ? 'consortium' : 'not consortium'})`
          : `${where}: institution ${i.id} is shown as ${JSON.stringify(i.name)} (flags: ${flags || 'none'}), elsewhere as ${JSON.stringify(seen.name)} (flags: ${seen.flags || 'none'})`,
      )
    return `id:${i.id}`
  }
  const flagsFor = (key: string | null): ReadonlySet<string> => flagsOf.get(key) ?? NO_FLAGS
  const eligibleFor = (key: string | null): string[] =>
    policy.seats.filter((c) => isEligible(c.eligible, flagsFor(key))).map((c) => c.class)

  // The continuing members: whom and which institutions (and capped flags) the call does not seat again.
  const memberPersons = new Set<string>()
  const heldBy = new Map<string, number>()
  const heldByFlag = new Map<string, number>()
  for (const [i, member] of report.continuing.entries()) {
    const key = keyOf(member.institution, `continuing member ${i + 1}`, null)
    if (member.person !== null) memberPersons.add(member.person)
    if (member.seat === 'staff') continue
    if (key !== null) heldBy.set(key, (heldBy.get(key) ?? 0) + 1)
    for (const cap of policy.flagCaps)
      if (flagsFor(key).has(cap.flag)) heldByFlag.set(cap.flag, (heldByFlag.get(cap.flag) ?? 0) + 1)
  }
  const continuing = report.continuing.map((m) => ({ seat: m.seat, endsAt: null }))
  const seats = seatsToFill(policy, continuing, termStart as Instant, report.fixedSeats)
  for (const category of new Set([...classes, ...Object.keys(report.seats)])) {
    if (report.seats[category] !== seats[category])
      throw new Fault(
        null,
        report.fixedSeats
          ? `seats: the report offers ${report.seats[category] ?? 0} ${category} seat(s), but staff fixed ${seats[category] ?? 0}`
          : `seats: the report offers ${report.seats[category] ?? 0} ${category} seat(s), but the policy's ${policy.seats.find((c) => c.class === category)?.count ?? 0} less ${continuing.filter((m) => m.seat === category).length} continuing ${category} volunteer(s) gives ${seats[category] ?? 0}`,
      )
  }
  const inaugural = isInauguralCall(policy, continuing, termStart as Instant)
  if (report.inaugural !== inaugural)
    throw new Fault(
      null,
      `inaugural: the report says ${report.inaugural}, but ${inaugural ? 'no volunteer continues and the policy staggers' : policy.stagger === 'halves' ? 'volunteers continue' : 'the policy does not stagger'}, so it is ${inaugural}`,
    )
  const slots = planSeatSlots(seats, termStart as Instant, policy.termMonths, inaugural, classes)
  const termEnds: Record<string, string[]> = {}
  for (const c of classes) termEnds[c] = []
  for (const slot of slots) termEnds[slot.category]![slot.index - 1] = slot.termEnd

  const persons = new Map<string, number>()
  const selectedBy = new Map<string, number>()
  const selectedCount = new Map<string, number>()
  const filled = zeroCounts(classes)
  const receipts = new Map<string, number>()
  const counts = { selected: 0, alternate: 0, excluded: 0 }
  let previous: ReportLine | null = null
  for (const [i, line] of report.responses.entries()) {
    if (line.position !== i + 1)
      throw new Fault(
        i + 1,
        `line ${i + 1}: position ${line.position} where ${i + 1} was expected (positions run 1, 2, 3 … in first-come order, each once)`,
      )
    const at = `position ${line.position}`
    if (previous && compareInstants(line.submittedAt as Instant, previous.submittedAt as Instant) < 0)
      throw new Fault(
        line.position,
        `${at}: submitted at ${line.submittedAt}, before position ${previous.position} (${previous.submittedAt}): the lines are not in first-come order`,
      )
    previous = line
    const earlierReceipt = receipts.get(line.receiptHash)
    if (earlierReceipt !== undefined)
      throw new Fault(line.position, `${at}: the same receiptHash as position ${earlierReceipt}`)
    receipts.set(line.receiptHash, line.position)

    const key = keyOf(line.institution, at, line.position)
    const eligible = eligibleFor(key)
    if (legacy) {
      const category = eligible[0]!
      if (line.category !== category)
        throw new Fault(
          line.position,
          `${at}: category ${line.category}, but ${category === 'consortium' ? 'its institution is a IIIF Consortium member' : 'only IIIF Consortium member institutions compete for consortium seats'}, so it is ${category}`,
        )
    } else if (line.category === null ? eligible.length > 0 : !eligible.includes(line.category))
      throw new Fault(
        line.position,
        `${at}: category ${line.category}, but its institution is eligible for ${eligible.length > 0 ? eligible.join(', ') : 'no class'}`,
      )
    const category = eligible.find((c) => filled[c]! < seats[c]!) ?? eligible[0] ?? null

    const expected = ((): Expected => {
      const excluded = (reason: Reason, why: string): Expected => ({
        outcome: 'excluded',
        reason,
        seat: null,
        termEnd: null,
        why,
      })
      if (compareInstants(line.submittedAt as Instant, window.opensAt as Instant) < 0)
        return excluded('early', `it was submitted before the call opened at ${window.opensAt}`)
      if (compareInstants(line.submittedAt as Instant, window.closesAt as Instant) >= 0)
        return excluded('late', `it was submitted at or after the close at ${window.closesAt}`)
      if (line.person === null) return excluded('missing-fields', 'it has no email address')
      if (line.reason === 'missing-fields') return excluded('missing-fields', 'its name was blank (taken as given)')
      const earlier = persons.get(line.person)
      if (earlier !== undefined)
        return excluded('duplicate-person', `the same person responded earlier, at position ${earlier}`)
      persons.set(line.person, line.position)
      if (memberPersons.has(line.person))
        return excluded('already-on-team', 'the person is a continuing member of the team')
      // Term limits (issue 14): the count is an input, shown on the line; the limit is the policy's.
      if (reachesTermLimit(line.consecutiveTerms ?? 0, report.policy))
        return excluded(
          'term-limit',
          `the person had served ${line.consecutiveTerms} consecutive term(s) and the policy allows at most ${report.policy.maxConsecutiveTerms}`,
        )
      const held = key === null ? 0 : (heldBy.get(key) ?? 0)
      if (key !== null && held + (selectedCount.get(key) ?? 0) >= policy.maxPerInstitution) {
        if (held >= policy.maxPerInstitution)
          return excluded('institution-on-team', 'a continuing member already holds a seat for its institution')
        return excluded(
          'institution-already-selected',
          `position ${selectedBy.get(key)}, from the same institution, was selected earlier`,
        )
      }
      for (const cap of policy.flagCaps)
        if (flagsFor(key).has(cap.flag) && (heldByFlag.get(cap.flag) ?? 0) >= cap.max)
          return excluded('flag-cap', `the team already has ${cap.max} from institutions flagged ${cap.flag}`)
      if (category === null) return excluded('not-eligible', 'its institution is eligible for no seat class')
      if (filled[category]! < seats[category]!) {
        const seat = ++filled[category]!
        if (key !== null) {
          if (!selectedBy.has(key)) selectedBy.set(key, line.position)
          selectedCount.set(key, (selectedCount.get(key) ?? 0) + 1)
        }
        for (const cap of policy.flagCaps)
          if (flagsFor(key).has(cap.flag)) heldByFlag.set(cap.flag, (heldByFlag.get(cap.flag) ?? 0) + 1)
        return {
          outcome: 'selected',
          reason: null,
          seat,
          termEnd: termEnds[category]![seat - 1]!,
          category,
          why: `${category} seat ${seat} of ${seats[category]} was the next one free`,
        }
      }
      return {
        outcome: 'alternate',
        reason: 'seats-full',
        seat: null,
        termEnd: null,
        category,
        why: `all ${seats[category]} ${category} seat(s) were taken by earlier lines`,
      }
    })()
    if (expected.category !== undefined && line.category !== expected.category)
      throw new Fault(
        line.position,
        `${at}: category ${line.category}, but the rules give ${expected.category}: ${expected.why}`,
      )
    if (
      line.outcome !== expected.outcome ||
      line.reason !== expected.reason ||
      line.seat !== expected.seat ||
      line.termEnd !== expected.termEnd
    )
      throw new Fault(
        line.position,
        `${at}: the report says ${describe(line)}, but the rules give ${describe(expected)}: ${expected.why}`,
      )
    counts[line.outcome]++
  }
  const selected = report.responses.filter((l) => l.outcome === 'selected')
  const per = classes.map((c) => `${selected.filter((l) => l.category === c).length} ${c}`).join(', ')
  return `call ${report.callId}: ${report.responses.length} responses; ${counts.selected} selected (${per}), ${counts.alternate} alternate, ${counts.excluded} excluded; every outcome, reason and seat follows from the rules (inputDigest ${report.inputDigest})`
}

function describe(d: Pick<ReportLine, 'outcome' | 'reason' | 'seat' | 'termEnd'>): string {
  const parts: string[] = [d.outcome]
  if (d.reason !== null) parts.push(`(${d.reason})`)
  if (d.seat !== null) parts.push(`seat ${d.seat}`)
  if (d.termEnd !== null) parts.push(`until ${d.termEnd}`)
  return parts.join(' ')
}

// ---------------------------------------------------------------------------------------------
// Reading a report: every field checked, each fault named.

type Json = Record<string, unknown>

function readReport(value: unknown): ReportBody {
  const root = object(value, 'the report', null)
  const format = root['format']
  if (format !== REPORT_FORMAT && format !== REPORT_FORMAT_CLASSES)
    throw new Fault(
      null,
      `format: expected ${JSON.stringify(REPORT_FORMAT)} or ${JSON.stringify(REPORT_FORMAT_CLASSES)}, got ${JSON.stringify(format)}`,
    )
  const legacy = format === REPORT_FORMAT
  const window = object(root['window'], 'window', null)
  const policy = object(root['policy'], 'policy', null)
  const responses = array(root['responses'], 'responses', null)
  const continuing = array(root['continuing'], 'continuing', null)
  const limited = policy['maxConsecutiveTerms'] !== undefined
  const counts = legacy ? legacyCounts : classCounts
  const report: ReportBody = {
    format,
    callId: string(root['callId'], 'callId', null),
    window: {
      opensAt: instant(window['opensAt'], 'window.opensAt', null),
      closesAt: instant(window['closesAt'], 'window.closesAt', null),
    },
    termStart: instant(root['termStart'], 'termStart', null),
    policy: {
      ...(legacy ? readLegacyPolicy(policy) : readClassPolicy(policy)),
      ...(limited
        ? { maxConsecutiveTerms: positive(policy['maxConsecutiveTerms'], 'policy.maxConsecutiveTerms') }
        : {}),
    },
    fixedSeats: root['fixedSeats'] === null ? null : counts(root['fixedSeats'], 'fixedSeats'),
    seats: counts(root['seats'], 'seats'),
    inaugural: boolean(root['inaugural'], 'inaugural', null),
    inputDigest: string(root['inputDigest'], 'inputDigest', null),
    continuing: continuing.map((raw, i) => {
      const where = `continuing member ${i + 1}`
      const m = object(raw, where, null)
      return {
        seat: legacy ? oneOf(m['seat'], SEATS, `${where}: seat`, null) : slug(m['seat'], `${where}: seat`, null),
        institution: institution(m['institution'], `${where}: institution`, null, legacy),
        person: nullable(m['person'], (v) => string(v, `${where}: person`, null)),
      }
    }),
    responses: responses.map((raw, i) => {
      const where = `line ${i + 1}`
      const at = i + 1
      const l = object(raw, where, at)
      const outcome = oneOf(l['outcome'], OUTCOMES, `${where}: outcome`, at)
      return {
        position: count(l['position'], `${where}: position`, at),
        submittedAt: instant(l['submittedAt'], `${where}: submittedAt`, at),
        category: legacy
          ? oneOf(l['category'], CATEGORIES, `${where}: category`, at)
          : nullable(l['category'], (v) => slug(v, `${where}: category`, at)),
        institution: institution(l['institution'], `${where}: institution`, at, legacy),
        person: nullable(l['person'], (v) => string(v, `${where}: person`, at)),
        outcome,
        reason: nullable(l['reason'], (v) => oneOf(v, REASONS, `${where}: reason`, at)),
        seat: nullable(l['seat'], (v) => count(v, `${where}: seat`, at)),
        termEnd: nullable(l['termEnd'], (v) => instant(v, `${where}: termEnd`, at)),
        receiptHash: hex64(l['receiptHash'], `${where}: receiptHash`, at),
        // Term limits: required on every line when the policy has a limit.
        ...(limited || l['consecutiveTerms'] !== undefined
          ? { consecutiveTerms: count(l['consecutiveTerms'], `${where}: consecutiveTerms`, at) }
          : {}),
      }
    }),
  }
  return report
}

function object(value: unknown, where: string, at: number | null): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Fault(at, `${where}: expected an object`)
  return value as Json
}

function array(value: unknown, where: string, at: number | null): unknown[] {
  if (!Array.isArray(value)) throw new Fault(at, `${where}: expected an array`)
  return value
}

function string(value: unknown, where: string, at: number | null): string {
  if (typeof value !== 'string' || value === '') throw new Fault(at, `${where}: expected text`)
  return value
}

function boolean(value: unknown, where: string, at: number | null): boolean {
  if (typeof value !== 'boolean') throw new Fault(at, `${where}: expected true or false`)
  return value
}

function count(value: unknown, where: string, at: number | null): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    throw new Fault(at, `${where}: expected a whole number of at least 0, got ${JSON.stringify(value)}`)
  return value as number
}

function positive(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1)
    throw new Fault(null, `${where}: expected a whole number of at least 1, got ${JSON.stringify(value)}`)
  return value as number
}

function legacyCounts(value: unknown, where: string): { consortium: number; community: number } {
  const o = object(value, where, null)
  return {
    consortium: count(o['consortium'], `${where}.consortium`, null),
    community: count(o['community'], `${where}.community`, null),
  }
}

function classCounts(value: unknown, where: string): SeatCounts {
  const o = object(value, where, null)
  const out: SeatCounts = {}
  for (const [k, v] of Object.entries(o)) out[slug(k, `${where} key`, null)] = count(v, `${where}.${k}`, null)
  return out
}

function slug(value: unknown, where: string, at: number | null): string {
  if (typeof value !== 'string' || !new RegExp(SLUG_PATTERN).test(value))
    throw new Fault(at, `${where}: expected a slug (${SLUG_PATTERN}), got ${JSON.stringify(value)}`)
  return value
}

function readLegacyPolicy(policy: Json): ReportPolicy {
  return {
    seats: legacyCounts(policy['seats'], 'policy.seats'),
    termMonths: count(policy['termMonths'], 'policy.termMonths', null),
    inauguralStagger: boolean(policy['inauguralStagger'], 'policy.inauguralStagger', null),
  }
}

/** A `/2` policy: its seat classes and caps, checked as a team's policy is. */
function readClassPolicy(policy: Json): ReportPolicy {
  const seats = array(policy['seats'], 'policy.seats', null).map((raw, i) => {
    const c = object(raw, `policy.seats[${i}]`, null)
    const problems = eligibilityProblems(c['eligible'], `policy.seats[${i}].eligible`)
    if (problems.length > 0) throw new Fault(null, `${problems[0]!.field}: ${problems[0]!.message}`)
    return {
      class: slug(c['class'], `policy.seats[${i}].class`, null),
      count: count(c['count'], `policy.seats[${i}].count`, null),
      eligible: c['eligible'] as SeatClass['eligible'],
    }
  })
  const flagCaps = array(policy['flagCaps'], 'policy.flagCaps', null).map((raw, i) => {
    const cap = object(raw, `policy.flagCaps[${i}]`, null)
    return {
      flag: slug(cap['flag'], `policy.flagCaps[${i}].flag`, null),
      max: count(cap['max'], `policy.flagCaps[${i}].max`, null),
    }
  })
  const read = {
    seats,
    maxPerInstitution: count(policy['maxPerInstitution'], 'policy.maxPerInstitution', null),
    flagCaps,
    termMonths: count(policy['termMonths'], 'policy.termMonths', null),
    stagger: oneOf(policy['stagger'], STAGGERS, 'policy.stagger', null),
  }
  const problems = policyProblems({ ...DEFAULT_POLICY, ...read, stagger: 'none' })
  if (problems.length > 0) throw new Fault(null, `${problems[0]!.field}: ${problems[0]!.message}`)
  return read
}

/** A known institution's flags as a report shows them: `flags` in `/2`, `consortium` in `/1`. */
function reportFlags(i: { consortium: boolean; flags?: string[] }): Set<string> {
  return institutionFlags(i)
}

const NO_FLAGS: ReadonlySet<string> = new Set()

function instant(value: unknown, where: string, at: number | null): string {
  if (!isInstant(value))
    throw new Fault(
      at,
      `${where}: expected a canonical UTC instant (YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ), got ${JSON.stringify(value)}`,
    )
  return value
}

function oneOf<T extends string>(value: unknown, values: readonly T[], where: string, at: number | null): T {
  if (!(values as readonly unknown[]).includes(value))
    throw new Fault(at, `${where}: expected one of ${values.join(', ')}, got ${JSON.stringify(value)}`)
  return value as T
}

function hex64(value: unknown, where: string, at: number | null): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value))
    throw new Fault(at, `${where}: expected 64 lower-case hex digits (a sha256)`)
  return value
}

function nullable<T>(value: unknown, read: (value: unknown) => T): T | null {
  return value === null ? null : read(value)
}

function institution(value: unknown, where: string, at: number | null, legacy: boolean): ReportInstitution | null {
  if (value === null) return null
  const o = object(value, where, at)
  if ('hash' in o) return { hash: string(o['hash'], `${where}.hash`, at) }
  const known = {
    id: string(o['id'], `${where}.id`, at),
    name: string(o['name'], `${where}.name`, at),
    consortium: boolean(o['consortium'], `${where}.consortium`, at),
  }
  if (legacy) return known
  const flags = array(o['flags'], `${where}.flags`, at).map((f, i) => slug(f, `${where}.flags[${i}]`, at))
  if (flags.includes(CONSORTIUM_FLAG) !== known.consortium)
    throw new Fault(at, `${where}: consortium ${known.consortium} disagrees with its flags`)
  return { ...known, flags }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
