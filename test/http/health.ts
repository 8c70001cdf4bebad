import t from 'tap'
import { sql } from 'drizzle-orm'
import { build } from '../helpers/build.js'

const { app, lifecycle, db } = await build(t)

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
  t.teardown(() => { lifecycle.shuttingDown = false })
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().error.code, 'shutting-down')
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
})
