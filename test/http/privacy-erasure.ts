import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import t from 'tap'
import { sql } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { openTestDatabase, testDatabaseKind } from '../helpers/database.js'
import { filesHolding } from '../helpers/traces.js'
import { createLogger } from '../../src/logger.js'
import { deliverOutbox } from '../../src/services/outbox.js'

// Issue 13, "Done when": one volunteer erased after a full cycle (import, a staff removal naming her,
// close, emails sent as .eml files, a step-down that promotes her and one that ends her term) leaves
// neither her email nor her name anywhere — database, DATA_DIR, logs — while the call's decisions,
// positions and the team's history still read as before. On PGlite the database lives on disk under
// DATA_DIR, as in production, so "every file under DATA_DIR" includes its pages and WAL segments.

// A whole cycle and pg_dump: slower than most files on a busy machine.
t.setTimeout(300_000)
const chunks: string[] = []
const logger = createLogger(
  { level: 'debug' },
  new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk))
      done()
    },
  }),
)
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-test-erasure-'))
t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
const database = await openTestDatabase(t, { dataDir })
const built = await build(t, { MAIL_FROM: 'IIIF rota <rota@iiif.example>', DATA_DIR: dataDir }, { logger, database })
const { app, staff, clock, deps, db, config } = built

async function api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
  const res = await app.inject({
    method,
    url,
    headers: staff,
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
  return { status: res.statusCode, body: res.body ? res.json() : null }
}

const ZELDA = { name: 'Zelda Quillfeather', email: 'Zelda.Quillfeather@erasure-test.example' }
// Everything that would give her away: her address (any case), her names, her free-text institution.
const TRACES = /zelda|quillfeather/i
// The same, as bytes in any file (database pages and WAL segments are binary).
const NEEDLES = [
  ...new Set([
    ZELDA.name,
    ZELDA.email,
    ...[ZELDA.name, ZELDA.email].flatMap((s) => [s.toLowerCase(), s.toUpperCase()]),
  ]),
  'Zelda',
  'zelda',
  'Quillfeather',
  'quillfeather',
]

/** pg_dump on PATH, or where Debian's PostgreSQL 15 puts it; null when there is none. */
function findPgDump(): string | null {
  const candidates = [
    ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'pg_dump')),
    '/usr/lib/postgresql/15/bin/pg_dump',
  ]
  return candidates.find((file) => file !== 'pg_dump' && fs.existsSync(file)) ?? null
}
const pgDump = testDatabaseKind === 'postgres' ? findPgDump() : null

function filesUnder(folder: string): string[] {
  const found: string[] = []
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name)
    if (entry.isDirectory()) found.push(...filesUnder(full))
    else found.push(full)
  }
  return found
}

