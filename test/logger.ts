import { Writable } from 'node:stream'
import t from 'tap'
import { sql } from 'drizzle-orm'
import { DrizzleQueryError } from 'drizzle-orm'
import { build, STAFF_TOKEN } from './helpers/build.js'
import { createLogger, serializeError } from '../src/logger.js'
import { recipientHash } from '../src/integrations/mail-log.js'

function capture(): {
  text: () => string
  lines: () => Array<Record<string, unknown>>
  logger: ReturnType<typeof createLogger>
} {
  const chunks: string[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  const text = () => chunks.join('')
  return {
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    logger: createLogger({ level: 'info' }, sink),
  }
}

t.test('a failed query is logged with what failed, never with its parameters or the row', async (t) => {
  const cause = Object.assign(new Error('new row for relation "responses" violates check constraint "x"'), {
    code: '23514',
    table: 'responses',
    constraint: 'x',
    detail: 'Failing row contains (1, ann@example.org, Ann Example).',
    where: 'SQL function with ann@example.org',
    params: ['ann@example.org'],
  })
  const error = new DrizzleQueryError(
    'insert into "responses" ("email", "name") values ($1, $2)',
    ['ann@example.org', 'Ann Example'],
    cause,
  )
  t.match(error.message, /ann@example\.org/, 'drizzle puts every parameter in its message (and so in its stack)')
  const logged = JSON.stringify(serializeError(error))
  t.notMatch(logged, /ann@example|Ann Example/, 'no parameter, no row')
  t.match(serializeError(error), {
    type: 'DrizzleQueryError',
    message: 'Failed query: insert into "responses" ("email", "name") values ($1, $2)',
    stack: /^DrizzleQueryError: Failed query: insert into[^\n]*\n\s+at /,
    cause: { code: '23514', table: 'responses', constraint: 'x', message: /violates check constraint/ },
  })
  t.notOk((serializeError(error) as { cause: Record<string, unknown> }).cause.detail, "pg's detail is dropped")
  const long = new Error(`value too long: ${'x'.repeat(5000)}`)
  t.ok((serializeError(long) as { message: string }).message.length < 600, 'a 5 KB message is cut')
  t.match(
    serializeError(new Error('no such member bo@ox.ac.uk')),
    { message: 'no such member [email]' },
    'an address in any message is masked',
  )
})

t.test('credentials, bodies and parameters are never logged as they are, at any depth', async (t) => {
  const { lines, logger } = capture()
  logger.warn(
    {
      req: { headers: { authorization: 'Bearer secret-token-Qw9' } },
      body: { email: 'ann@example.org' },
      job: { params: ['bo@example.org'] },
      note: 'wrote to cy@example.org',
    },
    'for dee@example.org',
  )
  const [line] = lines()
  t.match(line, {
    req: { headers: { authorization: '[redacted]' } },
    body: '[redacted]',
    job: { params: '[redacted]' },
    note: 'wrote to [email]',
    msg: 'for [email]',
  })
})

t.test(
  'a whole run — imports, a close, the emails, a database error, a bad token — logs no address and no token',
  async (t) => {
    const { text, lines, logger } = capture()
    const { app, staff, clock, db } = await build(t, { MAIL_TRANSPORT: 'log' }, { logger })
    const api = (
      method: 'GET' | 'POST' | 'PATCH',
      url: string,
      payload?: unknown,
      headers: Record<string, string> = {},
    ) =>
      app.inject({
        method,
        url,
        headers: { ...staff, ...headers },
        ...(payload === undefined ? {} : { payload: payload as string }),
      })

    const addresses = ['list@iiif.example', 'staff@iiif.example']
    t.equal((await api('PATCH', '/teams/coc', { mailingList: addresses[0], staffEmail: addresses[1] })).statusCode, 200)
    const call = (await api('POST', '/teams/coc/calls', { opensAt: '2026-02-01T00:00:00Z' })).json() as { id: string }
    clock.set('2026-02-10T00:00:00Z')

    const json = Array.from({ length: 14 }, (_, i) => ({
      submittedAt: `2026-02-02T10:00:${String(i).padStart(2, '0')}Z`,
      name: `Json Person ${i}`,
      email: `json.person.${i}@example.org`,
      institution: `Institution ${i}`,
    }))
    addresses.push(...json.map((r) => r.email))
    t.equal((await api('POST', `/calls/${call.id}/responses`, { responses: json })).statusCode, 200, 'JSON import')
    const csvRows = Array.from({ length: 6 }, (_, i) => ({
      email: `csv.person.${i}@example.net`,
      name: `Csv Person ${i}`,
    }))
    addresses.push(...csvRows.map((r) => r.email))
    const csv = [
      'Timestamp,Email Address,Name,Institution',
      ...csvRows.map((r, i) => `2026/02/03 10:00:0${i} AM GMT,${r.email},${r.name},Independent`),
    ].join('\r\n')
    const imported = await api('POST', `/calls/${call.id}/responses`, csv, { 'content-type': 'text/csv' })
    t.equal(imported.statusCode, 200, `CSV import: ${imported.body}`)

    // A database error whose query carries addresses, and whose pg detail repeats the failing row.
    await db.execute(sql.raw('alter table responses add constraint no_more_responses check (false) not valid'))
    const failing = Array.from({ length: 14 }, (_, i) => ({
      submittedAt: `2026-02-04T10:00:${String(i).padStart(2, '0')}Z`,
      name: `Failing Person ${i}`,
      email: `failing.person.${i}@example.com`,
      institution: 'Independent',
    }))
    addresses.push(...failing.map((r) => r.email))
    const broken = await api('POST', `/calls/${call.id}/responses`, { responses: failing })
    t.equal(broken.statusCode, 500, 'the import fails in the database')
    await db.execute(sql.raw('alter table responses drop constraint no_more_responses'))

    t.equal((await api('POST', `/calls/${call.id}/close`, { early: true })).statusCode, 200, 'the call is closed')
    const ticked = await api('POST', '/admin/tick')
    t.equal(ticked.statusCode, 200, 'the tick delivers the outbox')
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/admin/tick',
          headers: { authorization: 'Bearer not-the-token-Xq7Zp2Lm9Rv4' },
        })
      ).statusCode,
      401,
    )

    const logged = lines()
    const written = logged.filter((l) => l.msg === 'email written (MAIL_TRANSPORT=log)')
    t.ok(written.length >= 20, `the log transport wrote and logged the emails (${written.length})`)
    t.ok(
      written.every((l) => typeof l.toHash === 'string' && /^[0-9a-f]{12}$/.test(l.toHash as string) && !('to' in l)),
      'each names its recipient by a short hash',
    )
    t.ok(
      written.some((l) => l.toHash === recipientHash('json.person.0@example.org')),
      'the hash lets staff match a log line to an outbox row',
    )
    const failure = logged.find((l) => l.msg === 'request failed')
    t.ok(failure, 'the database error is logged')
    t.match(failure, {
      err: {
        type: 'DrizzleQueryError',
        message: /^Failed query:\s+insert into "?responses"?/,
        cause: { constraint: 'no_more_responses' },
      },
    })
    t.ok(
      logged.some((l) => l.msg === 'staff authentication failed: wrong or revoked token'),
      'the bad token is logged',
    )

    const all = text()
    const leaked = addresses.filter((a) => all.toLowerCase().includes(a.toLowerCase()))
    t.same(leaked, [], 'no address appears anywhere in the log')
    t.notOk(/Json Person|Csv Person|Failing Person/.test(all), 'nor any name')
    t.notOk(all.includes('not-the-token-Xq7Zp2Lm9Rv4') || all.includes(STAFF_TOKEN), 'nor any token')
  },
)
