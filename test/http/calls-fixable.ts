import t, { type Test } from 'tap'
import { build } from '../helpers/build.js'
import { staffApi } from '../helpers/api.js'
import { tick } from '../../src/services/tick.js'

// Issue 12, "Staff cannot trap themselves": calls that can be fixed. Each part on a team of its own
// database, so that one part's calls do not stand in another's way.

interface Message {
  id: string
  kind: string
  status: string
  callId: string | null
  lastError: string | null
}

// Each subtest builds its own app (four in all): about 70 s on a quiet 2-core machine, more than
// tap's 120 s per file on a busy one.
t.setTimeout(300_000)

const VOLUNTEERS = [
  { name: 'Ada', email: 'ada@example.org', institution: 'Alpha Archive' },
  { name: 'Bo', email: 'bo@example.org', institution: 'Beta Museum' },
  { name: 'Cy', email: 'cy@example.org', institution: 'Gamma Library' },
]
const responsesAt = (start: string) =>
  VOLUNTEERS.map((v, i) => ({ ...v, submittedAt: new Date(Date.parse(start) + (i + 1) * 3_600_000).toISOString() }))

async function setUp(t: Test) {
  const built = await build(t)
  const api = staffApi(built)
  const team = await api('PATCH', '/teams/coc', { mailingList: 'list@iiif.example', staffEmail: 'staff@iiif.example' })
  t.equal(team.status, 200)
  const runTick = (at: string) => {
    built.clock.set(at)
    return tick(built.deps, new Date(at))
  }
  const outbox = async (): Promise<Message[]> => (await api('GET', '/outbox')).body.messages
  return { ...built, api, runTick, outbox }
}

t.test('a finished form, imported afterwards: the tick waits for staff', async (t) => {
  const { api, runTick, outbox, clock } = await setUp(t)
  clock.set('2026-03-08T10:00:00Z')
  // The Google Form ran 1–28 February; staff create its call a week later.
  const created = await api('POST', '/teams/coc/calls', {
    opensAt: '2026-02-01T00:00:00Z',
    closesAt: '2026-03-01T00:00:00Z',
  })
  t.equal(created.status, 201, JSON.stringify(created.body))
  const id = created.body.id as string
  t.equal(created.body.status, 'due')

  const report = await runTick('2026-03-08T10:01:00Z')
  t.notOk(
    report.actions.some((a) => a.callId === id && a.type === 'call-closed'),
    'the tick does not close it with 0 responses',
  )
  t.equal((await api('GET', `/calls/${id}`)).body.status, 'due', 'it waits as due')
  t.same(
    (await outbox()).filter((m) => m.callId === id && m.kind === 'call-results'),
    [],
    'no "Welcome to the new team members" naming nobody',
  )

  // Staff import the export; the tick still leaves the call to them.
  const imported = await api('POST', `/calls/${id}/responses`, { responses: responsesAt('2026-02-02T00:00:00Z') })
  t.equal(imported.status, 200, JSON.stringify(imported.body))
  const later = await runTick('2026-03-08T10:02:00Z')
  t.notOk(
    later.actions.some((a) => a.callId === id && a.type === 'call-closed'),
    'created after its window: staff close it',
  )
  const preview = await api('GET', `/calls/${id}/selection`)
  t.equal(preview.body.status, 'preview')
  t.same(
    (preview.body.decisions as Array<{ outcome: string }>).map((d) => d.outcome),
    ['selected', 'selected', 'selected'],
  )
  clock.set('2026-03-08T10:03:00Z')
  const closed = await api('POST', `/calls/${id}/close`)
  t.equal(closed.status, 200, JSON.stringify(closed.body))
  t.equal((await api('GET', `/calls/${id}`)).body.status, 'closed')
})