/** Every text and JSON value of every table, as one string per table/column (PGlite has no pg_dump). */
async function scanDatabase(): Promise<string> {
  if (pgDump !== null) {
    const [{ name }] = (
      (await db.execute(sql`select current_database() as name`)) as unknown as {
        rows: { name: string }[]
      }
    ).rows as [{ name: string }]
    const url = new URL(process.env.TEST_DATABASE_URL!)
    url.pathname = `/${name}`
    return execFileSync(pgDump, ['--data-only', url.toString()], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
  }
  const columns = (
    (await db.execute(sql`
    select table_schema, table_name, column_name from information_schema.columns
    where table_schema not in ('pg_catalog', 'information_schema')`)) as unknown as {
      rows: { table_schema: string; table_name: string; column_name: string }[]
    }
  ).rows
  const parts: string[] = []
  for (const c of columns) {
    const result = (await db.execute(
      sql.raw(`select "${c.column_name}"::text as v from "${c.table_schema}"."${c.table_name}"`),
    )) as unknown as { rows: { v: string | null }[] }
    for (const row of result.rows) if (row.v !== null) parts.push(`${c.table_name}.${c.column_name}: ${row.v}`)
  }
  return parts.join('\n')
}

let callId = ''
let zeldaResponse = ''
let carl = ''
let zeldaMember = ''
let rosterBefore: unknown = null
let before: { inputDigest: string; decisions: Array<Record<string, unknown>> } = { inputDigest: '', decisions: [] }

t.test('a full cycle names her everywhere', async (t) => {
  t.equal((await api('POST', '/institutions', { name: 'Alpha University', consortium: true })).status, 201)
  t.equal(
    (await api('PATCH', '/teams/coc', { mailingList: 'list@example.org', staffEmail: 'staff@example.org' })).status,
    200,
  )
  clock.set('2026-02-01T00:00:00Z')
  const call = await api('POST', '/teams/coc/calls', {
    opensAt: '2026-02-01T00:00:00Z',
    closesAt: '2026-03-01T00:00:00Z',
    termStart: '2026-03-01T00:00:00Z',
    seats: { consortium: 1, community: 1 },
  })
  t.equal(call.status, 201)
  callId = call.body.id
  const people = [
    { name: 'Ann Early', email: 'ann@example.org', institution: 'Alpha University' },
    { name: 'Carl Second', email: 'carl@example.org', institution: 'Gamma Works' },
    { name: ZELDA.name, email: ZELDA.email, institution: 'Quillfeather Atelier' },
    { name: `${ZELDA.name} (again)`, email: ZELDA.email.toLowerCase(), institution: 'Quillfeather Atelier' },
    { name: 'Dora Fourth', email: 'dora@example.org', institution: 'Alpha University' },
  ]
  const imported = await api('POST', `/calls/${callId}/responses`, {
    responses: people.map((p, i) => ({ submittedAt: `2026-02-03T10:1${i}:00Z`, ...p })),
  })
  t.equal(imported.status, 200, JSON.stringify(imported.body))
  const listed = (await api('GET', `/calls/${callId}/responses`)).body.responses as Array<{
    id: string
    name: string
  }>
  const again = listed.find((r) => r.name.endsWith('(again)'))!
  zeldaResponse = listed.find((r) => r.name === ZELDA.name)!.id
  // A staff action naming her, in its free-text reason.
  const removed = await api('DELETE', `/calls/${callId}/responses/${again.id}`, {
    reason: `Sent twice by ${ZELDA.name} <${ZELDA.email}>`,
  })
  t.equal(removed.status, 200, JSON.stringify(removed.body))

  // Staff word the privacy notice their own way; the outcome emails carry it, filled from the policy.
  const notice = await app.inject({
    method: 'PUT',
    url: '/teams/coc/templates/privacy-notice',
    headers: staff,
    payload: {
      subject: 'Privacy',
      body: 'Privacy: the {{team}} erases applicants {{applicantsRetention}} and emails {{mailRetention}}.',
    },
  })
  t.equal(notice.statusCode, 200, notice.body)

  clock.set('2026-03-01T00:00:01Z')
  const closed = await api('POST', `/calls/${callId}/close`, {})
  t.equal(closed.status, 200, JSON.stringify(closed.body))
  const zelda = (closed.body.decisions as Array<{ responseId: string; outcome: string }>).find(
    (d) => d.responseId === zeldaResponse,
  )!
  t.equal(zelda.outcome, 'alternate', 'she is an alternate')
  await deliverOutbox(deps)

  // Carl steps down; she takes his seat, and the step-down's reason names her.
  const roster = (await api('GET', '/teams/coc/members')).body.members as Array<{ id: string; name: string }>
  carl = roster.find((m) => m.name === 'Carl Second')!.id
  clock.set('2026-06-01T00:00:00Z')
  const stepped = await api('POST', `/members/${carl}/step-down`, {
    reason: `Moving on; ${ZELDA.name} is next`,
    replacement: 'next-alternate',
  })
  t.equal(stepped.status, 200, JSON.stringify(stepped.body))
  zeldaMember = stepped.body.replacement.id
  await deliverOutbox(deps)
  const eml = filesUnder(path.join(config.dataDir, 'mail')).filter((f) => f.endsWith('.eml'))
  t.ok(
    eml.some((f) => TRACES.test(fs.readFileSync(f, 'utf8'))),
    'her emails were written as .eml files under DATA_DIR',
  )
  t.match(await scanDatabase(), TRACES, 'the database names her')
  t.ok(
    filesHolding(config.dataDir, NEEDLES).some((hit) => hit.file.startsWith(`pgdata${path.sep}`)) ||
      testDatabaseKind === 'postgres',
    "the database's files name her (PGlite, on disk)",
  )
  const selection = (await api('GET', `/calls/${callId}/selection`)).body
  before = { inputDigest: selection.inputDigest, decisions: selection.decisions }
})

t.test('bad requests are refused with coded errors', async (t) => {
  const serving = await api('POST', '/people/erase', { email: ZELDA.email, reason: 'GDPR art. 17 request' })
  t.equal(serving.status, 409, 'a member serving now must step down first')
  t.equal(serving.body.error.code, 'person-still-serving')
  t.same(
    serving.body.error.details.members.map((m: { id: string }) => m.id),
    [zeldaMember],
  )

  const bad = await api('POST', '/people/erase', { email: 'not an address', reason: 'x' })
  t.equal(bad.status, 400)
  t.equal(bad.body.error.code, 'invalid-email')
  t.match(bad.body.error.details.problems, [{ field: 'body.email' }])
  const noReason = await api('POST', '/people/erase', { email: ZELDA.email })
  t.equal(noReason.status, 400, 'a reason is required')
  t.match(JSON.stringify(noReason.body.error), /reason/)
  const blank = await api('POST', '/people/erase', { email: ZELDA.email, reason: '   ' })
  t.equal(blank.status, 400)
  t.match(blank.body.error.details.problems, [{ field: 'body.reason' }])
  const unknown = await api('POST', '/people/erase', { email: 'nobody@example.org', reason: 'request' })
  t.equal(unknown.status, 404)
  t.equal(unknown.body.error.code, 'person-not-found')
  const badQuery = await api('GET', '/people?email=nope')
  t.equal(badQuery.status, 400)
  t.equal(badQuery.body.error.code, 'invalid-email')
  const anonymous = await app.inject({ method: 'GET', url: `/people?email=${encodeURIComponent(ZELDA.email)}` })
  t.equal(anonymous.statusCode, 401, 'staff only')
  const anonymousErase = await app.inject({
    method: 'POST',
    url: '/people/erase',
    payload: { email: ZELDA.email, reason: 'x' },
  })
  t.equal(anonymousErase.statusCode, 401)
})

t.test('her records on request, then her erasure', async (t) => {
  clock.set('2026-07-01T00:00:00Z')
  const down = await api('POST', `/members/${zeldaMember}/step-down`, { reason: `${ZELDA.name} asked to leave` })
  t.equal(down.status, 200, JSON.stringify(down.body))
  await deliverOutbox(deps)
  rosterBefore = (await api('GET', '/teams/coc/roster')).body

  const records = await api('GET', `/people?email=${encodeURIComponent(ZELDA.email.toUpperCase())}`)
  t.equal(records.status, 200, JSON.stringify(records.body))
  t.match(records.body.ref, /^person_[a-z0-9]{12}$/, 'the audit rows name her by an opaque reference')
  t.same(
    (records.body.audit as Array<{ action: string }>).map((a) => a.action),
    ['member.step-down', 'member.step-down', 'response.remove'],
    'the audit rows about her: the removal naming her, her promotion into a freed seat, her step-down',
  )
  t.notOk(
    JSON.stringify(records.body.audit).includes('Quillfeather'),
    'the audit rows name her only by reference, even where staff wrote her name in a reason',
  )
  t.equal(records.body.responses.length, 2, 'both responses, the removed one too')
  t.equal(records.body.decisions.length, 1, 'the decision on the response that counted')
  t.equal(records.body.memberships.length, 1)
  const kinds = (records.body.emails as Array<{ kind: string }>).map((e) => e.kind).sort()
  const alternate = (records.body.emails as Array<{ kind: string; body: string }>).find((e) => e.kind === 'alternate')!
  t.match(
    alternate.body,
    /\n\nPrivacy: the IIIF Code of Conduct Team erases applicants 12 months after the call closes and emails 6 months after it is sent\.$/,
    "her email ended with the team's privacy notice",
  )
  t.same(
    kinds,
    // One acknowledgement per response: both came while the call was open.
    ['acknowledged', 'acknowledged', 'alternate', 'member-joined', 'replacement-selected', 'stepped-down'],
    'every email to her or about her membership (the list welcomed her by name), with its text',
  )

  const erased = await api('POST', '/people/erase', { email: ZELDA.email, reason: 'GDPR art. 17 request' })
  t.equal(erased.status, 200, JSON.stringify(erased.body))
  t.match(erased.body, {
    ref: /^person_[a-z0-9]{12}$/,
    responses: 2,
    decisions: 1,
    members: 1,
    emails: 6,
    emlFiles: 4,
    people: 1,
  })
  const refs = (
    (await db.execute(sql`select email_key, erased_at from person_refs where ref = ${erased.body.ref}`)) as unknown as {
      rows: { email_key: string | null; erased_at: unknown }[]
    }
  ).rows
  t.match(refs, [{ email_key: null, erased_at: /./ }], 'her reference stays for the audit log, leading to no one')

  t.equal(erased.body.purged, true, 'and purged from the database files')
  if (testDatabaseKind === 'postgres' && pgDump === null)
    t.comment('no pg_dump on PATH nor in /usr/lib/postgresql/15/bin: the database is scanned table by table instead')
  t.notMatch(
    await scanDatabase(),
    TRACES,
    `no trace of her in the database (${testDatabaseKind}, ${pgDump === null ? 'every table scanned' : 'pg_dump'})`,
  )
  // Every file, read as bytes: the .eml files, and on PGlite its tables, indexes and WAL segments.
  const files = filesUnder(config.dataDir)
  if (testDatabaseKind === 'pglite')
    t.ok(
      files.some((f) => f.includes(`${path.sep}pg_wal${path.sep}`)),
      'the database is on disk',
    )
  t.same(filesHolding(config.dataDir, NEEDLES), [], `nor in any of the ${files.length} files under DATA_DIR`)
  t.ok(chunks.length > 0, 'the log was captured')
  t.notMatch(chunks.join(''), TRACES, 'nor in the logs')

  const again = await api('POST', '/people/erase', { email: ZELDA.email, reason: 'GDPR art. 17 request' })
  t.equal(again.status, 404, 'asked again: rota no longer knows the address, and nothing changes')
  t.equal((await api('GET', `/people?email=${encodeURIComponent(ZELDA.email)}`)).status, 404)
})

t.test('the history still reads true', async (t) => {
  const selection = (await api('GET', `/calls/${callId}/selection`)).body
  t.equal(selection.inputDigest, before.inputDigest, 'the inputDigest stays as recorded')
  t.equal(selection.decisions.length, before.decisions.length)
  selection.decisions.forEach((d: Record<string, unknown>, i: number) => {
    const was = before.decisions[i]!
    t.same(
      [d.position, d.outcome, d.seat, d.reason, d.termEnd, d.responseId],
      [was.position, was.outcome, was.seat, was.reason, was.termEnd, was.responseId],
      `decision ${i + 1} keeps its position, outcome, seat, reason and term`,
    )
    if (d.responseId === zeldaResponse) {
      t.equal(d.name, '', 'her name is gone')
      t.match(d.institution, /^hash:[0-9a-f]{16}$/, 'her free-text institution is a salted hash')
      t.match(d.explanation, /^\[erased\] responded at /, 'the explanation stays, without her name')
    } else t.same(d, was, 'other decisions are untouched')
  })
  // During her time on the team, the roster still shows the seat she held and its term.
  const past = (await api('GET', '/teams/coc/roster?at=2026-06-15T00:00:00Z')).body
  const names = (past.members as Array<{ name: string; seat: string }>).map((m) => m.name).sort()
  t.same(names, ['', 'Ann Early'], 'her seat is still filled in the history, by no name')
  t.same((await api('GET', '/teams/coc/roster')).body, rosterBefore, "today's roster is as it was before the erasure")
  const salt = (
    (await db.execute(sql`select secret from deployment_secrets where name = 'erasure-salt'`)) as unknown as {
      rows: unknown[]
    }
  ).rows
  t.equal(salt.length, 1, 'one salt per deployment, in the database')
  const routes = (await app.inject({ method: 'GET', url: '/docs/json' })).body
  t.notMatch(routes, /erasure-salt"?:\s*"[0-9a-f]{64}/, 'the salt is never published')

  if (testDatabaseKind === 'pglite') {
    // What PGlite still holds in memory reaches the files at a checkpoint (as at every stop): still nothing.
    await db.execute(sql`checkpoint`)
    t.same(filesHolding(config.dataDir, NEEDLES), [], 'nor in any file under DATA_DIR after a checkpoint')
  }
})
