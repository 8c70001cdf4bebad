import t from 'tap'
import { build } from '../helpers/build.js'

// A staff member's whole first call, through the API: institutions, a call, a Google Forms CSV
// export and a JSON batch, a preview, the close, and the explained selection.
const { app, staff, clock } = await build(t)

async function api(
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await app.inject({
    method,
    url,
    headers: { ...staff, ...headers },
    ...(payload === undefined ? {} : { payload: payload as string }),
  })
  return { status: res.statusCode, body: res.body ? res.json() : null }
}

t.test('staff load the institutions', async (t) => {
  for (const [name, consortium, aliases] of [
    ['University of Oxford', true, ['Univ. Oxford', 'Oxford University']],
    ['Stanford University', true, []],
    ['The British Library', true, ['BL']],
    ['Yale University', true, []],
    ['Bodleian Libraries', true, []],
    ['Getty Research Institute', false, []],
  ] as const) {
    const res = await api('POST', '/institutions', { name, consortium, aliases })
    t.equal(res.status, 201, `institution ${name}`)
  }
})

let callId = ''

t.test('a call is created with the policy defaults and shows its status over time', async (t) => {
  const res = await api('POST', '/teams/coc/calls', { opensAt: '2026-02-01T00:00:00Z' })
  t.equal(res.status, 201)
  t.match(res.body, {
    team: 'coc',
    opensAt: '2026-02-01T00:00:00Z',
    closesAt: '2026-03-01T00:00:00Z',
    termStart: '2026-03-01T00:00:00Z',
    seats: null,
    status: 'scheduled',
  })
  callId = res.body.id
  clock.set('2026-02-10T00:00:00Z')
  t.equal((await api('GET', `/calls/${callId}`)).body.status, 'open')
  const list = await app.inject({ method: 'GET', url: '/teams/coc/calls' })
  t.equal(list.statusCode, 200, 'calls are public')
  t.same(
    list.json().calls.map((c: { id: string }) => c.id),
    [callId],
  )
})

t.test('an overlapping call is refused', async (t) => {
  const res = await api('POST', '/teams/coc/calls', { opensAt: '2026-02-20T00:00:00Z' })
  t.equal(res.status, 409)
  t.equal(res.body.error.code, 'overlapping-call')
  t.equal(res.body.error.details.callId, callId)
})

t.test('bad call input names the field', async (t) => {
  const noOffset = await api('POST', '/teams/coc/calls', { opensAt: '2027-02-01T00:00:00' })
  t.equal(noOffset.status, 400)
  t.match(noOffset.body.error.message, /body\.opensAt/)
  const backwards = await api('POST', '/teams/coc/calls', {
    opensAt: '2027-02-01T00:00:00Z',
    closesAt: '2027-01-01T00:00:00Z',
  })
  t.equal(backwards.status, 400)
  t.match(backwards.body.error.message, /body\.closesAt must be after opensAt/)
  const unknownTeam = await api('POST', '/teams/nope/calls', { opensAt: '2027-02-01T00:00:00Z' })
  t.equal(unknownTeam.status, 404)
})

const CSV = [
  'Timestamp,Email Address,Name,Institution,Why do you want to serve?',
  '2026/02/01 9:00:00 AM GMT+1,ana@ox.ac.uk,Ana Lopez,University of Oxford,"Because, well, I care"',
  '2026/02/01 9:30:00 AM GMT+1,bo@ox.ac.uk,Bo Chen,Univ. Oxford,"Line one',
  'line two"',
  '2026/02/02 10:00:00 AM GMT,cy@stanford.edu,Cy Park,stanford university,',
  '2026/01/31 11:00:00 PM GMT,early@example.org,Eli Early,Yale University,',
  '2026/02/03 10:00:00 AM GMT,dee@getty.edu,Dee Ray,Getty Research Institute,',
  '2026/02/03 11:00:00 AM GMT,,Nameless Email,None,',
].join('\r\n')