t.test('a live call the tick never announced, with no responses and no form, waits too', async (t) => {
  const { api, runTick, clock } = await setUp(t)
  clock.set('2026-01-15T00:00:00Z')
  const created = await api('POST', '/teams/coc/calls', { opensAt: '2026-02-01T00:00:00Z' })
  t.equal(created.status, 201)
  // rota was not running during the whole window.
  const report = await runTick('2026-03-05T00:00:00Z')
  t.notOk(report.actions.some((a) => a.type === 'call-closed'))
  t.equal((await api('GET', `/calls/${created.body.id}`)).body.status, 'due')
})

t.test('reopen a closed call, fix it, close it again', async (t) => {
  const { api, runTick, outbox, clock } = await setUp(t)
  clock.set('2026-01-15T00:00:00Z')
  const created = await api('POST', '/teams/coc/calls', { opensAt: '2026-02-01T00:00:00Z' })
  const id = created.body.id as string
  await runTick('2026-02-01T00:01:00Z') // announced
  const imported = await api('POST', `/calls/${id}/responses`, { responses: responsesAt('2026-02-02T00:00:00Z') })
  t.equal(imported.status, 200)
  // The tick closes it and sends its emails.
  const closing = await runTick('2026-03-01T00:01:00Z')
  t.ok(closing.actions.some((a) => a.callId === id && a.type === 'call-closed'))
  const afterClose = (await outbox()).filter((m) => m.callId === id)
  t.ok(
    afterClose.some((m) => m.kind === 'call-results' && m.status === 'sent'),
    'results went to the list',
  )
  const members = (await api('GET', '/teams/coc/members')).body.members as Array<{ id: string; name: string }>
  t.equal(members.length, 3, 'the close made three members')

  const noToken = await api('POST', `/calls/${id}/reopen`, { reason: 'x' }, {})
  t.equal(noToken.status, 401, 'staff only')
  const noReason = await api('POST', `/calls/${id}/reopen`, { reason: ' ' })
  t.equal(noReason.status, 400)
  t.match(noReason.body.error, { code: /^(invalid-reopen|validation-failed)$/ })
  t.ok(JSON.stringify(noReason.body.error.details).includes('body.reason'), 'names body.reason')
  const missing = await api('POST', `/calls/${id}/reopen`, {})
  t.equal(missing.status, 400, 'reason is required')

  clock.set('2026-03-03T00:00:00Z')
  const reopened = await api('POST', `/calls/${id}/reopen`, { reason: 'Bo answered twice under two names' })
  t.equal(reopened.status, 200, JSON.stringify(reopened.body))
  t.equal(reopened.body.call.status, 'due', 'the call is due again')
  t.equal(reopened.body.call.reopenedAt, '2026-03-03T00:00:00.000Z')
  t.same(
    (reopened.body.removedMembers as Array<{ name: string }>).map((m) => m.name).sort(),
    ['Ada', 'Bo', 'Cy'],
    'the members the close made are removed',
  )
  t.ok(
    (reopened.body.sentEmails as Array<{ kind: string }>).some((m) => m.kind === 'call-results'),
    'the results already sent are listed, to correct by hand',
  )
  t.same((await api('GET', '/teams/coc/members')).body.members, [], 'no member left from the undone close')
  const removed = (reopened.body.removedMembers as Array<{ id: string }>)[0]!
  const voidedStepDown = await api('POST', `/members/${removed.id}/step-down`, { reason: 'x' })
  t.equal(voidedStepDown.status, 409, 'a removed member cannot step down: they never served')
  t.equal(voidedStepDown.body.error.code, 'member-voided')
  const roster = (await api('GET', '/teams/coc/roster')).body
  t.same([roster.members, roster.incoming], [[], []], 'nobody on the roster, nobody incoming')
  const history = (await api('GET', `/calls/${id}/selection`)).body
  t.equal(history.status, 'preview')
  t.equal(history.superseded.length, 1, 'the old decisions are kept as superseded history')
  t.match(history.superseded[0], { reason: 'Bo answered twice under two names', supersededBy: 'STAFF_TOKEN' })
  t.equal(history.superseded[0].decisions.length, 3)

  const again = await api('POST', `/calls/${id}/reopen`, { reason: 'twice' })
  t.equal(again.status, 409, 'a call that is not closed cannot be reopened')
  t.equal(again.body.error.code, 'call-not-closed')

  // The tick leaves a call reopened after its window to staff.
  const waiting = await runTick('2026-03-03T00:01:00Z')
  t.notOk(waiting.actions.some((a) => a.callId === id && a.type === 'call-closed'))
  clock.set('2026-03-03T01:00:00Z')
  const reclosed = await api('POST', `/calls/${id}/close`)
  t.equal(reclosed.status, 200, JSON.stringify(reclosed.body))
  t.equal(reclosed.body.superseded.length, 1)
  const results = (await outbox()).filter((m) => m.callId === id && m.kind === 'call-results')
  t.equal(results.length, 2, 'the second close announces its results anew')
  t.equal((await api('GET', '/teams/coc/members')).body.members.length, 3, 'three members again')

  // Once a member has stepped down, the close cannot be undone.
  const [first] = (await api('GET', '/teams/coc/members')).body.members as Array<{ id: string }>
  const stepped = await api('POST', `/members/${first!.id}/step-down`, { reason: 'moved on' })
  t.equal(stepped.status, 200, JSON.stringify(stepped.body))
  const blocked = await api('POST', `/calls/${id}/reopen`, { reason: 'again' })
  t.equal(blocked.status, 409)
  t.equal(blocked.body.error.code, 'members-departed')
})

