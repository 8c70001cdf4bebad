import t from 'tap'
import { sql } from 'drizzle-orm'
import { PGlite } from '@electric-sql/pglite'
import { openPostgres, pgliteDatabase, type Database } from '../../src/db/client.js'
import { createPostgresDatabase, openTestDatabase, testDatabaseKind } from '../helpers/database.js'

const database = await openTestDatabase(t)

t.test('the suite runs on the database it was asked for', async (t) => {
  t.equal(database.kind, testDatabaseKind, `running on ${testDatabaseKind}`)
  const result = (await database.db.execute(sql`select version() as version`)) as unknown as {
    rows: { version: string }[]
  }
  t.match(result.rows[0]!.version, /^PostgreSQL \d+/)
  t.comment(result.rows[0]!.version)
})

t.test('migrations are applied and recorded, and applying them again changes nothing', async (t) => {
  await database.checkReady()
  const count = async () =>
    (
      (await database.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)) as unknown as {
        rows: { n: number }[]
      }
    ).rows[0]!.n
  const before = await count()
  t.ok(before >= 2)
  await database.migrate()
  t.equal(await count(), before)
  const teams = (await database.db.execute(
    sql`select count(*)::int as n from teams where slug = 'coc'`,
  )) as unknown as { rows: { n: number }[] }
  t.equal(teams.rows[0]!.n, 1, 'the default team is seeded once')
})

t.test(
  'a database without migrations is migrated, and one behind the shipped migrations is brought up to date',
  async (t) => {
    const adminUrl = process.env.TEST_DATABASE_URL
    let fresh: Database
    if (adminUrl) {
      const created = await createPostgresDatabase(adminUrl)
      fresh = await openPostgres(created.url, { poolMax: 2, log: { error() {}, warn() {} } })
      t.teardown(async () => {
        await fresh.close()
        await created.drop()
      })
    } else {
      fresh = await pgliteDatabase(await PGlite.create())
      t.teardown(() => fresh.close())
    }
    await t.rejects(fresh.checkReady(), 'not ready before migrating')
    await fresh.migrate()
    await fresh.checkReady()
    const count = async () =>
      (
        (await fresh.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)) as unknown as {
          rows: { n: number }[]
        }
      ).rows[0]!.n
    const applied = await count()
    // Forget the latest migration: a restart must not take the database for up to date.
    await fresh.db.execute(
      sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`,
    )
    await t.rejects(fresh.checkReady(), 'behind the shipped migrations: not ready')
    // The migrator runs that migration again: it is recorded again, or (not written to run twice) it fails. Skipped, it would do neither.
    const outcome = await fresh.migrate().then(
      () => 'applied',
      () => 'failed',
    )
    t.ok(outcome === 'failed' || (await count()) === applied, `the latest migration was run again (${outcome})`)
  },
)