t.test('a Google Forms CSV export is imported; re-importing changes nothing', async (t) => {
  const res = await api('POST', `/calls/${callId}/responses`, CSV, { 'content-type': 'text/csv' })
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.match(res.body, { inserted: 6, updated: 0, unchanged: 0 })
  const again = await api('POST', `/calls/${callId}/responses`, CSV, { 'content-type': 'text/csv' })
  t.match(again.body, { inserted: 0, updated: 0, unchanged: 6 })
})

t.test('a bad CSV row is refused with its line named, and nothing is stored', async (t) => {
  const bad =
    CSV +
    '\r\n2026/02/30 10:00:00 AM GMT,zed@example.org,Zed,Independent,\r\n2026/02/04 10:00:00 AM GMT,new@example.org,New Person,,'
  const res = await api('POST', `/calls/${callId}/responses`, bad, { 'content-type': 'text/csv' })
  t.equal(res.status, 400)
  t.equal(res.body.error.code, 'csv-invalid-timestamp')
  t.equal(res.body.error.details.line, 9, 'the physical line, counting the quoted line break')
  t.match(res.body.error.message, /line 9/)
  const stored = await api('GET', `/calls/${callId}/responses`)
  t.equal(stored.body.responses.length, 6, 'the valid rows of the refused file were not stored either')
  t.notOk(stored.body.responses.some((r: { email: string }) => r.email === 'new@example.org'))
})

t.test('CSV timestamps without an offset need a timezone', async (t) => {
  const res = await api(
    'POST',
    `/calls/${callId}/responses`,
    'Timestamp,Email,Name,Institution\n2026/02/04 10:00:00,x@example.org,X,',
    { 'content-type': 'text/csv' },
  )
  t.equal(res.status, 400)
  t.equal(res.body.error.code, 'csv-timezone-required')
  const zoned = await api(
    'POST',
    `/calls/${callId}/responses?timezone=America/New_York`,
    'Timestamp,Email,Name,Institution\n2026/02/04 10:00:00,x@example.org,X Local,',
    { 'content-type': 'text/csv' },
  )
  t.match(zoned.body, { inserted: 1, updated: 0, unchanged: 0 })
  const stored = (await api('GET', `/calls/${callId}/responses`)).body.responses.find(
    (r: { email: string }) => r.email === 'x@example.org',
  )
  t.equal(stored.submittedAt, '2026-02-04T15:00:00Z', '10:00 in New York in February is 15:00 UTC')
})

t.test('a JSON batch with a bad timestamp is refused naming the index and field, nothing stored', async (t) => {
  const res = await api('POST', `/calls/${callId}/responses`, {
    responses: [
      {
        externalId: 'j1',
        submittedAt: '2026-02-05T10:00:00.000000001Z',
        name: 'Fay',
        email: 'fay@yale.edu',
        institution: 'Yale University',
      },
      {
        externalId: 'j2',
        submittedAt: '2026-02-05T10:00:00.000000002Z',
        name: 'Gus',
        email: 'gus@yale.edu',
        institution: 'Yale University',
      },
      { externalId: 'j3', submittedAt: '2026-02-05 10:00', name: 'Hal', email: 'hal@example.org' },
    ],
  })
  t.equal(res.status, 400)
  t.equal(res.body.error.code, 'invalid-instant')
  t.match(res.body.error.message, /body\.responses\[2\]\.submittedAt/)
  t.equal((await api('GET', `/calls/${callId}/responses`)).body.responses.length, 7)
  const unknownKey = await api('POST', `/calls/${callId}/responses`, {
    responses: [{ submittedAt: '2026-02-05T10:00:00Z', name: 'A', email: 'a@b.c', phone: '1' }],
  })
  t.equal(unknownKey.status, 400)
  t.match(unknownKey.body.error.message, /body\.responses\[0\]\.phone/)
})

