import t from 'tap'
import { SMTPServer } from 'smtp-server'
import { build } from '../helpers/build.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'
import { parseMessage } from '../fakes/google.js'
import { findTeamBySlug } from '../../src/db/queries/teams.js'
import { claimPending } from '../../src/db/queries/outbox.js'
import { deliverOutbox } from '../../src/services/outbox.js'
import { queueNotice } from '../../src/services/notices.js'
import { MailError } from '../../src/integrations/mail.js'
import { smtpFailure, smtpMailer, type SmtpConfig } from '../../src/integrations/smtp.js'

// The smtp transport against a real SMTP server (smtp-server) started here, through a TCP proxy
// that can cut the connection: every way an SMTP exchange can end, and what the outbox makes of it.
const USER = 'rota-mailer'
const PASSWORD = 'not-in-any-log-Zq81'

/** What the server does with the next messages, by recipient local part. */
const behaviour = new Map<
  string,
  'rcpt-550' | 'rcpt-451' | 'data-554' | 'data-451' | 'drop-after-data' | 'silent-after-data'
>()
/** Messages the server accepted (250 after the data), and every DATA it read in full. */
const accepted: Array<{ from: string; to: string[]; raw: string }> = []
let dataReceived = 0
let logins = 0

const server = new SMTPServer({
  logger: false,
  disabledCommands: ['STARTTLS'],
  allowInsecureAuth: true,
  authMethods: ['PLAIN', 'LOGIN'],
  onAuth(auth, _session, callback) {
    logins++
    if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: USER })
    const error = new Error('5.7.8 Authentication credentials invalid') as Error & { responseCode: number }
    error.responseCode = 535
    callback(error)
  },
  onRcptTo(address, _session, callback) {
    const rule = behaviour.get(address.address.split('@')[0]!)
    if (rule === 'rcpt-550') return callback(Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 }))
    if (rule === 'rcpt-451') return callback(Object.assign(new Error('4.7.1 Try again later'), { responseCode: 451 }))
    callback()
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => {
      dataReceived++
      const to = session.envelope.rcptTo.map((r) => r.address)
      const rule = behaviour.get(to[0]!.split('@')[0]!)
      if (rule === 'data-554') return callback(Object.assign(new Error('5.6.0 Message refused'), { responseCode: 554 }))
      if (rule === 'data-451') return callback(Object.assign(new Error('4.3.0 Queue full'), { responseCode: 451 }))
      const raw = Buffer.concat(chunks).toString('utf8')
      accepted.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to, raw })
      // The message is the server's now; the connection dies before rota hears so.
      if (rule === 'drop-after-data') return proxy.down()
      if (rule === 'silent-after-data') return // no reply, ever
      callback(null, 'Ok: queued as 4F2A1C')
    })
  },
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const serverPort = (server.server.address() as { port: number }).port
const proxy = await startTcpProxy({ host: '127.0.0.1', port: serverPort })
t.teardown(async () => {
  await proxy.close()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const LEASE = 60_000
const built = await build(t, {
  MAIL_TRANSPORT: 'smtp',
  MAIL_FROM: 'IIIF Rota <rota@iiif.example>',
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: String(proxy.port),
  SMTP_SECURITY: 'none',
  SMTP_USER: USER,
  SMTP_PASSWORD: PASSWORD,
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
async function queue(to: string): Promise<{ id: string; messageId: string }> {
  const team = (await findTeamBySlug(db, 'coc'))!
  const row = await queueNotice(
    db,
    deps.config.mail.from,
    {
      team,
      kind: 'term-ending',
      key: `smtp-test:${++serial}`,
      to,
      toName: 'Zoë Example',
      values: { team: team.name, name: 'Zoë Example', termEnd: '2027-03-01 00:00 UTC', seat: 'community' },
    },
    clock(),
  )
  return { id: row!.id, messageId: row!.messageId }
}

async function message(id: string) {
  const res = await app.inject({ method: 'GET', url: '/outbox?limit=5000', headers: staff })
  return (res.json().messages as Array<Record<string, unknown>>).find((m) => m.id === id)!
}

const receivedWith = (messageId: string) => accepted.filter((m) => m.raw.includes(`Message-ID: ${messageId}`)).length

t.test(
  'a plain send: accepted once, readable as text, with our Message-ID and the envelope of MAIL_FROM',
  async (t) => {
    const { id, messageId } = await queue('zoe@example.org')
    t.match(await deliverOutbox(deps), { sent: 1, failed: 0 })
    t.match(await message(id), { status: 'sent', attempts: 1, lastError: null })
    t.equal(receivedWith(messageId), 1)
    const got = accepted.at(-1)!
    t.equal(got.from, 'rota@iiif.example', 'MAIL FROM: the bare address of MAIL_FROM')
    t.same(got.to, ['zoe@example.org'], 'RCPT TO: the recipient alone')
    t.match(got.raw, /^Content-Transfer-Encoding: quoted-printable\r$/m, 'quoted-printable, not base64')
    t.match(got.raw, /\r\n\r\nDear Zo=C3=AB Example,\r\n/, 'the body reads as text (only the ë is encoded)')
    t.match(got.raw, /\(community seat\) ends 2027-03-01 00:00 UTC\. Thank you for your service\.\r\n/)
    const parsed = parseMessage(got.raw)
    t.equal(parsed.headers['to'], 'Zoë Example <zoe@example.org>')
    t.equal(parsed.headers['from'], 'IIIF Rota <rota@iiif.example>')
    t.match(parsed.text, /^Dear Zoë Example,/)
    t.equal(logins > 0, true, 'rota logged in')
  },
)

t.test('a 5xx to RCPT TO fails at once, with the reply; nothing to check before a staff retry', async (t) => {
  behaviour.set('gone', 'rcpt-550')
  const { id, messageId } = await queue('gone@example.org')
  t.match(await deliverOutbox(deps), { failed: 1, retrying: 0 })
  t.match(await message(id), { status: 'failed', attempts: 1, lastError: /RCPT TO: .*550 5\.1\.1 No such user/ })
  t.equal(dataReceived, 1, 'no data was sent')
  behaviour.delete('gone')
  t.equal((await app.inject({ method: 'POST', url: `/outbox/${id}/retry`, headers: staff })).statusCode, 200)
  t.match(
    await deliverOutbox(deps),
    { sent: 1, unknown: 0 },
    'sent straight away: SMTP cannot be asked, and need not be',
  )
  t.equal(receivedWith(messageId), 1)
})

t.test('a 4xx to RCPT TO waits and is tried again', async (t) => {
  behaviour.set('busy', 'rcpt-451')
  const { id, messageId } = await queue('busy@example.org')
  t.match(await deliverOutbox(deps), { retrying: 1 })
  t.match(await message(id), { status: 'pending', attempts: 1, lastError: /451 4\.7\.1 Try again later/ })
  t.match(await deliverOutbox(deps), { sent: 0, retrying: 0 }, 'not before its time')
  behaviour.delete('busy')
  advance(1000)
  t.match(await deliverOutbox(deps), { sent: 1, unknown: 0, confirmed: 0 })
  t.match(await message(id), { status: 'sent', attempts: 2 })
  t.equal(receivedWith(messageId), 1)
})

t.test('the reply to the data decides: 554 fails, 451 waits', async (t) => {
  behaviour.set('refused', 'data-554')
  behaviour.set('full', 'data-451')
  const refused = await queue('refused@example.org')
  const full = await queue('full@example.org')
  t.match(await deliverOutbox(deps), { failed: 1, retrying: 1, uncertain: 0 })
  t.match(await message(refused.id), { status: 'failed', lastError: /554 5\.6\.0 Message refused/ })
  t.match(await message(full.id), { status: 'pending', lastError: /451 4\.3\.0 Queue full/ })
  behaviour.delete('full')
  advance(1000)
  t.match(await deliverOutbox(deps), { sent: 1 })
  t.equal(receivedWith(full.messageId), 1)
  t.equal(receivedWith(refused.messageId), 0)
})

t.test(
  'the connection drops after the data: the message may have gone — unknown for staff, never resent',
  async (t) => {
    behaviour.set('maybe', 'drop-after-data')
    const { id, messageId } = await queue('maybe@example.org')
    const before = dataReceived
    t.match(await deliverOutbox(deps), { uncertain: 1, sent: 0, retrying: 0 })
    proxy.up()
    t.match(await message(id), { status: 'sending', lastError: /it may have been delivered/ })
    advance(LEASE + 1)
    t.match(await deliverOutbox(deps), { unknown: 1, resent: 0, sent: 0 })
    t.match(await message(id), { status: 'unknown', lastError: /an SMTP server cannot be asked/ })
    t.equal(dataReceived, before + 1, 'the data was sent once')
    t.equal(receivedWith(messageId), 1, 'and the server has it once')
    behaviour.delete('maybe')
  },
)

t.test('the server cannot be reached: retried later, with nothing to check', async (t) => {
  proxy.down()
  const { id, messageId } = await queue('later@example.org')
  t.match(await deliverOutbox(deps), { retrying: 1, uncertain: 0 })
  t.match(await message(id), { status: 'pending', lastError: /^SMTP / })
  proxy.up()
  advance(1000)
  t.match(await deliverOutbox(deps), { sent: 1, unknown: 0 })
  t.equal(receivedWith(messageId), 1)
})

t.test(
  'a crash between claim and send: unknown for staff once the lease passes (the server cannot be asked)',
  async (t) => {
    const { id, messageId } = await queue('crash@example.org')
    t.ok(await db.transaction((tx) => claimPending(tx, clock())), 'claimed; then the process died')
    advance(LEASE + 1)
    t.match(await deliverOutbox(deps), { unknown: 1, sent: 0, resent: 0 })
    t.match(await message(id), { status: 'unknown' })
    t.equal(receivedWith(messageId), 0)
  },
)

const mail = {
  messageId: '<rota.direct@iiif.example>',
  from: 'rota@iiif.example',
  to: 'zoe@example.org',
  toName: null,
  subject: 'Hello',
  body: 'Hello\n',
  date: new Date('2027-01-01T00:00:00Z'),
}
const direct = (overrides: Partial<SmtpConfig>) =>
  smtpMailer(
    { host: '127.0.0.1', port: serverPort, security: 'none', user: USER, password: PASSWORD, ...overrides },
    'rota@iiif.example',
    { timeoutMs: 3000 },
  )

async function failure(promise: Promise<unknown>): Promise<MailError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof MailError) return error
    throw error
  }
  throw new Error('the send should have failed')
}

t.test('a wrong password fails for good, and the error never carries the password', async (t) => {
  const error = await failure(direct({ password: 'wrong-Secret-Pw-77' }).send(mail))
  t.equal(error.kind, 'permanent')
  t.match(error.message, /535/)
  t.notMatch(error.message, /wrong-Secret-Pw-77/)
  t.equal(error.mayHaveGone, false)
})

t.test('STARTTLS required but not offered: nothing is sent, not even the login', async (t) => {
  const logged = logins
  const count = dataReceived
  const error = await failure(direct({ security: 'starttls' }).send(mail))
  t.not(error.kind, 'ambiguous')
  t.equal(error.mayHaveGone, false)
  t.equal(logins, logged, 'no credentials in clear text')
  t.equal(dataReceived, count)
})

t.test('no reply to the data within MAIL_SEND_TIMEOUT_MS: ambiguous (it may have been delivered)', async (t) => {
  behaviour.set('silent', 'silent-after-data')
  const error = await failure(
    smtpMailer(
      { host: '127.0.0.1', port: serverPort, security: 'none', user: USER, password: PASSWORD },
      'rota@iiif.example',
      { timeoutMs: 500 },
    ).send({ ...mail, to: 'silent@example.org' }),
  )
  t.equal(error.kind, 'ambiguous')
  t.match(error.message, /may have been delivered/)
  behaviour.delete('silent')
})

t.test('the classification, reply by reply', async (t) => {
  const e = (code: string, command: string, responseCode?: number) =>
    Object.assign(new Error('x'), { code, command, ...(responseCode ? { responseCode } : {}) })
  t.match(smtpFailure(e('EENVELOPE', 'RCPT TO', 550), false), { kind: 'permanent', mayHaveGone: false })
  t.match(smtpFailure(e('EENVELOPE', 'MAIL FROM', 452), false), { kind: 'retryable', mayHaveGone: false })
  t.match(smtpFailure(e('EENVELOPE', 'DATA', 554), false), { kind: 'permanent' })
  t.match(smtpFailure(e('ECONNECTION', 'CONN'), false), { kind: 'retryable', mayHaveGone: false })
  t.match(smtpFailure(e('ETIMEDOUT', 'CONN'), false), { kind: 'retryable', mayHaveGone: false })
  t.match(smtpFailure(e('EMESSAGE', 'DATA', 552), true), { kind: 'permanent' })
  t.match(smtpFailure(e('EMESSAGE', 'DATA', 421), true), { kind: 'retryable', mayHaveGone: false })
  t.match(smtpFailure(e('ECONNECTION', 'CONN'), true), { kind: 'ambiguous' })
  t.match(smtpFailure(e('ETIMEDOUT', 'CONN'), true), { kind: 'ambiguous' })
  t.match(smtpFailure(e('ECONNECTION', 'CONN', 421), true), { kind: 'ambiguous' }, 'a 421 that may not answer the data')
})

t.test('wasSent cannot tell', async (t) => {
  const error = await failure(direct({}).wasSent('<rota.x@iiif.example>'))
  t.equal(error.kind, 'permanent')
})
