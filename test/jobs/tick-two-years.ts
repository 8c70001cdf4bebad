import t from 'tap'
import { sql } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { addInstitutions, staffApi } from '../helpers/api.js'
import { startFakeGoogle } from '../fakes/google.js'
import { tick, type TickReport } from '../../src/services/tick.js'

// docs/rules.md#d10 end to end: over a simulated two-year run driven by tick(now) with a fake clock, every
// call opens, closes and is announced once, and every expected email exists once in the outbox and
// once at the (fake) Gmail. The run includes a downtime across a reminder and a close, Gmail 500s,
// a send whose answer is lost, and ticks racing each other at the same instant.
const fake = await startFakeGoogle({ accessToken: 'tok' })
t.teardown(() => fake.close())
// 791 ticks take 30–45 s on a quiet 2-core machine and over 110 s on a busy one: tap's default of
// 120 s per file is too close to that.
t.setTimeout(300_000)
const built = await build(t, {
  MAIL_TRANSPORT: 'gmail',
  MAIL_FROM: 'IIIF rota <rota@iiif.example>',
  GOOGLE_API_ROOT_URL: fake.url,
  GOOGLE_ACCESS_TOKEN: 'tok',
  MAIL_RETRY_BASE_MS: '3600000',
})
const { app, staff, clock, deps, db } = built

const api = staffApi({ app, staff })

interface OutboxRow {
  id: string
  kind: string
  key: string
  message_id: string
  to_address: string | null
  status: string
  call_id: string | null
  member_id: string | null
  last_error: string | null
}

async function outboxRows(): Promise<OutboxRow[]> {
  const result = (await db.execute(
    sql`select id, kind, key, message_id, to_address, status, call_id, member_id, last_error from outbox order by created_at, key`,
  )) as unknown as { rows: OutboxRow[] }
  return result.rows
}

const CONSORTIUM = [
  'Alpha University',
  'Beta Library',
  'Gamma Museum',
  'Delta Institute',
  'Epsilon College',
  'Zeta Archive',
]
const reports: TickReport[] = []
const volunteersByCall = new Map<string, number>()
let volunteerSerial = 0

/** Volunteers answer the call soon after it opens: distinct institutions, one repeated, one person twice. */
async function volunteer(callId: string, opensAt: string): Promise<void> {
  const base = Date.parse(opensAt)
  const people: Array<{ name: string; institution: string | null }> = []
  for (const institution of [
    ...CONSORTIUM.slice(0, 4),
    'Library of Somewhere',
    'Museum of Elsewhere',
    'Independent Scholars Guild',
    'Alpha University',
  ]) {
    volunteerSerial++
    people.push({ name: `Volunteer ${volunteerSerial}`, institution })
  }
  const responses = people.map((p, i) => ({
    submittedAt: new Date(base + (i + 1) * 3_600_000).toISOString(),
    name: p.name,
    email: `${p.name.toLowerCase().replace(/\W/g, '.')}@example.org`,
    institution: p.institution,
  }))
  // Someone answers twice (same email): one outcome email for them, not two.
  responses.push({ ...responses[0]!, submittedAt: new Date(base + 20 * 3_600_000).toISOString() })
  const imported = await api('POST', `/calls/${callId}/responses`, { responses })
  if (imported.status !== 200) throw new Error(`import failed: ${JSON.stringify(imported.body)}`)
  volunteersByCall.set(callId, responses.length)
}

async function runTick(at: Date, concurrent = 1): Promise<void> {
  clock.set(at)
  const results = await Promise.all(Array.from({ length: concurrent }, () => tick(deps, at)))
  reports.push(...results)
  // Volunteers come to every call that is open now and has none yet.
  for (const call of (await api('GET', '/teams/coc/calls')).body.calls as Array<{
    id: string
    status: string
    opensAt: string
  }>) {
    if (call.status === 'open' && !volunteersByCall.has(call.id)) await volunteer(call.id, call.opensAt)
  }
}

t.test('setup: institutions, addresses, a form link and the first call (staff)', async (t) => {
  clock.set('2027-01-10T00:00:00Z')
  await addInstitutions(t, api, CONSORTIUM)
  const team = await api('PATCH', '/teams/coc', {
    mailingList: 'iiif-discuss@groups.example',
    staffEmail: 'staff@iiif.example',
    formUrl: 'https://forms.gle/volunteer',
    // What this test follows is every email, sent once: nothing is erased under it (retention has
    // its own two years in test/jobs/retention-two-years.ts).
    policy: { retention: { applicantsMonths: null, membersMonthsAfterTerm: null, mailMonths: null } },
  })
  t.equal(team.status, 200, JSON.stringify(team.body))
  const call = await api('POST', '/teams/coc/calls', { opensAt: '2027-02-01T00:00:00Z' })
  t.equal(call.status, 201, JSON.stringify(call.body))
})

