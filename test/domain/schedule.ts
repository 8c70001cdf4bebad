import { deepStrictEqual } from 'node:assert/strict'
import t from 'tap'
import fc from 'fast-check'
import {
  InvalidScheduleInputError,
  cadenceDates,
  isOnSchedule,
  planSchedule,
  plannedCalls,
  scheduleHorizon,
  scheduleInputProblem,
  simulateSeatsToFill,
  termEndsWithin,
} from '../../src/domain/schedule.js'
import type { PlannedCall, ScheduleCall, ScheduleMember } from '../../src/domain/schedule.js'
import { DEFAULT_POLICY, iiif2017Seats } from '../../src/domain/policy.js'
import type { Policy, SeatCounts } from '../../src/domain/policy.js'
import type { Seat } from '../../src/domain/selection.js'
import {
  addCalendarMonths,
  addDays,
  compareInstants,
  epochNanos,
  instantFromEpochNanos,
  parseInstant,
} from '../../src/domain/time.js'
import type { Instant } from '../../src/domain/time.js'

const at = (text: string): Instant => parseInstant(text)
const monthIndex = (instant: Instant): number => Number(instant.slice(0, 4)) * 12 + Number(instant.slice(5, 7)) - 1

// ---------------------------------------------------------------------------------------------
// The IIIF team: an inaugural call open through February 2026, terms from 1 March 2026, half of
// them 24 months long and half 12 (the inaugural stagger).

const INAUGURAL: ScheduleCall = {
  id: 'c-2026',
  opensAt: at('2026-02-01T00:00:00Z'),
  closesAt: at('2026-03-01T00:00:00Z'),
  termStart: at('2026-03-01T00:00:00Z'),
  status: 'closed',
  seats: null,
}

function m(
  id: string,
  seat: Seat,
  endsAt: string | null,
  termStart = '2026-03-01T00:00:00Z',
  name = id,
): ScheduleMember {
  return { id, name, seat, termStart: at(termStart), endsAt: endsAt === null ? null : at(endsAt) }
}

const LONG = '2028-03-01T00:00:00Z'
const SHORT = '2027-03-01T00:00:00Z'
/** The team the inaugural call formed: staff, then 2 + 2 long and 2 + 2 short terms per category. */
const TEAM: ScheduleMember[] = [
  m('staff-glen', 'staff', null, '2025-01-01T00:00:00Z', 'Glen'),
  m('con-1', 'consortium', LONG, undefined, 'Ada'),
  m('con-2', 'consortium', LONG, undefined, 'Bea'),
  m('con-3', 'consortium', SHORT, undefined, 'Cy'),
  m('con-4', 'consortium', SHORT, undefined, 'Di'),
  m('com-1', 'community', LONG, undefined, 'Eve'),
  m('com-2', 'community', LONG, undefined, 'Fay'),
  m('com-3', 'community', SHORT, undefined, 'Gus'),
  m('com-4', 'community', SHORT, undefined, 'Hal'),
]

/** A compact view of the calls: opening date, status and seats to fill. */
function summary(calls: PlannedCall[]): string[] {
  return calls.map(
    (c) => `${c.opensAt.slice(0, 10)} ${c.status} ${c.seatsToFill.consortium}+${c.seatsToFill.community}`,
  )
}
const seats = (consortium: number, community: number): SeatCounts => ({ consortium, community })

t.test('the IIIF cadence replaces half the team each year', async (t) => {
  const schedule = planSchedule({
    policy: DEFAULT_POLICY,
    calls: [INAUGURAL],
    members: TEAM,
    now: at('2026-06-01T00:00:00Z'),
    years: 3,
  })
  t.same(summary(schedule.calls), ['2027-02-01 planned 2+2', '2028-02-01 planned 2+2', '2029-02-01 planned 2+2'])
  const first = schedule.calls[0]!
  t.equal(first.id, null, 'a planned call has no id yet')
  t.equal(first.closesAt, at('2027-03-01T00:00:00Z'), 'open 28 days')
  t.equal(first.termStart, first.closesAt, 'terms start as the window closes')
  t.same(
    schedule.termEnds.map((e) => `${e.termEnd.slice(0, 10)} ${e.name} ${e.seat}`),
    [
      '2027-03-01 Cy consortium',
      '2027-03-01 Di consortium',
      '2027-03-01 Gus community',
      '2027-03-01 Hal community',
      '2028-03-01 Ada consortium',
      '2028-03-01 Bea consortium',
      '2028-03-01 Eve community',
      '2028-03-01 Fay community',
    ],
    'the short terms end first, then the long ones; staff never end',
  )
  t.same(schedule.termEnds[0], { memberId: 'con-3', name: 'Cy', seat: 'consortium', termEnd: at(SHORT) })
})

