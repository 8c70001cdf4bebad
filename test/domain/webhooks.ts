import t from 'tap'
import fc from 'fast-check'
import { boundariesCrossed, deliveryBody, deliveryOutcome, signedContent } from '../../src/domain/webhooks.js'
import type { RosterMember } from '../../src/domain/roster.js'
import { instantFromEpochNanos, type Instant } from '../../src/domain/time.js'

const DAY = 86_400_000_000_000n
const BASE = 1_800_000_000_000_000_000n // 2027-01-15
const dayInstant = (day: number): Instant => instantFromEpochNanos(BASE + BigInt(day) * DAY)

function member(id: string, start: number, end: number | null, endedAt: number | null = null): RosterMember {
  return {
    id,
    name: id,
    institution: null,
    seat: 'community',
    termStart: dayInstant(start),
    termEnd: end === null ? null : dayInstant(end),
    endedAt: endedAt === null ? null : dayInstant(endedAt),
  }
}

t.test('the boundaries crossed are the term starts and (effective) ends in (after, upTo], once each', async (t) => {
  const members = [member('a', 10, 20), member('b', 10, 30, 15), member('c', 20, null), member('d', 5, 40, 5)]
  t.same(boundariesCrossed(members, dayInstant(0), dayInstant(100)), [dayInstant(10), dayInstant(15), dayInstant(20)])
  t.same(
    boundariesCrossed(members, dayInstant(10), dayInstant(20)),
    [dayInstant(15), dayInstant(20)],
    'after is excluded, upTo included',
  )
  t.same(boundariesCrossed(members, dayInstant(20), dayInstant(20)), [], 'an empty span crosses nothing')
  t.same(
    boundariesCrossed([member('d', 5, 40, 5)], dayInstant(0), dayInstant(50)),
    [],
    'one who left as they started: none',
  )
})

t.test(
  'however the ticks fall, each boundary is crossed exactly once (missed and repeated ticks included)',
  async (t) => {
    const memberArb = fc
      .tuple(
        fc.integer({ min: 0, max: 700 }),
        fc.integer({ min: 1, max: 800 }),
        fc.option(fc.integer({ min: 0, max: 800 })),
      )
      .map(([start, length, ended]) => member(`m${start}-${length}`, start, start + length, ended))
    fc.assert(
      fc.property(
        fc.array(memberArb, { maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 1600 }), { maxLength: 40 }),
        (members, tickDays) => {
          // Ticks in any order, repeats included: the checked-until mark only moves forward.
          let checked = dayInstant(-1)
          const fired: Instant[] = []
          for (const day of [...tickDays, 1601]) {
            const now = dayInstant(day)
            if (now <= checked) continue
            fired.push(...boundariesCrossed(members, checked, now))
            checked = now
          }
          const all = boundariesCrossed(members, dayInstant(-1), dayInstant(1601))
          return JSON.stringify(fired) === JSON.stringify(all)
        },
      ),
    )
    t.pass()
  },
)

t.test('delivery outcomes, bodies and the signed content', async (t) => {
  t.same([200, 204, 299].map(deliveryOutcome), ['delivered', 'delivered', 'delivered'])
  t.same([408, 429, 500, 503].map(deliveryOutcome), ['retry', 'retry', 'retry', 'retry'])
  t.same([301, 400, 401, 404, 410].map(deliveryOutcome), ['refused', 'refused', 'refused', 'refused', 'refused'])
  const payload = { event: 'term.boundary', team: 'coc', occurred_at: '2027-03-01T00:00:00Z' }
  t.same(JSON.parse(deliveryBody('rota', payload)), payload)
  t.same(JSON.parse(deliveryBody('github-dispatch', payload)), {
    event_type: 'rota.term.boundary',
    client_payload: payload,
  })
  t.equal(signedContent('1790000000', '{"a":1}'), '1790000000.{"a":1}')
})
