import module from 'node:module'
import path from 'node:path'
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig } from './config.js'
import { compilePglite, openDatabase, type Database } from './db/client.js'
import { DataDirLockedError, ownerOnlyFolder, tightenAfterStart } from './db/lock.js'
import { createLogger } from './logger.js'
import type { Lifecycle } from './http/routes/health.js'

/**
 * The HTTP app, the scheduler and what they need, loaded while the database opens: PGlite spends part
 * of its start waiting on the disk and on WebAssembly compiling on other threads, time in which these
 * modules (most of rota's code) load instead of after it.
 */
function loadTheRest() {
  return Promise.all([import('./app.js'), import('./deps.js')])
}

// Node.js 22.1+ (the Docker image's 24): keep V8's compiled code of the modules loaded from here on
// (most of rota) on disk, in the OS's temporary folder, so that a restart does not compile them again.
// Node.js 20 has no such cache: nothing happens.
;(module as { enableCompileCache?: () => unknown }).enableCompileCache?.()

/** How often a shutdown step that has not finished is logged. */
const SLOW_SHUTDOWN_STEP_MS = 2_000

/** loadConfig → openDatabase → migrate → buildApp → listen; on SIGTERM/SIGINT, drain and close. */
async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`rota: invalid configuration: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
  const log = createLogger({ level: config.logLevel })
  process.umask(0o077) // what rota and PGlite create (DATA_DIR, database files, .eml) is the owner's only

  if (config.databaseUrl === null) compilePglite().catch(() => {}) // on other threads, from now; a failure is openDatabase's
  const rest = loadTheRest()
  rest.catch(() => {}) // a module that fails to load is reported where it is awaited, below

  let database: Database
  try {
    database = await openDatabase(config, log)
    await database.migrate()
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      process.stderr.write(`rota: cannot start: ${error.message}\n`)
      process.exit(1)
    }
    log.fatal({ err: error }, 'could not open or migrate the database')
    process.exit(1)
  }
  // PGlite sets some files' modes itself (0666, 0644): its folder now, what is inside once rota serves.
  if (database.kind === 'pglite') ownerOnlyFolder(path.join(config.dataDir, 'pgdata'))
  log.info(
    { database: database.kind, dataDir: database.kind === 'pglite' ? config.dataDir : undefined },
    'database ready',
  )

  const [{ buildApp }, { formsClientFor, mailerFor, systemClock }] = await rest
  const lifecycle: Lifecycle = { shuttingDown: false }
  const deps = { config, database, clock: systemClock, forms: formsClientFor(config), mailer: mailerFor(config, log) }
  const app = await buildApp(deps, { logger: log, lifecycle })
  let scheduler: { stop(): Promise<void> } | null = null

  closeWithGrace({ delay: config.shutdownGraceMs, logger: log }, async ({ signal, err }) => {
    lifecycle.shuttingDown = true
    if (err) log.error({ err }, 'shutting down after an error')
    else log.info({ signal }, 'shutting down')
    // A step still running after a few seconds is named in the log: what a stop that hangs waits for.
    const step = async (name: string, run: () => Promise<void> | undefined) => {
      const slow = setInterval(() => log.warn({ step: name }, 'shutdown step still running'), SLOW_SHUTDOWN_STEP_MS)
      try {
        await run()
      } finally {
        clearInterval(slow)
      }
    }
    try {
      await step('scheduler', () => scheduler?.stop())
      await step('http', () => app.close())
    } finally {
      await step('database', () => database.close())
    }
  })

  await app.listen({ port: config.port, host: config.host })
  if (database.kind === 'pglite')
    tightenAfterStart(config.dataDir).catch((error: unknown) =>
      log.warn({ err: error }, 'could not tighten the modes of the database files'),
    )
  // The jobs start once rota serves (each runs at its next cron time anyway), unless shutdown began meanwhile.
  // node-cron and the jobs are loaded only now, off the path to the first request served.
  const { startScheduler } = await import('./jobs/scheduler.js')
  if (!lifecycle.shuttingDown) scheduler = startScheduler(deps, log)
}

await main()
