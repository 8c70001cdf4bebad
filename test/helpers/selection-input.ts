/**
 * Deterministic selection inputs shared by the selection benchmark (test/bench/selection.ts) and the
 * test that the selection's results never change (test/domain/selection-identical.ts).
 *
 * `benchInstitutions` / `benchResponses`: the benchmark's world — known institutions with one alias
 * each, ~10% unknown spellings among 2,000 distinct, ~10% "Independent", repeated emails.
 * `richSelectionInput`: a smaller world built to reach every rule and every sentence: misspelt names
 * and acronyms that get suggestions (with ties), look-alike (Cyrillic, invisible) spellings of known
 * and of unknown names, aliases, accents, unaffiliated spellings, duplicates by email, continuing
 * members, missing fields, early and late responses and exact timestamp ties.
 */
import { createHash } from 'node:crypto'
import type { Institution } from '../../src/domain/institutions.js'
import type { MemberInput, ResponseInput, Selection, SelectionInput } from '../../src/domain/selection.js'
import { instantFromEpochNanos, parseInstant, type Instant } from '../../src/domain/time.js'

/** A small deterministic generator (an LCG), so every run sees the same inputs. */
export function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

export const BENCH_OPENS = parseInstant('2027-02-01T00:00:00Z')
export const BENCH_CLOSES = parseInstant('2027-03-01T00:00:00Z')
const WINDOW_NS = 28n * 86_400n * 1_000_000_000n
const DAY_NS = 86_400n * 1_000_000_000n

export function benchInstitutions(n: number): Institution[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: `Institution ${i} of Example Studies`,
    aliases: [`Inst ${i}`],
    consortium: i % 2 === 0,
  }))
}

/** Responses as the API takes them (no id, no ingestSeq): the window plus a day either side. */
export function benchResponses(
  n: number,
  known: Institution[],
  seed: number,
): Array<Omit<ResponseInput, 'id' | 'ingestSeq'>> {
  const next = random(seed)
  const start = BigInt(Date.parse('2027-01-31T00:00:00Z')) * 1_000_000n
  return Array.from({ length: n }, (_, i) => {
    const r = next()
    const institution =
      r < 0.7
        ? known[Math.floor(next() * known.length)]!.name
        : r < 0.8
          ? `Unknown Museum ${Math.floor(next() * 2000)}`
          : r < 0.9
            ? 'Independent'
            : known[Math.floor(next() * known.length)]!.aliases[0]!
    const ns = start + BigInt(Math.floor(next() * Number(WINDOW_NS + 2n * DAY_NS)))
    return {
      externalId: `r${i}`,
      submittedAt: instantFromEpochNanos(ns) as Instant,
      name: `Volunteer ${i}`,
      email: `volunteer${Math.floor(next() * n * 0.95)}@example.org`,
      institution,
    }
  })
}

/** The benchmark's pure-core input: `n` responses over `institutions` known institutions, 4 + 4 seats, no members. */
export function benchSelectionInput(n = 100_000, institutions = 500): SelectionInput {
  const known = benchInstitutions(institutions)
  return {
    window: { opensAt: BENCH_OPENS, closesAt: BENCH_CLOSES },
    termStart: BENCH_CLOSES,
    policy: { seats: { consortium: 4, community: 4 }, termMonths: 24, inauguralStagger: true },
    fixedSeats: null,
    institutions: known,
    members: [],
    responses: benchResponses(n, known, 1).map((r, i) => ({ ...r, id: `resp-${i}`, ingestSeq: i + 1 })),
  }
}

// ---------------------------------------------------------------------------------------------
// The rich input.

