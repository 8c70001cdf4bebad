import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { sql } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { parseMessage, startFakeGoogle } from '../fakes/google.js'
import { findTeamBySlug } from '../../src/db/queries/teams.js'
import { deliverOutbox } from '../../src/services/outbox.js'
import { queueNotice } from '../../src/services/notices.js'
import { logMailer } from '../../src/integrations/mail-log.js'

// The outbox against the fake Gmail through the real googleapis client: every way a send can end.
const fake = await startFakeGoogle({ accessToken: 'tok' })
t.teardown(() => fake.close())
const LEASE = 60_000
const built = await build(t, {
  MAIL_TRANSPORT: 'gmail',
  MAIL_FROM: 'rota@iiif.example',
  GOOGLE_API_ROOT_URL: fake.url,
  GOOGLE_ACCESS_TOKEN: 'tok',
  MAIL_MAX_ATTEMPTS: '3',
  MAIL_RETRY_BASE_MS: '1000',
  MAIL_SENDING_LEASE_MS: String(LEASE),
  MAIL_SEND_TIMEOUT_MS: '5000',
})
const { app, staff, clock, deps, db } = built
let now = Date.parse('2027-01-01T00:00:00Z')
const advance = (ms: number) => {
  now += ms
  clock.set(new Date(now))
}
advance(0)

let serial = 0
/** Queues one email to `to`, as the tick would. */
async function queue(to = 'ann@example.org'): Promise<{ id: string; messageId: string }> {
  const team = (await findTeamBySlug(db, 'coc'))!
  const row = await queueNotice(
    db,
    deps.config.mail.from,
    {
      team,
      kind: 'term-ending',
      key: `test:${++serial}`,
      to,
      toName: 'Ann Example',
      values: { team: team.name, name: 'Ann Example', termEnd: '2027-03-01 00:00 UTC', seat: 'community' },
    },
    clock(),
  )
  return { id: row!.id, messageId: row!.messageId }
}

async function message(id: string) {
  const res = await app.inject({ method: 'GET', url: '/outbox?limit=5000', headers: staff })
  return (res.json().messages as Array<Record<string, unknown>>).find((m) => m.id === id)!
}

const atGmail = (messageId: string) => fake.gmail.sent.filter((m) => m.messageId === messageId).length

t.test('a plain send: sent once, with the Message-ID rota chose', async (t) => {
  const { id, messageId } = await queue()
  t.match(messageId, /^<rota\.[0-9a-f]{32}@iiif\.example>$/)
  t.match(await deliverOutbox(deps), { sent: 1 })
  t.match(await message(id), {
    status: 'sent',
    attempts: 1,
    lastError: null,
    to: 'ann@example.org',
    kind: 'term-ending',
  })
  t.equal(atGmail(messageId), 1)
  const sent = fake.gmail.findByMessageId(messageId)!
  t.equal(sent.to, 'Ann Example <ann@example.org>')
  t.match(sent.subject, /Your term ends 2027-03-01/)
  // Inside the API's base64url `raw`, the message itself reads as text: quoted-printable, not base64.
  t.match(sent.raw, /^Content-Transfer-Encoding: quoted-printable\r$/m)
  t.match(sent.raw, /\r\n\r\nDear Ann Example,\r\n/, 'the body is readable in Gmail\'s "Show original"')
  t.same(
    await deliverOutbox(deps),
    { sent: 0, uncertain: 0, retrying: 0, failed: 0, confirmed: 0, resent: 0, unknown: 0, skipped: 0 },
    'nothing is sent twice',
  )
})

