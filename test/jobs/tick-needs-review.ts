import t from 'tap'
import { sql } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { addInstitutions, staffApi } from '../helpers/api.js'
import { tick, type TickReport } from '../../src/services/tick.js'

// A call whose responses name an institution with look-alike or invisible characters is not closed
// by the tick: it stays due, staff get one needs-review email (the call and a count, no volunteer's
// name or address), and staff close it themselves. Calls without such warnings close as before.
const { app, staff, clock, deps, db } = await build(t)

const api = staffApi({ app, staff })

interface Message {
  id: string
  kind: string
  to: string | null
  subject: string
  status: string
  callId: string | null
}
/** The outbox, less the announcement and reminder (the tick records them as skipped when it first meets a call after its window). */
async function outbox(): Promise<Message[]> {
  const res = await api('GET', '/outbox')
  if (res.status !== 200) throw new Error(`GET /outbox: ${res.status} ${JSON.stringify(res.body)}`)
  return (res.body.messages as Message[]).filter((m) => m.kind !== 'call-opened' && m.kind !== 'call-reminder')
}
/** What a tick did about closing a call. */
const closing = (actions: TickReport['actions'], callId: string) =>
  actions.filter((a) => a.callId === callId && a.type !== 'call-opened' && a.type !== 'call-reminder')

const VOLUNTEERS = [
  { name: 'Ada Plain', email: 'ada@example.org', institution: 'University of Oxford' },
  { name: 'Boris Lookalike', email: 'boris@example.org', institution: 'University of Oxf\u043Erd' },
  { name: 'Cleo Invisible', email: 'cleo@example.org', institution: 'University of Ox\u200Bford' },
  { name: 'Dan Elsewhere', email: 'dan@example.org', institution: 'Stanford University' },
]

async function callWith(opensAt: string, volunteers: typeof VOLUNTEERS): Promise<{ id: string; closesAt: string }> {
  clock.set(opensAt)
  const call = await api('POST', '/teams/coc/calls', { opensAt })
  if (call.status !== 201) throw new Error(JSON.stringify(call.body))
  const start = Date.parse(opensAt)
  const responses = volunteers.map((v, i) => ({
    ...v,
    submittedAt: new Date(start + (i + 1) * 3_600_000).toISOString(),
  }))
  const imported = await api('POST', `/calls/${call.body.id}/responses`, { responses })
  if (imported.status !== 200) throw new Error(JSON.stringify(imported.body))
  return { id: call.body.id, closesAt: call.body.closesAt }
}

t.test("setup: institutions and the team's addresses", async (t) => {
  await addInstitutions(t, api, ['University of Oxford', 'Stanford University'], { consortium: true, aliases: [] })
  t.equal(
    (await api('PATCH', '/teams/coc', { staffEmail: 'staff@iiif.example', mailingList: 'list@iiif.example' })).status,
    200,
  )
})

let held = { id: '', closesAt: '' }

