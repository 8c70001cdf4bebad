/**
 * The acknowledgement (issue 16): when rota first stores a response to an open call, its volunteer
 * gets one email — what was received and when, their receipt and their private status link — so
 * that they can check it, or withdraw, before the close. Once per response; not in a dry run, not
 * for responses outside the window, not for a call imported after the fact; and not sent when the
 * response stopped counting before the email went out.
 */
import t from 'tap'
import { and, eq } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { staffApi } from '../helpers/api.js'
import { auditLog, outbox } from '../../src/db/schema.js'
import { tick } from '../../src/services/tick.js'

const built = await build(t, { PUBLIC_URL: 'https://rota.example.org/' })
const { app, clock, deps, db } = built
const api = staffApi(built)

const VOLUNTEERS = [
  {
    submittedAt: '2026-02-02T09:00:00.123456789Z',
    name: 'Ada Lovelace',
    email: 'ada@example.org',
    institution: 'Oxford',
  },
  { submittedAt: '2026-02-03T10:00:00Z', name: 'Ben Okafor', email: 'ben@example.org', institution: 'Beta Library' },
  // Ada again, from the same address: acknowledged too, and told that only her first response counts.
  { submittedAt: '2026-02-05T10:00:00Z', name: 'Ada Lovelace', email: 'ADA@example.org', institution: 'Oxford' },
  // Before the window opened: it does not count, and is not acknowledged.
  { submittedAt: '2026-01-20T10:00:00Z', name: 'Early Bird', email: 'early@example.org', institution: null },
  // No address: nothing can be sent; recorded as skipped.
  { submittedAt: '2026-02-06T10:00:00Z', name: 'No Address', email: '', institution: 'Gamma Works' },
]

interface Ack {
  id: string
  to: string | null
  status: string
  lastError: string | null
  body: string
  responseId: string | null
}

/** Every acknowledgement in the outbox, oldest first. */
async function acks(): Promise<Ack[]> {
  const rows = await db.select().from(outbox).where(eq(outbox.kind, 'acknowledged')).orderBy(outbox.createdAt)
  return rows.map((r) => ({
    id: r.id,
    to: r.toAddress,
    status: r.status,
    lastError: r.lastError,
    body: r.body,
    responseId: r.responseId,
  }))
}
const ackTo = async (email: string) => (await acks()).filter((a) => a.to === email)
const linkIn = (body: string) => /https:\/\/rota\.example\.org(\/status\/\S+)/.exec(body)![1]!
const json = { accept: 'application/json' }

let callId = ''
const ids = new Map<string, string>()

t.before(async () => {
  clock.set('2026-02-10T00:00:00Z')
  const call = await api('POST', '/teams/coc/calls', {
    opensAt: '2026-02-01T00:00:00Z',
    closesAt: '2026-03-01T00:00:00Z',
  })
  t.equal(call.status, 201, JSON.stringify(call.body))
  callId = call.body.id
})

t.test('the Emails page lists the new kind, with its default template', async (t) => {
  const res = await api('GET', '/teams/coc/templates')
  t.equal(res.status, 200)
  const ack = (res.body.templates as Array<{ kind: string; audience: string; body: string }>).find(
    (x) => x.kind === 'acknowledged',
  )
  t.match(ack, { audience: 'volunteer', body: /\{\{statusUrl\}\}/ })
})

t.test('a dry-run import queues nothing', async (t) => {
  const res = await api('POST', `/calls/${callId}/responses?dryRun=true`, { responses: VOLUNTEERS })
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.equal(res.body.inserted, 5)
  t.same(await acks(), [])
})

