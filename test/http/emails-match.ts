import t from 'tap'
import { build } from '../helpers/build.js'
import { addInstitutions, staffApi } from '../helpers/api.js'
import { deliverOutbox } from '../../src/services/outbox.js'
import { tick } from '../../src/services/tick.js'
import fs from 'node:fs'
import path from 'node:path'
import { NOTICE_SPECS, isNoticeKind } from '../../src/domain/notices.js'
import { outbox as table } from '../../src/db/schema.js'

// Emails that match what happened (issue 12): a change to the team between the decision to send
// an email and its sending is noticed when it is sent; changes to the team are told to the people
// concerned; and no email to a volunteer names another volunteer.
const built = await build(t)
const { app, staff, clock, deps } = built

const api = staffApi({ app, staff })

interface Row {
  id: string
  kind: string
  to: string | null
  subject: string
  status: string
  lastError: string | null
  memberId: string | null
}

/** Every outbox message, with its body (read from the database: the outbox routes list no bodies). */
async function outbox(): Promise<Array<Row & { body: string; messageId: string }>> {
  const listed = (await api('GET', '/outbox?limit=5000')).body.messages as Array<Row & { messageId: string }>
  const rows = await built.db.select({ id: table.id, body: table.body }).from(table)
  const bodies = new Map(rows.map((r) => [r.id, r.body]))
  return listed.map((m) => ({ ...m, body: bodies.get(m.id) ?? '' }))
}

const PEOPLE = {
  jane: { name: 'Jane Marsh', email: 'jane.marsh@example.org', institution: 'Alpha University' },
  tom: { name: 'Tom Quill', email: 'tom.quill@example.org', institution: 'Alpha University' },
  ada: { name: 'Ada Byron', email: 'ada.byron@example.org', institution: 'Beta Library' },
  blank: { name: '', email: 'no.name@example.org', institution: 'Gamma Works' },
  cy: { name: 'Cy Commons', email: 'cy.commons@example.org', institution: null },
  dee: { name: 'Dee Later', email: 'dee.later@example.org', institution: 'Delta Works' },
  pia: { name: 'Pia Appointed', email: 'pia.appointed@example.org', institution: 'Epsilon College' },
}

let callId = ''
let jane = ''

t.test('setup: a call closes; its emails are queued, not yet sent', async (t) => {
  await addInstitutions(t, api, ['Alpha University', 'Beta Library', 'Epsilon College'])
  t.equal(
    (await api('PATCH', '/teams/coc', { mailingList: 'list@example.org', staffEmail: 'staff@example.org' })).status,
    200,
  )
  clock.set('2026-02-01T00:00:00Z')
  const call = await api('POST', '/teams/coc/calls', {
    opensAt: '2026-02-01T00:00:00Z',
    closesAt: '2026-03-01T00:00:00Z',
    termStart: '2026-04-01T00:00:00Z',
    seats: { consortium: 1, community: 1 },
  })
  t.equal(call.status, 201, JSON.stringify(call.body))
  callId = call.body.id
  const order = [PEOPLE.jane, PEOPLE.tom, PEOPLE.ada, PEOPLE.blank, PEOPLE.cy, PEOPLE.dee]
  const imported = await api('POST', `/calls/${callId}/responses`, {
    responses: order.map((p, i) => ({
      submittedAt: `2026-02-03T10:${String(15 + i).padStart(2, '0')}:42.250Z`,
      name: p.name,
      email: p.email,
      institution: p.institution,
    })),
  })
  t.equal(imported.status, 200, JSON.stringify(imported.body))
  clock.set('2026-03-02T00:00:00Z')
  t.equal((await api('POST', `/calls/${callId}/close`)).status, 200)
  const members = (await api('GET', '/teams/coc/members')).body.members as Array<{ id: string; name: string }>
  jane = members.find((m) => m.name === PEOPLE.jane.name)!.id
  const kinds = (await outbox()).map((m) => `${m.kind}:${m.to}`).sort()
  t.same(kinds, [
    // Imported while the call was open: each response acknowledged (no tick sent them before the close).
    'acknowledged:ada.byron@example.org',
    'acknowledged:cy.commons@example.org',
    'acknowledged:dee.later@example.org',
    'acknowledged:jane.marsh@example.org',
    'acknowledged:no.name@example.org',
    'acknowledged:tom.quill@example.org',
    'alternate:ada.byron@example.org',
    'alternate:dee.later@example.org',
    'call-results:list@example.org',
    'not-selected:no.name@example.org',
    'not-selected:tom.quill@example.org',
    'selected:cy.commons@example.org',
    'selected:jane.marsh@example.org',
  ])
})

