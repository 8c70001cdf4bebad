import t from 'tap'
import { build } from '../helpers/build.js'
import { staffApi } from '../helpers/api.js'
import { startFakeGoogle, textItem } from '../fakes/google.js'

// Google Forms answers are not typed by staff and cannot be refused without losing a volunteer: an
// address that fails rota's email check is kept out of the outbox (the response is stored without
// it, so the selection excludes it), and the sync warns about the response by id, not by address.
const TOKEN = 'fake-google-token'
const fake = await startFakeGoogle({ accessToken: TOKEN })
t.teardown(() => fake.close())
const { app, staff, clock } = await build(t, {
  GOOGLE_API_ROOT_URL: fake.url,
  GOOGLE_ACCESS_TOKEN: TOKEN,
  GOOGLE_MAX_ATTEMPTS: '2',
  GOOGLE_RETRY_BASE_MS: '5',
})

const api = staffApi({ app, staff })

const form = fake.forms.addForm({
  formId: 'emails-form',
  info: { title: 'Volunteer\u0000 form' },
  settings: { emailCollectionType: 'RESPONDER_INPUT' },
  items: [textItem('Name', 'n'), textItem('Institution', 'i')],
})
const volunteers: Array<{ id: string; email: string; name: string; institution: string }> = [
  { id: 'R1', email: 'ann@example.org', name: 'Ann', institution: 'Alpha' },
  { id: 'R2', email: 'ben@example.org\r\nBcc: evil@example.org', name: 'Ben', institution: 'Beta' },
  { id: 'R3', email: 'cat@example.org, evil@example.org', name: 'Cat', institution: 'Gamma' },
  { id: 'R4', email: 'Dee <dee@example.org>', name: 'Dee', institution: 'Delta' },
  { id: 'R5', email: 'eve@example.org', name: 'Eve\u0000\r\nBcc: x', institution: 'Eps\ud800ilon' },
]
volunteers.forEach((v, i) =>
  fake.forms.addResponse(form.formId, {
    responseId: v.id,
    createTime: `2026-02-0${i + 2}T10:00:00Z`,
    respondentEmail: v.email,
    answers: { n: v.name, i: v.institution },
  }),
)

t.test('a sync keeps every response, drops the addresses that fail the check, and names those responses', async (t) => {
  t.equal(
    (await api('PATCH', '/teams/coc', { mailingList: 'list@example.org', staffEmail: 'staff@example.org' })).status,
    200,
  )
  const callId = (
    await api('POST', '/teams/coc/calls', { opensAt: '2026-02-01T00:00:00Z', closesAt: '2026-03-01T00:00:00Z' })
  ).body.id as string
  const linked = await api('PUT', `/calls/${callId}/form`, {
    formId: form.formId,
    questions: { name: 'Name', institution: 'Institution' },
  })
  t.equal(linked.status, 200, JSON.stringify(linked.body))
  t.equal(linked.body.formTitle, 'Volunteer  form', 'a NUL in the form title is not stored')

  clock.set('2026-02-20T00:00:00Z')
  const sync = await api('POST', `/calls/${callId}/sync`)
  t.equal(sync.status, 200, JSON.stringify(sync.body))
  t.match(sync.body, { fetched: 5, inserted: 5 })
  t.same(
    sync.body.warnings.map((w: { responseId: string; code: string }) => [w.responseId, w.code]),
    [
      ['R2', 'invalid-email'],
      ['R3', 'invalid-email'],
      ['R4', 'invalid-email'],
    ],
  )
  t.notOk(/evil|dee@|ben@|cat@/.test(JSON.stringify(sync.body)), 'the warnings do not repeat the addresses')

  const stored = (await api('GET', `/calls/${callId}/responses`)).body.responses as Array<{
    externalId: string
    email: string
    name: string
    institution: string
  }>
  t.same(
    stored.map((r) => [r.externalId, r.email]),
    [
      ['R1', 'ann@example.org'],
      ['R2', ''],
      ['R3', ''],
      ['R4', ''],
      ['R5', 'eve@example.org'],
    ],
    'every response is kept; the refused addresses are blank',
  )
  const eve = stored.find((r) => r.externalId === 'R5')!
  t.equal(eve.name, 'Eve Bcc: x', 'a NUL and line breaks in a name become a space: the sync does not fail')
  t.equal(eve.institution, 'Eps\ufffdilon', 'a lone surrogate becomes U+FFFD')

  const again = await api('POST', `/calls/${callId}/sync`)
  t.match(again.body, { inserted: 0, updated: 0, unchanged: 5 }, 'a second sync changes nothing')
  t.equal(again.body.warnings.length, 3, 'and warns again')

  clock.set('2026-03-02T00:00:00Z')
  const closed = await api('POST', `/calls/${callId}/close`)
  t.equal(closed.status, 200, JSON.stringify(closed.body).slice(0, 300))
  const reasons = Object.fromEntries(
    closed.body.decisions.map((d: { externalId: string; outcome: string; reason: string | null }) => [
      d.externalId,
      `${d.outcome}:${d.reason}`,
    ]),
  )
  t.same(
    [reasons.R2, reasons.R3, reasons.R4],
    ['excluded:missing-fields', 'excluded:missing-fields', 'excluded:missing-fields'],
    'the selection excludes them',
  )
  t.equal(reasons.R1, 'selected:null')

  const messages = (await api('GET', '/outbox')).body.messages as Array<{ to: string | null; kind: string }>
  t.ok(
    messages.some((m) => m.to === 'ann@example.org'),
    'the valid address gets its email',
  )
  t.notOk(
    messages.some((m) => m.to !== null && /evil|ben@|cat@|dee@/.test(m.to)),
    'no refused address reaches the outbox',
  )
})
