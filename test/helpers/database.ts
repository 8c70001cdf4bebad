import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { openPglite, openPostgres, type Database } from '../../src/db/client.js'

interface Teardown {
  teardown(fn: () => unknown): void
}

const silent = { error() {}, warn() {} }

/** Which database the suite runs on: PostgreSQL when TEST_DATABASE_URL is set, else embedded PGlite. */
export const testDatabaseKind: 'postgres' | 'pglite' = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'

/**
 * A fresh, migrated database for one test file: an in-memory PGlite, or a new database created on
 * the TEST_DATABASE_URL server and dropped afterwards.
 */
export async function openTestDatabase(t: Teardown): Promise<Database> {
  const adminUrl = process.env.TEST_DATABASE_URL
  if (!adminUrl) {
    const database = await openPglite(null)
    t.teardown(() => database.close())
    await database.migrate()
    return database
  }
  const name = `rota_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const database = await openPostgres(url.toString(), { poolMax: 5, log: silent })
  t.teardown(async () => {
    await database.close()
    const cleanup = new pg.Client({ connectionString: adminUrl })
    await cleanup.connect()
    await cleanup.query(`drop database if exists ${name} with (force)`)
    await cleanup.end()
  })
  await database.migrate()
  return database
}
