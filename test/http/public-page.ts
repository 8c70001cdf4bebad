import { createHash } from 'node:crypto'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { build } from '../helpers/build.js'
import { addInstitutions, staffApi } from '../helpers/api.js'
import { teams } from '../../src/db/schema.js'

// The public page at / and /teams/{team} (issue 15): a browser gets the team's roster, next call and
// how to volunteer as a page without JavaScript; API clients keep getting JSON.
const built = await build(t)
const { app, staff, clock } = built

/** What Chromium and Firefox send when a person opens a link. */
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'

const api = staffApi({ app, staff })

function get(url: string, headers: Record<string, string | undefined> = {}, method: 'GET' | 'HEAD' = 'GET') {
  const sent = Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >
  return app.inject({ method, url, headers: sent })
}

const page = async (url = '/') => {
  const res = await get(url, { accept: BROWSER })
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
  return res.body
}

/** The text a person reads: tags dropped, entities decoded, white space collapsed. */
function text(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .replace(/ ([.,;])/g, '$1')
}

const HOSTILE_NAME = '<script>alert("pwned")</script>'
const QUOTED_NAME = `Bob "Bobby" O'Brien & Sons`
const HOSTILE_INSTITUTION = `<img src=x onerror=alert(1)> "Lab" & Co`
const EMAILS = ['eve.hostile@example.org', 'bob.obrien@example.org', 'ada.byron@example.org', 'sam.staff@example.org']

t.test('before any call: the team, its vacancies, the planned call; links to the console and /docs', async (t) => {
  const res = await get('/', { accept: BROWSER })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/)
  t.equal(res.headers.vary, 'Accept')
  const body = text(res.body)
  t.match(body, 'IIIF Code of Conduct Team')
  t.match(body, 'Nobody serves on the team right now.')
  t.match(body, 'Vacant: 4 consortium seats and 4 community seats.')
  t.match(body, /Next call for volunteers Status Planned/)
  t.match(res.body, '<a href="/console/">')
  t.match(res.body, '<a href="/docs">')
  t.match(res.body, /<meta name="viewport" content="width=device-width, initial-scale=1"/, 'readable on a phone')
})

t.test('the page runs nothing: no script, and a CSP that allows only its own stylesheet', async (t) => {
  for (const url of ['/', '/teams/coc', '/teams/nope']) {
    const res = await get(url, { accept: BROWSER })
    t.notMatch(res.body, /<script/i, `${url}: no script element`)
    t.notMatch(res.body, /\son[a-z]+=/i, `${url}: no event handler attribute`)
    const csp = String(res.headers['content-security-policy'])
    t.match(csp, /default-src 'none'/)
    t.notMatch(csp, /script-src|unsafe-inline|unsafe-eval/, `${url}: no script may run`)
    const style = /<style>([\s\S]*?)<\/style>/.exec(res.body)![1]!
    const hash = createHash('sha256').update(style).digest('base64')
    t.match(csp, `style-src 'sha256-${hash}'`, `${url}: the stylesheet is allowed by its hash`)
    t.match(csp, /frame-ancestors 'none'/)
  }
})

let callId = ''

t.test('an open call: its dates and status, and the form to volunteer with (an http(s) link, escaped)', async (t) => {
  await addInstitutions(t, api, ['Alpha University', 'Beta Library'])
  await addInstitutions(t, api, [HOSTILE_INSTITUTION], { consortium: false })
  t.equal((await api('PATCH', '/teams/coc', { formUrl: 'https://forms.example/apply?a=1&b=2' })).status, 200)
  clock.set('2026-02-01T00:00:00Z')
  const call = await api('POST', '/teams/coc/calls', {
    opensAt: '2026-02-01T00:00:00Z',
    closesAt: '2026-03-01T00:00:00Z',
    termStart: '2026-04-01T00:00:00Z',
    seats: { consortium: 2, community: 2 },
  })
  t.equal(call.status, 201, JSON.stringify(call.body))
  callId = call.body.id
  const html = await page()
  const body = text(html)
  t.match(body, 'Status Open')
  t.match(body, 'Opens 1 February 2026 at 00:00 UTC')
  t.match(body, 'Closes 1 March 2026 at 00:00 UTC')
  t.match(body, 'Terms start 1 April 2026')
  t.match(body, 'Seats to fill 2 consortium seats and 2 community seats')
  t.match(html, '<a href="https://forms.example/apply?a=1&amp;b=2">the volunteer form</a>', 'the form, its & escaped')
  t.match(body, 'To volunteer, fill in the volunteer form before 1 March 2026 at 00:00 UTC.')
  const json = (await get('/')).json()
  t.equal(json.formUrl, 'https://forms.example/apply?a=1&b=2')
  t.match(json.nextCall, { id: callId, status: 'open', opensAt: '2026-02-01T00:00:00Z' })
})

