import t from 'tap'
import { sql } from 'drizzle-orm'
import { openTestDatabase, testDatabaseKind } from '../helpers/database.js'

const database = await openTestDatabase(t)

t.test('the suite runs on the database it was asked for', async (t) => {
  t.equal(database.kind, testDatabaseKind, `running on ${testDatabaseKind}`)
  const result = (await database.db.execute(sql`select version() as version`)) as unknown as { rows: { version: string }[] }
  t.match(result.rows[0]!.version, /^PostgreSQL \d+/)
  t.comment(result.rows[0]!.version)
})

t.test('migrations are applied and recorded, and applying them again changes nothing', async (t) => {
  await database.checkReady()
  const count = async () =>
    ((await database.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)) as unknown as { rows: { n: number }[] }).rows[0]!.n
  const before = await count()
  t.ok(before >= 2)
  await database.migrate()
  t.equal(await count(), before)
  const teams = (await database.db.execute(sql`select count(*)::int as n from teams where slug = 'coc'`)) as unknown as { rows: { n: number }[] }
  t.equal(teams.rows[0]!.n, 1, 'the default team is seeded once')
})
