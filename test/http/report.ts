/**
 * The public selection report and the volunteers' status links, through the API: staff publish a
 * closed call's report; anyone reads it, finds their own line by their receipt and checks it with
 * `npm run verify`; a volunteer's link shows their own record only and lets them withdraw before
 * the close or step down once selected; tampered and expired links open nothing.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { and, eq } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { auditLog, members, outbox } from '../../src/db/schema.js'
import { verifyReport } from '../../src/domain/report.js'
import { deploymentKeys } from '../../src/services/keys.js'
import { statusLinkExpiry } from '../../src/services/status.js'
import { parseInstant } from '../../src/domain/time.js'

const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '../..')
const { app, staff, clock, db } = await build(t, { PUBLIC_URL: 'https://rota.example.org/' })

async function api(method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = staff) {
  const res = await app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as string }),
  })
  return { status: res.statusCode, headers: res.headers, text: res.body, json: () => res.json() }
}
const json = { accept: 'application/json' }

const VOLUNTEERS = [
  ['2026-02-02T09:00:00.000000001Z', 'Ada Lovelace', 'ada@example.org', 'University of Oxford'],
  ['2026-02-02T09:00:00.000000002Z', 'Ben Oxford', 'ben@example.org', 'Oxford University'],
  ['2026-02-03T10:00:00Z', 'Cat Getty', 'cat@example.org', 'Getty Research Institute'],
  ['2026-02-04T10:00:00Z', 'Dan Museum', 'dan@example.org', 'Small Town Museum'],
  ['2026-02-05T10:00:00Z', 'Eve Independent', 'eve@example.org', null],
  ['2026-02-06T10:00:00Z', 'Ada Lovelace', 'ADA@example.org', 'University of Oxford'],
  ['2026-02-07T10:00:00Z', 'Fay Withdraws', 'fay@example.org', 'Another Museum'],
  ['2026-02-08T10:00:00Z', 'Gus Museum', 'gus@example.org', 'Small Town Museum'],
] as const

let callId = ''
const ids = new Map<string, string>()

t.before(async () => {
  for (const [name, consortium, aliases] of [
    ['University of Oxford', true, ['Oxford University']],
    ['Getty Research Institute', false, []],
  ] as const)
    t.equal((await api('POST', '/institutions', { name, consortium, aliases })).status, 201)
  // Two community seats, so the fourth community volunteer is an alternate.
  t.equal(
    (await api('PATCH' as 'POST', '/teams/coc', { policy: { seats: { consortium: 4, community: 2 } } })).status,
    200,
  )
  const call = await api('POST', '/teams/coc/calls', { opensAt: '2026-02-01T00:00:00Z' })
  callId = call.json().id
  clock.set('2026-02-10T00:00:00Z')
  const res = await api('POST', `/calls/${callId}/responses`, {
    responses: VOLUNTEERS.map(([submittedAt, name, email, institution]) => ({ submittedAt, name, email, institution })),
  })
  t.equal(res.status, 200, res.text)
  const list = (await api('GET', `/calls/${callId}/responses`)).json().responses as Array<{
    id: string
    email: string
  }>
  for (const r of list) ids.set(r.email, r.id)
})

const tokenFor = async (email: string) =>
  (await deploymentKeys(db)).statusToken(ids.get(email)!, statusLinkExpiry(parseInstant('2026-03-01T00:00:00Z')))

t.test('before the close: no report, and a volunteer may withdraw (with a confirmation step)', async (t) => {
  const early = await api('GET', `/calls/${callId}/report`, undefined, {})
  t.equal(early.status, 404)
  t.equal(early.json().error.code, 'report-not-published')
  const publish = await api('POST', `/calls/${callId}/report/publish`)
  t.equal(publish.status, 409)
  t.equal(publish.json().error.code, 'call-not-closed')
  t.equal((await api('POST', `/calls/${callId}/report/publish`, undefined, {})).status, 401, 'staff only')

  const token = await tokenFor('fay@example.org')
  const before = await api('GET', `/status/${token}`, undefined, json)
  t.equal(before.status, 200)
  t.match(before.json(), { outcome: 'pending', position: 7, canWithdraw: true, canStepDown: false })
  const ask = await api('POST', `/status/${token}/withdraw`, undefined, {})
  t.equal(ask.status, 200)
  t.match(ask.headers['content-type'], /text\/html/)
  t.match(ask.text, /name="confirm" value="yes"/, 'the confirmation step is a form')
  t.notMatch(ask.text, /<script/i)
  t.match(ask.headers['content-security-policy'], /form-action 'self'/)
  const noConfirm = await api('POST', `/status/${token}/withdraw`, {}, json)
  t.equal(noConfirm.status, 400)
  t.equal(noConfirm.json().error.code, 'confirmation-required')
  t.equal((await api('GET', `/status/${token}`, undefined, json)).json().outcome, 'pending', 'nothing changed yet')
  const done = await app.inject({
    method: 'POST',
    url: `/status/${token}/withdraw`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'confirm=yes',
  })
  t.equal(done.statusCode, 200)
  t.match(done.body, /Withdrawn/)
  const removed = (await api('GET', `/calls/${callId}/responses?removed=true`)).json().responses as Array<{
    email: string
  }>
  t.match(
    removed.find((r) => r.email === 'fay@example.org'),
    {
      removed: { reason: 'withdrawn by the volunteer', by: `volunteer:${ids.get('fay@example.org')}` },
    },
  )
  const again = await api('POST', `/status/${token}/withdraw`, { confirm: true }, json)
  t.equal(again.status, 409)
})

let report: Record<string, unknown> & { responses: Array<Record<string, unknown>> } = { responses: [] }
const emails = new Map<string, string>()

t.test('the close mails each volunteer a receipt and a status link, naming no one else', async (t) => {
  clock.set('2026-03-02T00:00:00Z')
  t.equal((await api('POST', `/calls/${callId}/close`)).status, 200)
  const rows = await db.select().from(outbox).where(eq(outbox.callId, callId))
  // The outcome emails (the acknowledgements queued by the import are not the close's).
  for (const row of rows)
    if (row.toAddress && ['selected', 'alternate', 'not-selected'].includes(row.kind))
      emails.set(row.toAddress, row.body)
  const ada = emails.get('ada@example.org')!
  t.match(ada, /Your receipt: [A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}\./)
  t.match(ada, /https:\/\/rota\.example\.org\/status\/[0-9a-f-]{36}\.[0-9a-z]+\.[A-Za-z0-9_-]+ /)
  const ben = emails.get('ben@example.org')!
  t.match(ben, /Your receipt: /)
  t.notMatch(ben, /Ada|Lovelace/, 'Ben’s email does not name the volunteer who took Oxford’s seat')
  t.equal(emails.size, 6, 'one email per volunteer address (Ada answered twice, Fay withdrew)')
})

t.test('staff publish the report; anyone reads and verifies it, and finds their own line by receipt', async (t) => {
  t.equal((await api('GET', `/calls/${callId}/report`, undefined, {})).status, 404, 'not before it is published')
  const first = await api('POST', `/calls/${callId}/report/publish`)
  t.equal(first.status, 200, first.text)
  clock.set('2026-03-03T00:00:00Z')
  const second = await api('POST', `/calls/${callId}/report/publish`)
  t.equal(second.json().publishedAt, first.json().publishedAt, 'publishing again changes nothing')
  const res = await api('GET', `/calls/${callId}/report`, undefined, {})
  t.equal(res.status, 200)
  report = res.json()
  t.equal(report.status, 'published')
  for (const [, name, email] of VOLUNTEERS) {
    t.notOk(res.text.includes(email.toLowerCase()) || res.text.includes(email), `no email of ${name}`)
    t.notOk(res.text.includes(name), `no name: ${name}`)
  }
  t.notOk(res.text.includes('Small Town Museum'), 'an unknown institution is hashed')
  t.same(
    report.responses.map((l) => [l.position, l.outcome, l.reason, l.seat, l.category]),
    [
      [1, 'selected', null, 1, 'consortium'],
      [2, 'excluded', 'institution-already-selected', null, 'consortium'],
      [3, 'selected', null, 1, 'community'],
      [4, 'selected', null, 2, 'community'],
      [5, 'alternate', 'seats-full', null, 'community'],
      [6, 'excluded', 'duplicate-person', null, 'consortium'],
      [7, 'excluded', 'institution-already-selected', null, 'community'],
    ],
  )
  t.equal(report.responses[0]!.submittedAt, '2026-02-02T09:00:00.000000001Z', 'to the nanosecond')
  t.same(report.responses[0]!.institution, {
    id: (report.responses[0]!.institution as { id: string }).id,
    name: 'University of Oxford',
    consortium: true,
  })
  t.equal(
    (report.responses[3]!.institution as { hash: string }).hash,
    (report.responses[6]!.institution as { hash: string }).hash,
    'one unknown institution, one hash',
  )
  const verdict = verifyReport(report)
  t.ok(verdict.ok, verdict.ok ? verdict.summary : verdict.message)

  for (const [email, position] of [
    ['ada@example.org', 1],
    ['ben@example.org', 2],
    ['eve@example.org', 5],
  ] as const) {
    const receipt = /Your receipt: ([A-Z2-7-]+)\./.exec(emails.get(email)!)![1]!
    const hash = createHash('sha256').update(receipt).digest('hex')
    const mine = report.responses.filter((l) => l.receiptHash === hash)
    t.same(
      mine.map((l) => l.position),
      [position],
      `${email} finds exactly their own line`,
    )
  }
})

t.test('npm run verify checks the report file, without a database', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-report-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'report.json')
  fs.writeFileSync(file, JSON.stringify(report))
  const ok = await run(process.execPath, [path.join(ROOT, 'dist/cli/verify.js'), file], { env: {} })
  t.match(
    ok.stdout,
    /^ok: call [0-9a-f-]+: 7 responses; 3 selected \(1 consortium, 2 community\), 1 alternate, 3 excluded/,
  )
  const tampered = structuredClone(report)
  Object.assign(tampered.responses[4]!, { outcome: 'selected', reason: null, seat: 3 })
  fs.writeFileSync(file, JSON.stringify(tampered))
  const failed = await run(process.execPath, [path.join(ROOT, 'dist/cli/verify.js'), file], { env: {} }).then(
    () => null,
    (error: { code: number; stderr: string }) => error,
  )
  t.equal(failed?.code, 1, 'exits 1')
  t.match(failed?.stderr, /^FAILED: position 5: the report says selected seat 3, but the rules give alternate/)
})

const linkOf = (email: string) => /https:\/\/rota\.example\.org(\/status\/\S+)/.exec(emails.get(email)!)![1]!

t.test('a status link shows the volunteer’s own record, and nobody else’s', async (t) => {
  const page = await api('GET', linkOf('ada@example.org'), undefined, {})
  t.equal(page.status, 200)
  t.match(page.headers['content-type'], /text\/html/)
  t.notMatch(page.text, /<script/i)
  t.match(page.text, /Selected/)
  t.match(page.headers['cache-control'], /no-store/)
  const ada = (await api('GET', linkOf('ada@example.org'), undefined, json)).json()
  t.match(ada, { position: 1, category: 'consortium', outcome: 'selected', canStepDown: true, canWithdraw: false })
  t.equal(ada.receiptHash, report.responses[0]!.receiptHash)
  const ben = (await api('GET', linkOf('ben@example.org'), undefined, json)).json()
  t.match(ben, { position: 2, outcome: 'excluded' })
  t.match(ben.explanation, /Another volunteer from University of Oxford answered earlier/)
  t.notMatch(JSON.stringify(ben), /Ada|Lovelace|ada@/)
  const gus = (await api('GET', linkOf('gus@example.org'), undefined, json)).json()
  t.notMatch(JSON.stringify(gus), /Dan|dan@/)
})

t.test('tampered and expired links open nothing and say nothing', async (t) => {
  const link = linkOf('ada@example.org')
  const flipped = link.slice(0, -1) + (link.endsWith('A') ? 'B' : 'A')
  const other = link.replace(ids.get('ada@example.org')!, ids.get('ben@example.org')!)
  for (const bad of [flipped, other, '/status/nonsense', `${link}x`]) {
    const res = await api('GET', bad, undefined, json)
    t.equal(res.status, 404, bad)
    t.same(res.json(), { error: { code: 'status-link-not-found', message: 'There is no such status link' } })
  }
  t.equal((await api('POST', `${flipped}/step-down`, { confirm: true }, json)).status, 404)
  clock.set('2027-03-01T00:00:01Z')
  const expired = await api('GET', link, undefined, json)
  t.equal(expired.status, 410)
  t.equal(expired.json().error.code, 'status-link-expired')
  clock.set('2026-03-03T00:00:00Z')
})

t.test('a reopen marks the published report superseded; the next close is published anew', async (t) => {
  const reopened = await api('POST', `/calls/${callId}/reopen`, { reason: 'a response was missing' })
  t.equal(reopened.status, 200, reopened.text)
  const old = (await api('GET', `/calls/${callId}/report`, undefined, {})).json()
  t.equal(old.status, 'superseded')
  t.ok(old.supersededAt)
  t.equal((await api('POST', `/calls/${callId}/close`)).status, 200)
  t.equal((await api('GET', `/calls/${callId}/report`, undefined, {})).json().status, 'superseded', 'until published')
  const fresh = await api('POST', `/calls/${callId}/report/publish`)
  t.equal(fresh.json().status, 'published')
  t.ok(verifyReport(fresh.json()).ok)
  t.same(
    fresh.json().responses.map((l: { receiptHash: string }) => l.receiptHash),
    report.responses.map((l) => l.receiptHash),
    'receipts stay the same across closes',
  )
})

t.test('a selected volunteer steps down through their link', async (t) => {
  const link = linkOf('ada@example.org')
  const ask = await api('POST', `${link}/step-down`, undefined, {})
  t.match(ask.text, /Yes, step down/)
  const done = await api('POST', `${link}/step-down`, { confirm: true }, json)
  t.equal(done.status, 200, done.text)
  t.match(done.json(), { outcome: 'stepped-down', canStepDown: false })
  const [member] = (
    await db
      .select()
      .from(members)
      .where(eq(members.responseId, ids.get('ada@example.org')!))
  ).filter((m) => m.voidedAt === null)
  t.equal(member?.endReason, 'stepped down by the volunteer through their status link')
  const [row] = await db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'member.step-down'), eq(auditLog.entityId, member!.id)))
  t.match(row, { actor: `volunteer:${ids.get('ada@example.org')}` }, 'the step-down is audited as the volunteer')
  const views = await db.select().from(auditLog).where(eq(auditLog.action, 'status.view'))
  t.ok(views.length > 0 && views.every((v) => v.actor.startsWith('volunteer:')), 'each opening of a link is audited')
  const again = await api('POST', `${link}/step-down`, { confirm: true }, json)
  t.equal(again.status, 409)
})

t.test('guessing status links is rate limited', async (t) => {
  let limited: { status: number; json: () => { error: { code: string } } } | null = null
  for (let i = 0; i < 80 && !limited; i++) {
    const res = await api('GET', `/status/guess-${i}`, undefined, json)
    if (res.status === 429) limited = res
    else t.equal(res.status, 404)
  }
  t.ok(limited, 'a 429 after 60 a minute')
  t.match(limited?.json(), { error: { code: String } }, 'coded')
})
