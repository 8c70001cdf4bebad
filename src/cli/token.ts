import { parseArgs } from 'node:util'
import { loadConfig, ConfigError } from '../config.js'
import { openDatabase } from '../db/client.js'
import { DataDirLockedError } from '../db/lock.js'
import { STAFF_ROLES, type StaffRole } from '../domain/roles.js'
import { AppError } from '../errors.js'
import { CLI_ACTOR } from '../services/audit.js'
import { createStaffToken, listStaffTokens, revokeStaffToken } from '../services/tokens.js'

const USAGE = `usage:
  npm run token -- create --name <who> --role <viewer|staff|admin> [--expires <days>d]
                                         print a new staff token (shown once; only its hash is stored)
  npm run token -- revoke <name>         revoke the live token called <name>
  npm run token -- list                  list tokens: name, role, made, expiry, last use, revoked`

function fail(message: string): never {
  process.stderr.write(`rota token: ${message}\n`)
  process.exit(1)
}

/** `90d` or `90` → 90 (days). */
function expiryDays(text: string): number {
  const match = /^([1-9][0-9]{0,3})d?$/.exec(text.trim())
  if (!match) fail(`--expires takes a number of days such as 90d, not "${text}"`)
  return Number(match[1])
}

/** `npm run token`: staff token management against the configured database, audited as `cli`. */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, role: { type: 'string' }, expires: { type: 'string' } },
  })
  const [command, ...rest] = positionals
  if (command !== 'create' && command !== 'revoke' && command !== 'list') fail(`unknown command\n${USAGE}`)
  let role: StaffRole | undefined
  let days: number | undefined
  if (command === 'create') {
    if (values.role === undefined) fail(`create needs --role (${STAFF_ROLES.join(', ')})\n${USAGE}`)
    if (!STAFF_ROLES.includes(values.role as StaffRole))
      fail(`--role must be one of ${STAFF_ROLES.join(', ')}, not "${values.role}"`)
    role = values.role as StaffRole
    if (values.expires !== undefined) days = expiryDays(values.expires)
  }

  const config = loadConfig()
  const database = await openDatabase(config, console)
  try {
    await database.migrate()
    const db = database.db
    if (command === 'create') {
      const name = values.name ?? rest[0]
      if (!name) fail(`create needs --name <who>\n${USAGE}`)
      const { token, view } = await createStaffToken(
        db,
        { name, role: role!, ...(days !== undefined ? { expiresInDays: days } : {}) },
        CLI_ACTOR,
        new Date(),
      )
      process.stdout.write(`${token}\n`)
      const expiry = view.expiresAt ? `, expires ${view.expiresAt}` : ', never expires'
      process.stderr.write(
        `Token for "${view.name}" (${view.role}${expiry}) created. It is shown only this once: store it now.\n`,
      )
    } else if (command === 'revoke') {
      const name = values.name ?? rest[0]
      if (!name) fail(`revoke needs a name\n${USAGE}`)
      if (!(await revokeStaffToken(db, name, CLI_ACTOR, new Date()))) fail(`there is no live token named "${name}"`)
      process.stdout.write(`revoked the token "${name}"\n`)
    } else {
      process.stdout.write('name\trole\tcreated\texpires\tlast used\tstate\n')
      for (const row of await listStaffTokens(db)) {
        const state = row.revokedAt ? `revoked ${row.revokedAt}` : 'live'
        process.stdout.write(
          `${row.name}\t${row.role}\t${row.createdAt}\t${row.expiresAt ?? 'never'}\t${row.lastUsedAt ?? 'never'}\t${state}\n`,
        )
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