t.test('reopen cancels the emails not sent yet, never deleting them; a later closed call blocks it', async (t) => {
  const { api, runTick, outbox, clock } = await setUp(t)
  clock.set('2026-01-15T00:00:00Z')
  const created = await api('POST', '/teams/coc/calls', { opensAt: '2026-02-01T00:00:00Z' })
  const id = created.body.id as string
  t.equal((await api('POST', `/calls/${id}/responses`, { responses: responsesAt('2026-02-02T00:00:00Z') })).status, 200)
  clock.set('2026-03-01T00:01:00Z')
  t.equal((await api('POST', `/calls/${id}/close`)).status, 200)
  const queued = (await outbox()).filter((m) => m.callId === id && m.status === 'pending')
  t.ok(queued.length >= 4, 'results and outcome emails are queued, not sent yet')

  const reopened = await api('POST', `/calls/${id}/reopen`, { reason: 'wrong export imported' })
  t.equal(reopened.status, 200, JSON.stringify(reopened.body))
  t.same(reopened.body.sentEmails, [])
  t.same(
    (reopened.body.cancelledEmails as Array<{ id: string }>).map((m) => m.id).sort(),
    queued.map((m) => m.id).sort(),
    'every pending email of the call is cancelled',
  )
  const after = (await outbox()).filter((m) => m.callId === id)
  for (const m of queued) {
    const row = after.find((x) => x.id === m.id)
    t.equal(row?.status, 'skipped', `${m.kind} kept, as skipped`)
    t.match(row?.lastError, /call reopened by STAFF_TOKEN: wrong export imported/)
  }
  const report = await runTick('2026-03-01T00:02:00Z')
  t.equal(report.outbox.sent, 0, 'nothing of the undone close goes out')

  clock.set('2026-03-01T00:03:00Z')
  t.equal((await api('POST', `/calls/${id}/close`)).status, 200)
  // A later call closes: the first can no longer be reopened (the later one's seats counted its members).
  clock.set('2027-01-15T00:00:00Z')
  const next = await api('POST', '/teams/coc/calls', { opensAt: '2027-02-01T00:00:00Z' })
  t.equal(next.status, 201, JSON.stringify(next.body))
  clock.set('2027-03-01T00:01:00Z')
  t.equal((await api('POST', `/calls/${next.body.id}/close`)).status, 200)
  const blocked = await api('POST', `/calls/${id}/reopen`, { reason: 'too late' })
  t.equal(blocked.status, 409)
  t.equal(blocked.body.error.code, 'later-call-closed')
  t.equal(blocked.body.error.details.callId, next.body.id)
})

