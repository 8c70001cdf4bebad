import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { build } from '../helpers/build.js'
import { staffApi, type Method } from '../helpers/api.js'
import { parseMessage } from '../fakes/google.js'
import { tick } from '../../src/services/tick.js'

// The log transport writes each email to DATA_DIR/mail/*.eml: a folder of our own, removed afterwards.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-templates-'))
t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
const mailDir = path.join(dataDir, 'mail')
const { app, staff, clock, deps } = await build(t, { DATA_DIR: dataDir })

const KINDS = [
  'call-scheduled',
  'call-opened',
  'call-reminder',
  'acknowledged',
  'call-results',
  'selected',
  'alternate',
  'not-selected',
  'shortfall',
  'needs-review',
  'term-ending',
  'replacement-selected',
  'appointed',
  'stepped-down',
  'member-joined',
  'privacy-notice',
  // Check-ins (issue 14).
  'check-in',
  'check-in-overdue',
  'approval-requested',
  'approval-reminder',
]

const api = staffApi({ app, staff })

interface Problem {
  field: string
  message: string
}
const problems = (body: { error: { details?: { problems?: Problem[] } } }): Problem[] =>
  body.error.details?.problems ?? []

interface OutboxMessage {
  id: string
  kind: string
  subject: string
  status: string
  callId: string | null
  to: string | null
  messageId: string
}
async function outbox(): Promise<OutboxMessage[]> {
  const res = await api('GET', '/outbox')
  if (res.status !== 200) throw new Error(`GET /outbox: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.messages
}

/** The .eml file the log transport wrote for a Message-ID (named after it, as mail-log.ts names it). */
function emlFor(messageId: string): string {
  return path.join(mailDir, `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`)
}

t.test('the list shows every kind, with the default wording and its placeholders', async (t) => {
  const res = await api('GET', '/teams/coc/templates')
  t.equal(res.status, 200)
  const templates = res.body.templates as Array<{
    kind: string
    custom: boolean
    placeholders: string[]
    subject: string
    body: string
    updatedBy: string | null
    audience: string
  }>
  t.same(templates.map((x) => x.kind).sort(), [...KINDS].sort(), 'every kind, each once')
  for (const template of templates) {
    t.equal(template.custom, false, `${template.kind}: default wording`)
    t.equal(template.updatedBy, null, `${template.kind}: nobody changed it`)
    t.ok(template.placeholders.length > 0, `${template.kind}: lists its placeholders`)
    t.ok(template.placeholders.includes('team'), `${template.kind}: {{team}} is a placeholder`)
    t.ok(template.subject.length > 0 && template.body.length > 0, `${template.kind}: has wording`)
  }
  const opened = templates.find((x) => x.kind === 'call-opened')!
  t.equal(opened.audience, 'mailing-list')
  t.ok(opened.placeholders.includes('closesAt') && opened.placeholders.includes('formUrl'))
  t.notOk(opened.placeholders.includes('name'), 'call-opened has no {{name}} (it goes to the list)')
})

t.test('one kind; an unknown kind or team is a coded 404', async (t) => {
  const one = await api('GET', '/teams/coc/templates/selected')
  t.equal(one.status, 200)
  t.match(one.body, { kind: 'selected', custom: false, audience: 'volunteer' })
  t.ok(one.body.placeholders.includes('name') && one.body.placeholders.includes('termEnd'))
  t.match(one.body.subject, /\{\{team\}\}/)

  const kind = await api('GET', '/teams/coc/templates/call-opend')
  t.equal(kind.status, 404)
  t.equal(kind.body.error.code, 'template-kind-not-found')
  t.match(kind.body.error.message, 'call-opened', 'the message lists the kinds')

  for (const [method, url, payload] of [
    ['GET', '/teams/nope/templates', undefined],
    ['GET', '/teams/nope/templates/call-opened', undefined],
    ['PUT', '/teams/nope/templates/call-opened', { subject: 'S', body: 'B' }],
    ['DELETE', '/teams/nope/templates/call-opened', undefined],
    ['POST', '/teams/nope/templates/call-opened/preview', {}],
  ] as const) {
    const res = await api(method, url, payload)
    t.equal(res.status, 404, `${method} ${url}: 404`)
    t.equal(res.body.error.code, 'team-not-found', `${method} ${url}: team-not-found`)
  }
  for (const [method, payload] of [
    ['PUT', { subject: 'S', body: 'B' }],
    ['DELETE', undefined],
    ['POST', {}],
  ] as const) {
    const url = `/teams/coc/templates/nope${method === 'POST' ? '/preview' : ''}`
    const res = await api(method, url, payload)
    t.equal(res.status, 404, `${method} ${url}: 404`)
    t.equal(res.body.error.code, 'template-kind-not-found', `${method} ${url}: template-kind-not-found`)
  }
})

t.test('every template route needs a staff token', async (t) => {
  const routes: Array<[Method, string, unknown]> = [
    ['GET', '/teams/coc/templates', undefined],
    ['GET', '/teams/coc/templates/call-opened', undefined],
    ['PUT', '/teams/coc/templates/call-opened', { subject: 'Hijacked', body: 'Hijacked' }],
    ['DELETE', '/teams/coc/templates/call-opened', undefined],
    ['POST', '/teams/coc/templates/call-opened/preview', {}],
  ]
  for (const [method, url, payload] of routes) {
    const missing = await api(method, url, payload, {})
    t.equal(missing.status, 401, `${method} ${url} without a token: 401`)
    t.equal(missing.body.error.code, 'missing-token')
    const wrong = await api(method, url, payload, { authorization: 'Bearer not-a-token' })
    t.equal(wrong.status, 401, `${method} ${url} with a wrong token: 401`)
    t.equal(wrong.body.error.code, 'invalid-token')
  }
  const after = await api('GET', '/teams/coc/templates/call-opened')
  t.equal(after.body.custom, false, 'nothing was saved')
  t.notMatch(after.body.subject, /Hijacked/)
})

const SAVED = {
  subject: '[{{team}}] Volunteers wanted until {{closesAt}}',
  body: 'Hello list,\n\nThe {{team}} needs {{seatsTotal}} volunteers. Sign up: {{formUrl}}\nTerms start {{termStart}}.',
}

t.test('PUT saves the wording, GET reads it back', async (t) => {
  clock.set('2026-01-15T12:00:00Z')
  const put = await api('PUT', '/teams/coc/templates/call-opened', SAVED)
  t.equal(put.status, 200, JSON.stringify(put.body))
  t.match(put.body, { kind: 'call-opened', custom: true, ...SAVED, updatedAt: '2026-01-15T12:00:00.000Z' })
  t.type(put.body.updatedBy, 'string')
  t.ok(put.body.updatedBy.length > 0, `updatedBy names the token (${put.body.updatedBy})`)

  const got = await api('GET', '/teams/coc/templates/call-opened')
  t.same(got.body, put.body, 'GET shows what PUT saved')
  const list = await api('GET', '/teams/coc/templates')
  const custom = (list.body.templates as Array<{ kind: string; custom: boolean }>)
    .filter((x) => x.custom)
    .map((x) => x.kind)
  t.same(custom, ['call-opened'], 'only that kind is custom')
})

t.test('a bad template is a 400 naming the field and the problem, and changes nothing', async (t) => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    [
      'misspelt placeholder in the body',
      { subject: 'Fine {{team}}', body: 'Dear {{nmae}}' },
      'body.body',
      /\{\{nmae\}\}/,
    ],
    ['misspelt placeholder in the subject', { subject: 'Hi {{nmae}}', body: 'Fine' }, 'body.subject', /\{\{nmae\}\}/],
    ['a placeholder of another kind', { subject: 'Hi', body: 'Dear {{name}}' }, 'body.body', /\{\{name\}\}/],
    ['a blank subject', { subject: '   ', body: 'Fine' }, 'body.subject', /blank/],
    ['an unclosed placeholder', { subject: 'Hi', body: 'Closes {{closesAt' }, 'body.body', /\{\{/],
  ]
  for (const [label, payload, field, message] of cases) {
    const res = await api('PUT', '/teams/coc/templates/call-opened', payload)
    t.equal(res.status, 400, `${label}: 400`)
    t.equal(res.body.error.code, 'invalid-template', `${label}: invalid-template`)
    const problem = problems(res.body).find((p) => p.field === field)
    t.ok(problem, `${label}: names ${field} (got ${JSON.stringify(problems(res.body))})`)
    t.match(problem?.message ?? '', message, `${label}: says what is wrong`)
  }
  const schema: Array<[string, unknown, string]> = [
    ['an extra key', { ...SAVED, from: 'evil@example.org' }, 'body.from'],
    ['no body', { subject: 'Only a subject' }, 'body.body'],
    ['an empty subject', { subject: '', body: 'Fine' }, 'body.subject'],
    ['a multi-line subject', { subject: 'Line one\nBcc: everyone@example.org', body: 'Fine' }, 'body.subject'],
  ]
  for (const [label, payload, field] of schema) {
    const res = await api('PUT', '/teams/coc/templates/call-opened', payload)
    t.equal(res.status, 400, `${label}: 400`)
    t.ok(
      problems(res.body).some((p) => p.field === field),
      `${label}: names ${field} (got ${JSON.stringify(problems(res.body))})`,
    )
    if (label === 'a multi-line subject')
      t.match(res.body.error.message, /body\.subject must be one line/, `${label}: says what is wrong`)
  }
  const after = await api('GET', '/teams/coc/templates/call-opened')
  t.match(after.body, { custom: true, ...SAVED }, 'the saved wording is still there')
})

t.test('preview renders the saved wording with examples and the team’s own name', async (t) => {
  const renamed = await api('PATCH', '/teams/coc', {
    name: 'Example Conduct Team',
    formUrl: 'https://forms.gle/team-form',
  })
  t.equal(renamed.status, 200)

  const saved = await api('POST', '/teams/coc/templates/call-opened/preview', {})
  t.equal(saved.status, 200, JSON.stringify(saved.body))
  t.equal(saved.body.subject, '[Example Conduct Team] Volunteers wanted until 2027-03-01 00:00 UTC')
  t.equal(
    saved.body.body,
    'Hello list,\n\nThe Example Conduct Team needs 4 volunteers. Sign up: https://forms.gle/team-form\nTerms start 2027-03-01 00:00 UTC.',
  )
  t.notMatch(saved.body.subject + saved.body.body, /\{\{/, 'no placeholder left')
  t.equal(saved.body.values.team, 'Example Conduct Team')

  const noBody = await app.inject({ method: 'POST', url: '/teams/coc/templates/call-opened/preview', headers: staff })
  t.equal(noBody.statusCode, 200, 'a preview with no body at all renders the saved wording')
  t.equal(noBody.json().subject, saved.body.subject)

  const reminder = await api('POST', '/teams/coc/templates/call-reminder/preview', {})
  t.equal(reminder.status, 200)
  t.equal(
    reminder.body.subject,
    '[Example Conduct Team] Reminder: the call for volunteers closes 2027-03-01 00:00 UTC',
    'an unsaved kind previews its default',
  )

  await api('PATCH', '/teams/coc', { name: 'IIIF Code of Conduct Team', formUrl: null })
})

t.test('preview renders a draft without saving it; values replace the examples', async (t) => {
  const draft = await api('POST', '/teams/coc/templates/call-opened/preview', {
    subject: 'Draft for {{team}}: {{seatsCommunity}} community seats',
  })
  t.equal(draft.status, 200, JSON.stringify(draft.body))
  t.equal(draft.body.subject, 'Draft for IIIF Code of Conduct Team: 2 community seats')
  t.match(draft.body.body, /^Hello list,/, 'the saved body fills in for the part the draft leaves out')

  const values = await api('POST', '/teams/coc/templates/call-opened/preview', {
    values: { closesAt: 'the end of June', seatsTotal: '7' },
  })
  t.equal(values.status, 200)
  t.equal(values.body.subject, '[IIIF Code of Conduct Team] Volunteers wanted until the end of June')
  t.match(values.body.body, 'needs 7 volunteers')

  const bad = await api('POST', '/teams/coc/templates/call-opened/preview', { body: 'Dear {{nmae}}' })
  t.equal(bad.status, 400, 'a draft is checked as a save is')
  t.ok(problems(bad.body).some((p) => p.field === 'body.body' && p.message.includes('{{nmae}}')))

  const notPlaceholder = await api('POST', '/teams/coc/templates/call-opened/preview', { values: { name: 'Ada' } })
  t.equal(notPlaceholder.status, 400, 'a value for something that is not a placeholder of the kind')
  t.ok(
    problems(notPlaceholder.body).some((p) => p.field === 'body.values.name'),
    JSON.stringify(notPlaceholder.body),
  )

  const extra = await api('POST', '/teams/coc/templates/call-opened/preview', {
    subject: 'X',
    to: 'someone@example.org',
  })
  t.equal(extra.status, 400)
  t.ok(problems(extra.body).some((p) => p.field === 'body.to'))

  const after = await api('GET', '/teams/coc/templates/call-opened')
  t.match(after.body, { custom: true, ...SAVED }, 'previews saved nothing')
})

t.test('DELETE goes back to the default wording', async (t) => {
  const defaults = (await api('GET', '/teams/coc/templates/call-reminder')).body
  t.equal(
    (await api('PUT', '/teams/coc/templates/call-reminder', { subject: 'Custom reminder', body: 'Custom' })).status,
    200,
  )
  t.equal((await api('GET', '/teams/coc/templates/call-reminder')).body.subject, 'Custom reminder')
  const reset = await api('DELETE', '/teams/coc/templates/call-reminder')
  t.equal(reset.status, 200)
  t.match(reset.body, {
    custom: false,
    subject: defaults.subject,
    body: defaults.body,
    updatedBy: null,
    updatedAt: null,
  })
  t.same((await api('GET', '/teams/coc/templates/call-reminder')).body, defaults, 'GET shows the default again')
  const again = await api('DELETE', '/teams/coc/templates/call-reminder')
  t.equal(again.status, 200, 'resetting a default kind is harmless')
  t.equal(again.body.custom, false)
})

let callId = ''
let openedMessage: OutboxMessage | undefined
const EXPECTED_SUBJECT = '[IIIF Code of Conduct Team] Volunteers wanted until 2026-03-01 00:00 UTC'

t.test('the saved template is what the announcement uses', async (t) => {
  clock.set('2026-01-15T12:00:00Z')
  t.equal((await api('PATCH', '/teams/coc', { mailingList: 'iiif-discuss@example.org' })).status, 200)
  t.equal((await api('PUT', '/teams/coc/templates/call-opened', SAVED)).status, 200)
  const call = await api('POST', '/teams/coc/calls', { opensAt: '2026-02-01T00:00:00Z' })
  t.equal(call.status, 201, JSON.stringify(call.body))
  callId = call.body.id

  const at = new Date('2026-02-01T06:00:00Z')
  clock.set(at)
  const report = await tick(deps, at)
  t.same(
    report.actions.filter((a) => a.callId === callId).map((a) => [a.type, a.notice]),
    [['call-opened', 'queued']],
  )
  t.equal(report.outbox.sent, 1, 'the log transport wrote it')

  const messages = (await outbox()).filter((m) => m.kind === 'call-opened')
  t.equal(messages.length, 1, 'one announcement')
  openedMessage = messages[0]
  t.match(openedMessage, { subject: EXPECTED_SUBJECT, status: 'sent', to: 'iiif-discuss@example.org', callId })

  const file = emlFor(openedMessage!.messageId)
  t.ok(fs.existsSync(file), `the .eml exists under DATA_DIR/mail (${path.basename(file)})`)
  const eml = parseMessage(fs.readFileSync(file, 'utf8'))
  t.equal(eml.headers['subject'], EXPECTED_SUBJECT)
  t.equal(eml.headers['to'], 'iiif-discuss@example.org')
  const body = eml.text
  t.match(body, 'The IIIF Code of Conduct Team needs', 'the body is the custom body too')
  t.notMatch(body, /\{\{/, 'with every placeholder filled')

  const again = await tick(deps, at)
  t.same(again.actions, [], 'a second tick queues nothing more')
  t.equal((await outbox()).filter((m) => m.kind === 'call-opened').length, 1)
})

t.test('editing the template after queueing leaves the queued message alone', async (t) => {
  const edited = await api('PUT', '/teams/coc/templates/call-opened', {
    subject: 'Edited: {{team}}',
    body: 'Edited body',
  })
  t.equal(edited.status, 200)
  const messages = (await outbox()).filter((m) => m.kind === 'call-opened')
  t.equal(messages.length, 1)
  t.equal(messages[0]!.subject, EXPECTED_SUBJECT, 'the queued subject is the one rendered then')
  t.equal(parseMessage(fs.readFileSync(emlFor(messages[0]!.messageId), 'utf8')).headers['subject'], EXPECTED_SUBJECT)
})

t.test('a message still waiting to be sent goes out with the wording it was queued with', async (t) => {
  t.equal(
    (
      await api('PUT', '/teams/coc/templates/call-reminder', {
        subject: 'First wording: closes {{closesAt}}',
        body: 'First body',
      })
    ).status,
    200,
  )
  // Something in the way of DATA_DIR/mail: the send fails and the reminder waits for a retry.
  fs.renameSync(mailDir, `${mailDir}.aside`)
  fs.writeFileSync(mailDir, 'not a folder')
  const at = new Date('2026-02-22T06:00:00Z') // reminderDays (7) before 2026-03-01
  clock.set(at)
  const first = await tick(deps, at)
  t.same(
    first.actions.map((a) => [a.type, a.callId, a.notice]),
    [['call-reminder', callId, 'queued']],
  )
  t.equal(first.outbox.retrying, 1, 'the send failed and will be retried')
  const [queued] = (await outbox()).filter((m) => m.kind === 'call-reminder')
  t.match(queued, { status: 'pending', subject: 'First wording: closes 2026-03-01 00:00 UTC' })

  t.equal(
    (await api('PUT', '/teams/coc/templates/call-reminder', { subject: 'Second wording', body: 'Second body' })).status,
    200,
  )
  fs.rmSync(mailDir)
  fs.renameSync(`${mailDir}.aside`, mailDir)
  const later = new Date('2026-02-22T08:00:00Z')
  clock.set(later)
  const second = await tick(deps, later)
  t.equal(second.outbox.sent, 1, 'sent on the retry')
  const [sent] = (await outbox()).filter((m) => m.kind === 'call-reminder')
  t.match(sent, { id: queued!.id, status: 'sent', subject: 'First wording: closes 2026-03-01 00:00 UTC' })
  const eml = parseMessage(fs.readFileSync(emlFor(sent!.messageId), 'utf8'))
  t.equal(eml.headers['subject'], 'First wording: closes 2026-03-01 00:00 UTC')
  t.notMatch(`${eml.headers['subject']}\n${eml.text}`, 'Second wording')
})
