import t, { type Test } from 'tap'
import { eq } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { addInstitutions, staffApi } from '../helpers/api.js'
import { tick } from '../../src/services/tick.js'
import { outbox as table } from '../../src/db/schema.js'

// The approval step (issue 14): under `approval: committee`, a close proposes; nobody joins, and no
// volunteer hears anything, until the committee approves.
const built = await build(t)
const { app, staff, clock, deps } = built
const api = staffApi({ app, staff })

const APPROVER = 'committee@example.org'

interface Mail {
  kind: string
  to: string | null
  status: string
  body: string
  lastError: string | null
  callId: string | null
}

/**
 * Every outbox row (emails and webhook deliveries), with bodies, less the acknowledgements queued at
 * import (about receiving a response, not its outcome: once the call closed they are skipped unsent).
 */
async function outbox(callId?: string): Promise<Mail[]> {
  const rows = await built.db
    .select({
      kind: table.kind,
      to: table.toAddress,
      status: table.status,
      body: table.body,
      lastError: table.lastError,
      callId: table.callId,
    })
    .from(table)
  return rows.filter((r) => r.kind !== 'acknowledged' && (callId === undefined || r.callId === callId))
}

/** The emails a close causes (the call's announcements left out). */
const isResult = (m: Mail) => ['call-results', 'selected', 'alternate', 'not-selected', 'shortfall'].includes(m.kind)

const names = (list: Array<{ name: string }>) => list.map((m) => m.name).sort()

/** A call with `people` answering in order (name, institution), closed early; returns its id and selection. */
async function closedCall(
  t: Test,
  opensAt: string,
  seats: { consortium: number; community: number },
  people: Array<[string, string]>,
) {
  clock.set(opensAt)
  const start = new Date(opensAt)
  const iso = (days: number) => new Date(start.getTime() + days * 86_400_000).toISOString()
  const call = await api('POST', '/teams/coc/calls', { opensAt, closesAt: iso(28), termStart: iso(60), seats })
  t.equal(call.status, 201, JSON.stringify(call.body))
  const imported = await api('POST', `/calls/${call.body.id}/responses`, {
    responses: people.map(([name, institution], i) => ({
      submittedAt: iso(1 + i / 100),
      name,
      email: `${name.toLowerCase().replace(/ /g, '.')}@example.org`,
      institution,
    })),
  })
  t.equal(imported.status, 200, JSON.stringify(imported.body))
  clock.set(iso(2))
  const closed = await api('POST', `/calls/${call.body.id}/close`, { early: true })
  t.equal(closed.status, 200, JSON.stringify(closed.body))
  return { id: call.body.id as string, selection: closed.body }
}

t.before(async () => {
  await addInstitutions(t as never, api, [
    'Alpha University',
    'Beta Library',
    'Gamma Museum',
    'Delta Archive',
    'Zeta Hall',
    'Eta House',
    'Theta Works',
  ])
  const patched = await api('PATCH', '/teams/coc', {
    mailingList: 'list@example.org',
    staffEmail: 'staff@example.org',
    // Staff create the calls here: the tick must not schedule its own in between.
    policy: { autoScheduleDays: 0, approval: { mode: 'committee', approverEmail: APPROVER } },
  })
  if (patched.status !== 200) throw new Error(JSON.stringify(patched.body))
  const hook = await api('POST', '/teams/coc/webhooks', {
    url: 'https://hooks.example.org/rota',
    events: ['roster.changed'],
  })
  if (hook.status !== 201) throw new Error(JSON.stringify(hook.body))
})

t.test('the policy: staff see the approver, the public only that there is an approval step', async (t) => {
  t.same((await api('GET', '/teams/coc/settings')).body.policy.approval, { mode: 'committee', approverEmail: APPROVER })
  const open = await app.inject({ method: 'GET', url: '/teams/coc' })
  t.same(open.json().policy.approval, { mode: 'committee' })
  t.notMatch(open.body, APPROVER)
  const bad = await api('PATCH', '/teams/coc', { policy: { approval: { mode: 'committee', approverEmail: 'a b' } } })
  t.equal(bad.status, 400)
  t.match(bad.body.error.details.problems, [{ field: 'body.policy.approval.approverEmail' }])
})

