/*
 * Seat classes (issue 14): a policy's seats are named classes with eligibility rules over the
 * institution's flags, a per-institution cap and caps per flag. Worked examples, then properties
 * over random policies.
 */
import t from 'tap'
import fc from 'fast-check'
import {
  selectVolunteers,
  type ClassPolicy,
  type MemberInput,
  type ResponseInput,
  type SelectionInput,
} from '../../src/domain/selection.js'
import { anonymiseSelection, verifyReport, type Anonymiser } from '../../src/domain/report.js'
import { iiif2017Seats, type Eligibility, type SeatClass } from '../../src/domain/policy.js'
import type { Institution } from '../../src/domain/institutions.js'
import { formatInstant, parseInstant, type Instant } from '../../src/domain/time.js'

const at = (text: string): Instant => parseInstant(text)
const OPENS = at('2027-02-01T00:00:00Z')
const CLOSES = at('2027-03-01T00:00:00Z')
const TERM = at('2027-03-01T00:00:00Z')

const FLAGS = ['consortium', 'steering', 'museum'] as const
const institutions: Institution[] = [
  { id: 'i1', name: 'Alpha University', aliases: [], consortium: true, flags: ['steering'] },
  { id: 'i2', name: 'Beta Library', aliases: [], consortium: true },
  { id: 'i3', name: 'Gamma Museum', aliases: [], consortium: false, flags: ['museum'] },
  { id: 'i4', name: 'Delta Archive', aliases: [], consortium: false, flags: ['steering'] },
  { id: 'i5', name: 'Epsilon College', aliases: [], consortium: false },
]
const INSTITUTION_TEXTS = [...institutions.map((i) => i.name), 'Some Unknown Place', 'Independent', null]

function response(i: number, institution: string | null, minute = i): ResponseInput {
  return {
    id: `r${String(i).padStart(3, '0')}`,
    externalId: null,
    submittedAt: at(`2027-02-02T00:${String(minute % 60).padStart(2, '0')}:00Z`),
    ingestSeq: i,
    name: `Volunteer ${i}`,
    email: `v${i}@example.org`,
    institution,
  }
}

function input(policy: ClassPolicy, responses: ResponseInput[], members: MemberInput[] = []): SelectionInput {
  return {
    window: { opensAt: OPENS, closesAt: CLOSES },
    termStart: TERM,
    policy,
    fixedSeats: null,
    institutions,
    members,
    responses,
  }
}

const base = { maxPerInstitution: 1, flagCaps: [], termMonths: 24, stagger: 'halves' as const }

t.test('IIIF 2025: two advisors from anywhere, one-year terms, no stagger', async (t) => {
  const policy: ClassPolicy = {
    ...base,
    seats: [{ class: 'advisor', count: 2, eligible: 'any' }],
    termMonths: 12,
    stagger: 'none',
  }
  const s = selectVolunteers(
    input(policy, [response(1, 'Alpha University'), response(2, 'Gamma Museum'), response(3, 'Epsilon College')]),
  )
  t.same(
    s.decisions.map((d) => [d.name, d.outcome, d.seat, d.reason, d.termEnd && formatInstant(d.termEnd)]),
    [
      ['Volunteer 1', 'selected', 'advisor', null, '2028-03-01T00:00:00Z'],
      ['Volunteer 2', 'selected', 'advisor', null, '2028-03-01T00:00:00Z'],
      ['Volunteer 3', 'alternate', 'advisor', 'seats-full', null],
    ],
    'a consortium member is an advisor like anyone; full one-year terms for both (no stagger)',
  )
  t.match(s.decisions[0]!.explanation, /was selected for advisor seat 1 of 2/, 'the explanation names the class')
  t.match(s.decisions[2]!.explanation, /number 1 on the advisor waitlist/)
  t.same(s.seats, { advisor: 2 })
  t.same(s.shortfall, { advisor: 0 })
})

t.test('a volunteer takes the first class in policy order they are eligible for with a seat left', async (t) => {
  const policy: ClassPolicy = {
    ...base,
    stagger: 'none',
    seats: [
      { class: 'consortium', count: 1, eligible: { institutionFlag: 'consortium' } },
      { class: 'open', count: 2, eligible: 'any' },
    ],
  }
  const s = selectVolunteers(
    input(policy, [response(1, 'Alpha University'), response(2, 'Beta Library'), response(3, 'Gamma Museum')]),
  )
  t.same(
    s.decisions.map((d) => [d.institution, d.seat]),
    [
      ['Alpha University', 'consortium'],
      ['Beta Library', 'open'],
      ['Gamma Museum', 'open'],
    ],
    'the second consortium member spills into the open class',
  )
})

