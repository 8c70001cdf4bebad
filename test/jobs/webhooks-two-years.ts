import t from 'tap'
import type { AddressInfo } from 'node:net'
import { parse } from 'yaml'
import { build } from '../helpers/build.js'
import { startReceiver, type Received } from '../helpers/webhook-receiver.js'
import { tick } from '../../src/services/tick.js'

// Issue 16, Done when: over two simulated years of daily ticks — with a week of downtime and ticks
// racing each other — every term boundary is announced exactly once (`term.boundary`), and a static
// site whose build is triggered only by that webhook shows the new members on the morning their
// terms start: its build fetches roster.yml from rota and renders it with a Liquid-like template.
// 731 ticks with an HTTP server and two receivers: about 50 s on a quiet machine, several minutes on a busy one.
t.setTimeout(600_000)
const built = await build(t, { WEBHOOK_ALLOW_PRIVATE: 'on' })
const { app, staff, clock, deps } = built
await app.listen({ port: 0, host: '127.0.0.1' })
const rota = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

/** A Liquid-like renderer, enough for a Jekyll page: `{% for x in site.data.f %}…{% endfor %}` and `{{ x.field }}`. */
function renderLiquid(template: string, data: Record<string, unknown>): string {
  const lookup = (scope: Record<string, unknown>, path: string): unknown =>
    path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], scope)
  const output = (text: string, scope: Record<string, unknown>) =>
    text.replace(
      /\{\{\s*([\w.]+)\s*\}\}/g,
      (_, path: string) => (lookup(scope, path) as string | null | undefined) ?? '',
    )
  return template.replace(
    /\{%\s*for (\w+) in ([\w.]+)\s*%\}([\s\S]*?)\{%\s*endfor\s*%\}/g,
    (_, name: string, path: string, body: string) =>
      ((lookup(data, path) as unknown[]) ?? []).map((item) => output(body, { ...data, [name]: item })).join(''),
  )
}
const PAGE = '<ul>{% for member in site.data.coc %}<li>{{ member.name }} ({{ member.role }})</li>{% endfor %}</ul>'

/** The site: rebuilt on each new term.boundary delivery (deduplicated by X-Rota-Delivery), never otherwise. */
const builds: Array<{ at: string; page: string }> = []
const seenBySite = new Set<string>()
let siteSecret = ''
const site = await startReceiver({
  secret: () => siteSecret,
  now: () => clock(),
  respond: async (delivery: Received) => {
    if (delivery.headers['x-rota-event'] !== 'term.boundary') return 400
    if (seenBySite.has(delivery.headers['x-rota-delivery']!)) return 200
    seenBySite.add(delivery.headers['x-rota-delivery']!)
    const { roster } = JSON.parse(delivery.body) as { roster: { yml: string } }
    const yml = await (await fetch(`${rota}${roster.yml}`)).text()
    builds.push({ at: clock().toISOString(), page: renderLiquid(PAGE, { site: { data: { coc: parse(yml) } } }) })
    return 200
  },
})
let allSecret = ''
const all = await startReceiver({ secret: () => allSecret, now: () => clock() })
t.teardown(() => Promise.all([site.close(), all.close()]))

