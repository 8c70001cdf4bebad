import t from 'tap'
import { build } from '../helpers/build.js'
import { createStaffToken, revokeStaffToken } from '../../src/services/tokens.js'

const { app, db, staff } = await build(t)

const DEFAULT_POLICY = {
  seats: [
    { class: 'consortium', count: 4, eligible: { institutionFlag: 'consortium' } },
    { class: 'community', count: 4, eligible: { not: { institutionFlag: 'consortium' } } },
  ],
  maxPerInstitution: 1,
  flagCaps: [],
  termMonths: 24,
  callIntervalMonths: 12,
  windowDays: 28,
  stagger: 'halves',
  reminderDays: 7,
  autoScheduleDays: 60,
  termNoticeDays: 30,
  retention: { applicantsMonths: 12, membersMonthsAfterTerm: 24, mailMonths: 6 },
  // Term limits and check-ins (issue 14): off by default.
  maxConsecutiveTerms: null,
  partialTermsCount: true,
  checkInMonths: null,
  checkInGraceDays: 14,
  approval: { mode: 'none' },
}

t.test('the default team exists after migrations, publicly readable', async (t) => {
  const list = await app.inject({ method: 'GET', url: '/teams' })
  t.equal(list.statusCode, 200)
  t.same(list.json(), {
    teams: [{ slug: 'coc', name: 'IIIF Code of Conduct Team', policy: DEFAULT_POLICY, formUrl: null }],
  })
  const one = await app.inject({ method: 'GET', url: '/teams/coc' })
  t.equal(one.statusCode, 200)
  t.same(one.json(), { slug: 'coc', name: 'IIIF Code of Conduct Team', policy: DEFAULT_POLICY, formUrl: null })
})

t.test('an unknown team is a coded 404', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/teams/nope' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().error.code, 'team-not-found')
})

t.test('PATCH needs a staff token', async (t) => {
  const missing = await app.inject({ method: 'PATCH', url: '/teams/coc', payload: { name: 'X' } })
  t.equal(missing.statusCode, 401)
  t.equal(missing.json().error.code, 'missing-token')
  const wrong = await app.inject({
    method: 'PATCH',
    url: '/teams/coc',
    payload: { name: 'X' },
    headers: { authorization: 'Bearer not-a-token' },
  })
  t.equal(wrong.statusCode, 401)
  t.equal(wrong.json().error.code, 'invalid-token')
  const basic = await app.inject({
    method: 'PATCH',
    url: '/teams/coc',
    payload: { name: 'X' },
    headers: { authorization: 'Basic Zm9vOmJhcg==' },
  })
  t.equal(basic.statusCode, 401)
  t.equal(
    (await app.inject({ method: 'GET', url: '/teams/coc' })).json().name,
    'IIIF Code of Conduct Team',
    'nothing changed',
  )
})

t.test('STAFF_TOKEN and database tokens are accepted; revoked ones are not', async (t) => {
  const ok = await app.inject({ method: 'PATCH', url: '/teams/coc', payload: { name: 'Renamed Team' }, headers: staff })
  t.equal(ok.statusCode, 200)
  t.equal(ok.json().name, 'Renamed Team')

  const { token } = await createStaffToken(db, { name: 'alice', role: 'admin' }, 'cli', new Date())
  const withDbToken = await app.inject({
    method: 'PATCH',
    url: '/teams/coc',
    payload: { name: 'IIIF Code of Conduct Team' },
    headers: { authorization: `Bearer ${token}` },
  })
  t.equal(withDbToken.statusCode, 200)
  t.equal(withDbToken.json().name, 'IIIF Code of Conduct Team')

  t.ok(await revokeStaffToken(db, 'alice', 'cli', new Date()))
  const revoked = await app.inject({
    method: 'PATCH',
    url: '/teams/coc',
    payload: { name: 'Y' },
    headers: { authorization: `Bearer ${token}` },
  })
  t.equal(revoked.statusCode, 401)
  t.equal(revoked.json().error.code, 'invalid-token')
})

t.test('a partial policy change merges and is kept', async (t) => {
  const res = await app.inject({
    method: 'PATCH',
    url: '/teams/coc',
    headers: staff,
    payload: { policy: { seats: { community: 5 }, windowDays: 21 } },
  })
  t.equal(res.statusCode, 200)
  const seats = [DEFAULT_POLICY.seats[0], { ...DEFAULT_POLICY.seats[1]!, count: 5 }]
  t.same(res.json().policy, { ...DEFAULT_POLICY, seats, windowDays: 21 })
  t.equal(res.headers['deprecation'], '@1796169600', 'the old seats shape, converted, answered with Deprecation')
  t.same((await app.inject({ method: 'GET', url: '/teams/coc' })).json().policy.seats, seats)
  await app.inject({ method: 'PATCH', url: '/teams/coc', headers: staff, payload: { policy: DEFAULT_POLICY } })
})

