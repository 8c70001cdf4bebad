import t from 'tap'
import { sql } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { startReceiver, type Received } from '../helpers/webhook-receiver.js'
import { deliverOutbox } from '../../src/services/outbox.js'
import { checkWebhookUrl, deliveryHeaders } from '../../src/services/webhooks.js'
import { claimPending, transition } from '../../src/db/queries/outbox.js'
import { postWebhook } from '../../src/integrations/webhook-http.js'

// Issue 16, Webhooks: registered by admins, delivered through the outbox to a local receiver, signed
// (checked with README's snippet), retried after a 500, failed on a 4xx, and — after a crash between
// the POST and its record — delivered again with the same X-Rota-Delivery, which the receiver dedupes.
const built = await build(t, {
  WEBHOOK_ALLOW_PRIVATE: 'on',
  WEBHOOK_RETRY_BASE_MS: '60000',
  MAIL_SENDING_LEASE_MS: '300000',
  PUBLIC_URL: 'https://rota.example.org/',
})
const { app, staff, clock, deps, db } = built

let secret = ''
let answers: number[] = []
const receiver = await startReceiver({
  secret: () => secret,
  now: () => clock(),
  respond: () => answers.shift() ?? 200,
})
t.teardown(() => receiver.close())

async function api(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, headers = staff) {
  const res = await app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
  return { status: res.statusCode, body: res.body ? res.json() : null }
}

const distinct = (deliveries: Received[]) => new Set(deliveries.map((d) => d.headers['x-rota-delivery'])).size

async function webhookRows() {
  const result = (await db.execute(
    sql`select id, kind, status, attempts, message_id, last_error, channel from outbox where channel = 'webhook' order by created_at, key`,
  )) as unknown as {
    rows: Array<{ id: string; kind: string; status: string; attempts: number; message_id: string; last_error: string }>
  }
  return result.rows
}

let hookId = ''

t.test('registering: URLs are checked, the secret is shown once', async (t) => {
  clock.set('2026-06-01T12:00:00Z')
  const refused = async (url: string, pattern: RegExp) => {
    const res = await api('POST', '/teams/coc/webhooks', { url, events: ['roster.changed'] })
    t.equal(res.status, 400, url)
    t.equal(res.body.error.code, 'invalid-webhook-url', url)
    t.match(res.body.error.message, pattern, url)
  }
  await refused('ftp://example.org/hook', /https/)
  await refused('http://example.org/hook', /https/)
  await refused('https://user:pass@example.org/hook', /credentials/)
  await refused('not a url', /not a URL/)
  const badEvent = await api('POST', '/teams/coc/webhooks', { url: 'https://example.org', events: ['roster.gone'] })
  t.equal(badEvent.status, 400)
  t.match(JSON.stringify(badEvent.body), /events/)
  t.equal((await api('POST', '/teams/coc/webhooks', { url: 'https://example.org', events: [] })).status, 400)
  t.equal(
    (await api('POST', '/teams/nope/webhooks', { url: 'https://example.org', events: ['call.opened'] })).status,
    404,
  )
  t.equal(
    (await api('POST', '/teams/coc/webhooks', { url: 'https://example.org', events: ['call.opened'] }, {} as never))
      .status,
    401,
    'staff only',
  )

  // Without WEBHOOK_ALLOW_PRIVATE (the default), this machine and private networks are refused.
  for (const url of [
    'http://127.0.0.1:8080/x',
    'https://127.0.0.1/x',
    'https://localhost/x',
    'https://10.1.2.3/x',
    'https://169.254.169.254/latest',
    'https://[::1]/x',
    'https://[::ffff:127.0.0.1]/x',
  ])
    t.throws(() => checkWebhookUrl(url, false), { code: 'invalid-webhook-url' }, url)
  t.equal(checkWebhookUrl('https://example.org/hook', false).href, 'https://example.org/hook')
  await t.rejects(
    postWebhook(new URL('https://localhost:1/x'), {}, '{}', { timeoutMs: 1000, allowPrivate: false }),
    /not a public address/,
    'and refused again at delivery time',
  )

  const created = await api('POST', '/teams/coc/webhooks', {
    url: receiver.url,
    events: ['roster.changed', 'call.opened', 'call.closed', 'term.boundary'],
  })
  t.equal(created.status, 201, JSON.stringify(created.body))
  t.match(created.body.secret, /^whsec_[\w-]{43}$/)
  secret = created.body.secret
  hookId = created.body.id
  const list = await api('GET', '/teams/coc/webhooks')
  t.equal(list.body.webhooks.length, 1)
  t.notOk('secret' in list.body.webhooks[0], 'never shown again')
  t.notOk(JSON.stringify(list.body).includes(secret))
})