t.test('an import into an open call queues one acknowledgement per response that counts', async (t) => {
  const res = await api('POST', `/calls/${callId}/responses`, { responses: VOLUNTEERS })
  t.equal(res.status, 200, JSON.stringify(res.body))
  for (const r of (await api('GET', `/calls/${callId}/responses`)).body.responses as Array<{
    id: string
    submittedAt: string
    email: string
  }>)
    ids.set(`${r.email}@${r.submittedAt}`, r.id)

  const all = await acks()
  t.same(
    all.map((a) => a.to ?? '(no address)').sort(),
    ['(no address)', 'ADA@example.org', 'ada@example.org', 'ben@example.org'],
    'Ada twice (two responses), Ben, and the one without an address; nothing for the response before the window',
  )
  const noAddress = all.find((a) => a.to === null)!
  t.match(noAddress, { status: 'skipped', lastError: 'skipped: the volunteer gave no email address' })
  for (const a of all.filter((a) => a.to !== null)) t.equal(a.status, 'pending', `${a.to}: queued`)

  const [ada] = await ackTo('ada@example.org')
  t.equal(ada!.responseId, ids.get('ada@example.org@2026-02-02T09:00:00.123456789Z'), 'it is about her response')
  t.match(ada!.body, /^Dear Ada Lovelace,/)
  t.match(ada!.body, /Received at: 2026-02-02T09:00:00\.123456789Z\n/, 'the exact instant received')
  t.match(ada!.body, /Institution: Oxford\n/)
  t.match(ada!.body, /Your receipt: [A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}\./)
  t.match(ada!.body, /https:\/\/rota\.example\.org\/status\/[0-9a-f-]{36}\.[0-9a-z]+\.[A-Za-z0-9_-]+ /)
  t.match(ada!.body, /your place in line is known only then/, 'no position is promised before the close')
  t.notMatch(ada!.body, /number \d|position \d/i)
  t.match(ada!.body, /Your personal data: /, 'the privacy notice')
  t.notMatch(ada!.body, /Ben|Okafor|No Address|Early/, 'names no one else')
  t.notMatch(ada!.body, /already had a response/)

  const [again] = await ackTo('ADA@example.org')
  t.match(
    again!.body,
    /We already had a response from this email address, received at 2026-02-02T09:00:00\.123456789Z\. Only a person's first response counts/,
  )
  t.not(linkIn(again!.body), linkIn(ada!.body), 'each response has its own link')
})

t.test('importing the same responses again queues nothing more', async (t) => {
  const before = (await acks()).length
  const res = await api('POST', `/calls/${callId}/responses`, { responses: VOLUNTEERS })
  t.equal(res.status, 200)
  t.match(res.body, { inserted: 0, unchanged: 5 })
  t.equal((await acks()).length, before)
})

t.test('staff remove a response before the tick: its acknowledgement is not sent; the others are', async (t) => {
  const ben = ids.get('ben@example.org@2026-02-03T10:00:00Z')!
  const removed = await api('DELETE', `/calls/${callId}/responses/${ben}`, { reason: 'test entry' })
  t.equal(removed.status, 200, JSON.stringify(removed.body))
  clock.set('2026-02-10T00:05:00Z')
  const report = await tick(deps, clock())
  t.match(report.outbox, { sent: 2, skipped: 1 })
  t.match(await ackTo('ben@example.org'), [
    { status: 'skipped', lastError: 'skipped: staff removed the response before this email went out' },
  ])
  t.match(await ackTo('ada@example.org'), [{ status: 'sent' }])
  t.match(await ackTo('ADA@example.org'), [{ status: 'sent' }])
  const next = await tick(deps, clock())
  t.match(next.outbox, { sent: 0, skipped: 0 }, 'a second tick sends nothing again')
})