t.test('in a leap year the window closes on 29 February but terms still start on the anniversary', async (t) => {
  const schedule = planSchedule({
    policy: DEFAULT_POLICY,
    calls: [INAUGURAL],
    members: TEAM,
    now: at('2026-06-01T00:00:00Z'),
    years: 3,
  })
  const leap = schedule.calls[1]!
  t.equal(leap.closesAt, at('2028-02-29T00:00:00Z'), '1 February + 28 days')
  t.equal(leap.termStart, at('2028-03-01T00:00:00Z'), 'the day the long inaugural terms end, so it fills them')
  t.same(leap.seatsToFill, seats(2, 2))
  t.equal(schedule.calls[2]!.termStart, at('2029-03-01T00:00:00Z'))
})

t.test('while the inaugural call is open the schedule already foresees the stagger', async (t) => {
  const open: ScheduleCall = { ...INAUGURAL, status: 'open' }
  const schedule = planSchedule({
    policy: DEFAULT_POLICY,
    calls: [open],
    members: [TEAM[0]!],
    now: at('2026-02-15T00:00:00Z'),
    years: 3,
  })
  t.same(summary(schedule.calls), [
    '2026-02-01 open 4+4',
    '2027-02-01 planned 2+2',
    '2028-02-01 planned 2+2',
    '2029-02-01 planned 2+2',
  ])
  t.equal(schedule.calls[0]!.id, 'c-2026')
  t.same(schedule.termEnds, [], 'nobody has a term yet')

  t.test('without the stagger, the whole team would turn over every other year', async (t) => {
    const policy: Policy = { ...DEFAULT_POLICY, stagger: 'none' }
    const s = planSchedule({ policy, calls: [open], members: [], now: at('2026-02-15T00:00:00Z'), years: 3 })
    t.same(summary(s.calls), [
      '2026-02-01 open 4+4',
      '2027-02-01 planned 0+0',
      '2028-02-01 planned 4+4',
      '2029-02-01 planned 0+0',
    ])
  })
})

t.test('a just-closed call whose terms have not started is still on the schedule', async (t) => {
  const now = at('2026-02-20T00:00:00Z')
  t.test('reporting the seats its selection offered when the service passes them', async (t) => {
    const closed: ScheduleCall = { ...INAUGURAL, seats: seats(4, 4) }
    const s = planSchedule({ policy: DEFAULT_POLICY, calls: [closed], members: TEAM, now, years: 2 })
    t.same(summary(s.calls), ['2026-02-01 closed 4+4', '2027-02-01 planned 2+2', '2028-02-01 planned 2+2'])
  })
  t.test('else the seats still empty at its term start', async (t) => {
    const s = planSchedule({
      policy: DEFAULT_POLICY,
      calls: [INAUGURAL],
      members: TEAM.filter((x) => x.id !== 'con-4'),
      now,
      years: 2,
    })
    t.same(summary(s.calls), ['2026-02-01 closed 1+0', '2027-02-01 planned 2+2', '2028-02-01 planned 2+2'])
  })
  t.test('and it leaves the schedule once its terms have started', async (t) => {
    const s = planSchedule({
      policy: DEFAULT_POLICY,
      calls: [INAUGURAL],
      members: TEAM,
      now: at('2026-03-01T00:00:00.000000001Z'),
      years: 2,
    })
    t.same(summary(s.calls), ['2027-02-01 planned 2+2', '2028-02-01 planned 2+2'])
  })
})