t.test('an address that would add a header is refused at the writer: failed, nothing reaches Gmail', async (t) => {
  const { id, messageId } = await queue()
  // As if an entry point had let it through: the writer is the last line of defence.
  await db.execute(
    sql`update outbox set to_address = ${'victim@x.example\r\nBcc: attacker@evil.example'} where id = ${id}`,
  )
  const sends = fake.requests.filter((r) => r.operation === 'messages.send').length
  t.match(await deliverOutbox(deps), { failed: 1, sent: 0, retrying: 0 })
  const row = await message(id)
  t.match(row, { status: 'failed', attempts: 1, lastError: /To header/ })
  t.notMatch(String(row.lastError), /attacker/, 'the error names the header, not its value')
  t.equal(fake.requests.filter((r) => r.operation === 'messages.send').length, sends, 'no request to Gmail')
  t.equal(atGmail(messageId), 0)
  t.notOk(
    fake.gmail.sent.some((m) => m.recipients.includes('attacker@evil.example')),
    'no Bcc anywhere',
  )
  t.equal(
    (await app.inject({ method: 'POST', url: `/outbox/${id}/cancel`, headers: staff })).statusCode,
    200,
    'staff can cancel it',
  )
})

t.test("a 4xx fails with Google's reason; staff retry it and it goes", async (t) => {
  const { id, messageId } = await queue()
  fake.gmail.failNext('messages.send', [{ status: 400, message: 'Invalid To header' }])
  t.match(await deliverOutbox(deps), { failed: 1, sent: 0 })
  t.match(await message(id), { status: 'failed', lastError: /400.*Invalid To header/ })
  t.equal(atGmail(messageId), 0)
  const failed = await app.inject({ method: 'GET', url: '/outbox?status=failed', headers: staff })
  t.same(
    failed.json().messages.map((m: { id: string }) => m.id),
    [id],
    '?status= filters',
  )

  const retried = await app.inject({ method: 'POST', url: `/outbox/${id}/retry`, headers: staff })
  t.equal(retried.statusCode, 200)
  t.match(retried.json(), { status: 'pending', lastError: /retry requested by/ })
  t.match(await deliverOutbox(deps), { sent: 1 })
  t.equal(atGmail(messageId), 1)
  const again = await app.inject({ method: 'POST', url: `/outbox/${id}/retry`, headers: staff })
  t.equal(again.statusCode, 409, 'a sent email cannot be retried (it would go twice)')
  t.equal(again.json().error.code, 'message-sent')
})

t.test('429 and 5xx wait (Retry-After honoured) and are tried again; too many and it fails', async (t) => {
  const { id, messageId } = await queue()
  fake.gmail.failNext('messages.send', [{ status: 429, retryAfter: '120' }])
  t.match(await deliverOutbox(deps), { retrying: 1 })
  t.match(await message(id), { status: 'pending', attempts: 1, lastError: /429/ })
  advance(60_000)
  t.match(await deliverOutbox(deps), { sent: 0 }, 'not before Retry-After')
  advance(61_000)
  t.match(await deliverOutbox(deps), { sent: 1 })
  t.equal(atGmail(messageId), 1)

  const second = await queue()
  fake.gmail.failAlways('messages.send', 503)
  for (let i = 0; i < 3; i++) {
    await deliverOutbox(deps)
    advance(3_600_000)
  }
  fake.gmail.clearFailures()
  t.match(
    await message(second.id),
    { status: 'failed', attempts: 3, lastError: /503/ },
    'MAIL_MAX_ATTEMPTS sends, then failed',
  )
  t.equal(atGmail(second.messageId), 0)
})

t.test('an answer lost after Gmail stored the message: found by Message-ID, never sent again', async (t) => {
  const { id, messageId } = await queue()
  fake.gmail.failAfterSendingNext(1, 'reset')
  t.match(await deliverOutbox(deps), { uncertain: 1, sent: 0 })
  t.match(await message(id), { status: 'sending' })
  advance(LEASE / 2)
  t.match(await deliverOutbox(deps), { confirmed: 0, sent: 0 }, 'within the lease nobody touches it')
  advance(LEASE)
  const listsBefore = fake.requests.filter((r) => r.operation === 'messages.list').length
  t.match(await deliverOutbox(deps), { confirmed: 1, sent: 0, resent: 0 })
  const list = fake.requests.filter((r) => r.operation === 'messages.list').slice(listsBefore)
  t.equal(list.length, 1)
  t.match(list[0]!.query.q, /^rfc822msgid:rota\.[0-9a-f]{32}@iiif\.example$/)
  t.match(await message(id), { status: 'sent' })
  t.equal(atGmail(messageId), 1, 'one copy at Gmail')
})

