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
  type SelectionPolicy,
  type SeatCounts,
} from './selection.js'
import { compareInstants, isInstant, type Instant } from './time.js'
import { reachesTermLimit } from './term-limits.js'

/** The report's format: a verifier refuses any other. */
export const REPORT_FORMAT = 'rota-selection-report/1'

/** A known institution by its public id and name; any other by a salted hash of its key, equal only for equal institutions. */
export type ReportInstitution = { id: string; name: string; consortium: boolean } | { hash: string }

/** One response, anonymised. */
export interface ReportLine {
  /** 1-based, first-come order. */
  position: number
  /** The canonical instant, to the nanosecond. */
  submittedAt: string
  /** The seats the volunteer competes for: consortium only for a IIIF Consortium member institution. */
  category: Category
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
  format: typeof REPORT_FORMAT
  callId: string
  window: { opensAt: string; closesAt: string }
  termStart: string
  /** The selection's policy; `maxConsecutiveTerms` only when it has a term limit. */
  policy: Pick<SelectionPolicy, 'seats' | 'termMonths' | 'inauguralStagger'> & { maxConsecutiveTerms?: number }
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
function termLimitOf(policy: SelectionPolicy): { maxConsecutiveTerms?: number } {
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
  const byId = new Map(input.institutions.map((i) => [i.id, i]))
  const institution = (key: string | null): ReportInstitution | null => {
    if (key === null) return null
    if (key.startsWith('id:')) {
      const known = byId.get(key.slice(3))
      if (known) return { id: known.id, name: known.name, consortium: known.consortium }
    }
    return { hash: anonymiser.institution(key) }
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
    format: REPORT_FORMAT,
    callId,
    window: { opensAt: input.window.opensAt, closesAt: input.window.closesAt },
    termStart: input.termStart,
    policy: {
      seats: { consortium: input.policy.seats.consortium, community: input.policy.seats.community },
      termMonths: input.policy.termMonths,
      inauguralStagger: input.policy.inauguralStagger,
      ...termLimitOf(input.policy),
    },
    fixedSeats: input.fixedSeats
      ? { consortium: input.fixedSeats.consortium, community: input.fixedSeats.community }
      : null,
    seats: { consortium: selection.seats.consortium, community: selection.seats.community },
    inaugural: selection.inaugural,
    inputDigest: selection.inputDigest,
    continuing,
    responses: selection.decisions.map((d) => {
      const shown = institution(d.institutionKey)
      return {
        position: d.position,
        submittedAt: d.submittedAt,
        category: d.seat ?? (shown && 'consortium' in shown && shown.consortium ? 'consortium' : 'community'),
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
  const { policy, termStart, window } = report
  const institutions = new Map<string, { name: string; consortium: boolean }>()
  const keyOf = (i: ReportInstitution | null, where: string, position: number | null): string | null => {
    if (i === null) return null
    if ('hash' in i) return `hash:${i.hash}`
    const seen = institutions.get(i.id)
    if (!seen) institutions.set(i.id, { name: i.name, consortium: i.consortium })
    else if (seen.name !== i.name || seen.consortium !== i.consortium)
      throw new Fault(
        position,
        `${where}: institution ${i.id} is shown as ${JSON.stringify(i.name)} (${i.consortium ? 'consortium' : 'not consortium'}), elsewhere as ${JSON.stringify(seen.name)} (${seen.consortium ? 'consortium' : 'not consortium'})`,
      )
    return `id:${i.id}`
  }

  // The continuing members: whom and which institutions the call does not seat again.
  const memberPersons = new Set<string>()
  const memberInstitutions = new Set<string>()
  for (const [i, member] of report.continuing.entries()) {
    const key = keyOf(member.institution, `continuing member ${i + 1}`, null)
    if (member.person !== null) memberPersons.add(member.person)
    if (member.seat !== 'staff' && key !== null) memberInstitutions.add(key)
  }
  const continuing = report.continuing.map((m) => ({ seat: m.seat, endsAt: null }))
  const seats = report.fixedSeats ?? seatsToFill(policy, continuing, termStart as Instant)
  for (const category of CATEGORIES) {
    if (report.seats[category] !== seats[category])
      throw new Fault(
        null,
        report.fixedSeats
          ? `seats: the report offers ${report.seats[category]} ${category} seat(s), but staff fixed ${seats[category]}`
          : `seats: the report offers ${report.seats[category]} ${category} seat(s), but the policy's ${policy.seats[category]} less ${continuing.filter((m) => m.seat === category).length} continuing ${category} volunteer(s) gives ${seats[category]}`,
      )
  }
  const inaugural = isInauguralCall(policy, continuing, termStart as Instant)
  if (report.inaugural !== inaugural)
    throw new Fault(
      null,
      `inaugural: the report says ${report.inaugural}, but ${inaugural ? 'no volunteer continues and the policy staggers' : policy.inauguralStagger ? 'volunteers continue' : 'the policy does not stagger'}, so it is ${inaugural}`,
    )
  const slots = planSeatSlots(seats, termStart as Instant, policy.termMonths, inaugural)
  const termEnds: Record<Category, string[]> = { consortium: [], community: [] }
  for (const slot of slots) termEnds[slot.category][slot.index - 1] = slot.termEnd

  const persons = new Map<string, number>()
  const selectedBy = new Map<string, number>()
  const filled: SeatCounts = { consortium: 0, community: 0 }
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
    const category: Category =
      line.institution !== null && 'consortium' in line.institution && line.institution.consortium
        ? 'consortium'
        : 'community'
    if (line.category !== category)
      throw new Fault(
        line.position,
        `${at}: category ${line.category}, but ${category === 'consortium' ? 'its institution is a IIIF Consortium member' : 'only IIIF Consortium member institutions compete for consortium seats'}, so it is ${category}`,
      )

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
      if (reachesTermLimit(line.consecutiveTerms ?? 0, policy))
        return excluded(
          'term-limit',
          `the person had served ${line.consecutiveTerms} consecutive term(s) and the policy allows at most ${policy.maxConsecutiveTerms}`,
        )
      if (key !== null && memberInstitutions.has(key))
        return excluded('institution-on-team', 'a continuing member already holds a seat for its institution')
      const first = key === null ? undefined : selectedBy.get(key)
      if (first !== undefined)
        return excluded(
          'institution-already-selected',
          `position ${first}, from the same institution, was selected earlier`,
        )
      if (filled[category] < seats[category]) {
        const seat = ++filled[category]
        if (key !== null) selectedBy.set(key, line.position)
        return {
          outcome: 'selected',
          reason: null,
          seat,
          termEnd: termEnds[category][seat - 1]!,
          why: `${category} seat ${seat} of ${seats[category]} was the next one free`,
        }
      }
      return {
        outcome: 'alternate',
        reason: 'seats-full',
        seat: null,
        termEnd: null,
        why: `all ${seats[category]} ${category} seat(s) were taken by earlier lines`,
      }
    })()
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
  const per = CATEGORIES.map((c) => `${selected.filter((l) => l.category === c).length} ${c}`).join(', ')
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
  if (root['format'] !== REPORT_FORMAT)
    throw new Fault(null, `format: expected ${JSON.stringify(REPORT_FORMAT)}, got ${JSON.stringify(root['format'])}`)
  const window = object(root['window'], 'window', null)
  const policy = object(root['policy'], 'policy', null)
  const responses = array(root['responses'], 'responses', null)
  const continuing = array(root['continuing'], 'continuing', null)
  const limited = policy['maxConsecutiveTerms'] !== undefined
  const report: ReportBody = {
    format: REPORT_FORMAT,
    callId: string(root['callId'], 'callId', null),
    window: {
      opensAt: instant(window['opensAt'], 'window.opensAt', null),
      closesAt: instant(window['closesAt'], 'window.closesAt', null),
    },
    termStart: instant(root['termStart'], 'termStart', null),
    policy: {
      seats: counts(policy['seats'], 'policy.seats'),
      termMonths: count(policy['termMonths'], 'policy.termMonths', null),
      inauguralStagger: boolean(policy['inauguralStagger'], 'policy.inauguralStagger', null),
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
        seat: oneOf(m['seat'], SEATS, `${where}: seat`, null),
        institution: institution(m['institution'], `${where}: institution`, null),
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
        category: oneOf(l['category'], CATEGORIES, `${where}: category`, at),
        institution: institution(l['institution'], `${where}: institution`, at),
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

function counts(value: unknown, where: string): SeatCounts {
  const o = object(value, where, null)
  return {
    consortium: count(o['consortium'], `${where}.consortium`, null),
    community: count(o['community'], `${where}.community`, null),
  }
}

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

function institution(value: unknown, where: string, at: number | null): ReportInstitution | null {
  if (value === null) return null
  const o = object(value, where, at)
  if ('hash' in o) return { hash: string(o['hash'], `${where}.hash`, at) }
  return {
    id: string(o['id'], `${where}.id`, at),
    name: string(o['name'], `${where}.name`, at),
    consortium: boolean(o['consortium'], `${where}.consortium`, at),
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