t.test('a volunteer eligible for no class is excluded, saying so', async (t) => {
  const policy: ClassPolicy = {
    ...base,
    seats: [{ class: 'museums', count: 2, eligible: { institutionFlag: 'museum' } }],
  }
  const s = selectVolunteers(input(policy, [response(1, 'Epsilon College'), response(2, 'Gamma Museum')]))
  t.same(
    s.decisions.map((d) => [d.outcome, d.reason, d.seat]),
    [
      ['excluded', 'not-eligible', null],
      ['selected', null, 'museums'],
    ],
  )
  t.match(s.decisions[0]!.explanation, /Epsilon College is not eligible for any seat class of this call \(museums\)/)
})

t.test('maxPerInstitution counts continuing members and this call together', async (t) => {
  const policy: ClassPolicy = { ...base, maxPerInstitution: 2, seats: [{ class: 'open', count: 6, eligible: 'any' }] }
  const member: MemberInput = {
    id: 'm1',
    name: 'Serving Member',
    email: 'serving@example.org',
    seat: 'open',
    institution: 'Alpha University',
    termStart: at('2026-03-01T00:00:00Z'),
    endsAt: at('2028-03-01T00:00:00Z'),
  }
  const s = selectVolunteers(
    input(
      policy,
      [response(1, 'Alpha University'), response(2, 'Alpha University'), response(3, 'Beta Library')],
      [member],
    ),
  )
  t.same(
    s.decisions.map((d) => [d.outcome, d.reason]),
    [
      ['selected', null],
      ['excluded', 'institution-already-selected'],
      ['selected', null],
    ],
    'one member plus one selected makes two: the third from Alpha is refused',
  )
  t.match(s.decisions[1]!.explanation, /each institution holds at most 2/)
})

t.test('flagCaps: at most N from institutions with a flag, members included', async (t) => {
  const policy: ClassPolicy = {
    ...base,
    flagCaps: [{ flag: 'steering', max: 1 }],
    seats: [{ class: 'open', count: 4, eligible: 'any' }],
  }
  const s = selectVolunteers(
    input(policy, [response(1, 'Alpha University'), response(2, 'Delta Archive'), response(3, 'Gamma Museum')]),
  )
  t.same(
    s.decisions.map((d) => [d.outcome, d.reason]),
    [
      ['selected', null],
      ['excluded', 'flag-cap'],
      ['selected', null],
    ],
  )
  t.match(s.decisions[1]!.explanation, /from institutions marked steering already serve or were selected/)
})

// ---------------------------------------------------------------------------------------------
// Properties over random policies.

const eligibleArb: fc.Arbitrary<Eligibility> = fc.letrec<{ rule: Eligibility }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<Eligibility>('any'),
    fc.constantFrom(...FLAGS).map((flag): Eligibility => ({ institutionFlag: flag })),
    tie('rule').map((rule): Eligibility => ({ not: rule })),
    fc.array(tie('rule'), { minLength: 1, maxLength: 3 }).map((all): Eligibility => ({ all })),
    fc.array(tie('rule'), { minLength: 1, maxLength: 3 }).map((any): Eligibility => ({ any })),
  ),
})).rule

const policyArb: fc.Arbitrary<ClassPolicy> = fc.record({
  seats: fc
    .array(fc.record({ count: fc.nat({ max: 4 }), eligible: eligibleArb }), { minLength: 1, maxLength: 4 })
    // At least one seat in all, as policyProblems asks.
    .map((list): SeatClass[] => list.map((c, i) => ({ class: `c${i}`, ...c, count: i === 0 ? c.count + 1 : c.count }))),
  maxPerInstitution: fc.integer({ min: 1, max: 3 }),
  flagCaps: fc.uniqueArray(fc.record({ flag: fc.constantFrom(...FLAGS), max: fc.nat({ max: 3 }) }), {
    selector: (c) => c.flag,
    maxLength: 2,
  }),
  termMonths: fc.integer({ min: 1, max: 12 }).map((n) => n * 2),
  stagger: fc.constantFrom('none' as const, 'halves' as const),
})

