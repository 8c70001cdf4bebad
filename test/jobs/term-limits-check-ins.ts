/**
 * Term limits and check-ins (issue 14) over a simulated six years, driven by the tick and the test
 * clock (one app, a handful of calls): two-year terms, at most two consecutive terms, a check-in
 * twelve months into each term with a fourteen-day grace. A volunteer who served two terms in a row
 * is excluded from the third call with `term-limit` and the next in line takes the seat; the public
 * report verifies; each check-in email goes out once on its day; the link confirms, steps down (with
 * a confirmation step, audited, roster changed), and refuses reuse, forgery, a status link's token
 * and expiry; an unanswered check-in tells staff once.
 */
import t from 'tap'
import { and, eq, sql } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { staffApi } from '../helpers/api.js'
import { auditLog } from '../../src/db/schema.js'
import { verifyReport } from '../../src/domain/report.js'
import { tick } from '../../src/services/tick.js'
import { deploymentKeys } from '../../src/services/keys.js'

const { app, staff, clock, deps, db } = await build(t, { PUBLIC_URL: 'https://rota.example.org' })
const api = staffApi({ app, staff })
const json = { accept: 'application/json' }

interface OutboxRow {
  kind: string
  key: string
  to_address: string | null
  body: string
  member_id: string | null
}
async function outbox(kind: string): Promise<OutboxRow[]> {
  const result = (await db.execute(
    sql`select kind, key, to_address, body, member_id from outbox where kind = ${kind} order by created_at, key`,
  )) as unknown as { rows: OutboxRow[] }
  return result.rows
}
const linkIn = (body: string): string => /https:\/\/rota\.example\.org(\/check-in\/[A-Za-z0-9._-]+)/.exec(body)![1]!

async function tickAt(at: string) {
  clock.set(at)
  return tick(deps, clock())
}

/** A call for one community seat, two-year term from `year`-03-01, Ada and Bo volunteering (Ada first). */
async function runCall(year: number): Promise<{ callId: string; decisions: Array<Record<string, string>> }> {
  clock.set(`${year}-01-15T00:00:00Z`)
  const call = await api('POST', '/teams/coc/calls', {
    opensAt: `${year}-02-01T00:00:00Z`,
    closesAt: `${year}-03-01T00:00:00Z`,
    termStart: `${year}-03-01T00:00:00Z`,
  })
  t.equal(call.status, 201, JSON.stringify(call.body))
  const callId = call.body.id as string
  clock.set(`${year}-02-10T00:00:00Z`)
  const imported = await api('POST', `/calls/${callId}/responses`, {
    responses: [
      { submittedAt: `${year}-02-02T10:00:00Z`, name: 'Ada Lovelace', email: 'Ada@Example.org', institution: null },
      { submittedAt: `${year}-02-03T10:00:00Z`, name: 'Bo Peep', email: 'bo@example.org', institution: null },
    ],
  })
  t.equal(imported.status, 200, JSON.stringify(imported.body))
  clock.set(`${year}-03-01T06:00:00Z`)
  const closed = await api('POST', `/calls/${callId}/close`, {})
  t.equal(closed.status, 200, JSON.stringify(closed.body))
  return { callId, decisions: closed.body.decisions ?? closed.body.selection?.decisions }
}

async function memberOf(email: string, termStart: string) {
  const list = (await api('GET', '/teams/coc/members')).body.members as Array<Record<string, unknown>>
  return list.find((m) => m.email === email && String(m.termStart).startsWith(termStart))!
}

t.before(async () => {
  const patched = await api('PATCH', '/teams/coc', {
    staffEmail: 'staff@iiif.example',
    policy: {
      seats: { consortium: 0, community: 1 },
      termMonths: 24,
      callIntervalMonths: 24,
      inauguralStagger: false,
      reminderDays: 0,
      autoScheduleDays: 0,
      termNoticeDays: 0,
      maxConsecutiveTerms: 2,
      checkInMonths: 12,
      checkInGraceDays: 14,
    },
  })
  t.equal(patched.status, 200, JSON.stringify(patched.body))
  t.equal(patched.body.policy.maxConsecutiveTerms, 2)
  t.equal(patched.body.policy.partialTermsCount, true, 'partial terms count by default')
})

