import t, { type Test } from 'tap'
import { build } from '../helpers/build.js'
import { buildApp } from '../../src/app.js'

// A scripted four-year history: an inaugural call with staggered terms, an appointment into its
// shortfall, a step-down with promotion, two later calls — and the public roster at every date.
const built = await build(t)
const { app, staff, clock } = built

async function api(method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await app.inject({
    method,
    url,
    headers: staff,
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
  return { status: res.statusCode, body: res.body ? res.json() : null, headers: res.headers }
}

async function roster(
  t: Test,
  at: string,
): Promise<{ names: string[]; vacancies: { consortium: number; community: number }; body: Record<string, unknown> }> {
  const res = await app.inject({ method: 'GET', url: `/teams/coc/roster?at=${encodeURIComponent(at)}` })
  t.equal(res.statusCode, 200, `roster at ${at}`)
  const body = res.json()
  return {
    names: body.members.map((m: { name: string; seat: string }) => `${m.seat}:${m.name}`),
    vacancies: body.vacancies,
    body,
  }
}

async function runCall(
  t: Test,
  opensAt: string,
  volunteers: Array<[string, string | null]>,
  closeAt: string,
): Promise<string> {
  const call = await api('POST', '/teams/coc/calls', { opensAt })
  t.equal(call.status, 201, JSON.stringify(call.body))
  const base = Date.parse(opensAt)
  const imported = await api('POST', `/calls/${call.body.id}/responses`, {
    responses: volunteers.map(([name, institution], i) => ({
      submittedAt: new Date(base + (i + 1) * 3600_000).toISOString(),
      name,
      email: `${name.toLowerCase().replace(/\W/g, '')}@example.org`,
      institution,
    })),
  })
  t.equal(imported.status, 200, JSON.stringify(imported.body))
  clock.set(closeAt)
  const closed = await api('POST', `/calls/${call.body.id}/close`)
  t.equal(closed.status, 200, JSON.stringify(closed.body))
  return call.body.id
}

let firstCall = ''

t.test('setup: institutions and a staff member', async (t) => {
  for (const name of [
    'Alpha University',
    'Beta Library',
    'Gamma Museum',
    'Delta Institute',
    'Epsilon College',
    'Zeta Archive',
    'Eta University',
    'Theta Library',
  ]) {
    t.equal((await api('POST', '/institutions', { name, consortium: true })).status, 201)
  }
  const staffMember = await api('POST', '/teams/coc/members', {
    name: 'Sam Staff',
    email: 'sam@iiif.io',
    seat: 'staff',
    termStart: '2025-01-01T00:00:00Z',
    reason: 'IIIF staff',
  })
  t.equal(staffMember.status, 201)
  t.match(staffMember.body, { seat: 'staff', termEnd: null, origin: 'staff' })
})

t.test('the inaugural call fills 4 + 3 seats with staggered terms', async (t) => {
  firstCall = await runCall(
    t,
    '2026-02-01T00:00:00Z',
    [
      ['Ann', 'Alpha University'],
      ['Ben', 'Beta Library'],
      ['Cat', 'Gamma Museum'],
      ['Dan', 'Delta Institute'],
      ['Eve', 'Epsilon College'],
      ['Xia', 'Independent'],
      ['Yul', 'Museo Uno'],
      ['Zed', 'Museo Dos'],
    ],
    '2026-03-02T00:00:00Z',
  )
  const selection = (await api('GET', `/calls/${firstCall}/selection`)).body
  t.same(selection.shortfall, { consortium: 0, community: 1 })
})

t.test('staff appoint into the shortfall: the empty slot and its (short) term', async (t) => {
  clock.set('2026-03-10T00:00:00Z')
  const wrongCategory = await api('POST', '/teams/coc/members', {
    name: 'Ola',
    email: 'ola@example.org',
    institution: 'Zeta Archive',
    seat: 'community',
    callId: firstCall,
    reason: 'recruited',
  })
  t.equal(wrongCategory.status, 409)
  t.equal(wrongCategory.body.error.code, 'seat-category-mismatch')
  const noVacancy = await api('POST', '/teams/coc/members', {
    name: 'Pia',
    email: 'pia@example.org',
    institution: 'Zeta Archive',
    seat: 'consortium',
    reason: 'recruited',
  })
  t.equal(noVacancy.status, 409)
  t.equal(noVacancy.body.error.code, 'no-vacancy')
  const sameInstitution = await api('POST', '/teams/coc/members', {
    name: 'Uma',
    email: 'uma@example.org',
    institution: 'Museo Uno',
    seat: 'community',
    reason: 'recruited',
  })
  t.equal(sameInstitution.status, 409)
  t.equal(sameInstitution.body.error.code, 'institution-on-team')
  const appointed = await api('POST', '/teams/coc/members', {
    name: 'Ray',
    email: 'ray@example.org',
    institution: 'Museo Tres',
    seat: 'community',
    callId: firstCall,
    reason: 'recruited after the call',
  })
  t.equal(appointed.status, 201, JSON.stringify(appointed.body))
  t.match(appointed.body, {
    origin: 'appointed',
    termStart: '2026-03-01T00:00:00Z',
    termEnd: '2027-03-01T00:00:00Z',
    reason: 'recruited after the call',
    override: false,
  })
  const full = await api('POST', '/teams/coc/members', {
    name: 'Sol',
    email: 'sol@example.org',
    seat: 'community',
    callId: firstCall,
    reason: 'x',
  })
  t.equal(full.status, 409)
  t.equal(full.body.error.code, 'no-vacancy', 'no empty slot left in the call: no vacancy')
  const overridden = await api('POST', '/teams/coc/members', {
    name: 'Tia',
    email: 'tia@example.org',
    institution: 'Zeta Archive',
    seat: 'consortium',
    termStart: '2026-04-01T00:00:00Z',
    termEnd: '2026-05-01T00:00:00Z',
    reason: 'interim cover during a complaint',
    override: true,
  })
  t.equal(overridden.status, 201)
  t.match(overridden.body, { override: true, reason: 'interim cover during a complaint' })
})

t.test('a step-down promotes the next eligible alternate for the remainder of the term', async (t) => {
  clock.set('2026-08-20T00:00:00Z')
  const members = (await api('GET', '/teams/coc/members')).body.members
  const ben = members.find((m: { name: string }) => m.name === 'Ben')
  t.match(ben, { termEnd: '2028-03-01T00:00:00Z' })
  const res = await api('POST', `/members/${ben.id}/step-down`, {
    effective: '2026-09-01T00:00:00Z',
    reason: 'moving on',
    replacement: 'next-alternate',
  })
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.match(res.body.member, { name: 'Ben', endedAt: '2026-09-01T00:00:00Z', termEnd: '2028-03-01T00:00:00Z' })
  t.match(res.body.replacement, {
    name: 'Eve',
    seat: 'consortium',
    origin: 'replacement',
    termStart: '2026-09-01T00:00:00Z',
    termEnd: '2028-03-01T00:00:00Z',
  })
  t.equal(res.body.vacancy, false)
  const again = await api('POST', `/members/${ben.id}/step-down`, { reason: 'again' })
  t.equal(again.status, 409)
  t.equal(again.body.error.code, 'already-stepped-down')
  const ann = members.find((m: { name: string }) => m.name === 'Ann')
  const future = await api('POST', `/members/${ann.id}/step-down`, {
    effective: '2030-01-01T00:00:00Z',
    reason: 'after the term',
  })
  t.equal(future.status, 409)
  t.equal(future.body.error.code, 'not-serving', 'a term that has ended by then cannot be ended early')
  t.equal((await api('POST', '/members/00000000-0000-4000-8000-000000000000/step-down', { reason: 'x' })).status, 404)
  t.equal(
    (await api('POST', '/members/not-a-uuid/step-down', { reason: 'x' })).status,
    400,
    'an id that is not a UUID is a 400',
  )
})

t.test('two later calls replace half the team each', async (t) => {
  await runCall(
    t,
    '2027-02-01T00:00:00Z',
    [
      ['Cat', 'Gamma Museum'],
      ['Fay', 'Zeta Archive'],
      ['Gil', 'Eta University'],
      ['Pam', 'Museo Cuatro'],
      ['Quin', null],
      ['Rex', 'Museo Cinco'],
    ],
    '2027-03-02T00:00:00Z',
  )
  await runCall(
    t,
    '2028-02-01T00:00:00Z',
    [
      ['Hal', 'Alpha University'],
      ['Ivy', 'Theta Library'],
      ['Jon', 'Epsilon College'],
      ['Kai', 'Museo Seis'],
      ['Lia', 'Museo Siete'],
    ],
    '2028-03-02T00:00:00Z',
  )
  const calls = (await app.inject({ method: 'GET', url: '/teams/coc/calls' })).json().calls
  t.same(
    calls.map((c: { closesAt: string; termStart: string }) => [c.closesAt, c.termStart]),
    [
      ['2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z'],
      ['2027-03-01T00:00:00Z', '2027-03-01T00:00:00Z'],
      ['2028-02-29T00:00:00Z', '2028-03-01T00:00:00Z'],
    ],
    'in a leap year the call closes on 29 February but terms still start on the anniversary, 1 March',
  )
})

t.test('the roster is right at every date of the history', async (t) => {
  const expect: Array<[string, string[], { consortium: number; community: number }]> = [
    ['2025-06-01T00:00:00Z', ['staff:Sam Staff'], { consortium: 4, community: 4 }],
    ['2026-02-28T23:59:59.999999999Z', ['staff:Sam Staff'], { consortium: 4, community: 4 }],
    [
      '2026-03-01T00:00:00Z',
      [
        'staff:Sam Staff',
        'consortium:Ann',
        'consortium:Ben',
        'consortium:Cat',
        'consortium:Dan',
        'community:Ray',
        'community:Xia',
        'community:Yul',
        'community:Zed',
      ],
      { consortium: 0, community: 0 },
    ],
    [
      '2026-04-15T00:00:00Z',
      [
        'staff:Sam Staff',
        'consortium:Ann',
        'consortium:Ben',
        'consortium:Cat',
        'consortium:Dan',
        'consortium:Tia',
        'community:Ray',
        'community:Xia',
        'community:Yul',
        'community:Zed',
      ],
      { consortium: 0, community: 0 },
    ],
    [
      '2026-10-01T00:00:00Z',
      [
        'staff:Sam Staff',
        'consortium:Ann',
        'consortium:Cat',
        'consortium:Dan',
        'consortium:Eve',
        'community:Ray',
        'community:Xia',
        'community:Yul',
        'community:Zed',
      ],
      { consortium: 0, community: 0 },
    ],
    [
      '2027-03-01T00:00:00Z',
      [
        'staff:Sam Staff',
        'consortium:Ann',
        'consortium:Eve',
        'consortium:Cat',
        'consortium:Fay',
        'community:Xia',
        'community:Yul',
        'community:Pam',
        'community:Quin',
      ],
      { consortium: 0, community: 0 },
    ],
    [
      '2028-03-01T00:00:00Z',
      [
        'staff:Sam Staff',
        'consortium:Cat',
        'consortium:Fay',
        'consortium:Hal',
        'consortium:Ivy',
        'community:Pam',
        'community:Quin',
        'community:Kai',
        'community:Lia',
      ],
      { consortium: 0, community: 0 },
    ],
    [
      '2029-06-01T00:00:00Z',
      ['staff:Sam Staff', 'consortium:Hal', 'consortium:Ivy', 'community:Kai', 'community:Lia'],
      { consortium: 2, community: 2 },
    ],
  ]
  for (const [at, names, vacancies] of expect) {
    const got = await roster(t, at)
    t.same(got.names, names, `team at ${at}: ${JSON.stringify(got.names)}`)
    t.same(got.vacancies, vacancies, `vacancies at ${at}`)
  }
})

t.test('the public roster carries no email or personal data', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/teams/coc/roster?at=2027-06-01T00:00:00Z' })
  t.notMatch(res.body, /@/)
  const member = res.json().members[1]
  t.same(Object.keys(member).sort(), ['id', 'institution', 'name', 'seat', 'termEnd', 'termStart'])
})

t.test('ETag, If-None-Match and Cache-Control', async (t) => {
  clock.set('2028-06-01T00:00:00Z')
  const first = await app.inject({ method: 'GET', url: '/teams/coc/roster' })
  t.equal(first.statusCode, 200)
  t.equal(first.json().at, '2028-06-01T00:00:00Z', '`at` defaults to now')
  const etag = first.headers.etag as string
  t.ok(etag)
  t.match(first.headers['cache-control'], /^public, max-age=\d+$/)
  const again = await app.inject({ method: 'GET', url: '/teams/coc/roster', headers: { 'if-none-match': etag } })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
  clock.set('2028-07-01T00:00:00Z')
  t.equal(
    (await app.inject({ method: 'GET', url: '/teams/coc/roster', headers: { 'if-none-match': etag } })).statusCode,
    304,
    'same team a month later: still not modified',
  )
  const members = (await api('GET', '/teams/coc/members')).body.members
  const hal = members.find((m: { name: string }) => m.name === 'Hal')
  t.equal(
    (await api('POST', `/members/${hal.id}/step-down`, { reason: 'health', effective: '2028-07-01T00:00:00Z' })).status,
    200,
  )
  const changed = await app.inject({ method: 'GET', url: '/teams/coc/roster', headers: { 'if-none-match': etag } })
  t.equal(changed.statusCode, 200, 'a write is visible on the next read')
  t.notOk(changed.json().members.some((m: { name: string }) => m.name === 'Hal'))
  t.same(changed.json().vacancies, { consortium: 1, community: 0 })
  t.not(changed.headers.etag, etag)
})

t.test('bad input', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/teams/coc/roster?at=yesterday' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.code, 'invalid-instant')
  t.equal((await app.inject({ method: 'GET', url: '/teams/nope/roster' })).statusCode, 404)
})