t.test('invalid changes are 400, name the field, and change nothing', async (t) => {
  const cases: Array<[string, unknown, string]> = [
    ['negative seats', { policy: { seats: { consortium: -1 } } }, 'body.policy.seats.consortium'],
    ['fractional term', { policy: { termMonths: 24.5 } }, 'body.policy.termMonths'],
    ['zero-day window', { policy: { windowDays: 0 } }, 'body.policy.windowDays'],
    ['a number as text', { policy: { windowDays: '28' } }, 'body.policy.windowDays'],
    ['unknown body key', { name: 'Z', colour: 'red' }, 'body.colour'],
    ['unknown policy key', { policy: { seatz: 3 } }, 'body.policy.seatz'],
    ['blank name', { name: '   ' }, 'body.name'],
    ['window longer than the interval', { policy: { windowDays: 340 } }, 'body.policy.windowDays'],
    ['odd term with the stagger', { policy: { termMonths: 23 } }, 'body.policy.termMonths'],
    ['no seats at all', { policy: { seats: { consortium: 0, community: 0 } } }, 'body.policy.seats'],
    ['negative reminder', { policy: { reminderDays: -1 } }, 'body.policy.reminderDays'],
    ['mailing list not an address', { mailingList: 'iiif-discuss' }, 'body.mailingList'],
    ['staff email not an address', { staffEmail: 'staff at iiif.io' }, 'body.staffEmail'],
    ['form link not http', { formUrl: 'javascript:alert(1)' }, 'body.formUrl'],
    ['zero retention', { policy: { retention: { applicantsMonths: 0 } } }, 'body.policy.retention.applicantsMonths'],
    ['retention past ten years', { policy: { retention: { mailMonths: 121 } } }, 'body.policy.retention.mailMonths'],
    [
      'fractional retention',
      { policy: { retention: { membersMonthsAfterTerm: 1.5 } } },
      'body.policy.retention.membersMonthsAfterTerm',
    ],
    ['unknown retention key', { policy: { retention: { logsMonths: 3 } } }, 'body.policy.retention.logsMonths'],
  ]
  for (const [label, payload, field] of cases) {
    const res = await app.inject({ method: 'PATCH', url: '/teams/coc', headers: staff, payload: payload as object })
    t.equal(res.statusCode, 400, `${label}: 400`)
    const body = res.json()
    t.match(body.error.code, /^(validation-failed|invalid-policy|invalid-team)$/, `${label}: coded`)
    t.ok(
      body.error.details.problems.some((p: { field: string }) => p.field === field),
      `${label}: names ${field} (got ${JSON.stringify(body.error.details.problems)})`,
    )
    t.match(body.error.message, field, `${label}: the message names the field`)
  }
  const after = await app.inject({ method: 'GET', url: '/teams/coc' })
  t.same(after.json(), { slug: 'coc', name: 'IIIF Code of Conduct Team', policy: DEFAULT_POLICY, formUrl: null })
})

t.test('retention: each period may be null ("keep"), and a partial change keeps the others', async (t) => {
  const res = await app.inject({
    method: 'PATCH',
    url: '/teams/coc',
    headers: staff,
    payload: { policy: { retention: { mailMonths: null, applicantsMonths: 3 } } },
  })
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json().policy.retention, { applicantsMonths: 3, membersMonthsAfterTerm: 24, mailMonths: null })
  t.same((await app.inject({ method: 'GET', url: '/teams/coc' })).json().policy.retention, {
    applicantsMonths: 3,
    membersMonthsAfterTerm: 24,
    mailMonths: null,
  })
  await app.inject({ method: 'PATCH', url: '/teams/coc', headers: staff, payload: { policy: DEFAULT_POLICY } })
})

t.test('PATCH on an unknown team is 404 for staff', async (t) => {
  const res = await app.inject({ method: 'PATCH', url: '/teams/nope', headers: staff, payload: { name: 'x' } })
  t.equal(res.statusCode, 404)
  t.equal(res.json().error.code, 'team-not-found')
})

t.test('addresses are set by staff, shown to staff, and never on public routes', async (t) => {
  const set = await app.inject({
    method: 'PATCH',
    url: '/teams/coc',
    headers: staff,
    payload: {
      mailingList: 'iiif-discuss@example.org',
      staffEmail: 'staff@example.org',
      formUrl: 'https://forms.gle/abc',
      policy: { reminderDays: 3 },
    },
  })
  t.equal(set.statusCode, 200, set.body)
  t.match(set.json(), {
    mailingList: 'iiif-discuss@example.org',
    staffEmail: 'staff@example.org',
    formUrl: 'https://forms.gle/abc',
    policy: { reminderDays: 3 },
  })
  const settings = await app.inject({ method: 'GET', url: '/teams/coc/settings', headers: staff })
  t.match(settings.json(), { mailingList: 'iiif-discuss@example.org', staffEmail: 'staff@example.org' })
  t.equal(
    (await app.inject({ method: 'GET', url: '/teams/coc/settings' })).statusCode,
    401,
    'settings need a staff token',
  )
  for (const url of ['/teams', '/teams/coc']) {
    const text = (await app.inject({ method: 'GET', url })).body
    t.notMatch(text, /@example\.org/, `${url} shows no address`)
    t.match(text, /forms\.gle\/abc/, `${url} shows the form link`)
  }
  const cleared = await app.inject({
    method: 'PATCH',
    url: '/teams/coc',
    headers: staff,
    payload: { mailingList: null, staffEmail: null, formUrl: null, policy: { reminderDays: 7 } },
  })
  t.match(cleared.json(), { mailingList: null, staffEmail: null, formUrl: null })
})
