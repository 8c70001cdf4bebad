import t from 'tap'
import { build } from '../helpers/build.js'
import { startFakeGoogle, type AfterSendOutcome } from '../fakes/google.js'
import { findTeamBySlug } from '../../src/db/queries/teams.js'
import { deliverOutbox, type DeliveryReport } from '../../src/services/outbox.js'
import { queueNotice } from '../../src/services/notices.js'

// Gmail can store a message and still answer 5xx, or drop the connection after it has the request.
// Whatever the answer, each message reaches Gmail exactly once: a send whose answer does not prove
// a rejection is followed by a Message-ID search, never by a blind resend.
const fake = await startFakeGoogle({ accessToken: 'tok' })
t.teardown(() => fake.close())
const RETRY_BASE = 500
const LEASE = 2000
const MAX_ATTEMPTS = 4
const { app, staff, clock, deps, db } = await build(t, {
  MAIL_TRANSPORT: 'gmail',
  MAIL_FROM: 'Rota <rota@iiif.example>',
  GOOGLE_API_ROOT_URL: fake.url,
  GOOGLE_ACCESS_TOKEN: 'tok',
  MAIL_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
  MAIL_RETRY_BASE_MS: String(RETRY_BASE),
  MAIL_SENDING_LEASE_MS: String(LEASE),
  MAIL_SEND_TIMEOUT_MS: '1000',
})
let now = Date.parse('2027-01-01T00:00:00Z')
const advance = (ms: number) => {
  now += ms
  clock.set(new Date(now))
}
advance(0)

let serial = 0
async function queue(): Promise<{ id: string; messageId: string }> {
  const team = (await findTeamBySlug(db, 'coc'))!
  const n = ++serial
  const row = await queueNotice(
    db,
    deps.config.mail.from,
    {
      team,
      kind: 'term-ending',
      key: `unclear:${n}`,
      to: `member${n}@example.org`,
      toName: `Member ${n}`,
      values: { team: team.name, name: `Member ${n}`, termEnd: '2027-03-01 00:00 UTC', seat: 'community' },
    },
    clock(),
  )
  return { id: row!.id, messageId: row!.messageId }
}

async function message(id: string) {
  const res = await app.inject({ method: 'GET', url: '/outbox?limit=5000', headers: staff })
  return (res.json().messages as Array<Record<string, unknown>>).find((m) => m.id === id)!
}

const copies = (messageId: string) => fake.gmail.sent.filter((m) => m.messageId === messageId).length

/** Delivery passes, the clock moving one retry base (and, for sends with no answer, past the lease) between them. */
async function deliverUntilQuiet(rounds = 12): Promise<DeliveryReport[]> {
  const reports: DeliveryReport[] = []
  for (let i = 0; i < rounds; i++) {
    reports.push(await deliverOutbox(deps))
    advance(i % 3 === 2 ? LEASE + 1 : RETRY_BASE)
  }
  return reports
}

const outcomes: Array<[string, AfterSendOutcome]> = [
  ['500 after delivery', 500],
  ['503 after delivery', 503],
  ['502 (an HTML page) after delivery', 502],
  ['429 after delivery', 429],
  ['a dropped connection after delivery', 'reset'],
]
for (const [what, outcome] of outcomes) {
  t.test(`${what}: sent exactly once, never again`, async (t) => {
    const messages = [await queue(), await queue(), await queue()]
    fake.gmail.failAfterSendingNext(1, outcome)
    const reports = await deliverUntilQuiet()
    for (const { id, messageId } of messages) {
      t.equal(copies(messageId), 1, `${messageId}: one copy at Gmail`)
      t.match(await message(id), { status: 'sent', attempts: 1 }, 'sent, after one send')
    }
    const confirmed = reports.reduce((sum, r) => sum + r.confirmed, 0)
    t.equal(confirmed, 1, 'the unclear one was found by its Message-ID, not sent again')
  })
}

