import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { PGlite } from '@electric-sql/pglite'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { MIGRATIONS_FOLDER, openPostgres, pgliteDatabase, type Database } from '../../src/db/client.js'

interface Teardown {
  teardown(fn: () => unknown): void
}

const silent = { error() {}, warn() {} }

/** Which database the suite runs on: PostgreSQL when TEST_DATABASE_URL is set, else embedded PGlite. */
export const testDatabaseKind: 'postgres' | 'pglite' = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'

/**
 * A fresh, migrated database for one test file: an in-memory PGlite (on disk under `dataDir/pgdata`
 * when given), or a new database created on the TEST_DATABASE_URL server and dropped afterwards.
 */
export async function openTestDatabase(t: Teardown, options: { dataDir?: string } = {}): Promise<Database> {
  const adminUrl = process.env.TEST_DATABASE_URL
  if (!adminUrl && options.dataDir !== undefined) {
    // On disk, where rota keeps it (DATA_DIR/pgdata): tests that read every file under DATA_DIR.
    const client = await PGlite.create(path.join(options.dataDir, 'pgdata'), { loadDataDir: await migratedTemplate() })
    const database = await pgliteDatabase(client, null, options.dataDir)
    t.teardown(() => database.close())
    await database.migrate()
    return database
  }
  if (!adminUrl) {
    const database = await pgliteDatabase(await PGlite.create({ loadDataDir: await migratedTemplate() }))
    t.teardown(() => database.close())
    await database.migrate() // a no-op on the template; kept so a stale template can never hide a migration
    return database
  }
  const created = await createPostgresDatabase(adminUrl)
  const database = await openPostgres(created.url, { poolMax: 5, log: silent })
  t.teardown(async () => {
    await database.close()
    await created.drop()
  })
  await database.migrate()
  return database
}

/** A new, empty database on the server of `adminUrl`: its URL, and how to drop it (even while in use). */
export async function createPostgresDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `rota_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: adminUrl })
      await cleanup.connect()
      await cleanup.query(`drop database if exists ${name} with (force)`)
      await cleanup.end()
    },
  }
}

/**
 * A dump of a freshly migrated PGlite database, made once per set of migrations and shared by test
 * files through the temp folder: loading it takes ~1 s where initdb + migrate takes ~4 s.
 */
export async function migratedTemplate(): Promise<Blob> {
  const hash = createHash('sha256')
  for (const migration of readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER })) hash.update(migration.hash)
  const file = path.join(os.tmpdir(), `rota-pglite-template-${hash.digest('hex').slice(0, 16)}.tar`)
  if (!fs.existsSync(file)) {
    const client = await PGlite.create()
    await (await pgliteDatabase(client)).migrate()
    const dump = await client.dumpDataDir('none')
    await client.close()
    const partial = `${file}.${process.pid}.tmp`
    fs.writeFileSync(partial, Buffer.from(await dump.arrayBuffer()))
    fs.renameSync(partial, file) // atomic: parallel test files never read half a template
  }
  return new Blob([fs.readFileSync(file)])
}