const PLACES = [
  'Oxford',
  'Leiden',
  'Lyon',
  'Kiel',
  'Bologna',
  'Uppsala',
  'Toronto',
  'Kyoto',
  'Łódź',
  'Zürich',
  'Göttingen',
  'Melbourne',
  'Princeton',
  'Ghent',
  'Harvard',
  'Cornell',
  'Yale',
  'Stanford',
  'Bergen',
  'Padova',
]
const KINDS = [
  'University of {}',
  '{} University',
  '{} Library',
  'Museum of {}',
  '{} Archive',
  '{} Institute of Technology',
  'Royal {} Academy',
  "King's College {}",
  '{} & District Historical Society',
]
/** Cyrillic (and one Cherokee) look-alikes of Latin letters. */
const LOOKALIKE: Readonly<Record<string, string>> = {
  a: '\u0430',
  e: '\u0435',
  o: '\u043E',
  c: '\u0441',
  p: '\u0440',
  x: '\u0445',
  y: '\u0443',
  i: '\u0456',
  S: '\u0405',
  B: '\u0412',
  M: '\u041C',
  L: '\u13DE',
}
const INVISIBLE = ['\u200B', '\u200D', '\u00AD', '\u2060']
const UNAFFILIATED = ['Independent', 'n/a', 'N.A.', 'none', '', '   ', 'Unaffiliated']

function acronym(name: string): string {
  return name
    .split(/[^\p{L}]+/u)
    .filter((w) => w !== '' && !['of', 'and', 'the'].includes(w.toLowerCase()))
    .map((w) => w[0]!.toUpperCase())
    .join('')
}

/** About 180 institutions with realistic names, acronym and short aliases, some sharing a name. */
export function richInstitutions(): Institution[] {
  const list: Institution[] = []
  let n = 0
  for (const place of PLACES) {
    for (const kind of KINDS) {
      n++
      if (n % 5 === 0) continue
      const name = kind.replace('{}', place)
      const aliases =
        n % 3 === 0
          ? [acronym(name), `${place} ${kind.replace('{}', '').trim().split(' ')[0]}`]
          : n % 3 === 1
            ? [acronym(name)]
            : []
      list.push({ id: `inst-${String(n).padStart(4, '0')}`, name, aliases, consortium: n % 2 === 0 })
    }
  }
  // Two entries with one name (the table forbids it; the core must still settle it by id), and a Cyrillic and a Japanese name.
  list.push({ id: 'inst-9998', name: 'University of Leiden', aliases: ['Leiden Uni'], consortium: false })
  list.push({ id: 'inst-9997', name: 'Московский университет', aliases: ['МГУ'], consortium: false })
  list.push({ id: 'inst-9996', name: '東京大学', aliases: ['Todai'], consortium: true })
  return list
}

function typo(text: string, next: () => number): string {
  const chars = [...text]
  const at = 1 + Math.floor(next() * Math.max(1, chars.length - 2))
  const how = Math.floor(next() * 4)
  if (how === 0) chars.splice(at, 1)
  else if (how === 1) chars.splice(at, 0, 'abcdefghijklmnopqrstuvwxyz'[Math.floor(next() * 26)]!)
  else if (how === 2) chars[at] = 'abcdefghijklmnopqrstuvwxyz'[Math.floor(next() * 26)]!
  else if (at + 1 < chars.length) [chars[at], chars[at + 1]] = [chars[at + 1]!, chars[at]!]
  return chars.join('')
}

function disguise(text: string, next: () => number): string {
  const chars = [...text]
  const swappable = chars.map((c, i) => (LOOKALIKE[c] ? i : -1)).filter((i) => i >= 0)
  const picks = 1 + Math.floor(next() * 2)
  for (let k = 0; k < picks && swappable.length > 0; k++) {
    const i = swappable[Math.floor(next() * swappable.length)]!
    chars[i] = LOOKALIKE[chars[i]!] ?? chars[i]!
  }
  if (next() < 0.4 && chars.length > 3) chars.splice(2, 0, INVISIBLE[Math.floor(next() * INVISIBLE.length)]!)
  return chars.join('')
}

/** Mathematical bold small letters (U+1D41A…): NFKD makes them plain letters again. */
function mathBold(text: string): string {
  return [...text]
    .map((c) => (c >= 'a' && c <= 'z' ? String.fromCodePoint(0x1d41a + c.charCodeAt(0) - 97) : c))
    .join('')
}