t.test('another instance on the same database sees a write within a second', async (t) => {
  const other = await buildApp({ ...built.deps })
  t.teardown(() => other.close())
  const before = (await other.inject({ method: 'GET', url: '/teams/coc/roster' })).json()
  const appointed = await api('POST', '/teams/coc/members', {
    name: 'New Staff',
    email: 'new@iiif.io',
    seat: 'staff',
    termStart: '2028-01-01T00:00:00Z',
    reason: 'hired',
  })
  t.equal(appointed.status, 201)
  const deadline = Date.now() + 1000
  let seen = false
  while (!seen && Date.now() < deadline) {
    const now = (await other.inject({ method: 'GET', url: '/teams/coc/roster' })).json()
    seen = now.members.some((m: { name: string }) => m.name === 'New Staff')
    if (!seen) await new Promise((r) => setTimeout(r, 20))
  }
  t.ok(seen, 'the other instance shows the new member within a second')
  t.notOk(before.members.some((m: { name: string }) => m.name === 'New Staff'))
})

t.test('the schedule shows the next calls and the seats they will fill', async (t) => {
  clock.set('2028-06-01T00:00:00Z')
  const res = await app.inject({ method: 'GET', url: '/teams/coc/schedule?years=3' })
  t.equal(res.statusCode, 200)
  const { calls, termEnds } = res.json()
  t.same(
    calls.map((c: { id: string | null; opensAt: string; termStart: string; status: string; seatsToFill: object }) => [
      c.id === null,
      c.opensAt,
      c.termStart,
      c.status,
      c.seatsToFill,
    ]),
    [
      [true, '2029-02-01T00:00:00Z', '2029-03-01T00:00:00Z', 'planned', { consortium: 3, community: 2 }],
      [true, '2030-02-01T00:00:00Z', '2030-03-01T00:00:00Z', 'planned', { consortium: 1, community: 2 }],
      [true, '2031-02-01T00:00:00Z', '2031-03-01T00:00:00Z', 'planned', { consortium: 3, community: 2 }],
    ],
    'a call each February replacing half the team, plus the seat Hal left in July 2028 (filled in 2029 for a full term)',
  )
  t.same(
    termEnds.slice(0, 5).map((e: { name: string; termEnd: string }) => [e.name, e.termEnd]),
    [
      ['Hal', '2028-07-01T00:00:00Z'],
      ['Cat', '2029-03-01T00:00:00Z'],
      ['Fay', '2029-03-01T00:00:00Z'],
      ['Pam', '2029-03-01T00:00:00Z'],
      ['Quin', '2029-03-01T00:00:00Z'],
    ],
  )
  t.notMatch(res.body, /@/, 'no emails')
  t.equal((await app.inject({ method: 'GET', url: '/teams/coc/schedule?years=11' })).statusCode, 400)
})

