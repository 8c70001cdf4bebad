/**
 * A transaction whose BEGIN fails gives its connection back (src/db/pool-guard.ts). drizzle-orm's
 * node-postgres driver sends BEGIN outside its try/finally, so without the guard each such failure —
 * a connection that died between checkout and BEGIN, as when PostgreSQL restarts — kept a connection
 * checked out forever, and the pool's end() (rota's shutdown) waited for it forever.
 */
import t, { type Test } from 'tap'
import pg from 'pg'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import { releaseClientWhenBeginFails } from '../../src/db/pool-guard.js'

const url = process.env.TEST_DATABASE_URL
const skip = url ? false : 'needs PostgreSQL (TEST_DATABASE_URL): the embedded database has no pool'

/** A pool whose first connection's first BEGIN fails as a connection that just died would. */
function poolWithADyingConnection(): { pool: pg.Pool; checkedOut: () => number } {
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  let failed = false
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    ;(client as { query: unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text
      if (!failed && /^\s*begin\b/i.test(text ?? '')) {
        failed = true
        return Promise.reject(new Error('Connection terminated unexpectedly'))
      }
      return query(...args)
    }
  })
  return { pool, checkedOut: () => pool.totalCount - pool.idleCount }
}

async function endsWithin(pool: pg.Pool, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const ended = await Promise.race([
    pool.end().then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ])
  clearTimeout(timer)
  return ended
}

t.test(
  'with the guard: the failed BEGIN gives its connection back, the pool goes on and ends',
  { skip },
  async (t: Test) => {
    const { pool, checkedOut } = poolWithADyingConnection()
    releaseClientWhenBeginFails(pool)
    const db = drizzle({ client: pool })
    await t.rejects(
      db.transaction(async (tx) => tx.execute(sql`select 1`)),
      /begin/,
      'the transaction fails at its BEGIN',
    )
    t.equal(checkedOut(), 0, 'no connection is left checked out')
    const answer = await db.transaction(async (tx) => tx.execute(sql`select 41 + 1 as n`))
    t.equal(Number((answer.rows[0] as { n: number }).n), 42, 'the next transaction works')
    t.equal(checkedOut(), 0)
    t.ok(await endsWithin(pool, 5_000), 'the pool ends (as at rota shutdown)')
  },
)

t.test('without it, drizzle keeps that connection checked out (why the guard exists)', { skip }, async (t: Test) => {
  const { pool, checkedOut } = poolWithADyingConnection()
  let leaked: pg.PoolClient | undefined
  pool.on('acquire', (client) => (leaked ??= client))
  const db = drizzle({ client: pool })
  await t.rejects(db.transaction(async (tx) => tx.execute(sql`select 1`)))
  // When this fails, drizzle-orm releases the client itself now: the guard can go.
  t.equal(checkedOut(), 1, 'one connection is never given back')
  leaked?.release(true)
  t.ok(await endsWithin(pool, 5_000))
})

t.test('other first queries and a BEGIN that succeeds are left alone', { skip }, async (t: Test) => {
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  releaseClientWhenBeginFails(pool)
  const client = await pool.connect()
  await t.rejects(client.query('select * from no_such_table_here'), /does not exist/)
  t.equal(
    pool.totalCount - pool.idleCount,
    1,
    'a failed first query other than BEGIN: the caller still owns the client',
  )
  await client.query('begin')
  await client.query('rollback')
  client.release()
  t.equal(pool.idleCount, 1, 'released once, by its owner')
  const viaQuery = await pool.query('select 1 as one')
  t.equal(viaQuery.rows[0].one, 1, 'pool.query() works as before')
  t.ok(await endsWithin(pool, 5_000))
})
