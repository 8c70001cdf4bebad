import { loadConfig, ConfigError } from '../config.js'
import { openDatabase } from '../db/client.js'
import { DataDirLockedError } from '../db/lock.js'

/** `npm run db:migrate`: applies pending migrations to the configured database, then exits. */
try {
  const config = loadConfig()
  const database = await openDatabase(config, console)
  try {
    await database.migrate()
    await database.checkReady()
    process.stdout.write(`migrations applied (${database.kind})\n`)
  } finally {
    await database.close()
  }
} catch (error) {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    process.stderr.write(`rota: ${error.message}\n`)
    process.exit(1)
  }
  throw error
}