t.test('Jane steps down before her email went out: she is thanked, not told she was selected', async (t) => {
  clock.set('2026-03-03T00:00:00Z')
  const res = await api('POST', `/members/${jane}/step-down`, { reason: 'moved jobs', replacement: 'next-alternate' })
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.equal(res.body.replacement.name, PEOPLE.ada.name, 'Ada, the first alternate, is promoted')

  const report = await deliverOutbox(deps)
  // Jane's and Ada's result emails, and the six acknowledgements: the close came before they went out.
  t.match(report, { skipped: 8, failed: 0 })
  const rows = await outbox()
  const of = (kind: string, to: string) => rows.find((m) => m.kind === kind && m.to === to)!
  t.match(of('acknowledged', PEOPLE.tom.email), {
    status: 'skipped',
    lastError: /^skipped: the call closed before this email went out; the result email tells the volunteer/,
  })

  t.match(of('selected', PEOPLE.jane.email), {
    status: 'skipped',
    lastError: 'skipped: the volunteer stepped down (effective 2026-04-01T00:00:00Z) before this email went out',
  })
  t.match(of('alternate', PEOPLE.ada.email), {
    status: 'skipped',
    lastError: /^skipped: the volunteer has since joined the team \(promoted\)/,
  })
  const thanks = of('stepped-down', PEOPLE.jane.email)
  t.match(thanks, { status: 'sent', memberId: jane })
  t.match(thanks.body, /^Dear Jane Marsh,\n/)
  t.match(thanks.body, /your service ends 2026-04-01 00:00 UTC/)
  const promoted = of('replacement-selected', PEOPLE.ada.email)
  t.equal(promoted.status, 'sent')
  t.match(promoted.body, /Your term runs from 2026-04-01 00:00 UTC to 2028-04-01 00:00 UTC\./)
  t.notMatch(promoted.body, /Jane|Marsh/, 'Ada is not told who left')
  t.match(of('selected', PEOPLE.cy.email), { status: 'sent' }, 'everyone else hears as before')
  t.match(of('alternate', PEOPLE.dee.email), { status: 'sent' })

  const welcome = of('member-joined', 'list@example.org')
  t.equal(welcome.status, 'pending', 'the list hears nothing until her term starts')
  t.notMatch(welcome.body + welcome.subject, /Jane|Marsh|stepped/, 'nor who left, ever')
  t.match(welcome.body, /Welcome to Ada Byron \(Beta Library\), who joins the .* from 2026-04-01 00:00 UTC/)
  clock.set('2026-03-31T23:59:59Z')
  t.match(await deliverOutbox(deps), { sent: 0 })
  clock.set('2026-04-01T00:00:00Z')
  t.match(await deliverOutbox(deps), { sent: 1 })
  t.equal((await outbox()).find((m) => m.kind === 'member-joined')!.status, 'sent')
})

t.test('staff may still send a skipped email: its premise is then not checked again', async (t) => {
  const skipped = (await outbox()).find((m) => m.kind === 'selected' && m.to === PEOPLE.jane.email)!
  t.equal((await api('POST', `/outbox/${skipped.id}/retry`)).status, 200)
  t.match(await deliverOutbox(deps), { sent: 1, skipped: 0 })
  t.equal((await outbox()).find((m) => m.id === skipped.id)!.status, 'sent')
})

