import t from 'tap'
import { sql } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { startFakeGoogle, textItem } from '../fakes/google.js'
import { teams } from '../../src/db/schema.js'
import { DEFAULT_POLICY } from '../../src/domain/policy.js'

// The real googleapis client, through rota's API, against a fake faithful to Google Forms.
const TOKEN = 'fake-google-token'
const fake = await startFakeGoogle({ accessToken: TOKEN })
t.teardown(() => fake.close())
// About two minutes on a quiet 2-core machine (its 12,000 responses are acknowledged as they are
// synced into the open call), over four on a busy one: more than tap's 120 s per file.
t.setTimeout(600_000)
const { app, staff, clock, db } = await build(t, {
  GOOGLE_API_ROOT_URL: fake.url,
  GOOGLE_ACCESS_TOKEN: TOKEN,
  GOOGLE_MAX_ATTEMPTS: '6',
  GOOGLE_RETRY_BASE_MS: '5',
  GOOGLE_RETRY_MAX_MS: '200',
})

async function api(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  const res = await app.inject({
    method,
    url,
    headers: staff,
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
  return { status: res.statusCode, body: res.body ? res.json() : null }
}

const form = fake.forms.addForm({
  formId: 'volunteer-form-2026',
  info: { title: 'IIIF Code of Conduct Team: volunteer' },
  settings: { emailCollectionType: 'VERIFIED' },
  items: [
    textItem('  Full name ', 'q-name'),
    textItem('Institution', 'q-inst'),
    textItem('Why?', 'q-why'),
    textItem('Why?', 'q-why2'),
  ],
})
fake.forms.addForm({
  formId: 'no-emails',
  info: { title: 'No emails' },
  settings: { emailCollectionType: 'DO_NOT_COLLECT' },
  items: [textItem('Full name', 'n'), textItem('Institution', 'i')],
})

const N = 12_000
const institutions = ['Alpha University', 'Beta Library', 'Gamma Museum', 'Delta Institute', 'Independent']
// 12,000 responses in February 2026: every tenth person answers twice, and pairs share a
// millisecond (differing below it), with one exact tie settled by responseId.
const base = Date.parse('2026-02-02T00:00:00Z')
const expected: Array<{ responseId: string; createTime: string; name: string; email: string; institution: string }> = []
for (let i = 0; i < N; i++) {
  const minute = new Date(base + Math.floor(i / 2) * 60_000).toISOString().slice(0, 19)
  const createTime = `${minute}${i === 6 || i === 7 ? '.500' : i % 2 === 0 ? '.100' : '.100400'}Z`
  const person = i % 10 === 9 ? i - 9 : i
  const entry = {
    responseId: `ACYDBN${String(i).padStart(8, '0')}`,
    createTime,
    name: `Volunteer ${person}`,
    email: `v${person}@example.org`,
    institution: `${institutions[person % institutions.length]}${person % 5 === 4 ? '' : ` ${person % 40}`}`,
  }
  expected.push(entry)
  fake.forms.addResponse(form.formId, {
    responseId: entry.responseId,
    createTime: entry.createTime,
    respondentEmail: entry.email,
    answers: { 'q-name': entry.name, 'q-inst': entry.institution, 'q-why': 'because' },
  })
}

let callId = ''

t.test('linking a form maps question titles to ids, and refuses what cannot work', async (t) => {
  callId = (
    await api('POST', '/teams/coc/calls', { opensAt: '2026-02-01T00:00:00Z', closesAt: '2026-03-01T00:00:00Z' })
  ).body.id
  const unknown = await api('PUT', `/calls/${callId}/form`, {
    formId: form.formId,
    questions: { name: 'Name', institution: 'Institution' },
  })
  t.equal(unknown.status, 422)
  t.equal(unknown.body.error.code, 'question-not-found')
  t.match(unknown.body.error.message, /body\.questions\.name.*"Name"/)
  const twice = await api('PUT', `/calls/${callId}/form`, {
    formId: form.formId,
    questions: { name: 'Full name', institution: 'Institution', email: 'why?' },
  })
  t.equal(twice.status, 422)
  t.equal(twice.body.error.code, 'question-ambiguous')
  const noEmails = await api('PUT', `/calls/${callId}/form`, {
    formId: 'no-emails',
    questions: { name: 'Full name', institution: 'Institution' },
  })
  t.equal(noEmails.status, 422)
  t.equal(noEmails.body.error.code, 'form-collects-no-email')
  const missing = await api('PUT', `/calls/${callId}/form`, {
    formId: 'nope',
    questions: { name: 'Full name', institution: 'Institution' },
  })
  t.equal(missing.status, 422)
  t.equal(missing.body.error.code, 'form-not-found')
  const linked = await api('PUT', `/calls/${callId}/form`, {
    formId: form.formId,
    questions: { name: 'full NAME', institution: 'Institution' },
  })
  t.equal(linked.status, 200)
  t.same(linked.body.questionIds, { name: 'q-name', institution: 'q-inst', email: null })
  t.equal(linked.body.emailSource, 'respondentEmail')
  t.same((await api('GET', `/calls/${callId}/form`)).body, linked.body)
})

t.test('a sync reads every page; a second sync writes nothing', async (t) => {
  clock.set('2026-02-20T00:00:00Z')
  const first = await api('POST', `/calls/${callId}/sync`)
  t.equal(first.status, 200, JSON.stringify(first.body))
  const { batchId, ...firstCounts } = first.body
  t.same(firstCounts, {
    fetched: N,
    skipped: 0,
    inserted: N,
    updated: 0,
    unchanged: 0,
    deletedUpstream: 0,
    warnings: [],
  })
  t.type(batchId, 'string', 'a sync that inserted responses is recorded as an import')
  const pages = fake.requests.filter((r) => r.path.endsWith('/responses')).length
  t.ok(pages >= 3, `several pages were read (${pages})`)
  const stamp = async () =>
    (
      (await db.execute(sql`select max(updated_at)::text as m, count(*)::int as n from responses`)) as unknown as {
        rows: { m: string; n: number }[]
      }
    ).rows[0]!
  const before = await stamp()
  const second = await api('POST', `/calls/${callId}/sync`)
  t.same(second.body, {
    batchId: null,
    fetched: N,
    skipped: 0,
    inserted: 0,
    updated: 0,
    unchanged: N,
    deletedUpstream: 0,
    warnings: [],
  })
  t.equal(
    (await api('GET', `/calls/${callId}/imports`)).body.imports.length,
    1,
    'a sync that changed nothing is not recorded',
  )
  t.same(await stamp(), before, 'no row was written')
})

t.test('exact instants: sub-millisecond order is kept, exact ties fall back to responseId', async (t) => {
  const responses = (await api('GET', `/calls/${callId}/responses`)).body.responses
  const byExternal = new Map(
    responses.map((r: { externalId: string; submittedAt: string }) => [r.externalId, r.submittedAt]),
  )
  t.equal(byExternal.get('ACYDBN00000000'), '2026-02-02T00:00:00.100Z')
  t.equal(byExternal.get('ACYDBN00000001'), '2026-02-02T00:00:00.100400Z', 'microseconds kept')
  const order = responses.map((r: { externalId: string }) => r.externalId)
  t.ok(order.indexOf('ACYDBN00000000') < order.indexOf('ACYDBN00000001'), '.100 before .100400')
  t.ok(order.indexOf('ACYDBN00000006') < order.indexOf('ACYDBN00000007'), 'an exact tie: responseId order')
})

t.test('edits keep their place and are shown; deleted responses are kept and flagged', async (t) => {
  fake.forms.editResponse(
    form.formId,
    'ACYDBN00000002',
    { 'q-name': 'Volunteer 2', 'q-inst': 'Beta Library 99', 'q-why': 'because' },
    '2026-02-15T10:00:00.123456Z',
  )
  fake.forms.deleteResponse(form.formId, 'ACYDBN00000004')
  const res = await api('POST', `/calls/${callId}/sync`)
  t.match(res.body, {
    fetched: N - 1,
    skipped: 0,
    inserted: 0,
    updated: 1,
    unchanged: N - 2,
    deletedUpstream: 1,
    warnings: [],
  })
  const preview = (await api('GET', `/calls/${callId}/selection`)).body
  const edited = preview.warnings.find((w: { code: string }) => w.code === 'edited-after-submission')
  t.ok(edited, 'an edit after submission is a warning')
  t.match(edited.message, /changed: institution/)
  const decision = preview.decisions.find((d: { externalId: string }) => d.externalId === 'ACYDBN00000002')
  t.equal(decision.submittedAt, '2026-02-02T00:01:00.100Z', 'it keeps its first place in line')
  t.equal(decision.institution, 'Beta Library 99', 'with the edited answer')
  t.ok(
    preview.warnings.some((w: { code: string; responseId: string }) => w.code === 'deleted-upstream'),
    'a deleted response is flagged',
  )
  t.equal(preview.decisions.length, N, 'nothing was dropped')
})

t.test('a 429 storm is ridden out with Retry-After; a longer one fails cleanly and changes nothing', async (t) => {
  fake.forms.failNext('responses.list', [
    { status: 429, retryAfter: '0' },
    429,
    { status: 429, retryAfter: '0' },
    500,
    503,
  ])
  const ridden = await api('POST', `/calls/${callId}/sync`)
  t.equal(ridden.status, 200, JSON.stringify(ridden.body))
  t.equal(ridden.body.unchanged, N - 1)
  fake.forms.addResponse(form.formId, {
    responseId: 'ACYDBZ-late-1',
    createTime: '2026-02-25T00:00:00Z',
    respondentEmail: 'late@example.org',
    answers: { 'q-name': 'Late', 'q-inst': 'Zeta' },
  })
  fake.forms.failNext('responses.list', [429, 429, 429, 429, 429, 429, 429])
  const failed = await api('POST', `/calls/${callId}/sync`)
  t.equal(failed.status, 502)
  t.equal(failed.body.error.code, 'google-rate-limited')
  t.equal((await api('GET', `/calls/${callId}/responses`)).body.responses.length, N, 'nothing changed')
  fake.forms.clearFailures()
})

t.test('Google refusing the credentials is a coded error saying what to fix', async (t) => {
  const other = await build(t, { GOOGLE_API_ROOT_URL: fake.url, GOOGLE_ACCESS_TOKEN: 'wrong-token' })
  const call = (
    await other.app.inject({
      method: 'POST',
      url: '/teams/coc/calls',
      headers: other.staff,
      payload: { opensAt: '2026-02-01T00:00:00Z' },
    })
  ).json()
  const res = await other.app.inject({
    method: 'PUT',
    url: `/calls/${call.id}/form`,
    headers: other.staff,
    payload: { formId: form.formId, questions: { name: 'Full name', institution: 'Institution' } },
  })
  t.equal(res.statusCode, 502)
  t.equal(res.json().error.code, 'google-auth')
  t.match(res.json().error.message, /GOOGLE_/)
})

t.test('closing syncs once more and gives the same selection as a JSON import of the same responses', async (t) => {
  clock.set('2026-03-02T00:00:00Z')
  const closed = await api('POST', `/calls/${callId}/close`)
  t.equal(closed.status, 200, JSON.stringify(closed.body).slice(0, 300))
  t.equal(closed.body.decisions.length, N + 1, 'the response added before closing was synced')

  // The same responses, as a JSON batch, in a call of a second team with the same policy.
  await db.insert(teams).values({ slug: 'coc-json', name: 'Comparison', policy: DEFAULT_POLICY })
  clock.set('2026-01-15T00:00:00Z')
  const jsonCall = (
    await api('POST', '/teams/coc-json/calls', { opensAt: '2026-02-01T00:00:00Z', closesAt: '2026-03-01T00:00:00Z' })
  ).body.id
  const current = [...fake.forms.responses(form.formId)].sort((a, b) => (a.responseId < b.responseId ? -1 : 1))
  const deleted = expected.find((e) => e.responseId === 'ACYDBN00000004')!
  const batch = [
    ...current.map((r) => ({
      externalId: r.responseId,
      submittedAt: r.createTime,
      name: r.answers!['q-name']!.textAnswers!.answers[0]!.value,
      email: r.respondentEmail!,
      institution: r.answers!['q-inst']!.textAnswers!.answers[0]!.value,
    })),
    {
      externalId: deleted.responseId,
      submittedAt: deleted.createTime,
      name: deleted.name,
      email: deleted.email,
      institution: deleted.institution,
    },
  ].sort((a, b) => (a.externalId < b.externalId ? -1 : 1))
  t.equal((await api('POST', `/calls/${jsonCall}/responses`, { responses: batch })).status, 200)
  clock.set('2026-03-02T00:00:00Z')
  const viaJson = (await api('POST', `/calls/${jsonCall}/close`)).body
  const strip = (s: { decisions: Array<Record<string, unknown>>; seats: unknown; shortfall: unknown }) => ({
    seats: s.seats,
    shortfall: s.shortfall,
    decisions: s.decisions.map(({ externalId, name, outcome, reason, seat, position, termEnd }) => ({
      externalId,
      name,
      outcome,
      reason,
      seat,
      position,
      termEnd,
    })),
  })
  t.same(strip(closed.body), strip(viaJson), 'the same decisions, in the same order')
  // No institution is a known consortium member here: four community seats fill, four consortium seats wait for staff.
  t.equal(closed.body.decisions.filter((d: { outcome: string }) => d.outcome === 'selected').length, 4)
  t.same(closed.body.shortfall, { consortium: 4, community: 0 })
})

t.test('a sync is an import staff can remove; a response removed alone is not brought back', async (t) => {
  const small = fake.forms.addForm({
    formId: 'small-form',
    info: { title: 'Small' },
    settings: { emailCollectionType: 'VERIFIED' },
    items: [textItem('Full name', 's-name'), textItem('Institution', 's-inst')],
  })
  for (const [i, name] of ['Ann', 'Bob', 'Cat'].entries())
    fake.forms.addResponse(small.formId, {
      responseId: `SMALL${i}`,
      createTime: `2026-05-02T00:00:0${i}Z`,
      respondentEmail: `${name.toLowerCase()}@example.org`,
      answers: { 's-name': name, 's-inst': 'Oxford' },
    })
  await db.insert(teams).values({ slug: 'coc-small', name: 'Small', policy: DEFAULT_POLICY })
  clock.set('2026-04-15T00:00:00Z')
  const call = (await api('POST', '/teams/coc-small/calls', { opensAt: '2026-05-01T00:00:00Z' })).body.id
  t.equal(
    (
      await api('PUT', `/calls/${call}/form`, {
        formId: small.formId,
        questions: { name: 'Full name', institution: 'Institution' },
      })
    ).status,
    200,
  )
  const first = await api('POST', `/calls/${call}/sync`)
  t.match(first.body, { inserted: 3 })
  t.match((await api('GET', `/calls/${call}/imports`)).body.imports, [
    {
      id: first.body.batchId,
      source: 'google',
      importedBy: 'STAFF_TOKEN',
      inserted: 3,
      options: { formId: 'small-form' },
    },
  ])

  const bob = (await api('GET', `/calls/${call}/responses`)).body.responses.find(
    (r: { name: string }) => r.name === 'Bob',
  )
  t.equal((await api('DELETE', `/calls/${call}/responses/${bob.id}`, { reason: 'Sent twice by mistake' })).status, 200)
  const again = await api('POST', `/calls/${call}/sync`)
  t.match(again.body, { inserted: 0, unchanged: 2, skipped: 1, batchId: null })
  const names = async () =>
    (await api('GET', `/calls/${call}/responses`)).body.responses.map((r: { name: string }) => r.name)
  t.same(await names(), ['Ann', 'Cat'], 'the sync did not bring Bob back')

  const removed = await api('DELETE', `/calls/${call}/imports/${first.body.batchId}`, { reason: 'Wrong form linked' })
  t.match(removed.body, { removedResponses: 2, remaining: 0 })
  t.same(await names(), [])
  const third = await api('POST', `/calls/${call}/sync`)
  t.match(
    third.body,
    { inserted: 2, skipped: 1 },
    'responses removed with their import come back at the next sync; Bob does not',
  )
  t.same(await names(), ['Ann', 'Cat'])
})