t.test('two years of ticks, daily, with a downtime, Gmail failures and racing ticks', async (t) => {
  const start = Date.parse('2027-01-15T00:00:00Z')
  const end = Date.parse('2029-03-15T00:00:00Z')
  // rota is down across the second call's reminder (2028-02-22) and close (2028-02-29).
  const downFrom = Date.parse('2028-02-20T00:00:00Z')
  const downUntil = Date.parse('2028-03-03T00:00:00Z')
  let step = 0
  for (let at = start; at <= end; at += 24 * 3_600_000, step++) {
    if (at >= downFrom && at < downUntil) continue
    if (step === 40) fake.gmail.failNext('messages.send', [500, 503]) // retried on a later tick
    if (step === 60) fake.gmail.failAfterSendingNext(1) // Gmail stored it, rota heard nothing
    if (step === 61) fake.gmail.failNext('messages.send', [{ status: 429, retryAfter: '120' }])
    // Around each call's opening and close, three ticks race at the same instant.
    const racing = [
      Date.parse('2027-02-01T00:00:00Z'),
      Date.parse('2027-03-01T00:00:00Z'),
      Date.parse('2028-02-01T00:00:00Z'),
      Date.parse('2029-03-01T00:00:00Z'),
    ].includes(at)
    await runTick(new Date(at), racing ? 3 : 1)
  }
  // After the last tick, a send whose answer was lost is left `sending` until the lease passes:
  // a last tick well after it resolves everything.
  await runTick(new Date(end + 24 * 3_600_000))
  t.pass(`${step} ticks`)
})

t.test('every call opened, was reminded and closed once; the cadence created the later ones', async (t) => {
  const calls = (await api('GET', '/teams/coc/calls')).body.calls as Array<{
    id: string
    status: string
    opensAt: string
    closesAt: string
    origin: string
  }>
  t.same(
    calls.map((c) => [c.opensAt, c.status, c.origin]),
    [
      ['2027-02-01T00:00:00Z', 'closed', 'staff'],
      ['2028-02-01T00:00:00Z', 'closed', 'auto'],
      ['2029-02-01T00:00:00Z', 'closed', 'auto'],
    ],
  )
  const actions = reports.flatMap((r) => r.actions)
  for (const call of calls) {
    const of = (type: string) => actions.filter((a) => a.callId === call.id && a.type === type)
    t.equal(of('call-opened').length, 1, `${call.opensAt}: opened once`)
    t.equal(of('call-reminder').length, 1, `${call.opensAt}: reminder decided once`)
    t.equal(of('call-closed').length, 1, `${call.opensAt}: closed once`)
    t.equal(of('close-failed').length, 0)
    if (call.origin === 'auto')
      t.equal(of('call-scheduled').length, 1, `${call.opensAt}: scheduled once, autoScheduleDays before`)
    const selections = (await db.execute(
      sql`select count(*)::int as n from selections where call_id = ${call.id}`,
    )) as unknown as { rows: Array<{ n: number }> }
    t.equal(selections.rows[0]!.n, 1, `${call.opensAt}: one selection`)
  }
  const scheduled = actions.filter((a) => a.type === 'call-scheduled')
  t.same(
    scheduled.map((a) => reports.find((r) => r.actions.includes(a))!.at.slice(0, 10)),
    ['2027-12-03', '2028-12-03'],
    'created 60 days before each opens',
  )
  const downtimeReminder = actions.find((a) => a.type === 'call-reminder' && a.callId === calls[1]!.id)
  t.match(
    downtimeReminder,
    { notice: 'skipped', reason: /already closed/ },
    'the reminder that fell in the downtime is recorded as skipped, not sent late',
  )
})

