/**
 * RosterResponses (src/services/roster.ts), the roster route's memory, without HTTP: the requests that
 * find the same roster missing at once — every request of the first moments of each second, for the
 * roster now — wait for one making of it, not one each (what kept the roster's p99 latency high).
 */
import t from 'tap'
import { RosterResponses, type RosterCache, type RosterView } from '../../src/services/roster.js'

function fakeCache() {
  const made: string[] = []
  const cache = {
    generation: 1,
    async rosterAt(team: string, at: string) {
      made.push(`${team}@${at}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
      if (team !== 'coc') throw Object.assign(new Error('no such team'), { statusCode: 404 })
      const view: RosterView = { team, at, members: [], vacancies: { consortium: 4, community: 4 }, incoming: [] }
      return { view, etag: 'W/"x"', validUntil: null, stale: false }
    },
  }
  return { cache: cache as unknown as RosterCache, made, bump: () => cache.generation++ }
}

t.test('requests that find the same roster missing wait for one making of it', async (t) => {
  const { cache, made, bump } = fakeCache()
  const roster = new RosterResponses(cache, (view) => JSON.stringify(view))
  const now = new Date('2026-12-02T08:00:00.100Z')
  // answer() is a promise only when the roster must be made first.
  const ask = (team: string, at: string | undefined, when: Date) =>
    Promise.resolve(roster.answer(team, at, undefined, when))
  const answers = await Promise.all(Array.from({ length: 10 }, () => ask('coc', undefined, now)))
  t.equal(made.length, 1, 'ten requests in the same second: the roster is made once')
  t.ok(
    answers.every((a) => a.body === answers[0]!.body && a.etag === 'W/"x"'),
    'and each gets it',
  )
  t.notOk(
    roster.answer('coc', undefined, undefined, new Date('2026-12-02T08:00:00.900Z')) instanceof Promise,
    'later in that second: from memory',
  )

  await Promise.all(Array.from({ length: 5 }, () => ask('coc', undefined, new Date('2026-12-02T08:00:01.000Z'))))
  t.equal(made.length, 2, 'the next second: made once more')

  await Promise.all(Array.from({ length: 5 }, () => ask('coc', '2025-06-01T00:00:00Z', now)))
  t.equal(made.length, 3, 'a roster at an instant: once for five requests')

  bump()
  await Promise.all(Array.from({ length: 5 }, () => ask('coc', '2025-06-01T00:00:00Z', now)))
  t.equal(made.length, 4, 'after a write (a new generation): made again, once')

  const failures = await Promise.allSettled(Array.from({ length: 3 }, () => ask('nope', undefined, now)))
  t.ok(
    failures.every((f) => f.status === 'rejected'),
    'an unknown team fails every waiting request',
  )
  t.equal(made.length, 5, 'after one attempt')
  await t.rejects(Promise.resolve(roster.answer('nope', undefined, undefined, now)), 'and the next request tries again')
  t.equal(made.length, 6)
})
