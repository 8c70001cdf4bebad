import t from 'tap'
import { sql } from 'drizzle-orm'
import { build } from '../helpers/build.js'

const { app, lifecycle, db, deps } = await build(t)

t.test('/healthz answers while the process runs', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})

t.test('/readyz is 200 on a migrated database', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ready' })
})

t.test('/readyz is 503 when a migration is missing', async (t) => {
  await db.execute(sql`alter table drizzle.__drizzle_migrations rename to __drizzle_migrations_hidden`)
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().error.code, 'database-not-ready')
  await db.execute(sql`alter table drizzle.__drizzle_migrations_hidden rename to __drizzle_migrations`)
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)
})

t.test('/readyz is 503 during shutdown while /healthz stays up', async (t) => {
  lifecycle.shuttingDown = true
  t.teardown(() => {
    lifecycle.shuttingDown = false
  })
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().error.code, 'shutting-down')
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
})

t.test(
  "during shutdown, new requests get 503 shutting-down in the API error shape, not fastify's own body",
  async (t) => {
    lifecycle.shuttingDown = true
    t.teardown(() => {
      lifecycle.shuttingDown = false
    })
    for (const url of ['/teams', '/teams/coc/roster', '/no/such/route']) {
      const res = await app.inject({ method: 'GET', url })
      t.equal(res.statusCode, 503, url)
      t.same(res.json(), { error: { code: 'shutting-down', message: 'rota is shutting down; try again shortly' } })
      t.equal(res.headers['connection'], 'close', 'the client is told to reconnect elsewhere')
      t.equal(res.headers['retry-after'], '5')
    }
  },
)

t.test('closing the app marks it shutting down', async (t) => {
  const { buildApp } = await import('../../src/app.js')
  const other = { shuttingDown: false }
  const closing = await buildApp(deps, { lifecycle: other })
  await closing.close()
  t.equal(other.shuttingDown, true)
})