t.test('an appointment queues `appointed` with the seat and term', async (t) => {
  clock.set('2026-04-02T00:00:00Z')
  const res = await api('POST', '/teams/coc/members', {
    ...PEOPLE.pia,
    seat: 'consortium',
    termStart: '2026-05-01T00:00:00Z',
    termEnd: '2028-05-01T00:00:00Z',
    reason: 'recruited by staff',
    override: true,
  })
  t.equal(res.status, 201, JSON.stringify(res.body))
  const row = (await outbox()).find((m) => m.kind === 'appointed')!
  t.match(row, { to: PEOPLE.pia.email, memberId: res.body.id, status: 'pending' })
  t.match(row.body, /^Dear Pia Appointed,\n/)
  t.match(row.body, /IIIF Consortium seat\)\. Your term runs from 2026-05-01 00:00 UTC to 2028-05-01 00:00 UTC\./)
  t.match(await deliverOutbox(deps), { sent: 1 })

  // Recording the team's history is not news: a term that had already ended is not announced.
  const past = await api('POST', '/teams/coc/members', {
    name: 'Old Timer',
    email: 'old.timer@example.org',
    seat: 'staff',
    termStart: '2020-01-01T00:00:00Z',
    termEnd: '2022-01-01T00:00:00Z',
    reason: 'history',
  })
  t.equal(past.status, 201, JSON.stringify(past.body))
  t.match(
    (await outbox()).find((m) => m.memberId === past.body.id),
    {
      kind: 'appointed',
      status: 'skipped',
      lastError: 'skipped: the term had already ended (2022-01-01T00:00:00Z) when it was recorded',
    },
  )
})

t.test('a blank name gets a neutral greeting and a bare To', async (t) => {
  const row = (await outbox()).find((m) => m.to === PEOPLE.blank.email)!
  t.match(row.body, /^Hello,\n/)
  t.notMatch(row.body, /Dear\s*,/)
  const eml = fs.readFileSync(path.join(built.config.dataDir, 'mail', `${row.messageId.slice(1, -1)}.eml`), 'utf8')
  t.match(eml, /^To: no\.name@example\.org\r$/m, 'the To header is the bare address, without an empty name')
  t.match(eml, /\r\n\r\nHello,\r\n/, 'and the .eml reads as text')
})

t.test('Tom is not told that Jane volunteered first; staff still see who', async (t) => {
  const tom = (await outbox()).find((m) => m.to === PEOPLE.tom.email && m.kind === 'not-selected')!
  t.match(tom.body, /Another volunteer from Alpha University answered earlier \(at 2026-02-03 10:15:42 UTC\)/)
  const selection = (await api('GET', `/calls/${callId}/selection`)).body
  const staffView = JSON.stringify(selection)
  t.match(staffView, /Jane Marsh from Alpha University responded earlier/, 'the staff view keeps the full sentence')
})

t.test('no email to a volunteer or member names another person (every kind)', async (t) => {
  // Term-ending emails too: a tick a month before the terms end.
  clock.set('2028-03-15T00:00:00Z')
  await tick(deps, clock())
  const rows = await outbox()
  const kinds = new Set<string>()
  const people = Object.values(PEOPLE).filter((p) => p.name !== '')
  for (const row of rows) {
    if (!isNoticeKind(row.kind)) continue
    const audience = NOTICE_SPECS[row.kind].audience
    if (audience !== 'volunteer' && audience !== 'member') continue
    kinds.add(row.kind)
    for (const other of people) {
      if (other.email === row.to) continue
      const text = `${row.subject}\n${row.body}`
      for (const word of [...other.name.split(' '), other.email])
        t.notOk(text.includes(word), `${row.kind} to ${row.to} does not mention ${word}`)
    }
  }
  t.same(
    [...kinds].sort(),
    [
      'acknowledged',
      'alternate',
      'appointed',
      'not-selected',
      'replacement-selected',
      'selected',
      'stepped-down',
      'term-ending',
    ],
    'every kind sent to a volunteer or member was looked at',
  )
})