let first = ''
let ada = ''
let bea = ''
let cal = ''
t.test('a close proposes: no member, no volunteer email, the approver asked once and reminded weekly', async (t) => {
  const rosterChangesBefore = (await outbox()).filter((m) => m.kind === 'roster.changed').length
  const { id, selection } = await closedCall(t, '2026-02-01T00:00:00Z', { consortium: 2, community: 0 }, [
    ['Ada Alpha', 'Alpha University'],
    ['Bea Beta', 'Beta Library'],
    ['Cal Gamma', 'Gamma Museum'],
  ])
  first = id
  t.equal(selection.approval.status, 'pending')
  t.same(
    selection.approval.proposals.map((p: { name: string; status: string }) => `${p.name}:${p.status}`),
    ['Ada Alpha:proposed', 'Bea Beta:proposed'],
  )
  ada = selection.approval.proposals[0].responseId
  bea = selection.approval.proposals[1].responseId
  cal = selection.decisions.find((d: { name: string }) => d.name === 'Cal Gamma').responseId
  t.match(selection.notes.join(' '), /proposed .* not members/)

  t.same((await api('GET', '/teams/coc/members')).body.members, [], 'nobody joined')
  const roster = await app.inject({ method: 'GET', url: '/teams/coc/roster?at=2026-06-01T00:00:00Z' })
  t.notMatch(roster.body, /Ada Alpha|Bea Beta/, 'proposed people are not on the roster, not even incoming')
  const page = await app.inject({ method: 'GET', url: '/' })
  t.notMatch(page.body, /Ada Alpha|Bea Beta/, 'nor on the public page')

  const mails = await outbox(id)
  t.same(
    mails.map((m) => `${m.kind}:${m.to}`),
    [`approval-requested:${APPROVER}`],
    'no volunteer email, no announcement: the approver only',
  )
  t.match(mails[0]!.body, /Ada Alpha \(Alpha University\)/, 'the approver sees who is proposed')
  t.match(mails[0]!.body, new RegExp(`/console/calls/${id}`))
  t.equal((await outbox()).filter((m) => m.kind === 'roster.changed').length, rosterChangesBefore, 'no roster.changed')

  // The tick: nothing new within the first week, then one reminder a week, each once.
  clock.set('2026-02-08T00:00:00Z')
  await tick(deps, clock())
  t.equal((await outbox(id)).filter((m) => m.kind === 'approval-requested').length, 1, 'asked once')
  t.equal((await outbox(id)).filter((m) => m.kind === 'approval-reminder').length, 0, 'not before a week')
  clock.set('2026-02-10T00:00:00Z')
  await tick(deps, clock())
  await tick(deps, clock())
  t.equal((await outbox(id)).filter((m) => m.kind === 'approval-reminder').length, 1, 'reminded after a week, once')
  clock.set('2026-02-17T01:00:00Z')
  await tick(deps, clock())
  const reminders = (await outbox(id)).filter((m) => m.kind === 'approval-reminder')
  t.equal(reminders.length, 2, 'and again the week after')
  t.ok(reminders.every((m) => m.to === APPROVER && m.status === 'sent'))
  t.same((await api('GET', '/teams/coc/members')).body.members, [], 'the tick seats nobody')
})

t.test('errors: a decline without a reason, a viewer, a response not proposed', async (t) => {
  const blank = await api('POST', `/calls/${first}/proposals/${ada}/decline`, { reason: '  ' })
  t.equal(blank.status, 400)
  t.equal(blank.body.error.code, 'invalid-decline')
  t.match(blank.body.error.details.problems, [{ field: 'body.reason' }])
  const missing = await api('POST', `/calls/${first}/proposals/${ada}/decline`, {})
  t.equal(missing.status, 400)
  t.match(JSON.stringify(missing.body.error), /reason/)

  const viewer = (await api('POST', '/tokens', { name: 'vic', role: 'viewer' })).body.token as string
  const refused = await api('POST', `/calls/${first}/approve`, {}, { authorization: `Bearer ${viewer}` })
  t.equal(refused.status, 403)

  const notProposed = await api('POST', `/calls/${first}/proposals/${cal}/approve`, {})
  t.equal(notProposed.status, 409)
  t.equal(notProposed.body.error.code, 'not-proposed')
  t.same((await api('GET', '/teams/coc/members')).body.members, [])
})

t.test('the public report is published only after approval', async (t) => {
  const early = await api('POST', `/calls/${first}/report/publish`)
  t.equal(early.status, 409)
  t.equal(early.body.error.code, 'approval-pending')
  t.equal((await app.inject({ method: 'GET', url: `/calls/${first}/report` })).statusCode, 404)
})

