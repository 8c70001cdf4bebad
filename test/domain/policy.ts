import t from 'tap'
import fc from 'fast-check'
import { DEFAULT_POLICY, mergePolicy, policyProblems } from '../../src/domain/policy.js'
import type { Policy } from '../../src/domain/policy.js'

t.test('the default policy is the Code of Conduct’s numbers', async (t) => {
  t.same(
    DEFAULT_POLICY.seats,
    { consortium: 4, community: 4 },
    '"four representatives from different IIIF Consortium (IIIF-C) member institutions, and four individuals from across the IIIF community"',
  )
  t.equal(DEFAULT_POLICY.termMonths, 24, '"two years (24 months)"')
  t.equal(DEFAULT_POLICY.callIntervalMonths, 12, '"Every 12 months, a new call"')
  t.equal(DEFAULT_POLICY.windowDays, 28, '"open for one month (4 weeks)"')
  t.equal(DEFAULT_POLICY.inauguralStagger, true, '"on a staggered rolling basis"')
  t.same(policyProblems(DEFAULT_POLICY), [], 'and it keeps its own rules')
})

t.test('mergePolicy changes only the fields given, seats field by field', async (t) => {
  t.same(mergePolicy(DEFAULT_POLICY, {}), DEFAULT_POLICY, 'an empty change changes nothing')
  t.same(
    mergePolicy(DEFAULT_POLICY, { seats: { community: 6 } }).seats,
    { consortium: 4, community: 6 },
    'one seat count, the other kept',
  )
  const merged = mergePolicy(DEFAULT_POLICY, {
    inauguralStagger: false,
    reminderDays: 0,
    autoScheduleDays: 0,
    termNoticeDays: 0,
  })
  t.same(
    [merged.inauguralStagger, merged.reminderDays, merged.autoScheduleDays, merged.termNoticeDays],
    [false, 0, 0, 0],
    'false and 0 are changes, not "not given"',
  )
  t.equal(merged.termMonths, 24)
  t.same(mergePolicy(DEFAULT_POLICY, { termMonths: 36, callIntervalMonths: 18, windowDays: 14 }), {
    ...DEFAULT_POLICY,
    termMonths: 36,
    callIntervalMonths: 18,
    windowDays: 14,
  })
  const before = structuredClone(DEFAULT_POLICY)
  mergePolicy(DEFAULT_POLICY, { seats: { consortium: 1 } })
  t.same(DEFAULT_POLICY, before, 'the policy merged into is not changed')
})

t.test('policyProblems names each field that is not a whole number in range', async (t) => {
  const table: Array<[string, Partial<Policy>, Array<{ field: string; message: string }>]> = [
    [
      'negative seats',
      { seats: { consortium: -1, community: 4 } },
      [{ field: 'policy.seats.consortium', message: 'must be a whole number ≥ 0' }],
    ],
    [
      'fractional seats',
      { seats: { consortium: 4, community: 2.5 } },
      [{ field: 'policy.seats.community', message: 'must be a whole number ≥ 0' }],
    ],
    ['a term of 0 months', { termMonths: 0 }, [{ field: 'policy.termMonths', message: 'must be a whole number ≥ 1' }]],
    [
      'a call interval of 0 months',
      { callIntervalMonths: 0 },
      [{ field: 'policy.callIntervalMonths', message: 'must be a whole number ≥ 1' }],
    ],
    ['a window of 0 days', { windowDays: 0 }, [{ field: 'policy.windowDays', message: 'must be a whole number ≥ 1' }]],
    [
      'NaN reminder days',
      { reminderDays: Number.NaN },
      [{ field: 'policy.reminderDays', message: 'must be a whole number ≥ 0' }],
    ],
    [
      'negative auto-schedule days',
      { autoScheduleDays: -60 },
      [{ field: 'policy.autoScheduleDays', message: 'must be a whole number ≥ 0' }],
    ],
    [
      'infinite notice days',
      { termNoticeDays: Number.POSITIVE_INFINITY },
      [{ field: 'policy.termNoticeDays', message: 'must be a whole number ≥ 0' }],
    ],
  ]
  for (const [what, change, expected] of table) t.same(policyProblems({ ...DEFAULT_POLICY, ...change }), expected, what)
  t.same(
    policyProblems({ ...DEFAULT_POLICY, seats: { consortium: -1, community: -1 }, termMonths: 0, windowDays: 0 }).map(
      (p) => p.field,
    ),
    ['policy.seats.consortium', 'policy.seats.community', 'policy.termMonths', 'policy.windowDays'],
    'every field at fault at once',
  )
  t.same(
    policyProblems({ ...DEFAULT_POLICY, seats: { consortium: 0, community: -1 }, termMonths: 25 }).map((p) => p.field),
    ['policy.seats.community'],
    'rules between fields are checked only once every field is a number in range',
  )
  t.same(
    policyProblems({ ...DEFAULT_POLICY, reminderDays: 0, autoScheduleDays: 0, termNoticeDays: 0 }),
    [],
    'notices and auto-scheduling may be off',
  )
})

