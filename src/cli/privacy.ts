import { parseArgs } from 'node:util'
import { loadConfig, ConfigError } from '../config.js'
import { openDatabase } from '../db/client.js'
import { DataDirLockedError } from '../db/lock.js'
import { mailerFor } from '../deps.js'
import { AppError } from '../errors.js'
import { erasePerson, exportPerson } from '../services/privacy.js'

const USAGE = `usage:
  npm run privacy -- export <email>                   print every record rota holds about <email> (JSON)
  npm run privacy -- erase <email> --reason <why>     erase <email> everywhere now, leaving tombstones
On the embedded database, stop rota first (it holds DATA_DIR's lock).`

function fail(message: string): never {
  process.stderr.write(`rota privacy: ${message}\n`)
  process.exit(1)
}

/** `npm run privacy`: one person's data on request (GDPR art. 15 and 17), as the /people routes do. */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { reason: { type: 'string' } },
  })
  const [command, email, ...extra] = positionals
  if (command !== 'export' && command !== 'erase') fail(`unknown command\n${USAGE}`)
  if (!email || extra.length > 0) fail(`${command} needs one email address\n${USAGE}`)
  if (command === 'erase' && !values.reason?.trim()) fail(`erase needs --reason <why>\n${USAGE}`)

  const config = loadConfig()
  const database = await openDatabase(config, console)
  try {
    await database.migrate()
    const db = database.db
    if (command === 'export') {
      process.stdout.write(`${JSON.stringify(await exportPerson(db, email), null, 2)}\n`)
    } else {
      // The .eml files of MAIL_TRANSPORT=log are deleted with their rows; the log line stays silent.
      const mailer = mailerFor(config, { info() {} })
      const counts = await erasePerson(database, mailer, { email, reason: values.reason!, staff: 'cli' }, new Date())
      process.stdout.write(`${JSON.stringify(counts, null, 2)}\n`)
    }
  } finally {
    await database.close()
  }
}

try {
  await main(process.argv.slice(2))
} catch (error) {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) fail(error.message)
  if (error instanceof AppError) {
    const details = error.details === undefined ? '' : ` ${JSON.stringify(error.details)}`
    fail(`${error.code}: ${error.message}${details}`)
  }
  if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
    fail(`${error.message}\n${USAGE}`)
  throw error
}