t.test('decline one: the next alternate is proposed; the explanation says so; nobody is told yet', async (t) => {
  clock.set('2026-02-18T00:00:00Z')
  const declined = await api('POST', `/calls/${first}/proposals/${ada}/decline`, { reason: 'Conflict of interest' })
  t.equal(declined.status, 200, JSON.stringify(declined.body))
  t.same(declined.body.joined, [])
  const byName = Object.fromEntries(
    declined.body.approval.proposals.map((p: { name: string }) => [p.name, p]),
  ) as Record<string, { status: string; replaces: string | null; explanation: string; reason: string | null }>
  t.equal(byName['Ada Alpha']!.status, 'declined')
  t.equal(byName['Ada Alpha']!.reason, 'Conflict of interest')
  t.equal(byName['Cal Gamma']!.status, 'proposed')
  t.equal(byName['Cal Gamma']!.replaces, ada)
  t.match(byName['Cal Gamma']!.explanation, /in place of Ada Alpha, whose proposal was declined/)
  t.match(declined.body.notes.join(' '), /Cal Gamma, the next eligible alternate .* in place of Ada Alpha/)
  const selection = (await api('GET', `/calls/${first}/selection`)).body
  t.equal(selection.approval.status, 'pending')
  t.same((await outbox(first)).filter(isResult), [], 'still no email to any volunteer')
  const audit = (await api('GET', `/audit?action=proposal.decline`)).body.entries
  t.equal(audit.length, 1)
  t.match(audit[0], { entity: 'call', entityId: first })
  t.match(audit[0].reason, /Conflict of interest/)
})

t.test('approve one: she joins and hears; the rest waits', async (t) => {
  const approved = await api('POST', `/calls/${first}/proposals/${bea}/approve`, { reason: 'Fine' })
  t.equal(approved.status, 200, JSON.stringify(approved.body))
  t.equal(approved.body.joined.length, 1)
  t.equal(approved.body.approval.status, 'pending')
  const members = (await api('GET', '/teams/coc/members')).body.members
  t.same(names(members), ['Bea Beta'])
  t.match(members[0], { origin: 'selected', callId: first, termStart: '2026-04-02T00:00:00Z' })
  const mails = (await outbox(first)).filter(isResult)
  t.same(
    mails.map((m) => `${m.kind}:${m.to}`),
    ['selected:bea.beta@example.org'],
    'her own email only: the list and the others wait',
  )
  t.notMatch(mails[0]!.body, /Ada|Cal/, 'naming nobody else')
})

t.test('approve all: the rest join; results to everyone; roster.changed; reminders stop', async (t) => {
  const pendingReminder = (await outbox(first)).filter((m) => m.kind === 'approval-reminder').length
  clock.set('2026-02-24T12:00:00Z')
  const all = await api('POST', `/calls/${first}/approve`, { reason: 'Committee meeting of 24 February' })
  t.equal(all.status, 200, JSON.stringify(all.body))
  t.equal(all.body.approval.status, 'complete')
  t.same(names((await api('GET', '/teams/coc/members')).body.members), ['Bea Beta', 'Cal Gamma'])
  const mails = (await outbox(first)).filter(isResult)
  t.same(mails.map((m) => `${m.kind}:${m.to}`).sort(), [
    'call-results:list@example.org',
    'not-selected:ada.alpha@example.org',
    'selected:bea.beta@example.org',
    'selected:cal.gamma@example.org',
  ])
  const results = mails.find((m) => m.kind === 'call-results')!
  t.match(results.body, /Bea Beta/)
  t.match(results.body, /Cal Gamma/)
  t.notMatch(results.body, /Ada Alpha/)
  const toAda = mails.find((m) => m.to === 'ada.alpha@example.org')!
  t.notMatch(toAda.body, /Conflict of interest/, 'the reason is not sent to the volunteer')
  t.notMatch(mails.find((m) => m.to === 'cal.gamma@example.org')!.body, /Ada/)
  const roster = await app.inject({ method: 'GET', url: '/teams/coc/roster?at=2026-06-01T00:00:00Z' })
  t.match(roster.body, /Bea Beta/)

  // A week later: nothing waits, so no reminder is queued.
  clock.set('2026-03-03T12:00:00Z')
  await tick(deps, clock())
  t.equal((await outbox(first)).filter((m) => m.kind === 'approval-reminder').length, pendingReminder)

  t.equal((await api('POST', `/calls/${first}/report/publish`)).status, 200, 'the report, once approved')
  const again = await api('POST', `/calls/${first}/approve`, {})
  t.equal(again.status, 409)
  t.equal(again.body.error.code, 'no-pending-proposals')
  t.ok((await api('GET', '/audit?action=call.approve')).body.entries.length === 1)
})

