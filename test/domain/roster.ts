import t from 'tap'
import fc from 'fast-check'
import {
  effectiveEnd,
  nextChangeAfter,
  remainderOfTerm,
  rosterAt,
  servesAt,
  vacanciesAt,
} from '../../src/domain/roster.js'
import type { RosterMember } from '../../src/domain/roster.js'
import { DEFAULT_POLICY, seatCountsOf } from '../../src/domain/policy.js'
import type { Seat } from '../../src/domain/selection.js'
import { compareInstants, epochNanos, instantFromEpochNanos, parseInstant } from '../../src/domain/time.js'
import type { Instant } from '../../src/domain/time.js'

const at = (text: string): Instant => parseInstant(text)
const nano = (instant: Instant, n: bigint): Instant => instantFromEpochNanos(epochNanos(instant) + n)

const START = at('2026-03-01T00:00:00Z')
const SHORT = at('2027-03-01T00:00:00Z')
const LONG = at('2028-03-01T00:00:00Z')

function member(
  id: string,
  seat: Seat,
  termStart: Instant,
  termEnd: Instant | null,
  endedAt: Instant | null = null,
  name = id,
): RosterMember {
  return { id, name, institution: null, seat, termStart, termEnd, endedAt }
}

// The team after the inaugural call of 2026 (4 + 4 seats, half of them short), with one staff member.
const TEAM: RosterMember[] = [
  member('com-3', 'community', START, SHORT, null, 'Gus'),
  member('con-1', 'consortium', START, LONG, null, 'Ada'),
  member('staff', 'staff', at('2025-01-01T00:00:00Z'), null, null, 'Sam'),
  member('con-3', 'consortium', START, SHORT, null, 'Cy'),
  member('com-1', 'community', START, LONG, null, 'Eve'),
  member('con-2', 'consortium', START, LONG, null, 'Bea'),
  member('com-2', 'community', START, LONG, null, 'Fay'),
  member('con-4', 'consortium', START, SHORT, null, 'Di'),
  member('com-4', 'community', START, SHORT, null, 'Hal'),
]
const names = (members: readonly RosterMember[]) => members.map((m) => m.name)

t.test('effectiveEnd: the earlier of the early end and the end of term', async (t) => {
  t.equal(effectiveEnd({ termEnd: LONG, endedAt: null }), LONG, 'no early end: the end of term')
  t.equal(effectiveEnd({ termEnd: null, endedAt: null }), null, 'staff: never')
  t.equal(effectiveEnd({ termEnd: null, endedAt: SHORT }), SHORT, 'a staff member who left')
  t.equal(effectiveEnd({ termEnd: LONG, endedAt: SHORT }), SHORT, 'an early end')
  t.equal(
    effectiveEnd({ termEnd: SHORT, endedAt: LONG }),
    SHORT,
    'an "early" end after the term: the term still ends first',
  )
})

t.test('servesAt: from the term start (inclusive) to the effective end (exclusive), to the nanosecond', async (t) => {
  const ada = TEAM[1]!
  t.notOk(servesAt(ada, nano(START, -1n)), 'a nanosecond before the term starts')
  t.ok(servesAt(ada, START), 'as the term starts')
  t.ok(servesAt(ada, nano(LONG, -1n)), 'a nanosecond before it ends')
  t.notOk(servesAt(ada, LONG), 'as it ends: the successor serves from that instant instead')
  const staff = TEAM[2]!
  t.ok(servesAt(staff, at('2099-12-31T23:59:59.999999999Z')), 'staff serve until they leave')
  t.notOk(servesAt(staff, at('2024-12-31T23:59:59Z')), 'but not before they start')
  const left = { ...ada, endedAt: at('2026-09-01T00:00:00Z') }
  t.ok(servesAt(left, nano(at('2026-09-01T00:00:00Z'), -1n)), 'a departure: serving until the effective end')
  t.notOk(servesAt(left, at('2026-09-01T00:00:00Z')), 'and not from it, though the term runs to 2028')
  t.notOk(
    servesAt(member('x', 'community', START, LONG, START), START),
    'someone who left as the term started never serves',
  )
})

t.test('rosterAt: who serves at an instant, staff first, then consortium and community seats', async (t) => {
  t.same(names(rosterAt(TEAM, at('2026-02-28T23:59:59Z'))), ['Sam'], 'before the inaugural terms start: staff only')
  t.same(
    names(rosterAt(TEAM, START)),
    ['Sam', 'Ada', 'Bea', 'Cy', 'Di', 'Eve', 'Fay', 'Gus', 'Hal'],
    'each seat by term start, then name',
  )
  t.same(names(rosterAt(TEAM, SHORT)), ['Sam', 'Ada', 'Bea', 'Eve', 'Fay'], 'the short terms have ended')
  t.same(names(rosterAt(TEAM, LONG)), ['Sam'])
  const next = [
    ...TEAM,
    member('new-1', 'consortium', SHORT, at('2029-03-01T00:00:00Z'), null, 'Aaron'),
    member('new-2', 'community', SHORT, at('2029-03-01T00:00:00Z'), null, 'Abe'),
  ]
  t.same(
    names(rosterAt(next, SHORT)),
    ['Sam', 'Ada', 'Bea', 'Aaron', 'Eve', 'Fay', 'Abe'],
    'newer terms after older ones within a seat, whatever the name',
  )
  const twins = [member('b', 'community', START, LONG, null, 'Kim'), member('a', 'community', START, LONG, null, 'Kim')]
  t.same(
    rosterAt(twins, START).map((m) => m.id),
    ['a', 'b'],
    'the id settles equal names',
  )
  const extra = TEAM.map((m) => ({ ...m, email: `${m.id}@example.org` }))
  t.equal(rosterAt(extra, START)[0]!.email, 'staff@example.org', 'members keep the fields the caller gave them')
})