t.test('a shortfall comes back as an extra seat at the next call', async (t) => {
  t.test('a call that fills 1 of its 2 consortium seats: the next call offers 3', async (t) => {
    const second: ScheduleCall = {
      id: 'c-2027',
      opensAt: at('2027-02-01T00:00:00Z'),
      closesAt: at('2027-03-01T00:00:00Z'),
      termStart: at('2027-03-01T00:00:00Z'),
      status: 'closed',
      seats: null,
    }
    const later = '2029-03-01T00:00:00Z'
    const members = [
      ...TEAM,
      m('con-5', 'consortium', later, '2027-03-01T00:00:00Z'),
      m('com-5', 'community', later, '2027-03-01T00:00:00Z'),
      m('com-6', 'community', later, '2027-03-01T00:00:00Z'),
    ]
    const s = planSchedule({
      policy: DEFAULT_POLICY,
      calls: [INAUGURAL, second],
      members,
      now: at('2027-06-01T00:00:00Z'),
      years: 3,
    })
    t.same(summary(s.calls), ['2028-02-01 planned 3+2', '2029-02-01 planned 1+2', '2030-02-01 planned 3+2'])
  })

  t.test(
    '3 of 4 inaugural consortium seats: the empty one was a short seat, so the next call still offers 2',
    async (t) => {
      // Selection fills the long seats first, so the empty slot is one that would have ended in 2027:
      // the 2027 call fills it together with the one short term that does end.
      const members = TEAM.filter((x) => x.id !== 'con-4')
      const s = planSchedule({
        policy: DEFAULT_POLICY,
        calls: [INAUGURAL],
        members,
        now: at('2026-06-01T00:00:00Z'),
        years: 3,
      })
      t.same(summary(s.calls), ['2027-02-01 planned 2+2', '2028-02-01 planned 2+2', '2029-02-01 planned 2+2'])
    },
  )

  t.test('3 of 4 with a long seat empty: one extra consortium seat at the next call', async (t) => {
    const members = TEAM.filter((x) => x.id !== 'con-1')
    const s = planSchedule({
      policy: DEFAULT_POLICY,
      calls: [INAUGURAL],
      members,
      now: at('2026-06-01T00:00:00Z'),
      years: 3,
    })
    t.same(summary(s.calls), ['2027-02-01 planned 3+2', '2028-02-01 planned 1+2', '2029-02-01 planned 3+2'])
  })
})

t.test('a step-down shows its seat at the next call and its end among the term ends', async (t) => {
  const members = TEAM.map((x) => (x.id === 'con-1' ? { ...x, endsAt: at('2026-09-01T00:00:00Z') } : x))
  const s = planSchedule({
    policy: DEFAULT_POLICY,
    calls: [INAUGURAL],
    members,
    now: at('2026-06-01T00:00:00Z'),
    years: 2,
  })
  t.same(summary(s.calls), ['2027-02-01 planned 3+2', '2028-02-01 planned 1+2'])
  t.same(s.termEnds[0], { memberId: 'con-1', name: 'Ada', seat: 'consortium', termEnd: at('2026-09-01T00:00:00Z') })
  t.equal(s.termEnds.filter((e) => e.memberId === 'con-1').length, 1, 'listed once, at the effective end')
})

t.test('existing calls take part in the simulation', async (t) => {
  const next: ScheduleCall = {
    id: 'c-2027',
    opensAt: at('2027-02-01T00:00:00Z'),
    closesAt: at('2027-03-01T00:00:00Z'),
    termStart: at('2027-03-01T00:00:00Z'),
    status: 'scheduled',
    seats: null,
  }
  t.test('a scheduled call computes its seats like selection will, and anchors the cadence', async (t) => {
    const s = planSchedule({
      policy: DEFAULT_POLICY,
      calls: [INAUGURAL, next],
      members: TEAM,
      now: at('2026-06-01T00:00:00Z'),
      years: 3,
    })
    t.same(summary(s.calls), ['2027-02-01 scheduled 2+2', '2028-02-01 planned 2+2', '2029-02-01 planned 2+2'])
    t.equal(s.calls[0]!.id, 'c-2027')
  })
  t.test('seats fixed by staff are reported as fixed, and what they leave open comes back next time', async (t) => {
    const fixed = { ...next, seats: seats(1, 1) }
    const s = planSchedule({
      policy: DEFAULT_POLICY,
      calls: [INAUGURAL, fixed],
      members: TEAM,
      now: at('2026-06-01T00:00:00Z'),
      years: 3,
    })
    t.same(summary(s.calls), ['2027-02-01 scheduled 1+1', '2028-02-01 planned 3+3', '2029-02-01 planned 1+1'])
  })
  t.test('an overdue call still fills its seats in the simulation though it is no longer shown', async (t) => {
    const due = { ...next, status: 'due' as const }
    const s = planSchedule({
      policy: DEFAULT_POLICY,
      calls: [INAUGURAL, due],
      members: TEAM,
      now: at('2027-03-10T00:00:00Z'),
      years: 2,
    })
    t.same(summary(s.calls), ['2028-02-01 planned 2+2', '2029-02-01 planned 2+2'])
  })
  t.test('a cancelled call neither shows nor anchors the cadence', async (t) => {
    const cancelled = {
      ...next,
      id: 'c-x',
      opensAt: at('2026-09-01T00:00:00Z'),
      closesAt: at('2026-09-29T00:00:00Z'),
      termStart: at('2026-09-29T00:00:00Z'),
      status: 'cancelled' as const,
    }
    const s = planSchedule({
      policy: DEFAULT_POLICY,
      calls: [cancelled, INAUGURAL],
      members: TEAM,
      now: at('2026-06-01T00:00:00Z'),
      years: 1,
    })
    t.same(summary(s.calls), ['2027-02-01 planned 2+2'])
  })
  t.test('more holders than seats (an override) means fewer to fill, never a negative count', async (t) => {
    const members = [
      ...TEAM,
      m('con-extra', 'consortium', LONG),
      m('con-extra-2', 'consortium', '2030-01-01T00:00:00Z'),
    ]
    const s = planSchedule({
      policy: DEFAULT_POLICY,
      calls: [INAUGURAL],
      members,
      now: at('2026-06-01T00:00:00Z'),
      years: 3,
    })
    // 2027: 2 long + 2 extra continue; 2028: only the extra ending in 2030 does; 2029: it and the 3 from 2028.
    t.same(summary(s.calls), ['2027-02-01 planned 0+2', '2028-02-01 planned 3+2', '2029-02-01 planned 0+2'])
  })
})

