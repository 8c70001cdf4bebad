import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { eq, inArray, sql } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { openTestDatabase, testDatabaseKind } from '../helpers/database.js'
import { filesHolding } from '../helpers/traces.js'
import { members, outbox, responses } from '../../src/db/schema.js'
import { tick } from '../../src/services/tick.js'

// Issue 13, "Done when": a two-year run, the tick driven daily at noon with the test clock, with
// retention on: emails' text goes mailMonths after it was queued, the data of volunteers not selected
// applicantsMonths after their call closed, members' data is kept while they serve and goes
// membersMonthsAfterTerm after their term ended — each on the day it is due, not the day before. On
// PGlite the database is on disk under DATA_DIR, and once everyone is erased no file there names them.
t.setTimeout(300_000)
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-test-retention-'))
t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
const built = await build(t, { DATA_DIR: dataDir }, { database: await openTestDatabase(t, { dataDir }) })
const { app, staff, clock, deps, db, config } = built

async function api(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) {
  const res = await app.inject({
    method,
    url,
    headers: staff,
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
  return { status: res.statusCode, body: res.body ? res.json() : null }
}

const day = (date: Date) => date.toISOString().slice(0, 10)

t.test('two years of daily ticks erase each kind of data on the day it is due', async (t) => {
  clock.set('2026-01-15T12:00:00Z')
  t.equal((await api('POST', '/institutions', { name: 'Alpha University', consortium: true })).status, 201)
  const patched = await api('PATCH', '/teams/coc', {
    mailingList: 'list@example.org',
    policy: {
      termMonths: 6,
      inauguralStagger: false,
      autoScheduleDays: 0,
      retention: { applicantsMonths: 12, membersMonthsAfterTerm: 12, mailMonths: 6 },
    },
  })
  t.equal(patched.status, 200, JSON.stringify(patched.body))
  t.same(patched.body.policy.retention, { applicantsMonths: 12, membersMonthsAfterTerm: 12, mailMonths: 6 })
  const call = await api('POST', '/teams/coc/calls', {
    opensAt: '2026-02-01T00:00:00Z',
    closesAt: '2026-03-01T00:00:00Z',
    termStart: '2026-03-01T00:00:00Z',
    seats: { consortium: 1, community: 1 },
  })
  t.equal(call.status, 201)
  const callId = call.body.id as string
  const people = [
    { name: 'Ann Member', email: 'ann@example.org', institution: 'Alpha University' },
    { name: 'Carl Member', email: 'carl@example.org', institution: 'Gamma Works' },
    { name: 'Zed Applicant', email: 'zed@example.org', institution: 'Delta Works' },
    { name: 'Bea Applicant', email: 'bea@example.org', institution: 'Alpha University' },
  ]
  const imported = await api('POST', `/calls/${callId}/responses`, {
    responses: people.map((p, i) => ({ submittedAt: `2026-02-03T10:1${i}:00Z`, ...p })),
  })
  t.equal(imported.status, 200, JSON.stringify(imported.body))
  const ids = new Map(
    ((await api('GET', `/calls/${callId}/responses`)).body.responses as Array<{ id: string; name: string }>).map(
      (r) => [r.name, r.id],
    ),
  )

  // When each record was first seen erased.
  const firstErased = new Map<string, string>()
  const note = (what: string, erased: boolean, today: string) => {
    if (erased && !firstErased.has(what)) firstErased.set(what, today)
    if (!erased && firstErased.has(what)) t.fail(`${what} came back on ${today}`)
  }
  let zedMail: { id: string; messageId: string } | null = null
  const mailFolder = path.join(config.dataDir, 'mail')
  const emlOf = (messageId: string) =>
    path.join(mailFolder, `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`)
  let memberIds: string[] = []

  for (let at = Date.parse('2026-01-16T12:00:00Z'); at <= Date.parse('2028-01-15T12:00:00Z'); at += 86_400_000) {
    clock.set(new Date(at))
    const now = clock()
    const today = day(now)
    await tick(deps, now)

    const rows = await db
      .select({ id: responses.id, name: responses.name, email: responses.email, erasedAt: responses.erasedAt })
      .from(responses)
      .where(inArray(responses.id, [...ids.values()]))
    for (const [name, id] of ids) {
      const row = rows.find((r) => r.id === id)!
      note(`response of ${name}`, row.erasedAt !== null, today)
      if (row.erasedAt !== null) t.same([row.name, row.email], ['', ''], `${name}'s response erased`)
    }
    if (memberIds.length === 0) {
      memberIds = (await db.select({ id: members.id }).from(members)).map((m) => m.id)
    }
    for (const member of await db.select().from(members)) {
      note(`member ${member.id}`, member.erasedAt !== null, today)
      // While serving (and until the period after the term has passed), the member is on record.
      if (member.erasedAt === null) t.not(member.name, '', 'kept')
    }
    if (zedMail === null) {
      const [row] = await db
        .select({ id: outbox.id, messageId: outbox.messageId, status: outbox.status })
        .from(outbox)
        .where(eq(outbox.toAddress, 'zed@example.org'))
      if (row && row.status === 'sent') {
        zedMail = row
        t.ok(fs.existsSync(emlOf(row.messageId)), 'her email was written as a .eml file')
      }
    } else {
      const [row] = await db.select().from(outbox).where(eq(outbox.id, zedMail.id))
      note('email to Zed', row!.erasedAt !== null, today)
      if (row!.erasedAt !== null) {
        t.same([row!.toAddress, row!.toName, row!.body], [null, null, '[erased]'])
        t.notOk(fs.existsSync(emlOf(zedMail.messageId)), 'and its .eml file deleted')
      }
    }
  }

  t.equal(memberIds.length, 2, 'the call made two members')
  // The call closed at the first tick after closesAt: 2026-03-01 at noon; terms ended 2026-09-01.
  t.equal(firstErased.get('email to Zed'), '2026-09-01', 'mailMonths (6) after it was queued')
  t.equal(firstErased.get('response of Zed Applicant'), '2027-03-01', 'applicantsMonths (12) after the close')
  t.equal(firstErased.get('response of Bea Applicant'), '2027-03-01')
  for (const id of memberIds)
    t.equal(firstErased.get(`member ${id}`), '2027-09-01', 'membersMonthsAfterTerm (12) after the term ended')
  t.equal(firstErased.get('response of Ann Member'), '2027-09-01', "a member's response goes with the member")
  t.equal(firstErased.get('response of Carl Member'), '2027-09-01')

  const selection = (await api('GET', `/calls/${callId}/selection`)).body
  t.same(
    selection.decisions.map((d: { position: number; outcome: string; name: string }) => [
      d.position,
      d.outcome,
      d.name,
    ]),
    [
      [1, 'selected', ''],
      [2, 'selected', ''],
      [3, 'alternate', ''],
      [4, 'excluded', ''],
    ],
    'the selection still reads: positions and outcomes, no names',
  )
  const left = await db.select({ id: outbox.id }).from(outbox).where(eq(outbox.body, '[erased]'))
  const all = await db.select({ id: outbox.id }).from(outbox)
  t.equal(left.length, all.length, 'every email text is gone after two years')
  t.same(
    fs.readdirSync(mailFolder).filter((f) => f.endsWith('.eml')),
    [],
    'and every .eml file',
  )
  if (testDatabaseKind === 'pglite') {
    // What PGlite still holds in memory reaches the files at a checkpoint (as at every stop).
    await db.execute(sql`checkpoint`)
    const needles = people.flatMap((p) => [p.name, p.email, p.email.toUpperCase()])
    t.same(filesHolding(config.dataDir, needles), [], 'no file under DATA_DIR (database pages, WAL) names anyone')
  }
})
