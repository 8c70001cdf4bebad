import t from 'tap'
import { createRequire } from 'node:module'
import type * as AjvModule from 'ajv'
import { parse } from 'yaml'
import { build } from '../helpers/build.js'

// Issue 16, Feeds: the roster as roster.json (validated against the served JSON Schema), roster.yml
// (Jekyll _data), roster.md and roster.html — public, cached like the roster, no personal data, and
// names that YAML, Markdown or HTML would misread come through as they are.
const require = createRequire(import.meta.url)
const built = await build(t)
const { app, staff, clock } = built

async function api(method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({
    method,
    url,
    headers: { ...staff, ...headers },
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
  return res
}

// Names chosen to break naive writers: YAML booleans and numbers, quotes, a Markdown table pipe and
// emphasis, HTML tags and entities.
const NAMES = {
  staff: 'yes',
  consortium: 'Ann | *Bold* _x_ [link](http://e.x) <b>',
  community: `"O'Brien" & <script>alert(1)</script> #1: - no`,
  future: '2027-01-01',
}

t.before(async () => {
  clock.set('2026-06-01T12:00:00Z')
  const appoint = async (body: Record<string, unknown>) => {
    const res = await api('POST', '/teams/coc/members', { reason: 'test', override: true, ...body })
    if (res.statusCode !== 201) throw new Error(res.body)
  }
  await appoint({ name: NAMES.staff, email: 'staff@iiif.example', seat: 'staff', termStart: '2025-01-01T00:00:00Z' })
  await appoint({
    name: NAMES.consortium,
    email: 'ann@alpha.example',
    institution: 'Alpha & Sons: "Ltd" | 1.5',
    seat: 'consortium',
    termStart: '2026-01-01T00:00:00Z',
    termEnd: '2026-09-01T00:00:00Z',
  })
  await appoint({
    name: NAMES.community,
    email: 'ob@example.org',
    institution: null,
    seat: 'community',
    termStart: '2026-01-01T00:00:00Z',
    termEnd: '2028-01-01T00:00:00Z',
  })
  await appoint({
    name: NAMES.future,
    email: 'future@example.org',
    institution: 'on',
    seat: 'community',
    termStart: '2026-07-01T00:00:00Z',
    termEnd: '2028-07-01T00:00:00Z',
  })
  clock.set('2026-06-30T23:59:30Z')
})

t.test('roster.json is the roster with its schema marker, and validates against /schemas/roster-v1.json', async (t) => {
  const schemaRes = await app.inject({ url: '/schemas/roster-v1.json' })
  t.equal(schemaRes.statusCode, 200)
  t.match(schemaRes.headers['content-type'], /^application\/schema\+json/)
  t.equal(schemaRes.headers['access-control-allow-origin'], '*')
  const schema = schemaRes.json()
  t.equal(schema.$id, 'urn:rota:schema:roster-v1')
  const res = await app.inject({ url: '/teams/coc/roster.json' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = res.json()
  t.equal(body.$schema, '/schemas/roster-v1.json')
  t.equal(body.version, 1)
  const roster = (await app.inject({ url: '/teams/coc/roster' })).json()
  const { $schema: _schema, version: _version, ...rest } = body
  t.same(rest, roster, 'the same roster as GET /teams/coc/roster')
  const { Ajv } = require('ajv') as typeof AjvModule
  const ajv = new Ajv({ allErrors: true, strict: false })
  const validate = ajv.compile(schema)
  t.ok(validate(body), JSON.stringify(validate.errors))
  t.notOk(validate({ ...body, members: [{ name: 1 }] }), 'the schema refuses a malformed roster')
  t.notOk(res.body.includes('@'), 'no email anywhere')
})

t.test('roster.yml is a Jekyll _data list whose values round-trip, YAML 1.1 included', async (t) => {
  const res = await app.inject({ url: '/teams/coc/roster.yml' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/yaml/)
  t.notOk(res.body.includes('@'), 'no email')
  for (const version of ['1.1', '1.2'] as const) {
    const data = parse(res.body, { version })
    t.same(
      data,
      [
        { name: 'yes', institution: null, role: 'Staff', term_start: '2025-01-01T00:00:00Z', term_end: null },
        {
          name: NAMES.consortium,
          institution: 'Alpha & Sons: "Ltd" | 1.5',
          role: 'Consortium representative',
          term_start: '2026-01-01T00:00:00Z',
          term_end: '2026-09-01T00:00:00Z',
        },
        {
          name: NAMES.community,
          institution: null,
          role: 'Community representative',
          term_start: '2026-01-01T00:00:00Z',
          term_end: '2028-01-01T00:00:00Z',
        },
      ],
      `read as YAML ${version}: every value is text as given`,
    )
  }
  const future = parse((await app.inject({ url: '/teams/coc/roster.yml?at=2026-07-01T00:00:00Z' })).body, {
    version: '1.1',
  }) as Array<{ name: unknown; institution: unknown }>
  t.ok(
    future.some((m) => m.name === '2027-01-01' && m.institution === 'on'),
    '?at= shows the member whose term starts then; a date-like name and "on" stay text',
  )
})

t.test('roster.md escapes what Markdown would read as markup', async (t) => {
  const res = await app.inject({ url: '/teams/coc/roster.md' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/markdown/)
  const lines = res.body.trim().split('\n')
  t.equal(lines[0], '| Name | Institution | Role | Term start | Term end |')
  t.equal(lines.length, 5, 'header, rule and three members')
  for (const line of lines.slice(2)) {
    // Unescaped pipes delimit cells: exactly six per row (five columns).
    t.equal(line.replace(/\\\|/g, '').split('|').length - 1, 6, line)
    t.notMatch(line, /(^|[^\\])[*_<[]/, 'no unescaped emphasis, link or tag')
  }
  t.ok(
    lines[3]!.startsWith(String.raw`| Ann \| \*Bold\* \_x\_ \[link\]\(http\:\/\/e\.x\) \<b\> | Alpha \& Sons`),
    lines[3]!,
  )
  t.match(lines[3], /\| 2026-01-01 \| 2026-09-01 \|$/)
})

t.test('roster.html is an escaped fragment without script or style', async (t) => {
  const res = await app.inject({ url: '/teams/coc/roster.html' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.notMatch(res.body, /<script|<style|style=|<b>/i)
  t.match(res.body, /&quot;O&#39;Brien&quot; &amp; &lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  t.match(res.body, /^<table class="rota-roster"/)
  t.notOk(res.body.includes('@'), 'no email')
})

t.test('each feed is cached like the roster: ETag, 304, CORS, max-age up to the next boundary', async (t) => {
  const etags = new Set<string>()
  for (const format of ['json', 'yml', 'md', 'html']) {
    const res = await app.inject({ url: `/teams/coc/roster.${format}` })
    t.equal(res.headers['access-control-allow-origin'], '*', `${format}: CORS *`)
    // 30 s before the next term start (2026-07-01): never cached beyond it.
    t.equal(res.headers['cache-control'], 'public, max-age=30', `${format}: expires at the next boundary`)
    const etag = String(res.headers.etag)
    etags.add(etag)
    const again = await app.inject({ url: `/teams/coc/roster.${format}`, headers: { 'if-none-match': etag } })
    t.equal(again.statusCode, 304, `${format}: 304 with its ETag`)
    t.equal(again.body, '')
  }
  t.equal(etags.size, 4, 'each format has its own ETag')
  t.notOk(etags.has(String((await app.inject({ url: '/teams/coc/roster' })).headers.etag)), 'none is the roster’s')

  clock.set('2026-07-01T00:00:01Z')
  const after = await app.inject({ url: '/teams/coc/roster.yml' })
  t.match(after.body, /2027-01-01/, 'once the boundary has passed, the new member is in the feed')
  t.equal(after.headers['cache-control'], 'public, max-age=60', 'at most a minute')
  const old = [...etags].find((e) => e.endsWith('-yml"'))!
  t.equal(
    (await app.inject({ url: '/teams/coc/roster.yml', headers: { 'if-none-match': old } })).statusCode,
    200,
    'the old ETag no longer matches',
  )
})

t.test('bad input: an unknown team, a bad instant', async (t) => {
  const missing = await app.inject({ url: '/teams/nope/roster.yml' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().error.code, 'team-not-found')
  const bad = await app.inject({ url: '/teams/coc/roster.md?at=yesterday' })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().error, { code: 'invalid-instant' })
})