/** A name written with characters outside the BMP: emoji, mathematical letters, rare Han characters. */
function astral(name: string, next: () => number): string {
  const r = next()
  if (r < 0.25) return `${name} \u{1F3DB}\uFE0F` // the emoji drops out in normalisation: the known name
  if (r < 0.5) return mathBold(name)
  if (r < 0.75) return typo(`\u{1F4DA} ${name}`, next)
  return `\u{20000}\u{20001} ${name.split(' ')[0]} \u{2A6D6}`
}

function restyle(text: string, next: () => number): string {
  const r = next()
  if (r < 0.25) return text.toUpperCase()
  if (r < 0.5) return `  the ${text.toLowerCase()}. `
  if (r < 0.7) return text.normalize('NFD').replace(/\p{M}/gu, '')
  return text.replace(/ /g, '  ')
}

/**
 * A call of `n` responses (default 12,000) over `richInstitutions()`, with continuing members
 * (volunteers and staff, some leaving before the term starts), many seats so the one-per-institution
 * rule bites often, and every kind of institution spelling; `seats` and `fixedSeats` vary the policy.
 */
export function richSelectionInput(
  options: {
    n?: number
    seed?: number
    seats?: { consortium: number; community: number }
    fixedSeats?: { consortium: number; community: number } | null
    inauguralStagger?: boolean
    members?: boolean
  } = {},
): SelectionInput {
  const {
    n = 12_000,
    seed = 7,
    seats = { consortium: 60, community: 90 },
    fixedSeats = null,
    inauguralStagger = true,
    members: withMembers = true,
  } = options
  const next = random(seed)
  const known = richInstitutions()
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!
  const unknownNames = Array.from(
    { length: 400 },
    (_, i) =>
      `${pick(['Friends of', 'Society for', 'Centre for', 'Workshop on'])} ${pick(PLACES)} ${pick(['Manuscripts', 'Maps', 'Images', 'Letters'])} ${i % 40}`,
  )
  const institutionText = (): string | null => {
    const r = next()
    const institution = pick(known)
    if (r < 0.3) return institution.name
    if (r < 0.4) return institution.aliases.length > 0 ? pick(institution.aliases) : institution.name
    if (r < 0.5) return restyle(institution.name, next)
    if (r < 0.62) return typo(institution.name, next) // unknown, usually with suggestions
    if (r < 0.66)
      return institution.aliases.length > 0 ? typo(pick(institution.aliases), next) : typo(institution.name, next)
    if (r < 0.72) return disguise(institution.name, next) // known through its skeleton, flagged
    if (r < 0.84) return pick(unknownNames)
    if (r < 0.88) return disguise(pick(unknownNames), next) // an unknown look-alike
    if (r < 0.9) return typo(pick(unknownNames), next)
    if (r < 0.955) return pick(UNAFFILIATED)
    if (r < 0.97) return astral(institution.name, next) // characters outside the BMP (surrogate pairs)
    return next() < 0.5 ? null : `${pick(PLACES)} ${pick(['Press', 'Studio', 'Guild'])}`
  }
  const termStart = parseInstant('2026-06-01T00:00:00Z')
  const opens = parseInstant('2026-05-01T00:00:00Z')
  const closes = parseInstant('2026-05-29T00:00:00Z')
  const start = BigInt(Date.parse('2026-04-30T00:00:00Z')) * 1_000_000n
  const span = Number((30n * DAY_NS) / 1000n) // microseconds
  const people = Math.floor(n * 0.9)
  const email = (k: number): string => `person${k}@example.org`

  const members: MemberInput[] = []
  if (withMembers) {
    for (let k = 0; k < 24; k++) {
      const seat = k < 3 ? 'staff' : k % 2 === 0 ? 'consortium' : 'community'
      const ends =
        k % 4 === 0
          ? null
          : k % 4 === 1
            ? '2026-03-01T00:00:00Z'
            : k % 4 === 2
              ? '2027-06-01T00:00:00Z'
              : '2026-06-01T00:00:00Z'
      members.push({
        id: `member-${String(k).padStart(3, '0')}`,
        name: k % 7 === 0 ? '  Member  ' : `Member ${k}`,
        email: k % 5 === 0 ? ` ${email(k * 37).toUpperCase()} ` : email(k * 37),
        seat,
        institution: seat === 'staff' ? null : institutionText(),
        termStart: parseInstant('2024-06-01T00:00:00Z'),
        endsAt: seat === 'staff' ? null : ends === null ? null : parseInstant(ends),
      })
    }
  }

  let previous: Instant = opens
  const responses: ResponseInput[] = Array.from({ length: n }, (_, i) => {
    // Every 50th response ties exactly with the one before it (ingestion order decides).
    const submittedAt =
      i > 0 && i % 50 === 0
        ? previous
        : instantFromEpochNanos(start + BigInt(Math.floor(next() * span)) * 1000n + BigInt(Math.floor(next() * 1000)))
    previous = submittedAt
    const r = next()
    const person = Math.floor(next() * people)
    return {
      id: `rich-${String(i).padStart(6, '0')}`,
      externalId: i % 9 === 0 ? null : `ext-${i}`,
      submittedAt,
      ingestSeq: i % 97 === 0 ? 1 : i + 2, // repeated ingestion numbers too: the id settles those
      name: r < 0.01 ? '   ' : `Volunteer ${person}${i % 13 === 0 ? ' ' : i % 17 === 0 ? ' \u{1F642}' : ''}`,
      email: r > 0.99 ? '' : next() < 0.1 ? ` ${email(person).toUpperCase()}` : email(person),
      institution: institutionText(),
    }
  })
  return {
    window: { opensAt: opens, closesAt: closes },
    termStart,
    policy: { seats, termMonths: 24, inauguralStagger },
    fixedSeats,
    institutions: known,
    members,
    responses,
  }
}

