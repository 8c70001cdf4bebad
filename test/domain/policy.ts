import t from 'tap'
import fc from 'fast-check'
import {
  DEFAULT_POLICY,
  iiif2017Seats,
  isEligible,
  legacySeatsOf,
  mergePolicy,
  policyProblems,
  upgradePolicy,
  upgradePolicyPatch,
} from '../../src/domain/policy.js'
import type { Eligibility, Policy } from '../../src/domain/policy.js'

/** The IIIF 2017 classes with these counts. */
const seats = iiif2017Seats

t.test('the default policy is the Code of Conduct’s numbers', async (t) => {
  t.same(
    DEFAULT_POLICY.seats,
    [
      { class: 'consortium', count: 4, eligible: { institutionFlag: 'consortium' } },
      { class: 'community', count: 4, eligible: { not: { institutionFlag: 'consortium' } } },
    ],
    '"four representatives from different IIIF Consortium (IIIF-C) member institutions, and four individuals from across the IIIF community"',
  )
  t.equal(DEFAULT_POLICY.termMonths, 24, '"two years (24 months)"')
  t.equal(DEFAULT_POLICY.callIntervalMonths, 12, '"Every 12 months, a new call"')
  t.equal(DEFAULT_POLICY.windowDays, 28, '"open for one month (4 weeks)"')
  t.equal(DEFAULT_POLICY.stagger, 'halves', '"on a staggered rolling basis"')
  t.equal(DEFAULT_POLICY.maxPerInstitution, 1, '"from different IIIF Consortium (IIIF-C) member institutions"')
  t.same(DEFAULT_POLICY.flagCaps, [])
  t.same(policyProblems(DEFAULT_POLICY), [], 'and it keeps its own rules')
})

t.test('mergePolicy changes only the fields given, seats as a whole list', async (t) => {
  t.same(mergePolicy(DEFAULT_POLICY, {}), DEFAULT_POLICY, 'an empty change changes nothing')
  t.same(mergePolicy(DEFAULT_POLICY, { seats: seats(4, 6) }).seats, seats(4, 6), 'the list replaced')
  const merged = mergePolicy(DEFAULT_POLICY, {
    stagger: 'none',
    reminderDays: 0,
    autoScheduleDays: 0,
    termNoticeDays: 0,
  })
  t.same(
    [merged.stagger, merged.reminderDays, merged.autoScheduleDays, merged.termNoticeDays],
    ['none', 0, 0, 0],
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
  mergePolicy(DEFAULT_POLICY, { seats: seats(1, 4) })
  t.same(DEFAULT_POLICY, before, 'the policy merged into is not changed')
})

t.test('policyProblems names each field that is not a whole number in range', async (t) => {
  const table: Array<[string, Partial<Policy>, Array<{ field: string; message: string }>]> = [
    [
      'negative seats',
      { seats: seats(-1, 4) },
      [{ field: 'policy.seats[0].count', message: 'must be a whole number ≥ 0' }],
    ],
    [
      'fractional seats',
      { seats: seats(4, 2.5) },
      [{ field: 'policy.seats[1].count', message: 'must be a whole number ≥ 0' }],
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
    policyProblems({ ...DEFAULT_POLICY, seats: seats(-1, -1), termMonths: 0, windowDays: 0 }).map((p) => p.field),
    ['policy.seats[0].count', 'policy.seats[1].count', 'policy.termMonths', 'policy.windowDays'],
    'every field at fault at once',
  )
  t.same(
    policyProblems({ ...DEFAULT_POLICY, seats: seats(0, -1), termMonths: 25 }).map((p) => p.field),
    ['policy.seats[1].count'],
    'rules between fields are checked only once every field is a number in range',
  )
  t.same(
    policyProblems({ ...DEFAULT_POLICY, reminderDays: 0, autoScheduleDays: 0, termNoticeDays: 0 }),
    [],
    'notices and auto-scheduling may be off',
  )
})

t.test('policyProblems keeps the rules between fields', async (t) => {
  t.same(policyProblems({ ...DEFAULT_POLICY, seats: seats(0, 0) }), [
    { field: 'policy.seats', message: 'must offer at least one volunteer seat' },
  ])
  t.same(policyProblems({ ...DEFAULT_POLICY, seats: seats(0, 1) }), [], 'one seat is enough')

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
      message: 'must be even while stagger is halves (half the first team serves half a term)',
    },
  ])
  t.same(
    policyProblems({ ...DEFAULT_POLICY, termMonths: 25, stagger: 'none' }),
    [],
    'an odd term is fine without the stagger',
  )

  t.same(
    policyProblems({ ...DEFAULT_POLICY, seats: seats(0, 0), windowDays: 400, termMonths: 3 }).map((p) => p.field),
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
      seats: fc.tuple(anyNumber, anyNumber).map(([c, m]) => seats(c, m)),
      maxPerInstitution: fc.constant(1),
      flagCaps: fc.constant<Policy['flagCaps']>([]),
      termMonths: anyNumber,
      callIntervalMonths: anyNumber,
      windowDays: anyNumber,
      stagger: fc.constantFrom('none' as const, 'halves' as const),
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
          policy.seats[0]!.count,
          policy.seats[1]!.count,
          policy.termMonths,
          policy.callIntervalMonths,
          policy.windowDays,
        ].every(Number.isInteger)
        return (
          whole &&
          policy.seats[0]!.count + policy.seats[1]!.count >= 1 &&
          policy.termMonths >= 1 &&
          policy.windowDays >= 1 &&
          policy.windowDays <= policy.callIntervalMonths * 28 &&
          (policy.stagger !== 'halves' || policy.termMonths % 2 === 0)
        )
      }),
      { numRuns: 1000 },
    )
    t.ok(accepted > 50, `held for 1000 random policies, ${accepted} of them accepted`)
  },
)