t.test('every expected email is in the outbox once, sent, and at Gmail once', async (t) => {
  const rows = await outboxRows()
  const calls = (await api('GET', '/teams/coc/calls')).body.calls as Array<{ id: string; opensAt: string }>
  const expected = new Set<string>()
  for (const call of calls) {
    for (const kind of ['call-opened', 'call-results']) expected.add(`call:${call.id}:${kind}`)
    const selection = (await api('GET', `/calls/${call.id}/selection`)).body
    const emails = new Set<string>()
    for (const response of (await api('GET', `/calls/${call.id}/responses`)).body.responses as Array<{
      id: string
      email: string
    }>) {
      emails.add(response.email.toLowerCase())
      // Each response came while its call was open: its acknowledgement went out at the next tick.
      expected.add(`response:${response.id}:acknowledged`)
    }
    for (const email of emails) expected.add(`call:${call.id}:result:${email}`)
    if (selection.shortfall.consortium + selection.shortfall.community > 0) expected.add(`call:${call.id}:shortfall`)
    if (call.opensAt !== '2027-02-01T00:00:00Z') expected.add(`call:${call.id}:call-scheduled`)
    if (call.id !== calls[1]!.id) expected.add(`call:${call.id}:call-reminder`)
  }
  const members = (await api('GET', '/teams/coc/members')).body.members as Array<{
    id: string
    termEnd: string | null
    seat: string
  }>
  for (const member of members) {
    if (member.termEnd && member.termEnd <= '2029-03-16') expected.add(`term-ending:${member.id}`)
  }
  const sent = rows.filter((r) => r.status === 'sent')
  t.same(
    rows.filter((r) => r.status !== 'sent' && r.status !== 'skipped').map((r) => [r.key, r.status, r.last_error]),
    [],
    'nothing is left pending, sending, failed or unknown',
  )
  t.same([...expected].filter((key) => !sent.some((r) => r.key === key)).sort(), [], 'every expected email was sent')
  t.same(
    sent
      .map((r) => r.key)
      .filter((key) => !expected.has(key))
      .sort(),
    [],
    'and nothing else',
  )
  t.equal(new Set(rows.map((r) => r.key)).size, rows.length, 'each key once in the outbox')

  const atGmail = new Map<string, number>()
  for (const message of fake.gmail.sent) atGmail.set(message.messageId, (atGmail.get(message.messageId) ?? 0) + 1)
  t.same(
    [...atGmail].filter(([, n]) => n > 1),
    [],
    'no Message-ID twice at Gmail',
  )
  t.same(
    sent.filter((r) => atGmail.get(r.message_id) !== 1).map((r) => r.key),
    [],
    'every sent email is at Gmail exactly once',
  )
  t.equal(fake.gmail.sent.length, sent.length, 'Gmail holds nothing rota did not send')
  t.equal(
    rows
      .filter((r) => r.status === 'skipped')
      .map((r) => r.kind)
      .join(),
    'call-reminder',
    'the only skipped email is the reminder that fell in the downtime',
  )
  t.ok(
    reports.some((r) => r.outbox.confirmed === 1),
    'the send whose answer was lost was found at Gmail by its Message-ID and not sent again',
  )
  t.ok(
    reports.some((r) => r.outbox.retrying > 0),
    'Gmail 5xx/429 were retried on a later tick',
  )
  t.comment(
    `two-year run: ${reports.length} ticks, ${rows.length} outbox rows, ${sent.length} sent, ${expected.size} expected, ${fake.gmail.sent.length} at Gmail`,
  )
})

t.test('the emails say what people need', async (t) => {
  const byKind = (kind: string) => fake.gmail.sent.filter((m) => rowsKind.get(m.messageId) === kind)
  const rowsKind = new Map((await outboxRows()).map((r) => [r.message_id, r.kind]))
  const opened = byKind('call-opened')[0]!
  t.equal(opened.to, 'iiif-discuss@groups.example')
  t.match(opened.from, /rota@iiif\.example/)
  t.match(opened.text, /https:\/\/forms\.gle\/volunteer/, 'the form link')
  t.match(opened.text, /2027-03-01 00:00 UTC/, 'the deadline')
  t.match(
    opened.text,
    /Seats: 4 for people from IIIF Consortium member institutions and 4 for people from elsewhere/,
    'seats per category',
  )
  const results = byKind('call-results')[0]!
  t.notMatch(results.text, /@example\.org/, 'the list never sees volunteers’ addresses')
  t.match(results.text, /Volunteer 1 \(Alpha University\)/, 'names and institutions of the new members')
  const selected = byKind('selected')[0]!
  t.match(selected.text, /Your term runs from/)
  t.ok(
    byKind('not-selected').some((m) => /Alpha University/.test(m.text)),
    'the not-selected email explains (institution already selected)',
  )
  t.ok(byKind('term-ending').every((m) => /Your term on the IIIF Code of Conduct Team/.test(m.text)))
  t.ok(fake.gmail.sent.every((m) => m.headers['auto-submitted'] === 'auto-generated'))
})

t.test('POST /admin/tick runs the same function; a second tick at once finds nothing to do', async (t) => {
  t.equal((await app.inject({ method: 'POST', url: '/admin/tick' })).statusCode, 401, 'staff only')
  const first = await api('POST', '/admin/tick')
  t.equal(first.status, 200)
  const second = await api('POST', '/admin/tick')
  t.same(second.body.actions, [])
  t.same(second.body.outbox, {
    sent: 0,
    uncertain: 0,
    retrying: 0,
    failed: 0,
    confirmed: 0,
    resent: 0,
    unknown: 0,
    skipped: 0,
  })
})
