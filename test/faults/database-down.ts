import t from 'tap'
import pino from 'pino'
import { Writable } from 'node:stream'
import { DrizzleQueryError } from 'drizzle-orm/errors'
import { buildApp } from '../../src/app.js'
import type { Db } from '../../src/db/client.js'
import { ROSTER_CHANNEL } from '../../src/services/roster.js'
import { build } from '../helpers/build.js'

// What clients see while the database cannot be reached, on either database: every query fails as
// it does when PostgreSQL is stopped (drizzle's DrizzleQueryError wrapping ECONNREFUSED, the query's
// parameters attached). The public roster keeps answering from its last good copy, marked stale;
// everything else that needs the database answers 503 database-unavailable with Retry-After.

const built = await build(t)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The real database, or — while `down` — one whose every query fails like a refused connection. */
function switchable(real: Db): { db: Db; down(): void; up(): void } {
  let isDown = false
  const refused = () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
      errno: -111,
      syscall: 'connect',
    })
    return new DrizzleQueryError('update "teams" set "name" = $1', ['Secret Person <secret.person@example.org>'], cause)
  }
  // Any chain of calls (db.select().from().where(), db.transaction(fn), db.execute(q)) rejects when awaited.
  const failing: unknown = new Proxy(function () {}, {
    get: (_target, property) =>
      property === 'then' ? (_resolve: unknown, reject: (e: unknown) => void) => reject(refused()) : failing,
    apply: () => failing,
  })
  const db = new Proxy(real as object, {
    get: (target, property) => (isDown ? failing : Reflect.get(target, property, target)),
  }) as Db
  return { db, down: () => (isDown = true), up: () => (isDown = false) }
}

const logged: string[] = []
const sink = new Writable({
  write(chunk, _encoding, done) {
    logged.push(String(chunk))
    done()
  },
})
const database = switchable(built.db)
const app = await buildApp(
  { ...built.deps, database: { ...built.database, db: database.db } },
  { logger: pino({ level: 'warn' }, sink) },
)
t.teardown(() => app.close())
const staff = built.staff

const appointed = await app.inject({
  method: 'POST',
  url: '/teams/coc/members',
  headers: staff,
  payload: {
    name: 'Ada Staff',
    email: 'ada@example.org',
    seat: 'staff',
    termStart: '2025-06-01T00:00:00Z',
    reason: 'hired',
  },
})
t.equal(appointed.statusCode, 201, 'a member to show on the roster')

const notifyFromAnotherInstance = async () => {
  await built.database.notify(built.db, ROSTER_CHANNEL, 'changed')
  await sleep(200) // PostgreSQL delivers NOTIFY asynchronously
}

t.test('while the database is away, the roster is served from its last good copy, marked stale', async (t) => {
  const before = await app.inject({ method: 'GET', url: '/teams/coc/roster' })
  t.equal(before.statusCode, 200)
  t.notOk(before.headers['x-rota-stale'], 'fresh before the outage')

  database.down()
  t.teardown(() => database.up())
  // Another instance changes something: the cache must reload, and cannot.
  await notifyFromAnotherInstance()
  for (let i = 0; i < 3; i++) {
    const during = await app.inject({ method: 'GET', url: '/teams/coc/roster' })
    t.equal(during.statusCode, 200, `read ${i + 1} during the outage: 200`)
    t.equal(during.headers['x-rota-stale'], 'true')
    t.equal(during.headers['warning'], '110 - "Response is Stale"')
    t.same(during.json().members, before.json().members, 'the last good roster')
    t.match(during.headers['cache-control'], /max-age=[0-5]$/, 'kept briefly by caches')
  }

  database.up()
  await sleep(1100) // a stale roster retries the database at most once a second
  const after = await app.inject({ method: 'GET', url: '/teams/coc/roster' })
  t.equal(after.statusCode, 200)
  t.notOk(after.headers['x-rota-stale'], 'fresh again once the database answers')
})

t.test('when the database comes back, the LISTEN reconnect (a NOTIFY without payload) refreshes at once', async (t) => {
  database.down()
  t.teardown(() => database.up())
  await notifyFromAnotherInstance()
  t.equal((await app.inject({ method: 'GET', url: '/teams/coc/roster' })).headers['x-rota-stale'], 'true')
  database.up()
  await notifyFromAnotherInstance()
  const res = await app.inject({ method: 'GET', url: '/teams/coc/roster' })
  t.equal(res.statusCode, 200)
  t.notOk(res.headers['x-rota-stale'], 'no wait for the retry interval')
})

t.test('routes that need the database answer 503 database-unavailable with Retry-After, never 500', async (t) => {
  database.down()
  t.teardown(() => database.up())
  const cases = [
    { method: 'GET' as const, url: '/teams/coc' },
    { method: 'GET' as const, url: '/institutions' },
    { method: 'PATCH' as const, url: '/teams/coc', payload: { name: 'Renamed During Outage' } },
    { method: 'POST' as const, url: '/institutions', payload: { name: 'University of Nowhere', consortium: false } },
  ]
  for (const c of cases) {
    const res = await app.inject({ ...c, headers: staff })
    t.equal(res.statusCode, 503, `${c.method} ${c.url}`)
    t.equal(res.headers['retry-after'], '5')
    t.equal(res.json().error.code, 'database-unavailable')
    t.notMatch(res.body, /ECONNREFUSED|Failed query|secret/i, 'nothing internal in the answer')
  }
  t.equal(
    (await app.inject({ method: 'GET', url: '/readyz' })).statusCode,
    200,
    '(readyz checks the real database object, not this switch)',
  )
  database.up()
  const res = await app.inject({
    method: 'PATCH',
    url: '/teams/coc',
    headers: staff,
    payload: { name: 'Renamed After Outage' },
  })
  t.equal(res.statusCode, 200, 'writes work again as soon as the database answers')
})

t.test('a roster never loaded answers 503 during an outage (nothing stale to serve)', async (t) => {
  const cold = await buildApp({ ...built.deps, database: { ...built.database, db: database.db } })
  t.teardown(() => cold.close())
  database.down()
  t.teardown(() => database.up())
  const res = await cold.inject({ method: 'GET', url: '/teams/coc/roster' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().error.code, 'database-unavailable')
  t.equal(res.headers['retry-after'], '5')
})

t.test('the outage is logged with the error code and message only, never the query or its parameters', async (t) => {
  const text = logged.join('')
  t.match(text, /database unavailable/)
  t.match(text, /ECONNREFUSED/)
  t.notMatch(text, /secret|Failed query|update "teams"/i, 'no query text, no parameters')
})
