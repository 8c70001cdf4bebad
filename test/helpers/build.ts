import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { formsClientFor, mailerFor, type Deps } from '../../src/deps.js'
import type { Database, Db } from '../../src/db/client.js'
import type { Lifecycle } from '../../src/http/routes/health.js'
import { openTestDatabase } from './database.js'

export const STAFF_TOKEN = 'test-staff-token-0123456789'

/** A clock tests can set and move: `clock.set('2027-01-01T00:00:00Z')`; or `clock.real()`, the time itself. */
export interface TestClock {
  (): Date
  set(at: string | Date): void
  /** From now on the real time, to the millisecond (a browser test: the server's clock is the browser's), until the next `set`. */
  real(): void
}

export function testClock(start = '2026-01-15T12:00:00Z'): TestClock {
  let now: Date | null = new Date(start)
  const clock = (() => (now === null ? new Date() : new Date(now))) as TestClock
  clock.set = (at) => {
    now = new Date(at)
  }
  clock.real = () => {
    now = null
  }
  return clock
}

export interface Built {
  app: FastifyInstance
  database: Database
  db: Db
  config: Config
  deps: Deps
  clock: TestClock
  lifecycle: Lifecycle
  /** Headers that authenticate as staff. */
  staff: { authorization: string }
}

interface Tap {
  teardown(fn: () => unknown): void
}

/**
 * The app on a fresh migrated database (one per test file), a fixed clock and STAFF_TOKEN set; with
 * `logger`, the app and the mail transport log there (tests that read the log); with `database`, on
 * that one instead (several apps of one test file on one database: each fresh one costs ~1 s of CPU).
 */
export async function build(
  t: Tap,
  env: Record<string, string> = {},
  options: { logger?: FastifyBaseLogger; database?: Database } = {},
): Promise<Built> {
  const database = options.database ?? (await openTestDatabase(t))
  // A folder of its own, for what rota writes there (the log transport's .eml files).
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-test-data-'))
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const config = loadConfig({ STAFF_TOKEN, LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...env })
  const clock = testClock()
  const lifecycle: Lifecycle = { shuttingDown: false }
  const deps: Deps = {
    config,
    database,
    clock,
    forms: formsClientFor(config),
    mailer: mailerFor(config, options.logger ?? { info() {} }),
  }
  const app = await buildApp(deps, { lifecycle, logger: options.logger })
  t.teardown(() => app.close())
  return {
    app,
    database,
    db: database.db,
    config,
    deps,
    clock,
    lifecycle,
    staff: { authorization: `Bearer ${STAFF_TOKEN}` },
  }
}