// ---------------------------------------------------------------------------------------------
// Fingerprints: what the identical-results test compares with test/fixtures/selection-identical.json.

/** The inputs whose selections are fingerprinted in test/fixtures/selection-identical.json. */
export const IDENTICAL_CASES: ReadonlyArray<{ name: string; input: () => SelectionInput }> = [
  { name: 'bench: 100,000 responses, 500 institutions', input: () => benchSelectionInput() },
  { name: 'rich: 12,000 responses, members, 60 + 90 seats', input: () => richSelectionInput() },
  {
    name: 'rich: 6,000 responses, no members, 4 + 4 seats',
    input: () => richSelectionInput({ n: 6_000, seed: 11, seats: { consortium: 4, community: 4 }, members: false }),
  },
  {
    name: 'rich: 3,000 responses, fixed 1 + 0 seats, no stagger',
    input: () =>
      richSelectionInput({ n: 3_000, seed: 3, fixedSeats: { consortium: 1, community: 0 }, inauguralStagger: false }),
  },
]

export interface SelectionFingerprint {
  inputDigest: string
  /** sha256 of JSON.stringify of each part of the result, byte for byte (key order included). */
  decisions: string
  warnings: string
  seats: string
  whole: string
  /** How many decisions per outcome/reason and warnings per code: shows what the input exercises. */
  counts: Record<string, number>
}

export function selectionFingerprint(selection: Selection): SelectionFingerprint {
  const sha = (value: unknown): string => createHash('sha256').update(JSON.stringify(value), 'utf8').digest('hex')
  const counts: Record<string, number> = {}
  const count = (key: string): void => {
    counts[key] = (counts[key] ?? 0) + 1
  }
  for (const d of selection.decisions) count(`decision ${d.outcome}${d.reason ? ` ${d.reason}` : ''}`)
  for (const w of selection.warnings)
    count(`warning ${w.code}${w.code === 'unknown-institution' ? ` with ${w.suggestions.length} suggestion(s)` : ''}`)
  return {
    inputDigest: selection.inputDigest,
    decisions: sha(selection.decisions),
    warnings: sha(selection.warnings),
    seats: sha({
      seats: selection.seats,
      shortfall: selection.shortfall,
      inaugural: selection.inaugural,
      slots: selection.slots,
    }),
    whole: sha(selection),
    counts: Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  }
}
