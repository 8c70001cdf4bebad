import { parseArgs } from 'node:util'
import { loadConfig, ConfigError } from '../config.js'
import { openDatabase } from '../db/client.js'
import { DataDirLockedError } from '../db/lock.js'
import { AppError } from '../errors.js'
import { createStaffToken, listStaffTokens, revokeStaffToken } from '../services/tokens.js'

const USAGE = `usage:
  npm run token -- create --name <who>   print a new staff token (shown once; only its hash is stored)
  npm run token -- revoke <name>         revoke the live token called <name>
  npm run token -- list                  list token names, when made and whether revoked`

function fail(message: string): never {
  process.stderr.write(`rota token: ${message}\n`)
  process.exit(1)
}

/** `npm run token`: staff token management against the configured database. */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' } },
  })
  const [command, ...rest] = positionals
  if (command !== 'create' && command !== 'revoke' && command !== 'list') fail(`unknown command\n${USAGE}`)

  const config = loadConfig()
  const database = await openDatabase(config, console)
  try {
    await database.migrate()
    const db = database.db
    if (command === 'create') {
      const name = values.name ?? rest[0]
      if (!name) fail(`create needs --name <who>\n${USAGE}`)
      const token = await createStaffToken(db, name)
      process.stdout.write(`${token}\n`)
      process.stderr.write(`Token for "${name.trim()}" created. It is shown only this once: store it now.\n`)
    } else if (command === 'revoke') {
      const name = values.name ?? rest[0]
      if (!name) fail(`revoke needs a name\n${USAGE}`)
      if (!(await revokeStaffToken(db, name, new Date()))) fail(`there is no live token named "${name}"`)
      process.stdout.write(`revoked the token "${name}"\n`)
    } else {
      for (const row of await listStaffTokens(db)) {
        const state = row.revokedAt ? `revoked ${row.revokedAt.toISOString()}` : 'live'
        process.stdout.write(`${row.name}\t${row.createdAt.toISOString()}\t${state}\n`)
      }
    }
  } finally {
    await database.close()
  }
}

try {
  await main(process.argv.slice(2))
} catch (error) {
  if (error instanceof ConfigError || error instanceof DataDirLockedError || error instanceof AppError)
    fail(error.message)
  if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
    fail(`${error.message}\n${USAGE}`)
  throw error
}
