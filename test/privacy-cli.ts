import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { eq } from 'drizzle-orm'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/client.js'
import { calls, responses, teams } from '../src/db/schema.js'
import { parseInstant } from '../src/domain/time.js'
import { compiled } from './helpers/compiled.js'

// `npm run privacy`: export and erase one person from the command line, on the embedded database
// (rota stopped), as GET /people and POST /people/erase do.
const PRIVACY_CLI = compiled('cli/privacy.js')
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-privacy-cli-'))
t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' }
delete env.DATABASE_URL

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [PRIVACY_CLI, ...args], { env, encoding: 'utf8', timeout: 60_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

t.test('export, then erase, one volunteer', async (t) => {
  const config = loadConfig({ DATA_DIR: dataDir })
  const database = await openDatabase(config, console)
  await database.migrate()
  const [team] = await database.db.select().from(teams).where(eq(teams.slug, 'coc'))
  const [call] = await database.db
    .insert(calls)
    .values({
      teamId: team!.id,
      opensAt: parseInstant('2026-02-01T00:00:00Z'),
      closesAt: parseInstant('2026-03-01T00:00:00Z'),
      termStart: parseInstant('2026-03-01T00:00:00Z'),
    })
    .returning()
  await database.db.insert(responses).values({
    callId: call!.id,
    ingestSeq: 1,
    submittedAt: parseInstant('2026-02-02T00:00:00Z'),
    submittedAtTs: parseInstant('2026-02-02T00:00:00Z'),
    name: 'Cli Person',
    email: 'cli.person@example.org',
    institution: 'Somewhere',
    source: 'json',
  })
  await database.close()

  const usage = cli('erase', 'cli.person@example.org')
  t.equal(usage.status, 1, 'erase needs a reason')
  t.match(usage.stderr, /--reason/)
  t.equal(cli('frobnicate').status, 1)

  const exported = cli('export', 'CLI.Person@example.org')
  t.equal(exported.status, 0, exported.stderr)
  const records = JSON.parse(exported.stdout)
  t.match(records, { email: 'cli.person@example.org', responses: [{ name: 'Cli Person', institution: 'Somewhere' }] })

  const erased = cli('erase', 'cli.person@example.org', '--reason', 'asked by email')
  t.equal(erased.status, 0, erased.stderr)
  t.match(JSON.parse(erased.stdout), { responses: 1, people: 1, ref: /^person_/ })

  const gone = cli('export', 'cli.person@example.org')
  t.equal(gone.status, 1)
  t.match(gone.stderr, /person-not-found/)
})