t.test('the cadence', async (t) => {
  t.test('a team with no calls plans its first call now, inaugural and staggered', async (t) => {
    const now = at('2026-06-01T09:30:00Z')
    const s = planSchedule({ policy: DEFAULT_POLICY, calls: [], members: [TEAM[0]!], now, years: 3 })
    t.same(summary(s.calls), ['2026-06-01 planned 4+4', '2027-06-01 planned 2+2', '2028-06-01 planned 2+2'])
    t.equal(s.calls[0]!.opensAt, now, 'opens at now, to the nanosecond')
  })
  t.test('a team that missed a call waits for the next cadence date', async (t) => {
    const old: ScheduleCall = {
      ...INAUGURAL,
      id: 'c-2024',
      opensAt: at('2024-02-01T00:00:00Z'),
      closesAt: at('2024-02-29T00:00:00Z'),
      termStart: at('2024-02-29T00:00:00Z'),
    }
    const s = planSchedule({
      policy: DEFAULT_POLICY,
      calls: [old],
      members: [],
      now: at('2026-06-01T00:00:00Z'),
      years: 2,
    })
    t.same(summary(s.calls), ['2027-02-01 planned 4+4', '2028-02-01 planned 2+2'])
  })
  t.test('a cadence date equal to now is planned; one at the horizon is not', async (t) => {
    const old: ScheduleCall = {
      ...INAUGURAL,
      id: 'c-2025',
      opensAt: at('2025-02-01T00:00:00Z'),
      closesAt: at('2025-03-01T00:00:00Z'),
      termStart: at('2025-03-01T00:00:00Z'),
    }
    const s = planSchedule({
      policy: DEFAULT_POLICY,
      calls: [old],
      members: [],
      now: at('2026-02-01T00:00:00Z'),
      years: 1,
    })
    t.same(summary(s.calls), ['2026-02-01 planned 4+4'])
  })
  t.test('dates count from the anchor, so month ends never drift', async (t) => {
    const policy: Policy = { ...DEFAULT_POLICY, callIntervalMonths: 1, windowDays: 7 }
    const anchor: ScheduleCall = {
      ...INAUGURAL,
      opensAt: at('2024-01-31T12:00:00Z'),
      closesAt: at('2024-02-07T12:00:00Z'),
      termStart: at('2024-02-07T12:00:00Z'),
    }
    const dates = cadenceDates(policy, [anchor], at('2024-02-10T00:00:00Z'), at('2024-07-01T00:00:00Z'))
    t.same(
      dates,
      [
        '2024-02-29T12:00:00Z',
        '2024-03-31T12:00:00Z',
        '2024-04-30T12:00:00Z',
        '2024-05-31T12:00:00Z',
        '2024-06-30T12:00:00Z',
      ].map(at),
    )
  })
  t.test('a planned window never overlaps an existing call still open', async (t) => {
    const long: ScheduleCall = {
      ...INAUGURAL,
      status: 'open',
      closesAt: at('2027-02-15T00:00:00Z'),
      termStart: at('2027-02-15T00:00:00Z'),
    }
    const s = planSchedule({
      policy: DEFAULT_POLICY,
      calls: [long],
      members: [],
      now: at('2026-06-01T00:00:00Z'),
      years: 3,
    })
    t.same(summary(s.calls), ['2026-02-01 open 4+4', '2028-02-01 planned 2+2', '2029-02-01 planned 2+2'])
  })
  t.test('horizon: whole years of calendar months from now', async (t) => {
    t.equal(scheduleHorizon(at('2024-02-29T00:00:00Z'), 1), at('2025-02-28T00:00:00Z'))
    t.equal(scheduleHorizon(at('2026-06-01T00:00:00Z'), 10), at('2036-06-01T00:00:00Z'))
  })
})