t.test('a JSON batch keeps sub-millisecond order; upserts by externalId', async (t) => {
  const batch = {
    responses: [
      {
        externalId: 'j2',
        submittedAt: '2026-02-05T10:00:00.000000002Z',
        name: 'Gus',
        email: 'gus@yale.edu',
        institution: 'Yale University',
      },
      {
        externalId: 'j1',
        submittedAt: '2026-02-05T10:00:00.000000001Z',
        name: 'Fay',
        email: 'fay@yale.edu',
        institution: 'Yale University',
      },
      {
        externalId: 'j4',
        submittedAt: '2026-02-06T10:00:00+01:00',
        name: 'Ida',
        email: 'ida@bl.uk',
        institution: 'BL',
      },
      {
        externalId: 'j5',
        submittedAt: '2026-02-06T12:00:00Z',
        name: 'Jo',
        email: 'jo@bodleian.ox.ac.uk',
        institution: 'Bodleian Libraries',
      },
      {
        externalId: 'j6',
        submittedAt: '2026-02-07T12:00:00Z',
        name: 'Kim',
        email: 'kim@example.org',
        institution: 'Independent',
      },
      {
        externalId: 'j7',
        submittedAt: '2026-02-07T13:00:00Z',
        name: 'Lee',
        email: 'lee@example.org',
        institution: 'Museo Nacional',
      },
      {
        externalId: 'j8',
        submittedAt: '2026-02-07T14:00:00Z',
        name: 'Max',
        email: 'max@example.org',
        institution: 'Museo Nacional',
      },
      {
        externalId: 'j9',
        submittedAt: '2026-02-08T14:00:00Z',
        name: 'Ned',
        email: 'ned@example.org',
        institution: 'Standford University',
      },
      {
        externalId: 'j10',
        submittedAt: '2026-02-09T14:00:00Z',
        name: 'Ana Again',
        email: ' ANA@ox.ac.uk ',
        institution: 'University of Oxford',
      },
      { externalId: 'j11', submittedAt: '2026-02-09T15:00:00Z', name: 'Oz', email: 'oz@example.org', institution: '' },
      {
        externalId: 'j12',
        submittedAt: '2026-03-01T00:00:00Z',
        name: 'Pat Late',
        email: 'pat@example.org',
        institution: 'Getty Research Institute',
      },
    ],
  }
  t.match((await api('POST', `/calls/${callId}/responses`, batch)).body, { inserted: 11, updated: 0, unchanged: 0 })
  batch.responses[2]!.name = 'Ida B.'
  t.match((await api('POST', `/calls/${callId}/responses`, batch)).body, { inserted: 0, updated: 1, unchanged: 10 })
})

t.test('the preview explains every decision before the call closes', async (t) => {
  const res = await api('GET', `/calls/${callId}/selection`)
  t.equal(res.status, 200)
  t.equal(res.body.status, 'preview')
  const byName = Object.fromEntries(res.body.decisions.map((d: { name: string }) => [d.name, d]))
  t.match(byName['Eli Early'], { outcome: 'excluded', reason: 'early' })
  t.match(byName['Ana Lopez'], { outcome: 'selected', seat: 'consortium', institution: 'University of Oxford' })
  t.match(byName['Bo Chen'], { outcome: 'excluded', reason: 'institution-already-selected' })
  t.match(byName['Bo Chen'].explanation, /Ana Lopez/, 'names the earlier volunteer who took the seat')
  t.match(byName['Nameless Email'], { outcome: 'excluded', reason: 'missing-fields' })
  t.match(byName['Ana Again'], { outcome: 'excluded', reason: 'duplicate-person' })
  t.match(byName['Pat Late'], { outcome: 'excluded', reason: 'late' })
  t.equal(byName['Fay'].position + 1, byName['Gus'].position, 'Fay submitted one nanosecond before Gus')
  t.match(byName['Fay'], { outcome: 'selected', seat: 'consortium' })
  t.match(byName['Gus'], { outcome: 'excluded', reason: 'institution-already-selected' })
  t.match(
    byName['Max'],
    { outcome: 'excluded', reason: 'institution-already-selected' },
    'unknown institutions are their own institution',
  )
  t.match(byName['Kim'], { outcome: 'selected', seat: 'community', institution: null })
  const unknown = res.body.warnings.find(
    (w: { code: string; suggestions: string[] }) =>
      w.code === 'unknown-institution' && w.suggestions.includes('Stanford University'),
  )
  t.ok(unknown, 'a misspelt institution raises a warning with a suggestion')
  t.equal(res.body.decisions.length, 18, 'every response has a decision')
})