t.test('policyProblems keeps the rules between fields', async (t) => {
  t.same(policyProblems({ ...DEFAULT_POLICY, seats: { consortium: 0, community: 0 } }), [
    { field: 'policy.seats', message: 'must offer at least one volunteer seat' },
  ])
  t.same(policyProblems({ ...DEFAULT_POLICY, seats: { consortium: 0, community: 1 } }), [], 'one seat is enough')

  t.same(
    policyProblems({ ...DEFAULT_POLICY, windowDays: 336 }),
    [],
    'a window of 12 × 28 days closes before the next annual call opens',
  )
  t.same(policyProblems({ ...DEFAULT_POLICY, windowDays: 337 }), [
    { field: 'policy.windowDays', message: 'must be at most 336 days so that a call closes before the next one opens' },
  ])
  t.same(
    policyProblems({ ...DEFAULT_POLICY, callIntervalMonths: 1, windowDays: 29 }),
    [
      {
        field: 'policy.windowDays',
        message: 'must be at most 28 days so that a call closes before the next one opens',
      },
    ],
    'a monthly call: February has 28 days',
  )

  t.same(policyProblems({ ...DEFAULT_POLICY, termMonths: 25 }), [
    {
      field: 'policy.termMonths',
      message: 'must be even while inauguralStagger is on (half the first team serves half a term)',
    },
  ])
  t.same(
    policyProblems({ ...DEFAULT_POLICY, termMonths: 25, inauguralStagger: false }),
    [],
    'an odd term is fine without the stagger',
  )

  t.same(
    policyProblems({ ...DEFAULT_POLICY, seats: { consortium: 0, community: 0 }, windowDays: 400, termMonths: 3 }).map(
      (p) => p.field,
    ),
    ['policy.seats', 'policy.windowDays', 'policy.termMonths'],
    'all of them at once',
  )
})

t.test(
  'property: a policy policyProblems accepts has seats, a window shorter than the interval, and halvable terms when staggered',
  async (t) => {
    const anyNumber = fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 40 }), weight: 12 },
      { arbitrary: fc.integer({ min: -5, max: 400 }), weight: 1 },
      { arbitrary: fc.double({ min: -5, max: 400 }), weight: 1 },
      { arbitrary: fc.constant(Number.NaN), weight: 1 },
    )
    let accepted = 0
    const policyArb = fc.record({
      seats: fc.record({ consortium: anyNumber, community: anyNumber }),
      termMonths: anyNumber,
      callIntervalMonths: anyNumber,
      windowDays: anyNumber,
      inauguralStagger: fc.boolean(),
      reminderDays: anyNumber,
      autoScheduleDays: anyNumber,
      termNoticeDays: anyNumber,
      retention: fc.record({
        applicantsMonths: fc.option(anyNumber),
        membersMonthsAfterTerm: fc.option(anyNumber),
        mailMonths: fc.option(anyNumber),
      }),
    })
    fc.assert(
      fc.property(policyArb, (policy) => {
        if (policyProblems(policy).length > 0) return true
        accepted++
        const whole = [
          policy.seats.consortium,
          policy.seats.community,
          policy.termMonths,
          policy.callIntervalMonths,
          policy.windowDays,
        ].every(Number.isInteger)
        return (
          whole &&
          policy.seats.consortium + policy.seats.community >= 1 &&
          policy.termMonths >= 1 &&
          policy.windowDays >= 1 &&
          policy.windowDays <= policy.callIntervalMonths * 28 &&
          (!policy.inauguralStagger || policy.termMonths % 2 === 0)
        )
      }),
      { numRuns: 1000 },
    )
    t.ok(accepted > 50, `held for 1000 random policies, ${accepted} of them accepted`)
  },
)