t.test('preview before the window opens counts the window, not now', async (t) => {
  const { api, clock } = await setUp(t)
  clock.set('2026-01-15T00:00:00Z')
  const created = await api('POST', '/teams/coc/calls', { opensAt: '2027-02-01T00:00:00Z' })
  const id = created.body.id as string
  t.equal((await api('POST', `/calls/${id}/responses`, { responses: responsesAt('2027-02-02T00:00:00Z') })).status, 200)
  const preview = (await api('GET', `/calls/${id}/selection`)).body
  t.same(
    (preview.decisions as Array<{ outcome: string; reason: string | null }>).map((d) => d.outcome),
    ['selected', 'selected', 'selected'],
    'no response previewed as late',
  )
  t.notMatch(JSON.stringify(preview.decisions), /after the call closed/)
  t.same(preview.window, { opensAt: '2027-02-01T00:00:00Z', closesAt: '2027-03-01T00:00:00Z' })
  t.match(preview.notes, [/Preview of a call not yet open/])
  clock.set('2027-02-10T00:00:00Z')
  t.match((await api('GET', `/calls/${id}/selection`)).body.notes, [/Preview of a call still open/])
})

t.test('closing early: the roster says who comes and when; termStart starts terms at once', async (t) => {
  const { api, clock } = await setUp(t)
  clock.set('2026-01-15T00:00:00Z')
  const a = (await api('POST', '/teams/coc/calls', { opensAt: '2026-02-01T00:00:00Z' })).body.id as string
  t.equal((await api('POST', `/calls/${a}/responses`, { responses: responsesAt('2026-02-02T00:00:00Z') })).status, 200)
  clock.set('2026-02-10T00:00:00Z')
  const closed = await api('POST', `/calls/${a}/close`, { early: true })
  t.equal(closed.status, 200, JSON.stringify(closed.body))
  t.equal(closed.body.termStart, '2026-03-01T00:00:00Z', 'terms still start at the call’s termStart')
  t.match(closed.body.notes, [/terms start at 2026-03-01T00:00:00Z.*incoming/], 'and the close answer says so')
  const roster = (await api('GET', '/teams/coc/roster')).body
  t.same(roster.members, [], 'nobody serves yet')
  t.same(
    (roster.incoming as Array<{ name: string; termStart: string }>).map((m) => [m.name, m.termStart]),
    [
      ['Ada', '2026-03-01T00:00:00Z'],
      ['Bo', '2026-03-01T00:00:00Z'],
      ['Cy', '2026-03-01T00:00:00Z'],
    ],
    'incoming lists them with the date',
  )
  t.notMatch(JSON.stringify(roster), /@example\.org/, 'no email on the public roster')

  // Undo, and close again starting terms at once.
  t.equal((await api('POST', `/calls/${a}/reopen`, { reason: 'start terms now' })).status, 200)
  t.equal(
    (await api('GET', `/calls/${a}`)).body.closesAt,
    '2026-03-01T00:00:00Z',
    'the early close’s window is given back',
  )
  t.equal((await api('GET', `/calls/${a}`)).body.status, 'open')
  const bad = await api('POST', `/calls/${a}/close`, { early: true, termStart: '2026-02-09T00:00:00Z' })
  t.equal(bad.status, 400)
  t.ok(JSON.stringify(bad.body.error.details).includes('body.termStart'))
  const now = await api('POST', `/calls/${a}/close`, { early: true, termStart: '2026-02-10T00:00:00Z' })
  t.equal(now.status, 200, JSON.stringify(now.body))
  t.same(now.body.notes, [])
  const rosterNow = (await api('GET', '/teams/coc/roster')).body
  t.equal(rosterNow.members.length, 3, 'they serve at once')
  t.same(rosterNow.incoming, [])

  // The console's "start the new terms now": at the close by the server's clock, whatever the browser's.
  t.equal((await api('POST', `/calls/${a}/reopen`, { reason: 'once more, at the close' })).status, 200)
  const both = await api('POST', `/calls/${a}/close`, {
    early: true,
    startTermsAtClose: true,
    termStart: '2026-02-11T00:00:00Z',
  })
  t.equal(both.status, 400, 'not with termStart')
  t.ok(JSON.stringify(both.body.error.details).includes('body.startTermsAtClose'), 'the field is named')
  t.equal((await api('GET', `/calls/${a}`)).body.status, 'open', 'a refused close changes nothing')
  clock.set('2026-02-10T09:15:30Z')
  const atClose = await api('POST', `/calls/${a}/close`, { early: true, startTermsAtClose: true })
  t.equal(atClose.status, 200, JSON.stringify(atClose.body))
  t.equal(atClose.body.termStart, '2026-02-10T09:15:30Z', 'the terms start at the close')
  t.equal((await api('GET', `/calls/${a}`)).body.closesAt, '2026-02-10T09:15:30Z', 'which is when the window ended')
  t.equal((await api('GET', '/teams/coc/roster')).body.members.length, 3, 'they serve at once')
})