t.test('term ends: volunteers whose effective end falls in [now, horizon)', async (t) => {
  const now = at('2026-06-01T00:00:00Z')
  const members = [
    m('gone', 'community', '2026-05-31T23:59:59.999999999Z'),
    m('now', 'community', '2026-06-01T00:00:00Z', undefined, 'Zed'),
    m('same-time', 'consortium', '2026-06-01T00:00:00Z', undefined, 'Amy'),
    m('edge', 'consortium', '2027-06-01T00:00:00Z'),
    m('staff', 'staff', null),
    m('future', 'community', '2027-05-01T00:00:00Z', '2026-09-01T00:00:00Z'),
  ]
  const s = planSchedule({ policy: DEFAULT_POLICY, calls: [], members, now, years: 1 })
  t.same(
    s.termEnds.map((e) => e.memberId),
    ['same-time', 'now', 'future'],
    'ending now counts, ending at the horizon does not; ties by name; members starting later included',
  )
})

t.test('refuses inputs that cannot make a schedule, with a code', async (t) => {
  const base = { policy: DEFAULT_POLICY, calls: [], members: [], now: at('2026-06-01T00:00:00Z'), years: 1 }
  for (const years of [0, -1, 1.5, Number.NaN]) {
    t.throws(() => planSchedule({ ...base, years }), { code: 'invalid-schedule-input' }, `years ${years}`)
  }
  t.throws(
    () => planSchedule({ ...base, policy: { ...DEFAULT_POLICY, callIntervalMonths: 0 } }),
    InvalidScheduleInputError,
  )
  t.throws(
    () => planSchedule({ ...base, policy: { ...DEFAULT_POLICY, seats: iiif2017Seats(-1, 4) } }),
    InvalidScheduleInputError,
  )
})

t.test('scheduleInputProblem says which number cannot make a schedule, first problem first', async (t) => {
  t.equal(scheduleInputProblem({ policy: DEFAULT_POLICY, years: 1 }), null)
  t.equal(scheduleInputProblem({ policy: DEFAULT_POLICY, years: 10 }), null)
  t.equal(
    scheduleInputProblem({
      policy: { ...DEFAULT_POLICY, seats: iiif2017Seats(0, 0), termMonths: 0, windowDays: 0 },
      years: 1,
    }),
    null,
    'zero seats, term or window: an empty but valid schedule',
  )
  t.equal(
    scheduleInputProblem({ policy: DEFAULT_POLICY, years: 0 }),
    'years must be a whole number of at least 1, got 0',
  )
  t.equal(
    scheduleInputProblem({ policy: DEFAULT_POLICY, years: 2.5 }),
    'years must be a whole number of at least 1, got 2.5',
  )
  t.equal(
    scheduleInputProblem({ policy: { ...DEFAULT_POLICY, seats: iiif2017Seats(4, -1) }, years: 0 }),
    'years must be a whole number of at least 1, got 0',
    'years first',
  )
  t.equal(
    scheduleInputProblem({ policy: { ...DEFAULT_POLICY, seats: iiif2017Seats(4, -1) }, years: 1 }),
    'policy.seats[1].count must be a whole number of at least 0, got -1',
  )
  t.equal(
    scheduleInputProblem({ policy: { ...DEFAULT_POLICY, termMonths: Number.POSITIVE_INFINITY }, years: 1 }),
    'policy.termMonths must be a whole number of at least 0, got Infinity',
  )
  t.equal(
    scheduleInputProblem({ policy: { ...DEFAULT_POLICY, windowDays: 1.5 }, years: 1 }),
    'policy.windowDays must be a whole number of at least 0, got 1.5',
  )
  t.equal(
    scheduleInputProblem({ policy: { ...DEFAULT_POLICY, callIntervalMonths: 0 }, years: 1 }),
    'policy.callIntervalMonths must be a whole number of at least 1, got 0',
  )
  t.throws(
    () =>
      planSchedule({
        policy: { ...DEFAULT_POLICY, windowDays: -3 },
        calls: [],
        members: [],
        now: at('2026-06-01T00:00:00Z'),
        years: 1,
      }),
    {
      code: 'invalid-schedule-input',
      message: 'policy.windowDays must be a whole number of at least 0, got -3',
    },
  )
})