t.test('after the close: members and incoming volunteers, escaped, without any email', async (t) => {
  const responses = [
    { name: HOSTILE_NAME, email: EMAILS[0], institution: HOSTILE_INSTITUTION },
    { name: QUOTED_NAME, email: EMAILS[1], institution: 'Alpha University' },
    { name: 'Ada Byron', email: EMAILS[2], institution: 'Beta Library' },
  ]
  const imported = await api('POST', `/calls/${callId}/responses`, {
    responses: responses.map((r, i) => ({ submittedAt: `2026-02-03T10:1${i}:00Z`, ...r })),
  })
  t.equal(imported.status, 200, JSON.stringify(imported.body))
  clock.set('2026-03-02T00:00:00Z')
  t.equal((await api('POST', `/calls/${callId}/close`)).status, 200)
  const appointed = await api('POST', '/teams/coc/members', {
    name: 'Sam Staff',
    email: EMAILS[3],
    seat: 'staff',
    reason: 'staff liaison',
  })
  t.equal(appointed.status, 201, JSON.stringify(appointed.body))

  const before = await page()
  t.match(text(before), /Joining soon .*Ada Byron .*Beta Library .*Consortium seat .*1 April 2026 – 1 April 2028/)
  t.match(text(before), /Members .*Sam Staff .*Staff .*Since 2 March 2026/, 'the staff member serves already')

  clock.set('2026-04-02T00:00:00Z')
  const html = await page()
  const body = text(html)
  for (const name of ['Ada Byron', QUOTED_NAME, HOSTILE_NAME, 'Sam Staff']) t.match(body, name, `${name} is listed`)
  t.notMatch(body, 'Joining soon', 'their terms have started')
  t.match(body, HOSTILE_INSTITUTION, 'the institution as typed')
  t.match(body, 'Vacant: 2 consortium seats and 3 community seats.', 'the seats nobody fills (the team has 4 + 4)')

  t.notMatch(html, /<script/i, 'a name is shown, never run')
  t.notMatch(html, /<img/i)
  t.match(html, '&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;')
  t.match(html, 'Bob &quot;Bobby&quot; O&#39;Brien &amp; Sons')
  t.match(html, '&lt;img src=x onerror=alert(1)&gt; &quot;Lab&quot; &amp; Co')

  const members = (await api('GET', '/teams/coc/members')).body.members as Array<{ email: string }>
  t.same(members.map((m) => m.email).sort(), [...EMAILS].sort(), 'staff know every email')
  for (const url of ['/', '/teams/coc']) {
    for (const headers of [{ accept: BROWSER }, {}]) {
      const res = await get(url, headers)
      for (const email of EMAILS) t.notMatch(res.body, email, `${url} (${headers.accept ? 'HTML' : 'JSON'}): no email`)
      t.notMatch(res.body, /[\w.+-]+@[\w-]+\.[a-z]/i, 'nothing that looks like an email address')
    }
  }
})

t.test('the JSON at / is the page’s content: the roster route’s members, the next call, the links', async (t) => {
  const res = await get('/')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.equal(res.headers.vary, 'Accept')
  const json = res.json()
  const roster = (await get('/teams/coc/roster')).json()
  t.same(json.members, roster.members, 'members exactly as the roster shows them')
  t.same(json.vacancies, roster.vacancies)
  t.same(json.incoming, roster.incoming)
  t.same(json.team, { slug: 'coc', name: 'IIIF Code of Conduct Team' })
  t.match(json.nextCall, { id: null, status: 'planned' }, 'the next call on the cadence')
  t.equal(json.formUrl, null, 'no form while no call is scheduled or open')
  t.same(json.links, {
    team: '/teams/coc',
    roster: '/teams/coc/roster',
    calls: '/teams/coc/calls',
    schedule: '/teams/coc/schedule',
    calendar: '/teams/coc/schedule.ics',
    console: '/console/',
    docs: '/docs',
  })
  t.notMatch(await page(), 'the volunteer form', 'no form link on the page either')
})