t.test('create and edit follow the same rules; a defaulted termStart follows the window', async (t) => {
  const { api, clock } = await setUp(t)
  clock.set('2026-03-08T00:00:00Z')
  const created = await api('POST', '/teams/coc/calls', { opensAt: '2026-02-01T00:00:00Z' })
  t.equal(created.status, 201, 'create accepts a window in the past')
  const id = created.body.id as string
  const moved = await api('PATCH', `/calls/${id}`, { opensAt: '2026-01-20T00:00:00Z' })
  t.equal(moved.status, 200, `edit accepts one too (${JSON.stringify(moved.body)})`)
  t.match(moved.body, {
    opensAt: '2026-01-20T00:00:00Z',
    closesAt: '2026-02-17T00:00:00Z',
    termStart: '2026-02-17T00:00:00Z',
  })
  const future = await api('POST', '/teams/coc/calls', { opensAt: '2026-06-01T00:00:00Z' })
  t.equal(future.body.termStart, '2026-06-29T00:00:00Z', 'defaulted: when it closes')
  const shorter1 = await api('PATCH', `/calls/${future.body.id}`, { closesAt: '2026-06-20T00:00:00Z' })
  t.equal(shorter1.body.termStart, '2026-06-20T00:00:00Z', 'a defaulted termStart follows a shorter window too')
  const earlier = await api('PATCH', `/calls/${future.body.id}`, { opensAt: '2026-05-25T00:00:00Z' })
  t.match(
    earlier.body,
    { closesAt: '2026-06-13T00:00:00Z', termStart: '2026-06-13T00:00:00Z' },
    'and a window moved earlier',
  )
  const later = await api('PATCH', `/calls/${future.body.id}`, { closesAt: '2026-07-15T00:00:00Z' })
  t.equal(later.body.termStart, '2026-07-15T00:00:00Z', 'a defaulted termStart follows the window')
  const set = await api('PATCH', `/calls/${future.body.id}`, { termStart: '2026-08-01T00:00:00Z' })
  t.equal(set.status, 200)
  const shorter = await api('PATCH', `/calls/${future.body.id}`, { closesAt: '2026-07-01T00:00:00Z' })
  t.equal(shorter.body.termStart, '2026-08-01T00:00:00Z', 'one set by staff stays')
  const past = await api('PATCH', `/calls/${future.body.id}`, { closesAt: '2026-08-10T00:00:00Z' })
  t.equal(past.status, 400, 'a move past a set termStart is refused')
  t.ok(JSON.stringify(past.body.error.details).includes('body.termStart'))
  const onto = await api('PATCH', `/calls/${id}`, { closesAt: '2026-06-02T00:00:00Z' })
  t.equal(onto.status, 409)
  t.equal(onto.body.error.code, 'overlapping-call')
})