t.test('a crash after claiming, before Gmail got it: sent once after the lease', async (t) => {
  const { id, messageId } = await queue()
  // What a SIGKILL between the claim's commit and the send leaves behind.
  await db.execute(
    sql`update outbox set status = 'sending', attempts = 1, claimed_at = ${new Date(now).toISOString()} where id = ${id}`,
  )
  t.match(await deliverOutbox(deps), { sent: 0, resent: 0 })
  advance(LEASE + 1000)
  t.match(await deliverOutbox(deps), { resent: 1, confirmed: 0 })
  t.match(await message(id), { status: 'sent', attempts: 2 })
  t.equal(atGmail(messageId), 1)
})

t.test('when Gmail cannot say, the email is unknown for staff; staff decide', async (t) => {
  const { id, messageId } = await queue()
  await db.execute(
    sql`update outbox set status = 'sending', attempts = 1, claimed_at = ${new Date(now).toISOString()} where id = ${id}`,
  )
  advance(LEASE + 1000)
  fake.gmail.failNext('messages.list', [{ status: 403, message: 'Request had insufficient authentication scopes.' }])
  t.match(await deliverOutbox(deps), { unknown: 1, sent: 0 })
  t.match(await message(id), { status: 'unknown', lastError: /cannot tell.*insufficient authentication scopes/ })
  t.equal(atGmail(messageId), 0, 'never a blind resend')

  const cancelled = await app.inject({ method: 'POST', url: `/outbox/${id}/cancel`, headers: staff })
  t.equal(cancelled.statusCode, 200)
  t.match(cancelled.json(), { status: 'skipped', lastError: /cancelled by/ })
  t.equal(
    (await app.inject({ method: 'POST', url: `/outbox/${id}/cancel`, headers: staff })).statusCode,
    409,
    'a skipped email cannot be cancelled again',
  )
  const retried = await app.inject({ method: 'POST', url: `/outbox/${id}/retry`, headers: staff })
  t.equal(retried.statusCode, 200, 'staff checked: it did not go; send it')
  t.match(await deliverOutbox(deps), { sent: 1 })
  t.equal(atGmail(messageId), 1)
})

t.test('a transient failure of the check is retried after another lease, then unknown', async (t) => {
  const { id } = await queue()
  await db.execute(
    sql`update outbox set status = 'sending', attempts = 1, claimed_at = ${new Date(now).toISOString()} where id = ${id}`,
  )
  fake.gmail.failAlways('messages.list', 500)
  for (let i = 0; i < 3; i++) {
    advance(LEASE + 1000)
    await deliverOutbox(deps)
  }
  fake.gmail.clearFailures()
  t.match(await message(id), { status: 'unknown', lastError: /500/ })
})

t.test('the outbox routes: staff only, coded 404s, no personal data without a token', async (t) => {
  t.equal((await app.inject({ method: 'GET', url: '/outbox' })).statusCode, 401)
  const { id } = await queue()
  t.equal((await app.inject({ method: 'POST', url: `/outbox/${id}/retry` })).statusCode, 401)
  const missing = await app.inject({
    method: 'POST',
    url: '/outbox/00000000-0000-4000-8000-000000000000/cancel',
    headers: staff,
  })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().error.code, 'message-not-found')
  t.equal(
    (await app.inject({ method: 'POST', url: '/outbox/not-a-uuid/retry', headers: staff })).statusCode,
    400,
    'an id that is not a UUID is a 400',
  )
  const pending = await app.inject({ method: 'POST', url: `/outbox/${id}/retry`, headers: staff })
  t.equal(pending.statusCode, 409, 'a pending email is already going')
  const cancel = await app.inject({ method: 'POST', url: `/outbox/${id}/cancel`, headers: staff })
  t.match(cancel.json(), { status: 'skipped' })
  t.match(await deliverOutbox(deps), { sent: 0 }, 'a cancelled email is not sent')
  t.equal(
    (await app.inject({ method: 'GET', url: '/outbox?status=lost', headers: staff })).statusCode,
    400,
    'an unknown status is refused',
  )
})

