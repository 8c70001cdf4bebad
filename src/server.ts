import module from 'node:module'
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig } from './config.js'
import { compilePglite, openDatabase, type Database } from './db/client.js'
import { DataDirLockedError, ownerOnlyTree } from './db/lock.js'
import { createLogger } from './logger.js'
import type { Lifecycle } from './http/routes/health.js'

/**
 * The HTTP app, the scheduler and what they need, loaded while the database opens: PGlite spends part
 * of its start waiting on the disk and on WebAssembly compiling on other threads, time in which these
 * modules (most of rota's code) load instead of after it.
 */
function loadTheRest() {
  return Promise.all([import('./app.js'), import('./deps.js'), import('./jobs/scheduler.js')])
}

// Node.js 22.1+ (the Docker image's 24): keep V8's compiled code of the modules loaded from here on
// (most of rota) on disk, in the OS's temporary folder, so that a restart does not compile them again.
// Node.js 20 has no such cache: nothing happens.
;(module as { enableCompileCache?: () => unknown }).enableCompileCache?.()

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
  if (database.kind === 'pglite') ownerOnlyTree(config.dataDir) // PGlite sets some files' modes itself (0666, 0644)
  log.info(
    { database: database.kind, dataDir: database.kind === 'pglite' ? config.dataDir : undefined },
    'database ready',
  )

  const [{ buildApp }, { formsClientFor, mailerFor, systemClock }, { startScheduler }] = await rest
  const lifecycle: Lifecycle = { shuttingDown: false }
  const deps = { config, database, clock: systemClock, forms: formsClientFor(config), mailer: mailerFor(config, log) }
  const app = await buildApp(deps, { logger: log, lifecycle })
  let scheduler: { stop(): Promise<void> } | null = null

  closeWithGrace({ delay: config.shutdownGraceMs, logger: log }, async ({ signal, err }) => {
    lifecycle.shuttingDown = true
    if (err) log.error({ err }, 'shutting down after an error')
    else log.info({ signal }, 'shutting down')
    try {
      await scheduler?.stop()
      await app.close()
    } finally {
      await database.close()
    }
  })

  await app.listen({ port: config.port, host: config.host })
  // The jobs start once rota serves (each runs at its next cron time anyway), unless shutdown began meanwhile.
  if (!lifecycle.shuttingDown) scheduler = startScheduler(deps, log)
}

await main()