const callArb = fc
  .record({
    policy: fc.oneof(
      policyArb,
      fc
        .tuple(fc.nat({ max: 4 }), fc.nat({ max: 4 }))
        .map(([a, b]): ClassPolicy => ({ ...base, seats: iiif2017Seats(a + 1, b) })),
    ),
    picks: fc.array(fc.tuple(fc.nat({ max: INSTITUTION_TEXTS.length - 1 }), fc.nat({ max: 40 })), {
      maxLength: 25,
    }),
    members: fc.array(fc.nat({ max: INSTITUTION_TEXTS.length - 1 }), { maxLength: 4 }),
    shuffle: fc.array(fc.nat(), { maxLength: 25 }),
  })
  .map(({ policy, picks, members, shuffle }) => {
    const responses = picks.map(([inst, minute], i) => response(i + 1, INSTITUTION_TEXTS[inst]!, minute))
    const serving: MemberInput[] = members.map((inst, i) => ({
      id: `m${i}`,
      name: `Member ${i}`,
      email: `m${i}@example.org`,
      seat: policy.seats[i % policy.seats.length]!.class,
      institution: INSTITUTION_TEXTS[inst]!,
      termStart: at('2026-03-01T00:00:00Z'),
      endsAt: at('2028-03-01T00:00:00Z'),
    }))
    // Another order of the same responses, members and institutions.
    const order = responses.map((r, i) => ({ r, k: shuffle[i] ?? i })).sort((a, b) => a.k - b.k)
    return {
      a: input(policy, responses, serving),
      b: {
        ...input(
          policy,
          order.map((o) => o.r),
          [...serving].reverse(),
        ),
        institutions: [...institutions].reverse(),
      },
    }
  })

const flagsOf = new Map(
  institutions.map((i) => [i.name, new Set([...(i.flags ?? []), ...(i.consortium ? ['consortium'] : [])])]),
)

t.test('property: never more seats than offered per class, nor more than the caps', async (t) => {
  fc.assert(
    fc.property(callArb, ({ a }) => {
      const s = selectVolunteers(a)
      const policy = a.policy as ClassPolicy
      const selected = s.decisions.filter((d) => d.outcome === 'selected')
      for (const c of policy.seats) {
        const n = selected.filter((d) => d.seat === c.class).length
        if (n > (s.seats[c.class] ?? 0) || n > c.count) return false
        if (n + s.shortfall[c.class]! !== s.seats[c.class]) return false
      }
      // Per institution: continuing volunteers plus the selected, at most maxPerInstitution.
      const perKey = new Map<string, number>()
      for (const d of selected)
        if (d.institutionKey) perKey.set(d.institutionKey, (perKey.get(d.institutionKey) ?? 0) + 1)
      for (const m of a.members) {
        const key = institutions.find((i) => i.name === m.institution)
        if (key) perKey.set(`id:${key.id}`, (perKey.get(`id:${key.id}`) ?? 0) + 1)
      }
      for (const [key, n] of perKey) {
        const fromCall = selected.filter((d) => d.institutionKey === key).length
        if (fromCall > 0 && n > policy.maxPerInstitution) return false
      }
      for (const cap of policy.flagCaps) {
        const flagged = (text: string | null) => text !== null && (flagsOf.get(text)?.has(cap.flag) ?? false)
        const fromCall = selected.filter((d) => flagged(d.institution)).length
        const serving = a.members.filter((m) => flagged(m.institution)).length
        if (fromCall > 0 && fromCall + serving > cap.max) return false
      }
      return true
    }),
    { numRuns: 300 },
  )
  t.pass('held for 300 random policies and calls')
})

t.test('property: permuting the input never changes the result, and the public report verifies', async (t) => {
  const anonymiser: Anonymiser = {
    institution: (key) => `h-${key}`,
    person: (email) => `p-${email}`,
    receiptHash: (id) => id.replace(/\D/g, '').padStart(64, '0'),
  }
  fc.assert(
    fc.property(callArb, ({ a, b }) => {
      const x = selectVolunteers(a)
      const y = selectVolunteers(b)
      if (JSON.stringify(x) !== JSON.stringify(y)) return false
      const verdict = verifyReport(JSON.parse(JSON.stringify(anonymiseSelection('call-1', a, x, anonymiser))))
      if (!verdict.ok) throw new Error(JSON.stringify(verdict))
      return true
    }),
    { numRuns: 300 },
  )
  t.pass('held for 300 random policies and calls')
})
