/**
 * Term limits (issue 14): consecutive terms are counted per person across calls, a volunteer at the
 * policy's limit is excluded with reason `term-limit` and a sentence naming their terms, the next in
 * line takes the seat, partial terms count or not by the policy's flag, and the public report
 * carries the counts so the verifier re-checks the exclusion (and rejects a tampered one).
 */
import { createHash } from 'node:crypto'
import t from 'tap'
import { anonymiseSelection, verifyReport } from '../../src/domain/report.js'
import {
  selectVolunteers,
  selectionInputDigest,
  type ResponseInput,
  type SelectionInput,
} from '../../src/domain/selection.js'
import {
  CONSECUTIVE_GAP_DAYS,
  consecutiveTermsBefore,
  servedTermsByPerson,
  type ServedTerm,
  type TermRecord,
} from '../../src/domain/term-limits.js'
import { normaliseEmail } from '../../src/domain/selection.js'
import { addDays, parseInstant, type Instant } from '../../src/domain/time.js'

const at = (text: string): Instant => parseInstant(text)
const term = (from: string, to: string, partial = false): ServedTerm => ({
  termStart: at(`${from}T00:00:00Z`),
  endsAt: at(`${to}T00:00:00Z`),
  partial,
})
const START_2027 = at('2027-06-01T00:00:00Z')

t.test('consecutive terms: an unbroken run up to the term start, gaps break it', async (t) => {
  const three = [term('2021-06-01', '2023-06-01'), term('2023-06-01', '2025-06-01'), term('2025-06-01', '2027-06-01')]
  t.same(consecutiveTermsBefore(three, START_2027, {}), three, 'three terms meeting end to start')
  t.same(
    consecutiveTermsBefore([...three].reverse(), START_2027, {}),
    three,
    'in any order given, oldest first returned',
  )
  // A gap of a year before the last two terms: only they are consecutive.
  const gap = [term('2020-06-01', '2022-06-01'), term('2023-06-01', '2025-06-01'), term('2025-06-01', '2027-06-01')]
  t.equal(consecutiveTermsBefore(gap, START_2027, {}).length, 2, 'a year off breaks the run')
  // A term ending a year before this one starts: no run at all.
  t.same(
    consecutiveTermsBefore([term('2024-06-01', '2026-06-01')], START_2027, {}),
    [],
    'a past term far back does not count',
  )
  // The tolerance: up to CONSECUTIVE_GAP_DAYS between one term's end and the next one's start.
  const endsEarly = (days: number) => [{ ...term('2025-06-01', '2027-06-01'), endsAt: addDays(START_2027, -days) }]
  t.equal(
    consecutiveTermsBefore(endsEarly(CONSECUTIVE_GAP_DAYS), START_2027, {}).length,
    1,
    `${CONSECUTIVE_GAP_DAYS} days apart: consecutive`,
  )
  t.equal(consecutiveTermsBefore(endsEarly(CONSECUTIVE_GAP_DAYS + 1), START_2027, {}).length, 0, 'one day more: not')
  t.same(
    consecutiveTermsBefore([term('2025-06-01', '2028-06-01')], START_2027, {}),
    [],
    'a term still running after the term start plays no part (its holder is on the team)',
  )
})

t.test('partial terms count or not by partialTermsCount; uncounted ones keep the run going', async (t) => {
  const terms = [
    term('2022-01-01', '2023-06-01', true), // a replacement's rest of term
    term('2023-06-01', '2025-06-01'),
    term('2025-06-01', '2027-06-01'),
  ]
  t.equal(consecutiveTermsBefore(terms, START_2027, { partialTermsCount: true }).length, 3, 'counted: three')
  t.equal(consecutiveTermsBefore(terms, START_2027, {}).length, 3, 'counted by default')
  const skipped = consecutiveTermsBefore(terms, START_2027, { partialTermsCount: false })
  t.same(skipped, terms.slice(1), 'not counted: two, the partial term left out')
  const bridged = consecutiveTermsBefore(
    [term('2021-06-01', '2023-06-01'), term('2023-06-01', '2025-06-01', true), term('2025-06-01', '2027-06-01')],
    START_2027,
    { partialTermsCount: false },
  )
  t.equal(bridged.length, 2, 'a partial term in the middle is skipped but joins the terms either side')
})

t.test(
  'served terms by person: by normalised email, staff seats and open terms left out, partial marked',
  async (t) => {
    const record = (over: Partial<TermRecord>): TermRecord => ({
      email: 'Ada@Example.org ',
      seat: 'community',
      termStart: at('2023-06-01T00:00:00Z'),
      termEnd: at('2025-06-01T00:00:00Z'),
      endedAt: null,
      origin: 'selected',
      ...over,
    })
    const byPerson = servedTermsByPerson(
      [
        record({}),
        record({
          email: 'ada@example.org',
          origin: 'replacement',
          termStart: at('2022-01-01T00:00:00Z'),
          termEnd: at('2023-06-01T00:00:00Z'),
        }),
        record({
          email: 'ADA@example.org',
          origin: 'appointed',
          termStart: at('2025-06-01T00:00:00Z'),
          termEnd: at('2027-06-01T00:00:00Z'),
        }),
        record({ email: 'ada@example.org', seat: 'staff', termEnd: null, origin: 'staff' }),
        record({ email: 'bo@example.org', endedAt: at('2024-01-01T00:00:00Z') }),
        record({ email: '' }),
      ],
      24,
      normaliseEmail,
    )
    t.same(
      [...byPerson.keys()].sort(),
      ['ada@example.org', 'bo@example.org'],
      'one entry per person; erased ones skipped',
    )
    t.same(
      byPerson.get('ada@example.org')!.map((x) => x.partial),
      [false, true, false],
      'a replacement is partial; a full-length appointment is not; staff seats are not terms',
    )
    t.equal(byPerson.get('bo@example.org')![0]!.endsAt, at('2024-01-01T00:00:00Z'), 'an early end is the effective end')
  },
)