t.test(
  'isOnSchedule: calls opening before the horizon whose window is not over, or whose terms have not started',
  async (t) => {
    const now = at('2026-02-20T00:00:00Z')
    const horizon = scheduleHorizon(now, 1)
    t.ok(isOnSchedule({ ...INAUGURAL, status: 'open' }, now, horizon), 'open now')
    t.ok(isOnSchedule(INAUGURAL, at('2026-03-01T00:00:00Z'), horizon), 'closed, terms start at now')
    t.notOk(
      isOnSchedule(INAUGURAL, at('2026-03-01T00:00:00.000000001Z'), horizon),
      'closed, terms started a nanosecond ago',
    )
    t.ok(
      isOnSchedule(
        { ...INAUGURAL, status: 'due', termStart: at('2026-03-01T00:00:00Z') },
        at('2026-03-01T00:00:00Z'),
        horizon,
      ),
      'due: window over, terms start now',
    )
    t.notOk(isOnSchedule({ ...INAUGURAL, status: 'cancelled' }, now, horizon), 'cancelled')
    t.notOk(
      isOnSchedule(
        {
          ...INAUGURAL,
          status: 'scheduled',
          opensAt: horizon,
          closesAt: addDays(horizon, 28),
          termStart: addDays(horizon, 28),
        },
        now,
        horizon,
      ),
      'opens at the horizon',
    )
  },
)

t.test(
  'plannedCalls gives each cadence date the window and term start createCall would, and skips declined dates',
  async (t) => {
    const now = at('2026-06-01T00:00:00Z')
    const horizon = scheduleHorizon(now, 3)
    const planned = plannedCalls(DEFAULT_POLICY, [INAUGURAL], now, horizon)
    t.same(
      planned.map((p) => [p.opensAt, p.closesAt, p.termStart].map((x) => x.slice(0, 10)).join(' ')),
      ['2027-02-01 2027-03-01 2027-03-01', '2028-02-01 2028-02-29 2028-03-01', '2029-02-01 2029-03-01 2029-03-01'],
      'the leap-year window closes on the 29th; its terms start on the anniversary',
    )
    const declined = plannedCalls(DEFAULT_POLICY, [INAUGURAL], now, horizon, [at('2027-02-01T00:00:00Z')])
    t.same(
      declined.map((p) => p.opensAt.slice(0, 10)),
      ['2028-02-01', '2029-02-01'],
      'a date staff declined is not planned again',
    )
    t.same(
      plannedCalls({ callIntervalMonths: 12, windowDays: 10 }, [], now, scheduleHorizon(now, 2)).map((p) => [
        p.opensAt,
        p.termStart,
      ]),
      [
        [now, addDays(now, 10)],
        [at('2027-06-01T00:00:00Z'), addDays(at('2027-06-01T00:00:00Z'), 10)],
      ],
      'a team without calls: the first opens now, terms as the window closes',
    )
  },
)