t.test('vacanciesAt: the policy seats less the volunteers serving then', async (t) => {
  t.same(
    vacanciesAt(seatCountsOf(DEFAULT_POLICY), TEAM, at('2026-01-01T00:00:00Z')),
    { consortium: 4, community: 4 },
    'before the first terms',
  )
  t.same(
    vacanciesAt(seatCountsOf(DEFAULT_POLICY), TEAM, START),
    { consortium: 0, community: 0 },
    'a full team; staff are not counted',
  )
  t.same(
    vacanciesAt(seatCountsOf(DEFAULT_POLICY), TEAM, nano(SHORT, -1n)),
    { consortium: 0, community: 0 },
    'a nanosecond before the short terms end',
  )
  t.same(vacanciesAt(seatCountsOf(DEFAULT_POLICY), TEAM, SHORT), { consortium: 2, community: 2 }, 'as they end')
  const departed = TEAM.map((m) => (m.id === 'con-1' ? { ...m, endedAt: at('2026-09-01T00:00:00Z') } : m))
  t.same(
    vacanciesAt(seatCountsOf(DEFAULT_POLICY), departed, at('2026-09-01T00:00:00Z')),
    { consortium: 1, community: 0 },
    'a departure frees its seat from the effective end',
  )
  t.same(
    vacanciesAt(seatCountsOf(DEFAULT_POLICY), departed, at('2026-08-31T00:00:00Z')),
    { consortium: 0, community: 0 },
    'not before',
  )
  const overridden = [...TEAM, member('extra', 'consortium', START, LONG)]
  t.same(
    vacanciesAt(seatCountsOf(DEFAULT_POLICY), overridden, START),
    { consortium: 0, community: 0 },
    'more holders than seats (an override): zero, never negative',
  )
  t.same(
    vacanciesAt({ consortium: 6, community: 2 }, TEAM, START),
    { consortium: 2, community: 0 },
    "another team's policy",
  )
})

t.test('nextChangeAfter: the next instant someone starts or stops serving', async (t) => {
  t.equal(nextChangeAfter(TEAM, at('2026-01-01T00:00:00Z')), START)
  t.equal(nextChangeAfter(TEAM, START), SHORT, 'strictly after the instant asked about')
  t.equal(nextChangeAfter(TEAM, SHORT), LONG)
  t.equal(nextChangeAfter(TEAM, LONG), null, 'staff never change the roster again')
  const departed = TEAM.map((m) => (m.id === 'con-1' ? { ...m, endedAt: at('2026-09-01T00:00:00Z') } : m))
  t.equal(nextChangeAfter(departed, START), at('2026-09-01T00:00:00Z'), 'a departure is a change')
  t.equal(nextChangeAfter([], START), null)
  const gone = [member('never', 'community', START, LONG, START)]
  t.equal(
    nextChangeAfter(gone, at('2026-01-01T00:00:00Z')),
    START,
    'a boundary where nothing changes is still reported: a cache reloads early, never late',
  )
})

t.test('property: the roster stays the same from an instant until the next change', async (t) => {
  const Y2025 = epochNanos(at('2025-01-01T00:00:00Z'))
  const Y2030 = epochNanos(at('2030-01-01T00:00:00Z'))
  const instant = fc.bigInt({ min: Y2025, max: Y2030 }).map(instantFromEpochNanos)
  const memberArb = fc
    .record({
      id: fc.uuid(),
      name: fc.constantFrom('Ada', 'Bea', 'Cy'),
      seat: fc.constantFrom<Seat>('staff', 'consortium', 'community'),
      termStart: instant,
      months: fc.integer({ min: 1, max: 36 }),
      endedAt: fc.option(instant, { freq: 3 }),
    })
    .map((x): RosterMember => {
      const termEnd = x.seat === 'staff' ? null : nano(x.termStart, BigInt(x.months) * 30n * 86_400n * 1_000_000_000n)
      return {
        id: x.id,
        name: x.name,
        institution: null,
        seat: x.seat,
        termStart: x.termStart,
        termEnd,
        endedAt: x.endedAt,
      }
    })
  fc.assert(
    fc.property(fc.array(memberArb, { maxLength: 12 }), instant, (members, t0) => {
      const now = rosterAt(members, t0).map((m) => m.id)
      const change = nextChangeAfter(members, t0)
      if (change === null)
        return (
          rosterAt(members, at('2099-01-01T00:00:00Z'))
            .map((m) => m.id)
            .join() === now.join()
        )
      // Sound, not tight: someone who leaves as they start is a boundary at which nothing changes.
      const before = rosterAt(members, nano(change, -1n)).map((m) => m.id)
      return compareInstants(change, t0) > 0 && before.join() === now.join()
    }),
    { numRuns: 300 },
  )
  t.pass('held for 300 random teams')
})

t.test('remainderOfTerm: a replacement serves the rest of the departing seat, not a new full term', async (t) => {
  const ben = { termStart: START, termEnd: LONG }
  t.same(
    remainderOfTerm(ben, at('2026-09-01T00:00:00Z')),
    { termStart: at('2026-09-01T00:00:00Z'), termEnd: LONG },
    'from the departure to the original end',
  )
  t.same(
    remainderOfTerm(ben, at('2026-02-01T00:00:00Z')),
    { termStart: START, termEnd: LONG },
    'a departure before the term starts: the whole seat',
  )
  t.same(remainderOfTerm(ben, START), { termStart: START, termEnd: LONG }, 'a departure as it starts')
  t.same(
    remainderOfTerm({ termStart: START, termEnd: null }, SHORT),
    { termStart: SHORT, termEnd: null },
    'a staff seat has no end to keep',
  )
})
