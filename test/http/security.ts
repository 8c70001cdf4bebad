import { Writable } from 'node:stream'
import t from 'tap'
import { build, STAFF_TOKEN } from '../helpers/build.js'
import { openTestDatabase } from '../helpers/database.js'
import { createLogger } from '../../src/logger.js'

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      done()
    },
  })
  return { lines, logger: createLogger({ level: 'info' }, sink) }
}

// One database for the whole file: each test builds an app of its own (its own limits and log), and
// none depends on what another wrote.
const database = await openTestDatabase(t)

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/)
        return [name!, values]
      }),
  )
}

t.test('security headers on every answer: the API may load, run and frame nothing', async (t) => {
  const { app } = await build(t, {}, { database })
  for (const url of ['/teams/coc/roster', '/teams', '/outbox', '/no/such/route']) {
    const res = await app.inject({ url })
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${url}: nosniff`)
    t.equal(res.headers['x-frame-options'], 'DENY', `${url}: no framing`)
    t.match(res.headers['strict-transport-security'], /max-age=\d+/, `${url}: HSTS`)
    t.equal(res.headers['referrer-policy'], 'no-referrer')
    const csp = directives(String(res.headers['content-security-policy']))
    t.same(csp.get('default-src'), ["'none'"], `${url}: default-src 'none'`)
    t.same(csp.get('frame-ancestors'), ["'none'"])
    t.notOk(res.headers['x-powered-by'])
  }
})

t.test('/docs still works under its CSP: the page, its scripts and styles, the document', async (t) => {
  const { app } = await build(t, {}, { database })
  const page = await app.inject({ url: '/docs/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  const csp = directives(String(page.headers['content-security-policy']))
  t.same(csp.get('script-src'), ["'self'"], 'only its own scripts may run')
  t.ok(
    csp.get('style-src')?.includes("'self'") && csp.get('connect-src')?.includes("'self'"),
    'its styles load and it may fetch /docs/json',
  )
  t.same(csp.get('frame-ancestors'), ["'none'"])
  t.notOk(csp.has('upgrade-insecure-requests'), 'works over plain HTTP on a private host')
  // With script-src 'self' and script-src-attr 'none', an inline script or handler would not run: there is none.
  t.notMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline <script>')
  t.notMatch(page.body, /\son[a-z]+=/i, 'no inline event handler')
  const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
  t.ok(
    assets.some((a) => a.endsWith('swagger-ui-bundle.js')) && assets.some((a) => a.endsWith('swagger-ui.css')),
    'the page loads Swagger UI',
  )
  for (const asset of assets) {
    t.notMatch(asset, /^(?:https?:)?\/\//, `${asset} is same-origin ('self')`)
    const res = await app.inject({ url: new URL(asset, 'http://rota.test/docs/').pathname })
    t.equal(res.statusCode, 200, `${asset} loads`)
  }
  const initializer = await app.inject({ url: '/docs/static/swagger-initializer.js' })
  t.match(
    initializer.body,
    /validatorUrl: null/,
    'no badge image from validator.swagger.io (img-src is self and data: only)',
  )
  const spec = await app.inject({ url: '/docs/json' })
  t.equal(spec.statusCode, 200)
  t.equal(spec.json().info.title, 'rota')
})

t.test(
  'CORS: public reads are readable by any site, with a preflight for If-None-Match; staff routes send no CORS header',
  async (t) => {
    const { app, staff } = await build(t, {}, { database })
    const origin = { origin: 'https://example.org' }
    for (const url of [
      '/teams/coc/roster',
      '/teams/coc/schedule',
      '/teams/coc/schedule.ics',
      '/teams',
      '/institutions',
      '/teams/coc/calls',
    ]) {
      const res = await app.inject({ url, headers: origin })
      t.equal(res.statusCode, 200, url)
      t.equal(res.headers['access-control-allow-origin'], '*', `${url}: any origin may read it`)
    }
    const roster = await app.inject({ url: '/teams/coc/roster', headers: origin })
    t.match(roster.headers['access-control-expose-headers'], /etag/i, 'scripts may read the ETag')
    const missing = await app.inject({ url: '/teams/nope/roster', headers: origin })
    t.equal(missing.statusCode, 404)
    t.equal(missing.headers['access-control-allow-origin'], '*', 'a public 404 is readable too')

    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/teams/coc/roster?at=2026-01-01T00:00:00Z',
      headers: { ...origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match' },
    })
    t.equal(preflight.statusCode, 204, 'the preflight succeeds')
    t.equal(preflight.headers['access-control-allow-origin'], '*')
    t.match(preflight.headers['access-control-allow-methods'], /GET/)
    t.match(String(preflight.headers['access-control-allow-headers']).toLowerCase(), /if-none-match/)
    t.notMatch(
      String(preflight.headers['access-control-allow-headers']).toLowerCase(),
      /authorization/,
      'no credentials cross-origin',
    )

    for (const [method, url] of [
      ['GET', '/outbox'],
      ['GET', '/teams/coc/settings'],
      ['GET', '/teams/coc/members'],
      ['POST', '/teams/coc/calls'],
      ['PATCH', '/teams/coc'],
    ] as const) {
      const res = await app.inject({
        method,
        url,
        headers: { ...origin, ...staff },
        ...(method === 'GET' ? {} : { payload: {} }),
      })
      t.notOk(res.headers['access-control-allow-origin'], `${method} ${url}: no CORS header`)
      const pre = await app.inject({
        method: 'OPTIONS',
        url,
        headers: {
          ...origin,
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization',
        },
      })
      t.notOk(pre.headers['access-control-allow-origin'], `preflight of ${method} ${url}: refused`)
      t.equal(pre.statusCode, 404)
      t.equal(pre.json().error.code, 'route-not-found')
    }
  },
)

t.test(
  `the 11th wrong token in a minute gets 429, even with the right token, and the log never shows a token`,
  async (t) => {
    const { lines, logger } = capture()
    const { app, staff } = await build(t, {}, { logger, database })
    const wrong = 'wrong-token-Zq8vX2mL9pR4tY7w'
    for (let i = 1; i <= 10; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/admin/tick',
        headers: { authorization: `Bearer ${wrong}${i}` },
      })
      t.equal(res.statusCode, 401, `wrong token ${i}: 401`)
    }
    const blocked = await app.inject({
      method: 'POST',
      url: '/admin/tick',
      headers: { authorization: `Bearer ${wrong}11` },
    })
    t.equal(blocked.statusCode, 429, 'the 11th: 429')
    t.equal(blocked.json().error.code, 'too-many-auth-failures')
    t.match(blocked.json().error.message, /try again in \d+ s/)
    const retryAfter = Number(blocked.headers['retry-after'])
    t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter} s`)
    const right = await app.inject({ method: 'GET', url: '/outbox', headers: staff })
    t.equal(right.statusCode, 429, 'the right token from the same address waits too (no oracle for guesses)')
    const elsewhere = await app.inject({ method: 'GET', url: '/outbox', headers: staff, remoteAddress: '192.0.2.7' })
    t.equal(elsewhere.statusCode, 200, 'another address is not affected')
    const publicRead = await app.inject({ url: '/teams/coc/roster' })
    t.equal(publicRead.statusCode, 200, 'public reads are not affected')

    const failures = lines.filter((line) => line.includes('staff authentication failed'))
    t.equal(failures.length, 10, 'each wrong token is logged')
    t.match(JSON.parse(failures[0]!), { level: 40, ip: '127.0.0.1', route: '/admin/tick' })
    t.ok(
      lines.some((line) => line.includes('too many wrong tokens')),
      'the refusal is logged',
    )
    t.notOk(
      lines.some((line) => line.includes(wrong) || line.includes(STAFF_TOKEN) || /bearer/i.test(line)),
      'no token in the log',
    )
  },
)