t.test(
  'simulateSeatsToFill: each call in term-start order fills what the earlier ones leave, reported in the order given',
  async (t) => {
    const call = (id: string | null, termStart: string, fixed: SeatCounts | null = null) => ({
      id,
      opensAt: addDays(at(termStart), -28),
      termStart: at(termStart),
      fixed,
    })
    const pending = [
      call(null, '2028-03-01T00:00:00Z'),
      call('c-2027', '2027-03-01T00:00:00Z'),
      call(null, '2029-03-01T00:00:00Z'),
    ]
    t.same(
      simulateSeatsToFill(DEFAULT_POLICY, TEAM, pending),
      [seats(2, 2), seats(2, 2), seats(2, 2)],
      'half the team each year',
    )
    t.same(simulateSeatsToFill(DEFAULT_POLICY, TEAM, [...pending].reverse()), [seats(2, 2), seats(2, 2), seats(2, 2)])
    const fixed = [call('c-2027', '2027-03-01T00:00:00Z', seats(1, 2)), call(null, '2028-03-01T00:00:00Z')]
    t.same(
      simulateSeatsToFill(DEFAULT_POLICY, TEAM, fixed),
      [seats(1, 2), seats(3, 2)],
      'a seat staff left out in 2027 comes back in 2028',
    )
    t.same(
      simulateSeatsToFill(
        DEFAULT_POLICY,
        [TEAM[0]!],
        [call(null, '2026-06-01T00:00:00Z'), call(null, '2027-06-01T00:00:00Z')],
      ),
      [seats(4, 4), seats(2, 2)],
      'an inaugural call staggers its terms',
    )
    t.same(simulateSeatsToFill(DEFAULT_POLICY, TEAM, []), [])
  },
)

t.test('termEndsWithin is what planSchedule reports', async (t) => {
  const now = at('2026-06-01T00:00:00Z')
  const horizon = scheduleHorizon(now, 1)
  t.same(
    termEndsWithin(TEAM, now, horizon).map((e) => e.name),
    ['Cy', 'Di', 'Gus', 'Hal'],
  )
  t.same(
    termEndsWithin(TEAM, now, horizon),
    planSchedule({ policy: DEFAULT_POLICY, calls: [INAUGURAL], members: TEAM, now, years: 1 }).termEnds,
  )
  t.same(
    termEndsWithin(TEAM, at(SHORT), scheduleHorizon(at(SHORT), 1)).map((e) => e.name),
    ['Cy', 'Di', 'Gus', 'Hal'],
    'an end at now counts; one at the horizon (the long terms) does not',
  )
})

// ---------------------------------------------------------------------------------------------
// Properties over random teams and histories.

const STATUSES: ScheduleCall['status'][] = ['scheduled', 'open', 'due', 'closed', 'cancelled']
const Y2015 = epochNanos(at('2015-01-01T00:00:00Z'))
const Y2035 = epochNanos(at('2035-01-01T00:00:00Z'))
const instantBetween = (min: bigint, max: bigint) => fc.bigInt({ min, max }).map(instantFromEpochNanos)

const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    consortium: fc.integer({ min: 0, max: 6 }),
    community: fc.integer({ min: 0, max: 6 }),
    halfTerm: fc.integer({ min: 1, max: 24 }),
    callIntervalMonths: fc.integer({ min: 1, max: 24 }),
    windowFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    stagger: fc.constantFrom('none' as const, 'halves' as const),
  })
  .map((p) => ({
    seats: iiif2017Seats(p.consortium, p.community),
    maxPerInstitution: 1,
    flagCaps: [],
    termMonths: p.halfTerm * 2,
    callIntervalMonths: p.callIntervalMonths,
    windowDays: Math.max(1, Math.floor(p.windowFraction * p.callIntervalMonths * 28)),
    stagger: p.stagger,
    reminderDays: 7,
    autoScheduleDays: 60,
    termNoticeDays: 30,
    retention: DEFAULT_POLICY.retention,
  }))

/** A history of calls that never overlap one another, as staff would create them. */
function callsArb(policy: Policy): fc.Arbitrary<ScheduleCall[]> {
  const call = fc.record({
    gapMonths: fc.integer({ min: policy.callIntervalMonths, max: 2 * policy.callIntervalMonths }),
    windowDays: fc.integer({ min: 1, max: policy.windowDays }),
    status: fc.constantFrom(...STATUSES),
    fixed: fc.option(
      fc.record({
        consortium: fc.nat({ max: policy.seats[0]!.count }),
        community: fc.nat({ max: policy.seats[1]!.count }),
      }),
    ),
  })
  return fc.tuple(instantBetween(Y2015, Y2035), fc.array(call, { maxLength: 5 })).map(([start, specs]) => {
    let months = 0
    return specs.map((spec, i) => {
      const opensAt = addCalendarMonths(start, months)
      months += spec.gapMonths
      const closesAt = addDays(opensAt, spec.windowDays)
      return { id: `c${i}`, opensAt, closesAt, termStart: closesAt, status: spec.status, seats: spec.fixed }
    })
  })
}