t.test('appointments respect seats', async (t) => {
  const { api, clock } = await setUp(t)
  clock.set('2026-01-15T00:00:00Z')
  const id = (await api('POST', '/teams/coc/calls', { opensAt: '2026-02-01T00:00:00Z' })).body.id as string
  clock.set('2026-03-02T00:00:00Z')
  t.equal((await api('POST', `/calls/${id}/close`)).status, 200, 'an empty call: every seat is a shortfall')
  clock.set('2026-03-10T00:00:00Z')
  const direct = await api('POST', '/teams/coc/members', {
    name: 'Dee',
    email: 'dee@example.org',
    seat: 'community',
    reason: 'recruited directly',
  })
  t.equal(direct.status, 201, JSON.stringify(direct.body))
  const codes: Array<string | number> = []
  for (const name of ['P1', 'P2', 'P3', 'P4', 'P5']) {
    const res = await api('POST', '/teams/coc/members', {
      name,
      email: `${name.toLowerCase()}@example.org`,
      seat: 'community',
      callId: id,
      reason: 'recruited into the call',
    })
    codes.push(res.status === 201 ? 201 : res.body.error.code)
  }
  t.same(codes, [201, 201, 201, 'no-vacancy', 'no-vacancy'], 'four community seats, whoever holds them')
  const roster = (await api('GET', '/teams/coc/roster')).body
  t.equal(
    (roster.members as Array<{ seat: string }>).filter((m) => m.seat === 'community').length,
    4,
    'never more community members than seats',
  )
  const overridden = await api('POST', '/teams/coc/members', {
    name: 'P6',
    email: 'p6@example.org',
    seat: 'community',
    callId: id,
    reason: 'interim cover during a complaint',
    override: true,
  })
  t.equal(overridden.status, 201, JSON.stringify(overridden.body))
  t.match(overridden.body, { override: true, callId: id, termStart: '2026-03-01T00:00:00Z' })
})

t.test('a call the tick met only after its window can be moved into the future, and is then announced', async (t) => {
  const { api, runTick, outbox, clock } = await setUp(t)
  clock.set('2026-03-08T00:00:00Z')
  // Created with last year's dates by mistake; the tick meets it (its announcement recorded as skipped).
  const created = await api('POST', '/teams/coc/calls', { opensAt: '2025-02-01T00:00:00Z' })
  const id = created.body.id as string
  const met = await runTick('2026-03-08T00:01:00Z')
  t.match(
    met.actions.filter((a) => a.callId === id).map((a) => [a.type, a.notice]),
    [['call-opened', 'skipped']],
  )
  clock.set('2026-03-08T00:02:00Z')
  const moved = await api('PATCH', `/calls/${id}`, { opensAt: '2026-04-01T00:00:00Z' })
  t.equal(moved.status, 200, `never announced, it can move (${JSON.stringify(moved.body)})`)
  t.equal(moved.body.status, 'scheduled')
  const opened = await runTick('2026-04-01T00:01:00Z')
  t.match(
    opened.actions.filter((a) => a.callId === id).map((a) => [a.type, a.notice]),
    [['call-opened', 'queued']],
    'announced when it now opens',
  )
  const announcements = (await outbox()).filter((m) => m.callId === id && m.kind === 'call-opened')
  t.same(announcements.map((m) => m.status).sort(), ['sent', 'skipped'], 'the skipped one kept, the new one sent')
  clock.set('2026-04-02T00:00:00Z')
  const frozen = await api('PATCH', `/calls/${id}`, { opensAt: '2026-05-01T00:00:00Z' })
  t.equal(frozen.status, 409, 'once announced, its dates stay')
  t.equal(frozen.body.error.code, 'call-already-open')
})
