import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { PGlite } from '@electric-sql/pglite'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { formsClientFor, mailerFor } from '../../src/deps.js'
import { pgliteDatabase } from '../../src/db/client.js'
import { migratedTemplate } from '../helpers/database.js'

// /readyz must read real storage. PGlite answers from memory what it has read, so with its data
// directory deleted a query still succeeded and /readyz said 200 while every data route failed.

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-readyz-'))
t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
const client = await PGlite.create(path.join(dataDir, 'pgdata'), { loadDataDir: await migratedTemplate() })
const database = await pgliteDatabase(client, null, dataDir)
t.teardown(() => database.close().catch(() => {}))
const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir })
const app = await buildApp({
  config,
  database,
  clock: () => new Date(),
  forms: formsClientFor(config),
  mailer: mailerFor(config, { info() {} }),
})
t.teardown(() => app.close())

t.test('/readyz is 200 on a data directory that is there', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/teams/coc' })).statusCode, 200)
})

t.test('/readyz is 503 when DATA_DIR takes no write (read-only, full, or not a folder any more)', async (t) => {
  // As root a read-only mode does not stop writes; a folder where the heartbeat file goes does.
  const heartbeat = path.join(dataDir, 'rota.heartbeat')
  fs.rmSync(heartbeat, { force: true })
  fs.mkdirSync(heartbeat)
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().error.code, 'database-not-ready')
  fs.rmdirSync(heartbeat)
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'ready again once it can write')
})

t.test('/readyz is 503 once the data directory is deleted', async (t) => {
  fs.rmSync(path.join(dataDir, 'pgdata'), { recursive: true, force: true })
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().error.code, 'database-not-ready')
})

t.test('with its files gone, routes that need them answer 503 database-unavailable, not 500', async (t) => {
  // The data directory is gone since the subtest above; the members table was never read, so no
  // page of it is in memory.
  const res = await app.inject({ method: 'GET', url: '/teams/coc/roster' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().error.code, 'database-unavailable')
  t.equal(res.headers['retry-after'], '5')
})