t.test('closing before closesAt needs early:true', async (t) => {
  const res = await api('POST', `/calls/${callId}/close`, {})
  t.equal(res.status, 409)
  t.equal(res.body.error.code, 'window-open')
})

t.test('closing makes the selection final, creates the members, and cannot happen twice', async (t) => {
  clock.set('2026-03-02T00:00:00Z')
  t.equal((await api('GET', `/calls/${callId}`)).body.status, 'due')
  const preview = (await api('GET', `/calls/${callId}/selection`)).body
  const closed = await api('POST', `/calls/${callId}/close`)
  t.equal(closed.status, 200)
  t.equal(closed.body.status, 'final')
  t.equal(closed.body.inputDigest, preview.inputDigest, 'the preview ran on the same inputs')
  t.same(closed.body.decisions, preview.decisions)
  // Consortium: Ana (Oxford), Cy (Stanford), Fay (Yale), Ida (BL) fill 4 seats; Jo (Bodleian) waits.
  const selected = closed.body.decisions
    .filter((d: { outcome: string }) => d.outcome === 'selected')
    .map((d: { name: string; seat: string; termEnd: string }) => [d.name, d.seat, d.termEnd])
  t.same(
    selected,
    [
      ['Ana Lopez', 'consortium', '2028-03-01T00:00:00Z'],
      ['Cy Park', 'consortium', '2028-03-01T00:00:00Z'],
      ['Dee Ray', 'community', '2028-03-01T00:00:00Z'],
      ['X Local', 'community', '2028-03-01T00:00:00Z'],
      ['Fay', 'consortium', '2027-03-01T00:00:00Z'],
      ['Ida B.', 'consortium', '2027-03-01T00:00:00Z'],
      ['Kim', 'community', '2027-03-01T00:00:00Z'],
      ['Lee', 'community', '2027-03-01T00:00:00Z'],
    ],
    'first-come, one per institution, inaugural stagger: the first two of each category serve 24 months, the others 12',
  )
  const jo = closed.body.decisions.find((d: { name: string }) => d.name === 'Jo')
  t.match(jo, { outcome: 'alternate', reason: 'seats-full', seat: 'consortium' })
  t.same(closed.body.shortfall, { consortium: 0, community: 0 })
  const waitlist = closed.body.decisions.filter(
    (d: { outcome: string; seat: string }) => d.outcome === 'alternate' && d.seat === 'community',
  )
  t.same(
    waitlist.map((d: { name: string }) => d.name),
    ['Ned', 'Oz'],
    'the community waitlist, in first-come order',
  )
  t.match(waitlist[0].explanation, /1/, 'the explanation gives the waitlist place')

  t.same(
    (await api('GET', `/calls/${callId}/selection`)).body,
    closed.body,
    'the stored final selection reads back identically',
  )
  t.equal((await api('GET', `/calls/${callId}`)).body.status, 'closed')
  const twice = await api('POST', `/calls/${callId}/close`)
  t.equal(twice.status, 409)
  t.equal(twice.body.error.code, 'already-closed')
  const late = await api('POST', `/calls/${callId}/responses`, {
    responses: [{ submittedAt: '2026-02-05T10:00:00Z', name: 'Q', email: 'q@example.org' }],
  })
  t.equal(late.status, 409)
  t.equal(late.body.error.code, 'call-closed')

  const members = await api('GET', '/teams/coc/members')
  t.equal(members.status, 200)
  t.equal(members.body.members.length, 8)
  t.match(
    members.body.members.find((m: { name: string }) => m.name === 'Ana Lopez'),
    { email: 'ana@ox.ac.uk', institution: 'University of Oxford', seat: 'consortium', origin: 'selected', callId },
  )
  t.equal(
    (await app.inject({ method: 'GET', url: '/teams/coc/members' })).statusCode,
    401,
    'members (with emails) are staff-only',
  )
  t.equal((await app.inject({ method: 'GET', url: `/calls/${callId}/selection` })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: `/calls/${callId}/responses` })).statusCode, 401)
})