t.test('writes are limited per address; the roster never is', async (t) => {
  const { app, staff } = await build(t, { WRITE_RATE_LIMIT: '3' }, { database })
  for (let i = 1; i <= 3; i++) {
    const res = await app.inject({ method: 'PATCH', url: '/teams/coc', headers: staff, payload: { name: `Team ${i}` } })
    t.equal(res.statusCode, 200, `write ${i}`)
  }
  const fourth = await app.inject({ method: 'PATCH', url: '/teams/coc', headers: staff, payload: { name: 'Team 4' } })
  t.equal(fourth.statusCode, 429, 'the 4th write in the minute: 429')
  t.equal(fourth.json().error.code, 'rate-limited')
  t.ok(Number(fourth.headers['retry-after']) >= 1, 'with Retry-After')
  t.equal((await app.inject({ url: '/teams/coc' })).json().name, 'Team 3', 'the refused write changed nothing')
  const other = await app.inject({
    method: 'PATCH',
    url: '/teams/coc',
    headers: staff,
    payload: { name: 'Team 5' },
    remoteAddress: '192.0.2.8',
  })
  t.equal(other.statusCode, 200, 'another address may write')
  t.equal((await app.inject({ url: '/outbox', headers: staff })).statusCode, 200, 'staff reads are not writes')

  let limited = 0
  for (let i = 0; i < 700; i++) {
    const res = await app.inject({ url: '/teams/coc/roster' })
    if (res.statusCode !== 200 || res.headers['x-ratelimit-limit'] !== undefined) limited++
  }
  t.equal(limited, 0, '700 roster reads from the limited address: all served, no rate-limit header')
})

t.test('behind a reverse proxy (TRUST_PROXY), each client is limited on its own address', async (t) => {
  const { app, staff } = await build(t, { TRUST_PROXY: '127.0.0.1', AUTH_FAILURE_LIMIT: '2' }, { database })
  const bad = (client: string) =>
    app.inject({
      method: 'GET',
      url: '/outbox',
      headers: { authorization: 'Bearer wrong-Zq8vX2mL9pR4tY7w', 'x-forwarded-for': client },
    })
  t.same(
    [
      (await bad('198.51.100.1')).statusCode,
      (await bad('198.51.100.1')).statusCode,
      (await bad('198.51.100.1')).statusCode,
    ],
    [401, 401, 429],
  )
  const other = await app.inject({
    method: 'GET',
    url: '/outbox',
    headers: { ...staff, 'x-forwarded-for': '198.51.100.2' },
  })
  t.equal(other.statusCode, 200, 'another client behind the same proxy is not blocked')
})