t.test('bad policy values are refused, naming the field', async (t) => {
  const res = await api('PATCH', '/teams/coc', { policy: { checkInMonths: 24 } })
  t.equal(res.status, 400)
  t.match(JSON.stringify(res.body), /checkInMonths/)
  const zero = await api('PATCH', '/teams/coc', { policy: { maxConsecutiveTerms: 0 } })
  t.equal(zero.status, 400)
  t.match(JSON.stringify(zero.body), /maxConsecutiveTerms/)
})

let adaFirst = ''
let firstLink = ''
t.test('first term: the check-in goes out once, on its day, and the link confirms once', async (t) => {
  const { decisions } = await runCall(2026)
  t.equal(decisions[0]!.outcome, 'selected', 'Ada is selected for 2026–2028')
  adaFirst = (await memberOf('Ada@Example.org', '2026-03-01')).id as string

  await tickAt('2027-02-28T23:00:00Z')
  t.equal((await outbox('check-in')).length, 0, 'nothing before twelve months into the term')
  const report = await tickAt('2027-03-01T12:00:00Z')
  t.same(
    report.actions.filter((a) => a.type === 'check-in').map((a) => a.memberId),
    [adaFirst],
    'the tick reports the check-in',
  )
  await tickAt('2027-03-01T13:00:00Z')
  const sent = await outbox('check-in')
  t.equal(sent.length, 1, 'exactly one check-in email')
  t.equal(sent[0]!.to_address, 'Ada@Example.org')
  t.equal(sent[0]!.key, `check-in:${adaFirst}`)
  t.notMatch(sent[0]!.body, /Bo Peep/, 'no other volunteer named')
  firstLink = linkIn(sent[0]!.body)

  const page = await app.inject({ method: 'GET', url: firstLink })
  t.equal(page.statusCode, 200)
  t.match(page.body, /Yes, I can continue/)
  const view = await app.inject({ method: 'GET', url: firstLink, headers: json })
  t.equal(view.json().canAnswer, true)

  const keys = await deploymentKeys(db)
  const statusToken = keys.statusToken(adaFirst, new Date('2030-01-01T00:00:00Z'))
  const asStatus = await app.inject({ method: 'GET', url: `/check-in/${statusToken}`, headers: json })
  t.equal(asStatus.statusCode, 404, 'a status link token (same id) opens no check-in')
  t.equal(asStatus.json().error.code, 'check-in-link-not-found')
  const checkInToken = firstLink.split('/').pop()!
  t.equal(
    (await app.inject({ method: 'GET', url: `/status/${checkInToken}`, headers: json })).statusCode,
    404,
    'and a check-in token opens no status page',
  )
  const forged = `${checkInToken.slice(0, -2)}${checkInToken.endsWith('AA') ? 'BB' : 'AA'}`
  t.equal((await app.inject({ method: 'GET', url: `/check-in/${forged}`, headers: json })).statusCode, 404, 'forged')

  const unconfirmed = await app.inject({ method: 'POST', url: `${firstLink}/continue`, headers: json, payload: {} })
  t.equal(unconfirmed.statusCode, 400)
  t.equal(unconfirmed.json().error.code, 'confirmation-required')
  const answered = await app.inject({
    method: 'POST',
    url: `${firstLink}/continue`,
    headers: json,
    payload: { confirm: true },
  })
  t.equal(answered.statusCode, 200, answered.body)
  t.equal(answered.json().answer, 'continue')
  t.equal(answered.json().canAnswer, false)
  const again = await app.inject({
    method: 'POST',
    url: `${firstLink}/step-down`,
    headers: json,
    payload: { confirm: true },
  })
  t.equal(again.statusCode, 409, 'the link answers once')
  t.equal(again.json().error.code, 'check-in-answered')
  const audit = await db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'check-in.continue'), eq(auditLog.entityId, adaFirst)))
  t.equal(audit.length, 1, 'the answer is audited once')
  t.equal(audit[0]!.actor, `member:${adaFirst}`)
  const member = await memberOf('Ada@Example.org', '2026-03-01')
  t.equal((member.checkIn as { answer: string }).answer, 'continue', 'staff see the answer in the member list')
  t.equal(member.endedAt, null, 'continuing changes nothing on the roster')
  const roster = await app.inject({ method: 'GET', url: '/teams/coc/roster' })
  t.notMatch(roster.body, /checkIn/, 'the public roster shows no check-in')
})

