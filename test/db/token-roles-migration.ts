import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { PGlite } from '@electric-sql/pglite'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import { MIGRATIONS_FOLDER } from '../../src/db/client.js'

// Upgrading: tokens made before roles existed could do everything, and keep doing so (admin); tokens
// made afterwards carry the role they are given.
t.test('tokens from before roles become admin on upgrade', async (t) => {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
    entries: Array<{ tag: string }>
  }
  const firstWithRoles = journal.entries.findIndex((e) => e.tag.endsWith('audit-log-and-roles'))
  t.ok(firstWithRoles > 0, 'the roles migration is in the journal')
  // The migrations as they were before roles: the same folder with a shorter journal.
  const before = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-migrations-'))
  t.teardown(() => fs.rmSync(before, { recursive: true, force: true }))
  fs.cpSync(MIGRATIONS_FOLDER, before, { recursive: true })
  fs.writeFileSync(
    path.join(before, 'meta', '_journal.json'),
    JSON.stringify({ ...journal, entries: journal.entries.slice(0, firstWithRoles) }),
  )
  const client = await PGlite.create()
  t.teardown(() => client.close())
  const db = drizzle(client)
  await migrate(db, { migrationsFolder: before })
  await db.execute(sql`insert into staff_tokens (name, token_hash) values ('old-timer', 'hash-1')`)
  await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
  const rows = (await db.execute(sql`select name, role, expires_at, last_used_at from staff_tokens`)).rows
  t.same(rows, [{ name: 'old-timer', role: 'admin', expires_at: null, last_used_at: null }])
  await db.execute(sql`insert into staff_tokens (name, token_hash, role) values ('new', 'hash-2', 'viewer')`)
  const roles = (await db.execute(sql`select name, role from staff_tokens order by name`)).rows
  t.same(
    roles,
    [
      { name: 'new', role: 'viewer' },
      { name: 'old-timer', role: 'admin' },
    ],
    'a token made after the upgrade keeps its role',
  )
})