t.test('the schedule as an iCalendar feed', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/teams/coc/schedule.ics' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/calendar/)
  t.match(res.body, /^BEGIN:VCALENDAR\r\n/)
  t.match(res.body, /DTSTART:20290201T000000Z/)
  t.match(res.body, /Term ends: Cat/)
  t.notMatch(res.body, /@example\.org/)
  t.ok(res.body.split('\r\n').every((line: string) => Buffer.byteLength(line) <= 75))
})

t.test('a change made now shows in the roster now, even within the same second', async (t) => {
  // The roster now is the roster at the current whole second; staff changes dated "now" take
  // effect from the start of that second, so a page opened right after them shows them.
  clock.set('2031-06-01T12:00:00.700Z')
  const before = (await app.inject({ url: '/teams/coc/roster' })).json()
  const appointed = await api('POST', '/teams/coc/members', {
    name: 'Quinn Now',
    email: 'quinn@example.org',
    seat: 'community',
    reason: 'recruited directly',
    override: true,
  })
  t.equal(appointed.status, 201, JSON.stringify(appointed.body))
  t.equal(appointed.body.termStart, '2031-06-01T12:00:00Z', 'the term starts at the start of the second')
  const after = (await app.inject({ url: '/teams/coc/roster' })).json()
  t.notOk(
    before.members.some((m: { name: string }) => m.name === 'Quinn Now'),
    'not in the roster read before',
  )
  t.ok(
    after.members.some((m: { name: string }) => m.name === 'Quinn Now'),
    'in the roster read right after',
  )
  clock.set('2031-06-01T12:00:01.300Z')
  const down = await api('POST', `/members/${appointed.body.id}/step-down`, { reason: 'left the same day' })
  t.equal(down.status, 200, JSON.stringify(down.body))
  t.equal(down.body.member.endedAt, '2031-06-01T12:00:01Z', 'the step-down too')
  const gone = (await app.inject({ url: '/teams/coc/roster' })).json()
  t.notOk(
    gone.members.some((m: { name: string }) => m.name === 'Quinn Now'),
    'gone from the roster read right after',
  )
})