// A call in May 2027 with its term starting 1 June 2027; one community seat.
const OPENS = at('2027-05-01T00:00:00Z')
const CLOSES = at('2027-05-29T00:00:00Z')
const three = [term('2021-06-01', '2023-06-01'), term('2023-06-01', '2025-06-01'), term('2025-06-01', '2027-06-01')]
function response(n: number, name: string, consecutiveTerms?: ServedTerm[]): ResponseInput {
  return {
    id: `r${n}`,
    externalId: null,
    submittedAt: at(`2027-05-0${n}T10:00:00Z`),
    ingestSeq: n,
    name,
    email: `${name.toLowerCase()}@example.org`,
    institution: null,
    ...(consecutiveTerms ? { consecutiveTerms } : {}),
  }
}
function limitedCall(max: number | null, responses: ResponseInput[]): SelectionInput {
  return {
    window: { opensAt: OPENS, closesAt: CLOSES },
    termStart: START_2027,
    policy: {
      seats: { consortium: 0, community: 1 },
      termMonths: 24,
      inauguralStagger: false,
      maxConsecutiveTerms: max,
    },
    fixedSeats: null,
    institutions: [],
    members: [],
    responses,
  }
}

t.test('a volunteer at the limit is excluded with their terms named, and the next in line is selected', async (t) => {
  const input = limitedCall(3, [response(1, 'Ada', three), response(2, 'Bo', three.slice(1)), response(3, 'Cy')])
  const selection = selectVolunteers(input)
  const [ada, bo, cy] = selection.decisions
  t.equal(ada!.outcome, 'excluded')
  t.equal(ada!.reason, 'term-limit')
  t.equal(
    ada!.explanation,
    'Ada has served three consecutive terms (2021–2023, 2023–2025, 2025–2027), and the policy allows at most 3 in a row, so Ada cannot be selected again now.',
  )
  t.equal(bo!.outcome, 'selected', 'two terms served, under a limit of three: selected')
  t.equal(cy!.outcome, 'alternate', 'the next one waits')

  const unlimited = selectVolunteers(limitedCall(null, input.responses))
  t.equal(unlimited.decisions[0]!.outcome, 'selected', 'no limit (null): the same volunteer is selected')
  const four = selectVolunteers(limitedCall(4, input.responses))
  t.equal(four.decisions[0]!.outcome, 'selected', 'a limit of four: three terms served is fine')

  t.not(
    selectionInputDigest(input),
    selectionInputDigest({ ...input, responses: input.responses.map((r) => ({ ...r, consecutiveTerms: [] })) }),
    'the counted terms are part of the input digest under a limit',
  )
  const plain = limitedCall(null, [response(3, 'Cy')])
  t.equal(
    selectionInputDigest(plain),
    selectionInputDigest({
      ...plain,
      policy: { seats: plain.policy.seats, termMonths: 24, inauguralStagger: false } as SelectionInput['policy'],
    }),
    'without a limit the digest is what it was before term limits',
  )
})

t.test('the report carries the counts; the verifier re-checks term-limit and rejects tampering', async (t) => {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex')
  const anonymiser = {
    institution: (key: string) => sha(`i/${key}`),
    person: (email: string) => sha(`p/${email}`),
    receiptHash: (id: string) => sha(`r/${id}`),
  }
  const input = limitedCall(3, [response(1, 'Ada', three), response(2, 'Bo', three.slice(1)), response(3, 'Cy')])
  const report = anonymiseSelection('call-1', input, selectVolunteers(input), anonymiser)
  t.equal(report.policy.maxConsecutiveTerms, 3)
  t.same(
    report.responses.map((l) => l.consecutiveTerms),
    [3, 2, 0],
    'each line carries the count, not the terms',
  )
  t.notOk(JSON.stringify(report).includes('2021'), 'the terms themselves are not in the report')
  const ok = verifyReport(JSON.parse(JSON.stringify(report)))
  t.ok(ok.ok, ok.ok ? ok.summary : ok.message)

  const tamper = (change: (r: typeof report) => void) => {
    const copy = JSON.parse(JSON.stringify(report)) as typeof report
    change(copy)
    return verifyReport(copy)
  }
  const selectedAnyway = tamper((r) => {
    Object.assign(r.responses[0]!, { outcome: 'selected', reason: null, seat: 1, termEnd: r.responses[1]!.termEnd })
    Object.assign(r.responses[1]!, { outcome: 'alternate', reason: 'seats-full', seat: null, termEnd: null })
  })
  t.notOk(selectedAnyway.ok, 'a volunteer at the limit shown as selected is rejected')
  if (!selectedAnyway.ok) {
    t.equal(selectedAnyway.position, 1)
    t.match(selectedAnyway.message, /term-limit/)
  }
  const countLowered = tamper((r) => (r.responses[0]!.consecutiveTerms = 2))
  t.notOk(countLowered.ok, 'a term-limit exclusion with a count under the limit is rejected')
  const limitDropped = tamper((r) => delete r.policy.maxConsecutiveTerms)
  t.notOk(limitDropped.ok, 'the limit removed from the policy: the exclusion no longer follows')
  const countMissing = tamper((r) => delete r.responses[2]!.consecutiveTerms)
  t.notOk(countMissing.ok, 'under a limit every line must carry its count')
  if (!countMissing.ok) t.match(countMissing.message, /consecutiveTerms/)
})