t.test('a due call with look-alike institutions is held for staff, who hear about it once', async (t) => {
  held = await callWith('2026-02-01T00:00:00Z', VOLUNTEERS)
  const at = new Date(Date.parse(held.closesAt) + 60_000)
  clock.set(at)
  const report = await tick(deps, at)
  t.same(
    closing(report.actions, held.id).map((a) => ({ type: a.type, notice: a.notice, warnings: a.warnings })),
    [{ type: 'needs-review', notice: 'queued', warnings: 2 }],
    'the tick reports it held the call, with the number of warnings',
  )
  t.equal((await api('GET', `/calls/${held.id}`)).body.status, 'due', 'the call stays due')

  const preview = await api('GET', `/calls/${held.id}/selection`)
  t.equal(preview.body.status, 'preview', 'no selection was stored')
  const lookalikes = (
    preview.body.warnings as Array<{ code: string; responseId: string; suggestions: string[] }>
  ).filter((w) => w.code === 'confusable-institution')
  t.equal(lookalikes.length, 2, 'the preview shows both look-alikes')
  t.ok(
    lookalikes.every((w) => w.suggestions[0] === 'University of Oxford'),
    'each names the institution it was matched to',
  )
  t.same(
    (preview.body.decisions as Array<{ name: string; outcome: string }>).map((d) => [d.name, d.outcome]),
    [
      ['Ada Plain', 'selected'],
      ['Boris Lookalike', 'excluded'],
      ['Cleo Invisible', 'excluded'],
      ['Dan Elsewhere', 'selected'],
    ],
    'and one seat for Oxford however it is spelt',
  )

  // The acknowledgements the import queued while the call was open are not the close's.
  const messages = (await outbox()).filter((m) => m.callId === held.id && m.kind !== 'acknowledged')
  t.same(
    messages.map((m) => [m.kind, m.to]),
    [['needs-review', 'staff@iiif.example']],
    'one email, to staff; no results announced',
  )
  const [message] = messages
  const stored = (await db.execute(sql`select subject, body from outbox where id = ${message!.id}`)) as unknown as {
    rows: Array<{ subject: string; body: string }>
  }
  const text = `${stored.rows[0]!.subject}\n${stored.rows[0]!.body}`
  t.match(text, held.id, 'it names the call')
  t.match(text, 'Warnings to review: 2', 'and counts the warnings')
  for (const v of VOLUNTEERS) {
    t.notMatch(text, v.name, `no volunteer's name (${v.name})`)
    t.notMatch(text, v.email, 'nor address')
  }

  const later = new Date(at.getTime() + 3_600_000)
  clock.set(later)
  const again = await tick(deps, later)
  t.same(closing(again.actions, held.id), [], 'a later tick reports nothing new')
  t.equal(
    (await outbox()).filter((m) => m.callId === held.id && m.kind !== 'acknowledged').length,
    1,
    'and queues nothing more',
  )
  t.equal((await api('GET', `/calls/${held.id}`)).body.status, 'due', 'the call is still due')
})

t.test('staff close the held call as usual, and the results go out', async (t) => {
  const closed = await api('POST', `/calls/${held.id}/close`)
  t.equal(closed.status, 200)
  t.equal(closed.body.status, 'final')
  t.equal((await api('GET', `/calls/${held.id}`)).body.status, 'closed')
  const kinds = (await outbox())
    .filter((m) => m.callId === held.id && m.kind !== 'acknowledged')
    .map((m) => m.kind)
    .sort()
  t.same(
    kinds,
    ['call-results', 'needs-review', 'not-selected', 'not-selected', 'selected', 'selected', 'shortfall'],
    'the results, once, beside the one needs-review email',
  )
  const next = new Date(clock().getTime() + 60_000)
  clock.set(next)
  t.same(closing((await tick(deps, next)).actions, held.id), [], 'the tick has nothing left to do for it')
})

t.test('a call without look-alikes is still closed by the tick', async (t) => {
  const plain = await callWith(
    '2026-04-01T00:00:00Z',
    [VOLUNTEERS[0]!, VOLUNTEERS[3]!].map((v) => ({ ...v, email: `again.${v.email}` })),
  )
  const at = new Date(Date.parse(plain.closesAt) + 60_000)
  clock.set(at)
  const report = await tick(deps, at)
  t.match(
    closing(report.actions, plain.id),
    [{ type: 'call-closed', selected: 0, decisions: 2 }],
    'closed (Ada and Dan already serve, so nobody new is selected)',
  )
  t.equal((await api('GET', `/calls/${plain.id}`)).body.status, 'closed')
  t.notOk(
    (await outbox()).some((m) => m.callId === plain.id && m.kind === 'needs-review'),
    'no needs-review email',
  )
})

t.test('without a staffEmail the needs-review email is recorded as skipped, once', async (t) => {
  t.equal((await api('PATCH', '/teams/coc', { staffEmail: null })).status, 200)
  const call = await callWith('2026-06-01T00:00:00Z', [
    { name: 'Eve Lookalike', email: 'eve@example.org', institution: '\u0405tanford University' },
  ])
  const at = new Date(Date.parse(call.closesAt) + 60_000)
  clock.set(at)
  const report = await tick(deps, at)
  t.match(closing(report.actions, call.id), [
    { type: 'needs-review', notice: 'skipped', reason: /staffEmail/, warnings: 1 },
  ])
  t.same(
    (await outbox()).filter((m) => m.callId === call.id && m.kind !== 'acknowledged').map((m) => [m.kind, m.status]),
    [['needs-review', 'skipped']],
  )
  t.equal((await api('GET', `/calls/${call.id}`)).body.status, 'due')
})
