import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { openDatabase, type Database } from './db/client.js'
import { DataDirLockedError, ownerOnlyTree } from './db/lock.js'
import { formsClientFor, mailerFor, systemClock } from './deps.js'
import { startScheduler } from './jobs/scheduler.js'
import { createLogger } from './logger.js'
import type { Lifecycle } from './http/routes/health.js'

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
  log.info({ database: database.kind, dataDir: database.kind === 'pglite' ? config.dataDir : undefined }, 'database ready')

  const lifecycle: Lifecycle = { shuttingDown: false }
  const deps = { config, database, clock: systemClock, forms: formsClientFor(config), mailer: mailerFor(config, log) }
  const app = await buildApp(deps, { logger: log, lifecycle })
  const scheduler = startScheduler(deps, log)

  closeWithGrace({ delay: config.shutdownGraceMs, logger: log }, async ({ signal, err }) => {
    lifecycle.shuttingDown = true
    if (err) log.error({ err }, 'shutting down after an error')
    else log.info({ signal }, 'shutting down')
    try {
      await scheduler.stop()
      await app.close()
    } finally {
      await database.close()
    }
  })

  await app.listen({ port: config.port, host: config.host })
}

await main()