t.test('content negotiation: browsers get the page, API clients the JSON of today', async (t) => {
  const team = {
    slug: 'coc',
    name: 'IIIF Code of Conduct Team',
    policy: {
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
      maxConsecutiveTerms: null,
      partialTermsCount: true,
      checkInMonths: null,
      checkInGraceDays: 14,
      approval: { mode: 'none' },
    },
    formUrl: 'https://forms.example/apply?a=1&b=2',
  }
  const json = [
    {},
    { accept: 'application/json' },
    { accept: '*/*' },
    { accept: 'application/json, text/html;q=0.5' },
    { accept: 'text/html;q=0.5, */*' },
    { accept: 'image/png' },
  ]
  for (const headers of json) {
    const res = await get('/teams/coc', headers)
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/json/, `${headers.accept ?? 'no Accept'}: JSON`)
    t.same(res.json(), team, 'exactly the team, as before')
    t.equal(res.headers.vary, 'Accept')
    t.notOk(res.headers.etag, 'as before: no validator on the team')
    t.match((await get('/', headers)).headers['content-type'], /^application\/json/, '/ too')
  }
  for (const accept of [BROWSER, 'text/html', 'text/*', 'text/html, application/json;q=0.9']) {
    for (const url of ['/', '/teams/coc']) {
      const res = await get(url, { accept })
      t.match(res.headers['content-type'], /^text\/html/, `${url} ${accept}: HTML`)
      t.equal(res.headers.vary, 'Accept')
    }
  }
  t.equal(await page('/teams/coc'), await page('/'), 'the team’s page is the page at /')
})

t.test('an unknown team: 404 in both forms', async (t) => {
  const json = await get('/teams/nope')
  t.equal(json.statusCode, 404)
  t.equal(json.json().error.code, 'team-not-found')
  const html = await get('/teams/nope', { accept: BROWSER })
  t.equal(html.statusCode, 404)
  t.match(html.headers['content-type'], /^text\/html/)
  t.match(text(html.body), /Not found .*There is no team "nope"/)
  t.match(html.body, '<a href="/">')
  const invalid = await get('/teams/Not%20A%20Slug', { accept: BROWSER })
  t.equal(invalid.statusCode, 400, 'a malformed slug: 400, as a page too')
  t.match(invalid.headers['content-type'], /^text\/html/)
  const hostile = await get(`/teams/${encodeURIComponent('<b>x')}`, { accept: BROWSER })
  t.notMatch(hostile.body, '<b>x', 'the path is escaped in the error page')
})

t.test('HEAD works in both forms', async (t) => {
  for (const [url, headers, type] of [
    ['/', { accept: BROWSER }, /^text\/html/],
    ['/', {}, /^application\/json/],
    ['/teams/coc', { accept: BROWSER }, /^text\/html/],
    ['/teams/coc', {}, /^application\/json/],
  ] as const) {
    const res = await get(url, headers, 'HEAD')
    t.equal(res.statusCode, 200, `HEAD ${url}`)
    t.match(res.headers['content-type'], type)
    t.equal(res.body, '')
  }
  t.equal((await get('/teams/nope', { accept: BROWSER }, 'HEAD')).statusCode, 404)
})

t.test('ETag and 304: a browser revalidates each time and gets 304 until something changes', async (t) => {
  for (const headers of [{ accept: BROWSER }, {}]) {
    const first = await get('/', headers)
    const etag = String(first.headers.etag)
    t.match(etag, /^W\/"[\w-]+"$/)
    t.equal(first.headers['cache-control'], 'public, no-cache')
    const again = await get('/', { ...headers, 'if-none-match': etag })
    t.equal(again.statusCode, 304)
    t.equal(again.body, '')
  }
  const html = String((await get('/', { accept: BROWSER })).headers.etag)
  t.not(html, String((await get('/')).headers.etag), 'each representation has its own validator')
  t.equal(String((await get('/teams/coc', { accept: BROWSER })).headers.etag), html)
  t.equal((await api('PATCH', '/teams/coc', { name: 'The CoC Team' })).status, 200)
  const changed = await get('/', { accept: BROWSER, 'if-none-match': html })
  t.equal(changed.statusCode, 200, 'a write: the page is new at once')
  t.match(text(changed.body), 'The CoC Team')
  t.not(changed.headers.etag, html)
})

t.test('a form link that is not http(s) is never a link', async (t) => {
  const next = await api('POST', '/teams/coc/calls', { opensAt: '2027-02-01T00:00:00Z' })
  t.equal(next.status, 201, JSON.stringify(next.body))
  t.match(text(await page()), 'Status Scheduled')
  t.match(await page(), '<a href="https://forms.example/apply?a=1&amp;b=2">', 'scheduled: the form')
  // The API refuses such a link; one written in the database by other means is still not offered.
  await built.db.update(teams).set({ formUrl: 'javascript:alert(1)' }).where(eq(teams.slug, 'coc'))
  clock.set(new Date(clock().getTime() + 61_000)) // pages are kept in memory a minute at most
  const html = await page()
  t.notMatch(html, /javascript:/i)
  t.notMatch(html, 'the volunteer form')
  t.match(text(html), 'The call’s form is linked in its announcement, when it opens.')
  t.equal((await get('/')).json().formUrl, null)
})