t.test(
  'the link opens the volunteer’s page before the close; withdrawing takes them out of the preview, audited',
  async (t) => {
    const [ada] = await ackTo('ada@example.org')
    const link = linkIn(ada!.body)
    const adaFirst = ada!.responseId!
    const adaSecond = ids.get('ADA@example.org@2026-02-05T10:00:00Z')!

    const page = await app.inject({ method: 'GET', url: link })
    t.equal(page.statusCode, 200)
    t.match(page.body, /Received at<\/dt><dd>2026-02-02T09:00:00\.123456789Z/)
    t.match(page.body, /Waiting for the call to close/)
    t.match(page.body, /Place so far in first-come order \(final when the call closes\)/)
    t.match(page.body, /Withdraw my response/)
    t.notMatch(page.body, /Ben|Okafor/)
    const view = (await app.inject({ method: 'GET', url: link, headers: json })).json()
    t.match(view, { outcome: 'pending', canWithdraw: true, canStepDown: false })

    const preview = async () =>
      (await api('GET', `/calls/${callId}/selection`)).body.decisions as Array<{
        responseId: string
        reason: string | null
      }>
    t.match(
      (await preview()).find((d) => d.responseId === adaSecond),
      { reason: 'duplicate-person' },
      'while her first response counts, the second does not',
    )
    const done = await app.inject({
      method: 'POST',
      url: `${link}/withdraw`,
      headers: json,
      payload: { confirm: true },
    })
    t.equal(done.statusCode, 200, done.body)
    t.match(done.json(), { outcome: 'withdrawn', canWithdraw: false })
    const decisions = await preview()
    t.notOk(
      decisions.some((d) => d.responseId === adaFirst),
      'the withdrawn response is out of the preview',
    )
    t.match(
      decisions.find((d) => d.responseId === adaSecond),
      { reason: null },
      'her second response counts now',
    )

    const audited = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.actor, `volunteer:${adaFirst}`))
    t.same(
      audited.map((a) => a.action).sort(),
      ['response.remove', 'status.view', 'status.view'],
      'each opening and the withdrawal are audited under the volunteer',
    )
  },
)

t.test('a response withdrawn before its acknowledgement goes out is not emailed', async (t) => {
  clock.set('2026-02-12T00:00:00Z')
  const res = await api('POST', `/calls/${callId}/responses`, {
    responses: [
      { submittedAt: '2026-02-11T08:00:00Z', name: 'Dan Quick', email: 'dan@example.org', institution: 'Delta' },
    ],
  })
  t.equal(res.status, 200)
  const [dan] = await ackTo('dan@example.org')
  t.equal(dan!.status, 'pending')
  const withdrawn = await app.inject({
    method: 'POST',
    url: `${linkIn(dan!.body)}/withdraw`,
    headers: json,
    payload: { confirm: true },
  })
  t.equal(withdrawn.statusCode, 200)
  await tick(deps, clock())
  t.match(await ackTo('dan@example.org'), [
    { status: 'skipped', lastError: 'skipped: the volunteer withdrew the response before this email went out' },
  ])
})

t.test('a response stored just before the close: the close comes first, and the result email tells them', async (t) => {
  clock.set('2026-02-28T23:59:00Z')
  const res = await api('POST', `/calls/${callId}/responses`, {
    responses: [
      { submittedAt: '2026-02-28T23:58:00Z', name: 'Eve Late', email: 'eve@example.org', institution: 'Epsilon' },
    ],
  })
  t.equal(res.status, 200)
  t.match(await ackTo('eve@example.org'), [{ status: 'pending' }])
  clock.set('2026-03-01T00:01:00Z')
  await tick(deps, clock())
  t.match(await ackTo('eve@example.org'), [
    {
      status: 'skipped',
      lastError:
        'skipped: the call closed before this email went out; the result email tells the volunteer, with the same link',
    },
  ])
  const results = await db
    .select()
    .from(outbox)
    .where(and(eq(outbox.toAddress, 'eve@example.org'), eq(outbox.kind, 'selected')))
  t.equal(results.length, 1, 'her result email')
})

t.test('after the fact: responses imported once the window is over are not acknowledged', async (t) => {
  clock.set('2026-03-10T00:00:00Z')
  const call = await api('POST', '/teams/coc/calls', {
    opensAt: '2025-06-01T00:00:00Z',
    closesAt: '2025-06-29T00:00:00Z',
    termStart: '2025-07-01T00:00:00Z',
  })
  t.equal(call.status, 201, JSON.stringify(call.body))
  const before = (await acks()).length
  const res = await api('POST', `/calls/${call.body.id}/responses`, {
    responses: [
      { submittedAt: '2025-06-02T10:00:00Z', name: 'Fay Past', email: 'fay@example.org', institution: 'Phi' },
      { submittedAt: '2025-06-03T10:00:00Z', name: 'Gus Past', email: 'gus@example.org', institution: 'Gamma' },
    ],
  })
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.equal(res.body.inserted, 2)
  t.equal(
    (await acks()).length,
    before,
    'no "we received your response" months later: the result email will carry the link',
  )
})