t.test('seat classes: slugs, unique, not staff, with sound eligibility rules', async (t) => {
  const classes = (...list: Array<[string, number, unknown]>) =>
    list.map(([c, count, eligible]) => ({ class: c, count, eligible: eligible as Eligibility }))
  t.same(
    policyProblems({ ...DEFAULT_POLICY, seats: classes(['advisor', 2, 'any']), stagger: 'none', termMonths: 12 }),
    [],
    'IIIF 2025: two advisors, anyone, one-year terms without stagger',
  )
  t.same(
    policyProblems({
      ...DEFAULT_POLICY,
      seats: classes(['Advisor', 1, 'any'], ['staff', 1, 'any'], ['a', 1, 'any'], ['a', 1, 'any']),
    }).map((p) => [p.field, p.message]),
    [
      ['policy.seats[0].class', 'must be a slug (^[a-z][a-z0-9-]{0,31}$)'],
      ['policy.seats[1].class', 'staff is reserved for staff members'],
      ['policy.seats[3].class', 'a is already a class of this policy'],
    ],
  )
  t.same(
    policyProblems({
      ...DEFAULT_POLICY,
      seats: classes(
        ['a', 1, { institutionFlag: 'X' }],
        ['b', 1, { all: [] }],
        ['c', 1, { not: { nor: 'x' } }],
        ['d', 1, { any: ['any', { institutionFlag: 'ok' }], all: [] }],
      ),
    }).map((p) => p.field),
    [
      'policy.seats[0].eligible.institutionFlag',
      'policy.seats[1].eligible.all',
      'policy.seats[2].eligible.not',
      'policy.seats[3].eligible',
    ],
    'each fault named where it is',
  )
  t.same(
    policyProblems({ ...DEFAULT_POLICY, seats: [] }).map((p) => p.field),
    ['policy.seats'],
  )
  t.same(
    policyProblems({
      ...DEFAULT_POLICY,
      maxPerInstitution: 0,
      flagCaps: [
        { flag: 's', max: -1 },
        { flag: 's', max: 1 },
      ],
    }).map((p) => p.field),
    ['policy.maxPerInstitution', 'policy.flagCaps[0].max', 'policy.flagCaps[1].flag'],
  )
})

t.test('isEligible: any, a flag, not, all, any-of', async (t) => {
  const flags = new Set(['consortium', 'steering'])
  const none = new Set<string>()
  const table: Array<[Eligibility, boolean, boolean]> = [
    ['any', true, true],
    [{ institutionFlag: 'consortium' }, true, false],
    [{ not: { institutionFlag: 'consortium' } }, false, true],
    [{ all: [{ institutionFlag: 'consortium' }, { institutionFlag: 'steering' }] }, true, false],
    [{ all: [{ institutionFlag: 'consortium' }, { institutionFlag: 'other' }] }, false, false],
    [{ any: [{ institutionFlag: 'other' }, { not: { institutionFlag: 'steering' } }] }, false, true],
  ]
  for (const [rule, flagged, plain] of table) {
    t.equal(isEligible(rule, flags), flagged, `${JSON.stringify(rule)} with flags`)
    t.equal(isEligible(rule, none), plain, `${JSON.stringify(rule)} without`)
  }
})

t.test('the old policy shape converts losslessly, and back', async (t) => {
  const { seats: _s, maxPerInstitution: _m, flagCaps: _f, stagger: _g, ...rest } = DEFAULT_POLICY
  const upgraded = upgradePolicy({ ...rest, seats: { consortium: 3, community: 5 }, inauguralStagger: false })
  t.same(upgraded, { ...DEFAULT_POLICY, seats: seats(3, 5), stagger: 'none' })
  t.same(legacySeatsOf(upgraded), { seats: { consortium: 3, community: 5 }, inauguralStagger: false }, 'and back')
  t.equal(upgradePolicy(DEFAULT_POLICY), DEFAULT_POLICY, 'a policy in the new shape is left alone')
  t.equal(
    legacySeatsOf({ ...DEFAULT_POLICY, maxPerInstitution: 2 }),
    null,
    'the old shape cannot say two per institution',
  )
  t.equal(legacySeatsOf({ ...DEFAULT_POLICY, seats: [{ class: 'advisor', count: 2, eligible: 'any' }] }), null)

  const patch = upgradePolicyPatch(DEFAULT_POLICY, { seats: { community: 6 }, inauguralStagger: false })
  t.same(patch, { patch: { seats: seats(4, 6), stagger: 'none' }, deprecated: true, problems: [] })
  t.same(upgradePolicyPatch(DEFAULT_POLICY, { termMonths: 12 }), {
    patch: { termMonths: 12 },
    deprecated: false,
    problems: [],
  })
  const advisors: Policy = { ...DEFAULT_POLICY, seats: [{ class: 'advisor', count: 2, eligible: 'any' }] }
  t.same(upgradePolicyPatch(advisors, { seats: { consortium: 1 } }).problems, [
    { field: 'policy.seats.consortium', message: 'the policy has no seat class named consortium' },
  ])
  t.same(upgradePolicyPatch(DEFAULT_POLICY, { inauguralStagger: true, stagger: 'none' }).problems, [
    { field: 'policy.inauguralStagger', message: 'contradicts policy.stagger (give only stagger)' },
  ])
})