t.test('second term: unanswered, staff are told once after the grace days', async (t) => {
  const { decisions } = await runCall(2028)
  t.equal(decisions[0]!.outcome, 'selected', 'one term served, limit two: Ada is selected again')
  const expired = await app.inject({ method: 'GET', url: firstLink, headers: json })
  t.equal(expired.statusCode, 410, 'the first term’s link expired with the term')
  t.equal(expired.json().error.code, 'check-in-link-expired')

  const adaSecond = (await memberOf('Ada@Example.org', '2028-03-01')).id as string
  await tickAt('2029-03-01T12:00:00Z')
  t.equal((await outbox('check-in')).length, 2, 'the second term has its own check-in')
  await tickAt('2029-03-15T11:59:00Z')
  t.equal((await outbox('check-in-overdue')).length, 0, 'not before the grace days are over')
  await tickAt('2029-03-15T12:00:00Z')
  await tickAt('2029-04-15T12:00:00Z')
  const overdue = await outbox('check-in-overdue')
  t.equal(overdue.length, 1, 'staff are told once')
  t.equal(overdue[0]!.to_address, 'staff@iiif.example')
  t.match(overdue[0]!.body, /Ada Lovelace/, 'the staff email names the member')
  const member = await memberOf('Ada@Example.org', '2028-03-01')
  t.equal(member.id, adaSecond)
  t.equal(member.endedAt, null, 'nobody is removed automatically')
  t.ok((member.checkIn as { overdueAt: string | null }).overdueAt, 'staff see it overdue')
})

t.test(
  'third call: Ada is at the limit, excluded with her terms named; Bo takes the seat; the report verifies',
  async (t) => {
    const { callId, decisions } = await runCall(2030)
    t.equal(decisions[0]!.outcome, 'excluded')
    t.equal(decisions[0]!.reason, 'term-limit')
    t.equal(
      decisions[0]!.explanation,
      'Ada Lovelace has served two consecutive terms (2026–2028, 2028–2030), and the policy allows at most 2 in a row, so Ada Lovelace cannot be selected again now.',
    )
    t.equal(decisions[1]!.outcome, 'selected', 'the next in line is selected')
    t.equal((await api('POST', `/calls/${callId}/report/publish`, {})).status, 200)
    const report = (await app.inject({ method: 'GET', url: `/calls/${callId}/report` })).json()
    t.same(
      report.responses.map((l: { consecutiveTerms: number }) => l.consecutiveTerms),
      [2, 0],
    )
    t.equal(report.policy.maxConsecutiveTerms, 2)
    t.notMatch(JSON.stringify(report), /2026/, 'the terms themselves are not public')
    const verdict = verifyReport(report)
    t.ok(verdict.ok, verdict.ok ? verdict.summary : verdict.message)
    report.responses[0].consecutiveTerms = 1
    t.notOk(verifyReport(report).ok, 'a tampered count is caught')
  },
)

t.test('Bo steps down at the check-in, with a confirmation step, audited; the roster changes', async (t) => {
  await tickAt('2031-03-01T12:00:00Z')
  const bo = await memberOf('bo@example.org', '2030-03-01')
  const sent = (await outbox('check-in')).filter((r) => r.member_id === bo.id)
  t.equal(sent.length, 1)
  const link = linkIn(sent[0]!.body)
  const confirm = await app.inject({
    method: 'POST',
    url: `${link}/step-down`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: '',
  })
  t.equal(confirm.statusCode, 200)
  t.match(confirm.body, /Yes, step down/, 'the confirmation page first')
  t.equal((await memberOf('bo@example.org', '2030-03-01')).endedAt, null, 'nothing changed yet')
  const done = await app.inject({
    method: 'POST',
    url: `${link}/step-down`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'confirm=yes',
  })
  t.equal(done.statusCode, 200, done.body)
  t.match(done.body, /you stepped down/)
  const after = await memberOf('bo@example.org', '2030-03-01')
  t.ok(after.endedAt, 'Bo has left the team')
  t.equal((after.checkIn as { answer: string }).answer, 'step-down')
  const actions = (
    await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.actor, `member:${String(bo.id)}`))
  ).map((a) => a.action)
  t.ok(actions.includes('check-in.step-down'), 'the answer is audited')
  t.ok(actions.includes('member.step-down'), 'and so is the step-down')
  const reused = await app.inject({
    method: 'POST',
    url: `${link}/continue`,
    headers: json,
    payload: { confirm: true },
  })
  t.equal(reused.statusCode, 409)
})
