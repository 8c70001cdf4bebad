import t, { type Test } from 'tap'
import { build } from '../helpers/build.js'
import { staffApi } from '../helpers/api.js'

// Every instant a client sends is read by one function (readInstant): an unreadable one is the same
// coded 400 on every route, naming the field and what is wrong, and nothing changes.

const built = await build(t)
const { app, staff, clock } = built
clock.set('2026-01-15T12:00:00Z')

interface Problem {
  field: string
  message: string
}

const api = staffApi({ app, staff })

const UNREADABLE = /^must be an RFC 3339 timestamp with an offset: /

/** Asserts the one refusal: 400 `invalid-instant`, its message the first problem, its problems exactly these fields. */
function refused(
  t: Test,
  res: { status: number; body: { error: { code: string; message: string; details?: { problems?: Problem[] } } } },
  fields: string[],
  message = UNREADABLE,
) {
  t.equal(res.status, 400)
  t.equal(res.body.error.code, 'invalid-instant')
  const problems = res.body.error.details?.problems ?? []
  t.same(
    problems.map((p) => p.field),
    fields,
    `names ${fields.join(', ')}`,
  )
  for (const problem of problems) t.match(problem.message, message)
  t.equal(res.body.error.message, `${problems[0]?.field} ${problems[0]?.message}`)
}

const calls = async () => (await api('GET', '/teams/coc/calls')).body.calls.length as number

t.test('creating and moving a call: every unreadable boundary is named in one reply', async (t) => {
  const before = await calls()
  refused(t, await api('POST', '/teams/coc/calls', { opensAt: 'next Tuesday' }), ['body.opensAt'])
  const three = await api('POST', '/teams/coc/calls', {
    opensAt: '2026-03-01T00:00:00Z',
    closesAt: '2026-03-29T00:00:00',
    termStart: '2026-02-30T00:00:00Z',
  })
  refused(t, three, ['body.closesAt', 'body.termStart'])
  t.match(three.body.error.details.problems[0].message, /no time-zone offset/)
  t.match(three.body.error.details.problems[1].message, /2026-02 has no day 30/)
  refused(
    t,
    await api('POST', '/teams/coc/calls', { opensAt: '2026-03-01T00:00:00.000000001Z' }),
    ['body.opensAt'],
    /^must not be finer than a microsecond$/,
  )
  t.equal(await calls(), before, 'no call was created')

  const call = await api('POST', '/teams/coc/calls', { opensAt: '2026-03-01T00:00:00.000001Z' })
  t.equal(call.status, 201, 'a microsecond is fine')
  t.equal(call.body.opensAt, '2026-03-01T00:00:00.000001Z')
  refused(t, await api('PATCH', `/calls/${call.body.id}`, { closesAt: 'soon' }), ['body.closesAt'])
  t.equal((await api('GET', `/calls/${call.body.id}`)).body.closesAt, call.body.closesAt, 'the call is as it was')

  // (A window in the past is allowed, as for a new call: a closing before the opening is not.)
  const past = await api('PATCH', `/calls/${call.body.id}`, { closesAt: '2026-02-01T00:00:00Z' })
  t.equal(past.body.error.code, 'invalid-call', 'a readable instant that breaks a rule keeps the use case’s code')
})

t.test('appointing and stepping down', async (t) => {
  const members = async () => (await api('GET', '/teams/coc/members')).body.members.length as number
  const before = await members()
  const appoint = { name: 'Sam Staff', email: 'sam@example.org', seat: 'staff', reason: 'staff' }
  refused(t, await api('POST', '/teams/coc/members', { ...appoint, termStart: 'tomorrow' }), ['body.termStart'])
  refused(
    t,
    await api('POST', '/teams/coc/members', { ...appoint, termStart: '2026-02-01T00:00:00Z', termEnd: '2027-02-01' }),
    ['body.termEnd'],
  )
  t.equal(await members(), before, 'nobody was appointed')

  const sam = (await api('POST', '/teams/coc/members', appoint)).body
  refused(
    t,
    await api('POST', `/members/${sam.id}/step-down`, { reason: 'moving on', effective: '2026-13-01T00:00:00Z' }),
    ['body.effective'],
  )
  t.equal(
    (await api('GET', '/teams/coc/members')).body.members.find((m: { id: string }) => m.id === sam.id).endedAt,
    null,
    'Sam still serves',
  )
})

t.test('importing responses: each bad submittedAt by index, with the batch’s other problems', async (t) => {
  const call = (await api('POST', '/teams/coc/calls', { opensAt: '2026-06-01T00:00:00Z' })).body.id as string
  const response = (i: number) => ({
    submittedAt: `2026-06-0${i + 2}T10:00:00Z`,
    name: `Volunteer ${i}`,
    email: `v${i}@example.org`,
  })
  refused(
    t,
    await api('POST', `/calls/${call}/responses`, {
      responses: [
        response(0),
        { ...response(1), submittedAt: 'yesterday' },
        { ...response(2), submittedAt: '2026-06-04T10:00:00+2' },
      ],
    }),
    ['body.responses[1].submittedAt', 'body.responses[2].submittedAt'],
  )
  const both = await api('POST', `/calls/${call}/responses`, {
    responses: [
      { ...response(0), email: 'a,b@example.org' },
      { ...response(1), submittedAt: 'yesterday' },
    ],
  })
  t.equal(both.body.error.code, 'invalid-instant', 'an unreadable instant decides the code')
  t.same(
    both.body.error.details.problems.map((p: Problem) => p.field),
    ['body.responses[0].email', 'body.responses[1].submittedAt'],
    'the bad email is named too',
  )
  t.same((await api('GET', `/calls/${call}/responses`)).body.responses, [], 'nothing was stored')
})

t.test('the roster at an instant', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/teams/coc/roster?at=2026-01-15T12%3A00%3A00' })
  refused(t, { status: res.statusCode, body: res.json() }, ['querystring.at'])
  t.match(
    res.json().error.message,
    /^querystring\.at must be an RFC 3339 timestamp with an offset: has no time-zone offset/,
  )
})