t.test('the next call counts continuing members: fewer seats, their institutions and people blocked', async (t) => {
  const next = await api('POST', '/teams/coc/calls', {
    opensAt: '2027-01-15T00:00:00Z',
    closesAt: '2027-02-12T00:00:00Z',
    termStart: '2027-03-01T00:00:00Z',
  })
  t.equal(next.status, 201)
  clock.set('2027-01-20T00:00:00Z')
  await api('POST', `/calls/${next.body.id}/responses`, {
    responses: [
      {
        submittedAt: '2027-01-16T00:00:00Z',
        name: 'Ana Lopez',
        email: 'ana@ox.ac.uk',
        institution: 'University of Oxford',
      },
      { submittedAt: '2027-01-16T01:00:00Z', name: 'Ola', email: 'ola@ox.ac.uk', institution: 'Oxford University' },
      {
        submittedAt: '2027-01-16T02:00:00Z',
        name: 'Jo',
        email: 'jo@bodleian.ox.ac.uk',
        institution: 'Bodleian Libraries',
      },
    ],
  })
  const preview = (await api('GET', `/calls/${next.body.id}/selection`)).body
  t.same(preview.seats, { consortium: 2, community: 2 }, 'the short terms end at the next term start')
  const byName = Object.fromEntries(preview.decisions.map((d: { name: string }) => [d.name, d]))
  t.equal(byName['Ana Lopez'].reason, 'already-on-team')
  t.equal(byName['Ola'].reason, 'institution-on-team')
  t.match(byName['Ola'].explanation, /Ana Lopez/)
  t.match(byName['Jo'], { outcome: 'selected', seat: 'consortium', termEnd: '2029-03-01T00:00:00Z' })
  t.same(preview.shortfall, { consortium: 1, community: 2 }, 'empty seats are a shortfall for staff to recruit')
  const early = await api('POST', `/calls/${next.body.id}/close`, { early: true })
  t.equal(early.status, 200)
  t.equal(early.body.window.closesAt, '2027-01-20T00:00:00Z', 'an early close ends the window now')
  t.equal((await api('GET', `/calls/${next.body.id}`)).body.closesAt, '2027-01-20T00:00:00Z')
})

t.test('two concurrent closes yield one selection', async (t) => {
  const call = await api('POST', '/teams/coc/calls', { opensAt: '2028-01-15T00:00:00Z' })
  await api('POST', `/calls/${call.body.id}/responses`, {
    responses: [{ submittedAt: '2028-01-16T00:00:00Z', name: 'Rae', email: 'rae@example.org' }],
  })
  clock.set('2028-03-01T00:00:00Z')
  const results = await Promise.all([1, 2, 3].map(() => api('POST', `/calls/${call.body.id}/close`)))
  t.same(results.map((r) => r.status).sort(), [200, 409, 409])
  const members = (await api('GET', '/teams/coc/members')).body.members.filter(
    (m: { callId: string }) => m.callId === call.body.id,
  )
  t.equal(members.length, 1, 'one member, not three')
})

t.test('an unknown call is 404', async (t) => {
  t.equal((await api('GET', '/calls/00000000-0000-0000-0000-000000000000')).status, 404)
  t.equal((await api('POST', '/calls/00000000-0000-0000-0000-000000000000/close')).body.error.code, 'call-not-found')
  t.equal((await api('GET', '/calls/not-a-uuid')).status, 400, 'an id that is not a UUID is a 400')
  t.equal((await api('POST', '/calls/not-a-uuid/close')).body.error.code, 'validation-failed')
})