t.test('the log transport writes one .eml per message and finds it after a crash', async (t) => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-mail-'))
  t.teardown(() => fs.rmSync(folder, { recursive: true, force: true }))
  const lines: unknown[] = []
  const mailer = logMailer(folder, { info: (obj) => lines.push(obj) })
  const mail = {
    messageId: '<rota.abc@iiif.example>',
    from: 'rota@iiif.example',
    to: 'ann@example.org',
    toName: 'Zoë',
    subject: 'Ünïcode subject',
    body: 'Hello\nthere',
    date: new Date('2027-01-01T00:00:00Z'),
  }
  t.equal(await mailer.wasSent(mail.messageId), false)
  await mailer.send(mail)
  t.equal(await mailer.wasSent(mail.messageId), true)
  const files = fs.readdirSync(folder)
  t.same(files, ['rota.abc@iiif.example.eml'], 'no temporary file is left')
  const text = fs.readFileSync(path.join(folder, files[0]!), 'utf8')
  t.match(text, /^Message-ID: <rota\.abc@iiif\.example>\r$/m)
  t.match(text, /^Subject: =\?UTF-8\?[QB]\?/m, 'non-ASCII subject encoded')
  t.match(text, /^To: =\?UTF-8\?[QB]\?[^?]+\?= <ann@example\.org>\r$/m)
  t.match(text, /^Content-Transfer-Encoding: quoted-printable\r$/m)
  const parsed = parseMessage(text)
  t.same(
    [parsed.headers['subject'], parsed.headers['to'], parsed.text],
    ['Ünïcode subject', 'Zoë <ann@example.org>', 'Hello\r\nthere\r\n'],
    'readable back',
  )
  t.equal(lines.length, 1, 'and logged')
})

t.test('a claim too old to finish inside the lease is given back, not sent', async (t) => {
  const { id, messageId } = await queue()
  // A stalled process: by the time it would send, more than lease − timeout has passed since its claim.
  let stalled = now
  const slowClock = () => new Date((stalled += LEASE - 5000 + 1))
  t.match(await deliverOutbox({ ...deps, clock: slowClock }, { limit: 1 }), { sent: 0 })
  t.equal(atGmail(messageId), 0, 'not sent')
  t.match(await message(id), { status: 'pending', attempts: 0, lastError: /given back/ })
  t.match(await deliverOutbox(deps), { sent: 1 }, 'a prompt claim sends it')
  t.equal(atGmail(messageId), 1)
})

t.test('only the current claim may move a sending message on (fencing)', async (t) => {
  const { id, messageId } = await queue()
  const { claimPending, transition } = await import('../../src/db/queries/outbox.js')
  const first = (await db.transaction((tx) => claimPending(tx, clock())))!
  t.equal(first.id, id)
  advance(LEASE + 1000)
  t.match(await deliverOutbox(deps), { resent: 1 }, 'after the lease another instance checks, finds nothing, sends')
  const late = await transition(
    db,
    id,
    'sending',
    { status: 'pending', lastError: 'stale', updatedAt: clock() },
    first.claimId,
  )
  t.equal(late, null, "the first claim's holder can no longer change it")
  t.match(await message(id), { status: 'sent' })
  t.equal(atGmail(messageId), 1)
})