t.test('an appointment is announced as roster.changed, signed, with the roster links', async (t) => {
  const appointed = await api('POST', '/teams/coc/members', {
    name: 'Ann Able',
    email: 'ann@example.org',
    seat: 'staff',
    termStart: '2026-01-01T00:00:00Z',
    reason: 'staff',
  })
  t.equal(appointed.status, 201)
  await deliverOutbox(deps)
  t.equal(receiver.received.length, 1)
  const [delivery] = receiver.received
  t.ok(delivery!.verified, "README's snippet verifies the signature")
  t.equal(delivery!.headers['x-rota-event'], 'roster.changed')
  t.equal(delivery!.headers['x-rota-timestamp'], String(Math.floor(clock().getTime() / 1000)))
  const body = JSON.parse(delivery!.body)
  t.same(body, {
    event: 'roster.changed',
    team: 'coc',
    occurred_at: '2026-06-01T12:00:00Z',
    roster: {
      json: 'https://rota.example.org/teams/coc/roster.json',
      yml: 'https://rota.example.org/teams/coc/roster.yml',
      md: 'https://rota.example.org/teams/coc/roster.md',
      html: 'https://rota.example.org/teams/coc/roster.html',
    },
  })
  t.notOk(delivery!.body.includes('ann'), 'no personal data')
  const tampered = {
    ...delivery!.headers,
    'x-rota-timestamp': String(Number(delivery!.headers['x-rota-timestamp']) + 1),
  }
  const verify = (await import('../helpers/webhook-receiver.js')).readmeVerifier
  const check = await verify()
  t.notOk(check(secret, tampered, delivery!.body, clock().getTime() / 1000), 'another timestamp fails')
  t.notOk(check(secret, delivery!.headers, delivery!.body + ' ', clock().getTime() / 1000), 'another body fails')
  t.notOk(check(secret, delivery!.headers, delivery!.body, clock().getTime() / 1000 + 3600), 'an old one fails')

  const outbox = await api('GET', '/outbox?status=sent')
  const row = outbox.body.messages.find((m: { channel: string }) => m.channel === 'webhook')
  t.match(row, { kind: 'roster.changed', channel: 'webhook', to: receiver.url, status: 'sent' })
  t.equal(row.messageId, delivery!.headers['x-rota-delivery'])
})

t.test('a 500 is retried with back-off, with the same delivery id', async (t) => {
  receiver.received.length = 0
  answers = [500]
  t.equal(
    (
      await api('POST', '/teams/coc/members', {
        name: 'Bea',
        email: 'bea@example.org',
        seat: 'staff',
        termStart: '2026-01-01T00:00:00Z',
        reason: 'staff',
      })
    ).status,
    201,
  )
  t.match(await deliverOutbox(deps), { retrying: 1 })
  let [row] = (await webhookRows()).filter((r) => r.status !== 'sent')
  t.match(row, { status: 'pending', attempts: 1, last_error: 'the receiver answered 500' })
  await deliverOutbox(deps)
  t.equal(receiver.received.length, 1, 'not again before its back-off')
  clock.set(new Date(clock().getTime() + 61_000))
  await deliverOutbox(deps)
  t.equal(receiver.received.length, 2)
  t.equal(distinct(receiver.received), 1, 'one delivery, twice')
  ;[row] = (await webhookRows()).filter((r) => r.id === row!.id)
  t.match(row, { status: 'sent', attempts: 2 })
})