t.test('after an unclear answer the next attempt asks Gmail before it sends', async (t) => {
  const { id, messageId } = await queue()
  fake.gmail.failNext('messages.send', [500]) // refused before storing: nothing at Gmail
  const from = fake.requests.length
  t.match(await deliverOutbox(deps), { retrying: 1, sent: 0 })
  t.match(await message(id), { status: 'pending', lastError: /500/ })
  advance(RETRY_BASE)
  t.match(await deliverOutbox(deps), { sent: 1, confirmed: 0 })
  const operations = fake.requests.slice(from).map((r) => r.operation)
  t.same(
    operations,
    ['messages.send', 'messages.list', 'messages.send'],
    'send, then search, then the one send that went',
  )
  t.equal(copies(messageId), 1)
})

t.test('429 honours Retry-After, and the next attempt checks first', async (t) => {
  const { id, messageId } = await queue()
  fake.gmail.failNext('messages.send', [{ status: 429, retryAfter: '30' }])
  const from = fake.requests.length
  t.match(await deliverOutbox(deps), { retrying: 1 })
  advance(RETRY_BASE * 4)
  t.match(await deliverOutbox(deps), { sent: 0, confirmed: 0 }, 'not before Retry-After')
  advance(30_000)
  t.match(await deliverOutbox(deps), { sent: 1 })
  t.same(
    fake.requests.slice(from).map((r) => r.operation),
    ['messages.send', 'messages.list', 'messages.send'],
  )
  t.match(await message(id), { status: 'sent' })
  t.equal(copies(messageId), 1)
})

t.test('when the check cannot answer, nothing is resent: the attempt counts, and it ends unknown', async (t) => {
  const { id, messageId } = await queue()
  fake.gmail.failAfterSendingNext(1, 500)
  fake.gmail.failAlways('messages.list', 503)
  t.teardown(() => fake.gmail.clearFailures())
  const sendsBefore = fake.requests.filter((r) => r.operation === 'messages.send').length
  await deliverUntilQuiet()
  t.equal(
    fake.requests.filter((r) => r.operation === 'messages.send').length - sendsBefore,
    1,
    'one send, no blind resend',
  )
  t.match(await message(id), {
    status: 'unknown',
    attempts: MAX_ATTEMPTS,
    lastError: /cannot tell whether this email went out.*503/,
  })
  t.equal(copies(messageId), 1)
})

t.test('a check refused for good (403) makes it unknown at once', async (t) => {
  const { id } = await queue()
  fake.gmail.failAfterSendingNext(1, 500)
  fake.gmail.failNext('messages.list', [403])
  await deliverUntilQuiet(3)
  t.match(await message(id), { status: 'unknown', attempts: 2, lastError: /cannot tell.*403/ })
})

t.test('failed after MAIL_MAX_ATTEMPTS unclear answers: a staff retry still checks first', async (t) => {
  const { id, messageId } = await queue()
  fake.gmail.failNext('messages.send', Array(MAX_ATTEMPTS - 1).fill(503))
  fake.gmail.failAfterSendingNext(1, 503) // the last attempt is stored, but answered 503
  await deliverUntilQuiet()
  t.match(await message(id), {
    status: 'failed',
    attempts: MAX_ATTEMPTS,
    lastError: /503.*may have gone out.*a retry first checks its Message-ID/,
  })
  t.equal(copies(messageId), 1)
  t.equal((await app.inject({ method: 'POST', url: `/outbox/${id}/retry`, headers: staff })).statusCode, 200)
  t.match(await deliverOutbox(deps), { confirmed: 1, sent: 0 })
  t.match(await message(id), { status: 'sent' })
  t.equal(copies(messageId), 1, 'found, not sent again')
})

t.test('a 400, 401 or 403 proves Gmail refused it: failed, with no check', async (t) => {
  for (const status of [400, 401, 403]) {
    const { id } = await queue()
    fake.gmail.failNext('messages.send', [status])
    const from = fake.requests.length
    t.match(await deliverOutbox(deps), { failed: 1 })
    t.same(
      fake.requests.slice(from).map((r) => r.operation),
      ['messages.send'],
    )
    t.match(await message(id), { status: 'failed', lastError: new RegExp(String(status)) })
  }
})
