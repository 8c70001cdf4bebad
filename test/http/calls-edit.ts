import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { build, type Built } from '../helpers/build.js'
import { tick } from '../../src/services/tick.js'

// A folder of our own for DATA_DIR: the tick's outbox pass writes .eml files there (log transport).
function dataDir(t: { teardown(fn: () => unknown): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-calls-edit-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

const built = await build(t, { DATA_DIR: dataDir(t) })
const { clock, deps } = built
const START = '2026-01-15T12:00:00Z'

interface CallView {
  id: string
  opensAt: string
  closesAt: string
  termStart: string
  seats: { consortium: number; community: number } | null
  status: string
  origin: string
}
interface Problem {
  field: string
  message: string
}

function client({ app, staff }: Built) {
  return async (
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = staff,
  ) => {
    const res = await app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
    return { status: res.statusCode, body: res.body ? res.json() : null }
  }
}
const api = client(built)

async function createCall(payload: Record<string, unknown>): Promise<CallView> {
  const res = await api('POST', '/teams/coc/calls', payload)
  if (res.status !== 201) throw new Error(`POST /teams/coc/calls: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}
const getCall = async (id: string): Promise<CallView> => (await api('GET', `/calls/${id}`)).body
const fields = (body: { error: { details?: { problems?: Problem[] } } }): string[] =>
  (body.error.details?.problems ?? []).map((p) => p.field)

let a: CallView

t.test('PATCH moves a call that has not opened yet', async (t) => {
  clock.set(START)
  a = await createCall({ opensAt: '2026-03-01T00:00:00Z' })
  t.match(a, {
    opensAt: '2026-03-01T00:00:00Z',
    closesAt: '2026-03-29T00:00:00Z',
    termStart: '2026-03-29T00:00:00Z',
    status: 'scheduled',
  })

  const earlier = await api('PATCH', `/calls/${a.id}`, { opensAt: '2026-02-20T00:00:00Z' })
  t.equal(earlier.status, 200, JSON.stringify(earlier.body))
  t.match(
    earlier.body,
    { id: a.id, opensAt: '2026-02-20T00:00:00Z', closesAt: '2026-03-20T00:00:00Z', status: 'scheduled' },
    'opensAt alone keeps the 28-day window',
  )
  t.same(await getCall(a.id), earlier.body, 'GET shows the change')

  const rest = await api('PATCH', `/calls/${a.id}`, {
    closesAt: '2026-03-15T00:00:00Z',
    termStart: '2026-04-01T00:00:00Z',
    seats: { consortium: 1, community: 2 },
  })
  t.equal(rest.status, 200, JSON.stringify(rest.body))
  t.match(rest.body, {
    opensAt: '2026-02-20T00:00:00Z',
    closesAt: '2026-03-15T00:00:00Z',
    termStart: '2026-04-01T00:00:00Z',
    seats: { consortium: 1, community: 2 },
  })

  const cleared = await api('PATCH', `/calls/${a.id}`, { seats: null })
  t.equal(cleared.status, 200)
  t.equal(cleared.body.seats, null, 'seats: null goes back to computed seats')
  t.match(
    cleared.body,
    { opensAt: '2026-02-20T00:00:00Z', closesAt: '2026-03-15T00:00:00Z', termStart: '2026-04-01T00:00:00Z' },
    'the dates stay',
  )
  t.same(await getCall(a.id), cleared.body)
})

// Moving a call later without a termStart: the default term start follows the window.
t.test('moving a call later with opensAt alone', async (t) => {
  clock.set(START)
  const call = await createCall({ opensAt: '2026-07-01T00:00:00Z' })
  t.equal(call.termStart, call.closesAt, 'terms start when the call closes (the default)')
  const later = await api('PATCH', `/calls/${call.id}`, { opensAt: '2026-07-08T00:00:00Z' })
  t.equal(later.status, 200, `the move is accepted (got ${JSON.stringify(later.body)})`)
  t.equal(later.body?.closesAt, '2026-08-05T00:00:00Z', 'the window keeps its length')
  t.equal(later.body?.termStart, '2026-08-05T00:00:00Z', 'terms start when it now closes')
  const longer = await api('PATCH', `/calls/${call.id}`, { closesAt: '2026-08-05T00:00:00Z' })
  t.equal(longer.status, 200, `a longer window is accepted (got ${JSON.stringify(longer.body)})`)
  const after = await getCall(call.id)
  t.ok(after.termStart >= after.closesAt, 'whatever happened, terms never start before the call closes')
  // Leave no call in the way of the tests below.
  t.equal((await api('POST', `/calls/${call.id}/cancel`)).status, 200)
})

t.test('invalid changes are 400, name the field, and change nothing', async (t) => {
  clock.set(START)
  const before = await getCall(a.id)
  const cases: Array<[string, unknown, string]> = [
    ['closesAt before opensAt', { closesAt: '2026-02-10T00:00:00Z' }, 'body.closesAt'],
    ['closesAt equal to opensAt', { closesAt: '2026-02-20T00:00:00Z' }, 'body.closesAt'],
    ['termStart before closesAt', { termStart: '2026-03-01T00:00:00Z' }, 'body.termStart'],
    ['opensAt not a timestamp', { opensAt: 'next Tuesday' }, 'body.opensAt'],
    ['a timestamp without an offset', { closesAt: '2026-03-20T00:00:00' }, 'body.closesAt'],
    ['an unknown key', { colour: 'red' }, 'body.colour'],
    ['an unknown key beside a good one', { opensAt: '2026-02-21T00:00:00Z', status: 'open' }, 'body.status'],
    ['negative seats', { seats: { consortium: -1, community: 2 } }, 'body.seats.consortium'],
    ['an empty body', {}, 'body'],
  ]
  for (const [label, payload, field] of cases) {
    const res = await api('PATCH', `/calls/${a.id}`, payload)
    t.equal(res.status, 400, `${label}: 400`)
    t.match(res.body.error.code, /^(validation-failed|invalid-call|invalid-instant)$/, `${label}: coded`)
    t.ok(fields(res.body).includes(field), `${label}: names ${field} (got ${JSON.stringify(res.body.error.details)})`)
  }
  t.same(await getCall(a.id), before, 'the call is as it was')
})

t.test('a move onto another call is 409 overlapping-call', async (t) => {
  clock.set(START)
  const b = await createCall({ opensAt: '2026-06-01T00:00:00Z' })
  const before = await getCall(a.id)
  const onto = await api('PATCH', `/calls/${a.id}`, {
    opensAt: '2026-06-10T00:00:00Z',
    closesAt: '2026-06-20T00:00:00Z',
    termStart: '2026-07-01T00:00:00Z',
  })
  t.equal(onto.status, 409)
  t.equal(onto.body.error.code, 'overlapping-call')
  t.equal(onto.body.error.details?.callId, b.id, 'names the call in the way')
  const across = await api('PATCH', `/calls/${a.id}`, {
    closesAt: '2026-06-02T00:00:00Z',
    termStart: '2026-06-02T00:00:00Z',
  })
  t.equal(across.status, 409, 'stretching the window into the next call is refused too')
  t.equal(across.body.error.code, 'overlapping-call')
  t.same(await getCall(a.id), before, 'the call is as it was')

  const touching = await api('PATCH', `/calls/${a.id}`, {
    closesAt: '2026-06-01T00:00:00Z',
    termStart: '2026-06-01T00:00:00Z',
  })
  t.equal(touching.status, 200, 'closing exactly when the next call opens is no overlap')
  const back = await api('PATCH', `/calls/${a.id}`, {
    closesAt: '2026-03-15T00:00:00Z',
    termStart: '2026-04-01T00:00:00Z',
  })
  t.equal(back.status, 200)
  const self = await api('PATCH', `/calls/${b.id}`, { opensAt: '2026-05-31T00:00:00Z' })
  t.equal(self.status, 200, `a call never overlaps itself (${JSON.stringify(self.body)})`)
  t.equal(self.body.closesAt, '2026-06-28T00:00:00Z')
})

t.test('once a call is open its dates stay: 409 call-already-open', async (t) => {
  clock.set('2026-02-21T00:00:00Z') // a opened 2026-02-20
  t.equal((await getCall(a.id)).status, 'open')
  // The tick announces it (the announcement is what makes its dates final).
  const announced = await tick(deps, new Date('2026-02-21T00:00:00Z'))
  t.ok(announced.actions.some((x) => x.callId === a.id && x.type === 'call-opened'))
  const before = await getCall(a.id)
  for (const payload of [
    { opensAt: '2026-02-25T00:00:00Z' },
    { closesAt: '2026-03-20T00:00:00Z' },
    { seats: { consortium: 9, community: 9 } },
  ]) {
    const res = await api('PATCH', `/calls/${a.id}`, payload)
    t.equal(res.status, 409, `${JSON.stringify(payload)}: 409`)
    t.equal(res.body.error.code, 'call-already-open')
  }
  t.same(await getCall(a.id), before, 'nothing changed')
  clock.set(START)
})

t.test('an unknown call is a coded 404; an id that is not a UUID a coded 400', async (t) => {
  for (const [id, status, code] of [
    ['00000000-0000-4000-8000-000000000000', 404, 'call-not-found'],
    ['not-a-uuid', 400, 'validation-failed'],
  ] as const) {
    const patch = await api('PATCH', `/calls/${id}`, { seats: null })
    t.equal(patch.status, status)
    t.equal(patch.body.error.code, code)
    const cancel = await api('POST', `/calls/${id}/cancel`)
    t.equal(cancel.status, status)
    t.equal(cancel.body.error.code, code)
  }
})

t.test('editing and cancelling need a staff token', async (t) => {
  clock.set(START)
  const before = await getCall(a.id)
  for (const headers of [{}, { authorization: 'Bearer not-a-token' }] as Array<Record<string, string>>) {
    const patch = await api('PATCH', `/calls/${a.id}`, { opensAt: '2026-02-25T00:00:00Z' }, headers)
    t.equal(patch.status, 401)
    t.match(patch.body.error.code, /^(missing-token|invalid-token)$/)
    const cancel = await api('POST', `/calls/${a.id}/cancel`, undefined, headers)
    t.equal(cancel.status, 401)
  }
  t.same(await getCall(a.id), before, 'neither moved nor cancelled')
})

t.test('a cancelled call is never opened or closed, and frees its window', async (t) => {
  clock.set(START)
  const c = await createCall({ opensAt: '2026-09-01T00:00:00Z' })
  const control = await createCall({ opensAt: '2026-11-01T00:00:00Z' })
  // A response, so the tick closes the control call although it never announced it (nothing went to a list).
  const answered = await api('POST', `/calls/${control.id}/responses`, {
    responses: [
      { submittedAt: '2026-11-02T00:00:00Z', name: 'Bo', email: 'bo@example.org', institution: 'Example University' },
    ],
  })
  t.equal(answered.status, 200, JSON.stringify(answered.body))

  const cancelled = await api('POST', `/calls/${c.id}/cancel`)
  t.equal(cancelled.status, 200, JSON.stringify(cancelled.body))
  t.match(cancelled.body, { id: c.id, status: 'cancelled', opensAt: c.opensAt, closesAt: c.closesAt })
  t.equal((await getCall(c.id)).status, 'cancelled')
  const listed = (await api('GET', '/teams/coc/calls')).body.calls as CallView[]
  t.equal(listed.find((x) => x.id === c.id)?.status, 'cancelled', 'the list shows it cancelled')

  const again = await api('POST', `/calls/${c.id}/cancel`)
  t.equal(again.status, 409, 'a second cancel is refused')
  t.equal(again.body.error.code, 'call-cancelled')
  const edit = await api('PATCH', `/calls/${c.id}`, { opensAt: '2026-09-10T00:00:00Z' })
  t.equal(edit.status, 409, 'a cancelled call cannot be moved')
  t.equal(edit.body.error.code, 'call-cancelled')
  const responses = await api('POST', `/calls/${c.id}/responses`, {
    responses: [
      { submittedAt: '2026-09-02T00:00:00Z', name: 'Ada', email: 'ada@example.org', institution: 'Example University' },
    ],
  })
  t.equal(responses.status, 409, 'it takes no responses')

  const replacement = await api('POST', '/teams/coc/calls', { opensAt: '2026-09-10T00:00:00Z' })
  t.equal(
    replacement.status,
    201,
    `a new call may use the cancelled call's window (${JSON.stringify(replacement.body)})`,
  )

  const at = new Date('2026-12-15T00:00:00Z') // after every window above
  clock.set(at)
  const report = await tick(deps, at)
  t.same(
    report.actions.filter((x) => x.callId === c.id),
    [],
    'the tick does nothing with the cancelled call',
  )
  t.same(
    report.actions.filter((x) => x.callId === control.id && x.type !== 'call-reminder').map((x) => x.type),
    ['call-opened', 'call-closed'],
    'while it opens and closes the call beside it',
  )
  const messages = (await api('GET', '/outbox')).body.messages as Array<{ callId: string | null; kind: string }>
  t.same(
    messages.filter((m) => m.callId === c.id),
    [],
    'no email for the cancelled call',
  )
  t.ok(
    messages.some((m) => m.callId === control.id && m.kind === 'call-opened'),
    'the other call has its announcement (recorded)',
  )
  t.equal((await getCall(c.id)).status, 'cancelled', 'still cancelled')

  const closed = await api('POST', `/calls/${control.id}/cancel`)
  t.equal(closed.status, 409, 'a closed call cannot be cancelled')
  t.equal(closed.body.error.code, 'already-closed')
  t.equal((await getCall(control.id)).status, 'closed')
})

t.test('the cadence call the tick created can be cancelled, and is not created again', async (t) => {
  // A team of its own: no other calls to move the cadence.
  const own = await build(t, { DATA_DIR: dataDir(t) })
  const call = client(own)
  own.clock.set(START)
  const first = await call('POST', '/teams/coc/calls', { opensAt: '2026-02-01T00:00:00Z' })
  t.equal(first.status, 201)
  own.clock.set('2026-03-02T00:00:00Z')
  const closed = await call('POST', `/calls/${first.body.id}/close`)
  t.equal(closed.status, 200, JSON.stringify(closed.body))
  t.equal((await call('GET', `/calls/${first.body.id}`)).body.status, 'closed')

  const listCalls = async () => (await call('GET', '/teams/coc/calls')).body.calls as CallView[]
  const runTick = async (at: string) => {
    own.clock.set(at)
    return tick(own.deps, new Date(at))
  }

  // The next cadence date is 2027-02-01 (12 months on); autoScheduleDays is 60, so 2026-12-03.
  const early = await runTick('2026-11-30T00:00:00Z')
  t.same(
    early.actions.filter((x) => x.type === 'call-scheduled'),
    [],
    'more than 60 days before: nothing yet',
  )
  t.equal((await listCalls()).length, 1)

  const due = await runTick('2026-12-10T00:00:00Z')
  t.same(
    due.actions.map((x) => x.type),
    ['call-scheduled'],
  )
  const calls = await listCalls()
  t.equal(calls.length, 2, 'a second call')
  const auto = calls[1]!
  t.match(auto, {
    origin: 'auto',
    status: 'scheduled',
    opensAt: '2027-02-01T00:00:00Z',
    closesAt: '2027-03-01T00:00:00Z',
  })
  t.equal(calls[0]!.origin, 'staff', 'the first call was staff’s')

  const cancelled = await call('POST', `/calls/${auto.id}/cancel`)
  t.equal(cancelled.status, 200)
  t.match(cancelled.body, { status: 'cancelled', origin: 'auto' })

  for (const at of [
    '2026-12-10T00:00:01Z',
    '2026-12-20T00:00:00Z',
    '2027-01-20T00:00:00Z',
    '2027-02-01T00:00:00Z',
    '2027-02-15T00:00:00Z',
  ]) {
    const report = await runTick(at)
    t.same(report.actions, [], `tick at ${at}: nothing to do`)
  }
  const after = await listCalls()
  t.same(
    after.map((c) => [c.id, c.origin, c.status]),
    [
      [first.body.id, 'staff', 'closed'],
      [auto.id, 'auto', 'cancelled'],
    ],
    'still two calls, the second cancelled',
  )
  const planned = (
    (await call('GET', '/teams/coc/schedule')).body.calls as Array<{ id: string | null; opensAt: string }>
  ).filter((c) => c.id === null)
  t.notOk(
    planned.some((c) => c.opensAt === auto.opensAt),
    `the schedule no longer plans a call on ${auto.opensAt} (got ${JSON.stringify(planned.map((c) => c.opensAt))})`,
  )
  const scheduled = ((await call('GET', '/outbox')).body.messages as Array<{ kind: string; callId: string }>).filter(
    (m) => m.kind === 'call-scheduled',
  )
  t.same(
    scheduled.map((m) => m.callId),
    [auto.id],
    'staff heard about the cadence call once',
  )
})