t.test('a 4xx is failed at once, visible to staff, who may retry it', async (t) => {
  receiver.received.length = 0
  // A step-down now: who serves changes (roster.changed) and a term ends (term.boundary).
  answers = [410, 410]
  const list = await api('GET', '/teams/coc/members')
  const bea = list.body.members.find((m: { name: string }) => m.name === 'Bea')
  t.equal((await api('POST', `/members/${bea.id}/step-down`, { reason: 'leaves' })).status, 200)
  await deliverOutbox(deps)
  const failed = (await api('GET', '/outbox?status=failed')).body.messages.filter(
    (m: { channel: string }) => m.channel === 'webhook',
  )
  t.same(failed.map((m: { kind: string }) => m.kind).sort(), ['roster.changed', 'term.boundary'])
  t.ok(
    failed.every(
      (m: { lastError: string; attempts: number }) => m.lastError === 'the receiver answered 410' && m.attempts === 1,
    ),
    'not retried',
  )
  t.equal((await api('POST', `/outbox/${failed[0].id}/retry`)).status, 200)
  await deliverOutbox(deps)
  t.equal(receiver.received.length, 3)
  t.equal(distinct(receiver.received), 2)
  t.match(
    (await api('GET', `/outbox?status=sent`)).body.messages.find((m: { id: string }) => m.id === failed[0].id),
    { status: 'sent' },
  )
})

t.test('a crash after the POST, before its record: delivered again with the same id, deduped', async (t) => {
  receiver.received.length = 0
  t.equal(
    (
      await api('POST', '/teams/coc/members', {
        name: 'Cy',
        email: 'cy@example.org',
        seat: 'staff',
        termStart: '2026-01-01T00:00:00Z',
        reason: 'staff',
      })
    ).status,
    201,
  )
  // The instance that dies: it claims the delivery and POSTs it, then never records the answer.
  const claimed = (await db.transaction((tx) => claimPending(tx, clock(), 'webhook')))!
  t.equal(claimed.channel, 'webhook')
  const stamp = String(Math.floor(clock().getTime() / 1000))
  const status = await postWebhook(
    new URL(claimed.toAddress!),
    deliveryHeaders(claimed.kind, claimed.messageId, secret, claimed.body, stamp),
    claimed.body,
    { timeoutMs: 5000, allowPrivate: true },
  )
  t.equal(status, 200, 'the receiver got it')
  await deliverOutbox(deps)
  t.equal(receiver.received.length, 1, 'within the lease, nobody else touches it')
  clock.set(new Date(clock().getTime() + 301_000))
  await deliverOutbox(deps)
  t.equal(receiver.received.length, 2)
  t.equal(distinct(receiver.received), 1, 'with the same X-Rota-Delivery: the receiver keeps one')
  t.ok(receiver.received.every((d) => d.verified))
  // The dead instance's claim is fenced off: its late record changes nothing.
  t.equal(await transition(db, claimed.id, 'sending', { status: 'failed', updatedAt: clock() }, claimed.claimId), null)
  t.match(
    (await webhookRows()).find((r) => r.id === claimed.id),
    { status: 'sent' },
  )
})

t.test('github-dispatch format; deleting a webhook skips what it had not received', async (t) => {
  receiver.received.length = 0
  const dispatch = await api('POST', '/teams/coc/webhooks', {
    url: receiver.url,
    events: ['roster.changed'],
    format: 'github-dispatch',
  })
  t.equal(dispatch.status, 201)
  secret = dispatch.body.secret
  t.equal((await api('DELETE', `/teams/coc/webhooks/${hookId}`)).status, 200)
  t.equal((await api('DELETE', `/teams/coc/webhooks/${hookId}`)).status, 404, 'once')
  await api('POST', '/teams/coc/members', {
    name: 'Dee',
    email: 'dee@example.org',
    seat: 'staff',
    termStart: '2026-01-01T00:00:00Z',
    reason: 'staff',
  })
  await deliverOutbox(deps)
  t.equal(receiver.received.length, 1, 'only the remaining webhook')
  const body = JSON.parse(receiver.received[0]!.body)
  t.equal(body.event_type, 'rota.roster.changed')
  t.match(body.client_payload, { event: 'roster.changed', team: 'coc', roster: { yml: /roster\.yml$/ } })

  // A pending delivery to a webhook deleted before it went: skipped, with the reason.
  await api('POST', '/teams/coc/members', {
    name: 'Eli',
    email: 'eli@example.org',
    seat: 'staff',
    termStart: '2026-01-01T00:00:00Z',
    reason: 'staff',
  })
  t.equal((await api('DELETE', `/teams/coc/webhooks/${dispatch.body.id}`)).status, 200)
  await deliverOutbox(deps)
  t.equal(receiver.received.length, 1)
  const rows = await webhookRows()
  t.match(rows[rows.length - 1], { status: 'skipped', last_error: /webhook deleted by/ })
  t.equal((await api('GET', '/teams/coc/webhooks')).body.webhooks.length, 0)
})