const memberArb: fc.Arbitrary<ScheduleMember> = fc
  .record({
    id: fc.uuid(),
    name: fc.constantFrom('Ada', 'Bea', 'Cy', 'Di', 'Eve'),
    seat: fc.constantFrom<Seat>('staff', 'consortium', 'community', 'community'),
    termStart: instantBetween(Y2015, Y2035),
    endsAt: fc.option(instantBetween(Y2015, Y2035 + (Y2035 - Y2015)), { freq: 6 }),
  })
  .map((x) => ({ ...x, endsAt: x.seat === 'staff' ? null : x.endsAt }))

const inputArb = policyArb.chain((policy) =>
  fc.record({
    policy: fc.constant(policy),
    calls: callsArb(policy),
    members: fc.array(memberArb, { maxLength: 14 }),
    now: instantBetween(Y2015, Y2035),
    years: fc.integer({ min: 1, max: 10 }),
  }),
)

t.test('property: seats to fill never exceed the policy seats in a category', async (t) => {
  fc.assert(
    fc.property(inputArb, (input) => {
      for (const call of planSchedule(input).calls) {
        for (const [i, category] of (['consortium', 'community'] as const).entries()) {
          const n = call.seatsToFill[category]
          if (n === undefined || !Number.isInteger(n) || n < 0 || n > input.policy.seats[i]!.count) return false
        }
      }
      return true
    }),
    { numRuns: 300 },
  )
  t.pass('held for 300 random teams')
})

t.test('property: calls come in opening order and their windows never overlap', async (t) => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const { calls, termEnds } = planSchedule(input)
      const horizon = scheduleHorizon(input.now, input.years)
      for (let i = 1; i < calls.length; i++) {
        const prev = calls[i - 1]!
        const next = calls[i]!
        if (compareInstants(prev.opensAt, next.opensAt) >= 0) return false
        if (compareInstants(prev.closesAt, next.opensAt) > 0) return false
      }
      for (const call of calls) {
        if (compareInstants(call.opensAt, horizon) >= 0) return false
        if (call.status === 'cancelled') return false
        if ((call.id === null) !== (call.status === 'planned')) return false
        if (call.status === 'planned' && compareInstants(call.opensAt, input.now) < 0) return false
      }
      for (let i = 0; i < termEnds.length; i++) {
        const end = termEnds[i]!
        if (compareInstants(end.termEnd, input.now) < 0 || compareInstants(end.termEnd, horizon) >= 0) return false
        if (i > 0 && compareInstants(termEnds[i - 1]!.termEnd, end.termEnd) > 0) return false
      }
      return true
    }),
    { numRuns: 300 },
  )
  t.pass('held for 300 random teams over 1–10 years')
})

t.test('property: planned calls follow the cadence from the latest call', async (t) => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const live = input.calls.filter((c) => c.status !== 'cancelled')
      const anchor = live.length === 0 ? null : live[live.length - 1]!.opensAt
      const planned = planSchedule(input).calls.filter((c) => c.status === 'planned')
      for (const [i, call] of planned.entries()) {
        if (call.closesAt !== addDays(call.opensAt, input.policy.windowDays)) return false
        const termStartOk =
          compareInstants(call.termStart, call.closesAt) >= 0 &&
          compareInstants(call.termStart, addDays(call.closesAt, input.policy.windowDays)) < 0
        if (!termStartOk) return false
        if (anchor === null) {
          if (call.opensAt !== addCalendarMonths(input.now, i * input.policy.callIntervalMonths)) return false
        } else {
          const months = monthIndex(call.opensAt) - monthIndex(anchor)
          const n = months / input.policy.callIntervalMonths
          if (!Number.isInteger(n) || n < 1 || addCalendarMonths(anchor, months) !== call.opensAt) return false
        }
      }
      return true
    }),
    { numRuns: 100 },
  )
  t.pass('held for 100 random teams')
})

t.test('property: the result does not depend on the order of the input arrays', async (t) => {
  const shuffled = inputArb.chain((input) =>
    fc.tuple(
      fc.constant(input),
      fc.shuffledSubarray(input.calls, { minLength: input.calls.length }),
      fc.shuffledSubarray(input.members, { minLength: input.members.length }),
    ),
  )
  fc.assert(
    fc.property(shuffled, ([input, calls, members]) => {
      deepStrictEqual(planSchedule({ ...input, calls, members }), planSchedule(input))
    }),
    { numRuns: 200 },
  )
  t.pass('held for 200 random shuffles')
})