async function api(method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await app.inject({
    method,
    url,
    headers: staff,
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.body}`)
  return res.json()
}

// Terms over 2027–2028: starts and ends that coincide, a short term, an early end decided in advance.
const MEMBERS = [
  { name: 'Sam Staff', seat: 'staff', termStart: '2025-01-01T00:00:00Z' },
  {
    name: 'Ann',
    seat: 'consortium',
    institution: 'Alpha',
    termStart: '2027-03-01T00:00:00Z',
    termEnd: '2029-03-01T00:00:00Z',
  },
  {
    name: 'Ben',
    seat: 'consortium',
    institution: 'Beta',
    termStart: '2026-03-01T00:00:00Z',
    termEnd: '2028-03-01T00:00:00Z',
  },
  {
    name: 'Cat',
    seat: 'community',
    institution: 'Gamma',
    termStart: '2027-03-01T00:00:00Z',
    termEnd: '2028-03-01T00:00:00Z',
  },
  {
    name: 'Dan',
    seat: 'community',
    institution: 'Delta',
    termStart: '2028-03-01T00:00:00Z',
    termEnd: '2030-03-01T00:00:00Z',
  },
  {
    name: 'Eve',
    seat: 'community',
    institution: 'Epsilon',
    termStart: '2027-09-15T00:00:00Z',
    termEnd: '2029-09-15T00:00:00Z',
  },
  {
    name: 'Fay',
    seat: 'consortium',
    institution: 'Zeta',
    termStart: '2027-06-01T00:00:00Z',
    termEnd: '2027-12-01T00:00:00Z',
  },
]
const BOUNDARIES = [
  '2027-03-01T00:00:00Z', // Ann and Cat start
  '2027-06-01T00:00:00Z', // Fay starts
  '2027-09-15T00:00:00Z', // Eve starts
  '2027-12-01T00:00:00Z', // Fay ends — during a week of downtime
  '2028-03-01T00:00:00Z', // Ben and Cat end, Dan starts
  '2028-06-10T00:00:00Z', // Eve steps down (decided in advance)
]
/** Who starts at each boundary: the site must show them from that morning. */
const STARTS: Record<string, string[]> = {
  '2027-03-01': ['Ann', 'Cat'],
  '2027-06-01': ['Fay'],
  '2027-09-15': ['Eve'],
  '2028-03-01': ['Dan'],
}

t.test('setup: members, an early end decided in advance, two webhooks', async () => {
  clock.set('2027-01-01T09:00:00Z')
  for (const m of MEMBERS)
    await api('POST', '/teams/coc/members', {
      email: `${m.name.toLowerCase().replace(/\W/g, '.')}@example.org`,
      reason: 'test',
      override: true,
      ...m,
    })
  const eve = (await api('GET', '/teams/coc/members')).members.find((m: { name: string }) => m.name === 'Eve')
  await api('POST', `/members/${eve.id}/step-down`, { effective: '2028-06-10T00:00:00Z', reason: 'moving on' })
  siteSecret = (await api('POST', '/teams/coc/webhooks', { url: site.url, events: ['term.boundary'] })).secret
  allSecret = (
    await api('POST', '/teams/coc/webhooks', {
      url: all.url,
      events: ['roster.changed', 'call.opened', 'call.closed', 'term.boundary'],
    })
  ).secret
})

t.test('two years of daily ticks at 06:00 UTC, with downtime and racing ticks', async (t) => {
  const start = Date.parse('2027-01-02T06:00:00Z')
  for (let day = 0; day <= 730; day++) {
    const at = new Date(start + day * 86_400_000)
    const date = at.toISOString().slice(0, 10)
    if (date >= '2027-11-28' && date <= '2027-12-05') continue // down for a week
    clock.set(at)
    // Some mornings two instances tick at once.
    const racing = date === '2027-03-01' || date === '2028-03-01' || day % 97 === 0 ? 2 : 1
    await Promise.all(Array.from({ length: racing }, () => tick(deps, at)))
  }
  const boundaries = all.received.filter((d) => d.headers['x-rota-event'] === 'term.boundary')
  t.ok(
    all.received.every((d) => d.verified),
    'every delivery is signed',
  )
  t.equal(new Set(boundaries.map((d) => d.headers['x-rota-delivery'])).size, boundaries.length, 'none twice')
  t.same(
    boundaries.map((d) => JSON.parse(d.body).occurred_at),
    BOUNDARIES,
    'exactly one term.boundary per boundary, in order, the one during the downtime included',
  )
  t.equal(seenBySite.size, BOUNDARIES.length, 'the site received the same six')
  t.equal(builds.length, BOUNDARIES.length, 'and was built once for each, never otherwise')
  const changes = all.received.filter((d) => d.headers['x-rota-event'] === 'roster.changed')
  t.equal(changes.length, BOUNDARIES.length, 'roster.changed: once per boundary (who serves changed each time)')
})

t.test('the site shows the new members on the morning their terms start', async (t) => {
  for (const [date, names] of Object.entries(STARTS)) {
    const build = builds.find((b) => b.at.startsWith(date))
    t.ok(build, `a build on ${date}`)
    t.equal(build!.at, `${date}T06:00:00.000Z`, 'that morning, at the first tick')
    for (const name of names) t.match(build!.page, `<li>${name} (`, `${name} is on the page from ${date}`)
    const before = builds.filter((b) => b.at < date).at(-1)
    for (const name of names) if (before) t.notMatch(before.page, `<li>${name} (`, `${name} was not on the page before`)
  }
  const fayGone = builds.find((b) => b.at.startsWith('2027-12-06'))
  t.ok(fayGone, 'the boundary during the downtime is built when rota is back')
  t.notMatch(fayGone!.page, '<li>Fay (', 'Fay is gone from the page')
  const last = builds.at(-1)!
  t.match(last.page, '<li>Ann (Consortium representative)</li>')
  t.notMatch(last.page, '<li>Eve (', 'Eve stepped down on 2028-06-10')
})