t.test('a reminder queued before the approval is skipped when it comes to be sent', async (t) => {
  const { id, selection } = await closedCall(t, '2026-05-01T00:00:00Z', { consortium: 1, community: 0 }, [
    ['Dan Delta', 'Delta Archive'],
  ])
  const dan = selection.approval.proposals[0].responseId
  // The request is queued at close; approving before the outbox delivers it.
  t.equal((await api('POST', `/calls/${id}/proposals/${dan}/approve`, {})).status, 200)
  await tick(deps, clock())
  const [request] = (await outbox(id)).filter((m) => m.kind === 'approval-requested')
  t.equal(request!.status, 'skipped')
  t.match(request!.lastError, /no proposal of the call waits/)
  t.ok((await outbox(id)).some((m) => m.kind === 'selected' && m.status === 'sent'))
})

t.test('decline with no alternate left: the seat stays empty, staff hear of the shortfall', async (t) => {
  const { id, selection } = await closedCall(t, '2026-08-01T00:00:00Z', { consortium: 1, community: 0 }, [
    ['Eve Alpha', 'Alpha University'],
  ])
  const eve = selection.approval.proposals[0].responseId
  const declined = await api('POST', `/calls/${id}/proposals/${eve}/decline`, { reason: 'Not eligible' })
  t.equal(declined.status, 200)
  t.equal(declined.body.approval.status, 'complete')
  t.match(declined.body.notes.join(' '), /No eligible alternate is left/)
  const mails = (await outbox(id)).filter(isResult)
  t.same(mails.map((m) => `${m.kind}:${m.to}`).sort(), [
    'call-results:list@example.org',
    'not-selected:eve.alpha@example.org',
    'shortfall:staff@example.org',
  ])
  t.notOk((await api('GET', '/teams/coc/members')).body.members.some((m: { name: string }) => m.name === 'Eve Alpha'))
})

t.test('reopen a call whose proposals wait: the proposals become history, the approver is not reminded', async (t) => {
  const { id } = await closedCall(t, '2026-10-01T00:00:00Z', { consortium: 1, community: 0 }, [
    ['Fay Zeta', 'Zeta Hall'],
  ])
  const reopened = await api('POST', `/calls/${id}/reopen`, { reason: 'Wrong window' })
  t.equal(reopened.status, 200, JSON.stringify(reopened.body))
  t.same(reopened.body.removedMembers, [])
  const [request] = (await outbox(id)).filter((m) => m.kind === 'approval-requested')
  t.equal(request!.status, 'skipped', 'the pending request is cancelled')
  clock.set('2026-10-20T00:00:00Z')
  await tick(deps, clock())
  t.equal((await outbox(id)).filter((m) => m.kind === 'approval-reminder').length, 0)
  const selection = (await api('GET', `/calls/${id}/selection`)).body
  t.equal(selection.status, 'preview')
})

t.test(
  'approval after the term start: the term still starts at termStart; roster.changed at approval, not at close',
  async (t) => {
    const changes = async () => (await outbox()).filter((m) => m.kind === 'roster.changed').length
    const atStart = await changes()
    const { id, selection } = await closedCall(t, '2026-11-01T00:00:00Z', { consortium: 1, community: 0 }, [
      ['Hal Theta', 'Theta Works'],
    ])
    const hal = selection.approval.proposals[0].responseId
    t.equal(await changes(), atStart, 'no roster.changed at close')
    clock.set('2027-01-15T00:00:00Z') // the term started 2026-12-31
    await tick(deps, clock())
    t.equal(await changes(), atStart, 'nor at the term start: nobody joined')
    const approved = await api('POST', `/calls/${id}/approve`, {})
    t.equal(approved.status, 200)
    t.equal(await changes(), atStart + 1, 'roster.changed at approval')
    const hal2 = (await api('GET', '/teams/coc/members')).body.members.find(
      (m: { name: string }) => m.name === 'Hal Theta',
    )
    t.equal(hal2.termStart, '2026-12-31T00:00:00Z')
    t.equal(approved.body.approval.proposals[0].responseId, hal)
    const roster = await app.inject({ method: 'GET', url: '/teams/coc/roster' })
    t.match(roster.body, /Hal Theta/)
  },
)

t.test('approval none (today): a close seats at once', async (t) => {
  const requests = async () => (await built.db.select().from(table).where(eq(table.kind, 'approval-requested'))).length
  const asked = await requests()
  t.equal((await api('PATCH', '/teams/coc', { policy: { approval: { mode: 'none' } } })).status, 200)
  const { selection } = await closedCall(t, '2027-02-01T00:00:00Z', { consortium: 1, community: 0 }, [
    ['Gus Eta', 'Eta House'],
  ])
  t.equal(selection.approval, undefined)
  t.ok((await api('GET', '/teams/coc/members')).body.members.some((m: { name: string }) => m.name === 'Gus Eta'))
  t.equal(await requests(), asked, 'no request to the approver')
})
