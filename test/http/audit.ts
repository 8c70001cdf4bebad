import fs from 'node:fs'
import t from 'tap'
import { sql } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { startFakeGoogle, textItem } from '../fakes/google.js'
import { OPENAPI_FILE } from '../../src/cli/openapi.js'

// The audit log and staff roles, driven by the committed OpenAPI document: every write route, called
// successfully, appends exactly one audit row; a viewer is refused every write route, a staff token
// every admin route. People appear in the log only as person references.
const GOOGLE_TOKEN = 'fake-google-token'
const fake = await startFakeGoogle({ accessToken: GOOGLE_TOKEN })
t.teardown(() => fake.close())
t.setTimeout(300_000)
const { app, db, staff, clock } = await build(t, {
  GOOGLE_API_ROOT_URL: fake.url,
  GOOGLE_ACCESS_TOKEN: GOOGLE_TOKEN,
  WRITE_RATE_LIMIT: '0',
})

interface Operation {
  security?: unknown[]
  'x-rota-role'?: string
}
const spec = JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8')) as { paths: Record<string, Record<string, Operation>> }
const WRITE_METHODS = ['post', 'put', 'patch', 'delete']
const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    key: `${method.toUpperCase()} ${path}`,
    method,
    path,
    operation,
  })),
)
// Staff write routes: a volunteer's signed-link routes (/status/…) are public, audited by their own tests.
const writes = operations.filter((o) => WRITE_METHODS.includes(o.method) && (o.operation.security ?? []).length > 0)

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
async function api(method: Method, url: string, payload?: unknown, headers: Record<string, string> = staff) {
  const res = await app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
  return { status: res.statusCode, body: res.body ? res.json() : null }
}
async function ok(method: Method, url: string, payload?: unknown) {
  const res = await api(method, url, payload)
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

type Rows<T> = { rows: T[] }
interface AuditRow {
  id: string
  actor: string
  action: string
  entity: string
  entity_id: string
  reason: string | null
  at: Date | string
  before: unknown
  after: unknown
}
async function auditRows(): Promise<AuditRow[]> {
  return ((await db.execute(sql`select * from audit_log order by id`)) as unknown as Rows<AuditRow>).rows
}

// People whose names and addresses must never reach the log.
const PEOPLE = [
  { name: 'Zelda Quuxworth', email: 'zelda.q@example.org', institution: 'Alpha University' },
  { name: 'Yannick Brightwater', email: 'yannick.b@example.net', institution: 'Beta Library' },
  { name: 'Xiomara Featherstone', email: 'xiomara.f@example.com', institution: 'Gamma Museum' },
]
const RECRUIT = { name: 'Wilhelmina Recruitson', email: 'wilhelmina.r@example.org' }
const FORM_PERSON = { name: 'Vasco Formfiller', email: 'vasco.f@example.org' }

const form = fake.forms.addForm({
  formId: 'audit-form',
  info: { title: 'Volunteer' },
  settings: { emailCollectionType: 'VERIFIED' },
  items: [textItem('Name', 'q-name'), textItem('Institution', 'q-inst')],
})
fake.forms.addResponse(form.formId, {
  responseId: 'R1',
  createTime: '2026-01-05T10:00:00.123456789Z',
  respondentEmail: FORM_PERSON.email,
  answers: { 'q-name': FORM_PERSON.name, 'q-inst': 'Delta Institute' },
})

/** State the entries share, filled as they run (in the order of ENTRIES). */
const state: Record<string, string> = {}

interface Entry {
  /** The request: built when its turn comes, from what earlier entries made. */
  request: () => Promise<{ method: Method; url: string; payload?: unknown }>
  /** Audit rows the call appends by its own actor (1, unless it changes nothing). */
  rows?: number
  action?: string
}

/**
 * One entry per write route of openapi.json, in an order where each finds what it needs: a write
 * route added without an entry here fails the test.
 */
const ENTRIES: Record<string, Entry> = {
  'PATCH /teams/{team}': {
    action: 'team.update',
    request: async () => ({
      method: 'PATCH',
      url: '/teams/coc',
      payload: { staffEmail: 'coc-staff@example.org', policy: { termNoticeDays: 20 } },
    }),
  },
  'POST /teams': {
    action: 'team.create',
    request: async () => ({
      method: 'POST',
      url: '/teams',
      payload: { slug: 'scratch', name: 'Scratch team', policy: { termMonths: 12, inauguralStagger: false } },
    }),
  },
  'DELETE /teams/{team}': {
    action: 'team.delete',
    request: async () => ({ method: 'DELETE', url: '/teams/scratch' }),
  },
  'POST /institutions': {
    action: 'institution.create',
    request: async () => ({
      method: 'POST',
      url: '/institutions',
      payload: { name: 'Alpha University', consortium: true },
    }),
  },
  'PATCH /institutions/{id}': {
    action: 'institution.update',
    request: async () => {
      const list = (await ok('GET', '/institutions')).institutions as Array<{ id: string; name: string }>
      return {
        method: 'PATCH',
        url: `/institutions/${list.find((i) => i.name === 'Alpha University')!.id}`,
        payload: { aliases: ['Alpha U'] },
      }
    },
  },
  'POST /teams/{team}/calls': {
    action: 'call.create',
    request: async () => ({
      method: 'POST',
      url: '/teams/coc/calls',
      payload: { opensAt: '2026-03-01T00:00:00Z', closesAt: '2026-03-29T00:00:00Z' },
    }),
  },
  'PATCH /calls/{id}': {
    action: 'call.patch',
    request: async () => {
      const calls = (await ok('GET', '/teams/coc/calls')).calls as Array<{ id: string; opensAt: string }>
      return {
        method: 'PATCH',
        url: `/calls/${calls.find((c) => c.opensAt.startsWith('2026-03-01'))!.id}`,
        payload: { closesAt: '2026-03-28T00:00:00Z' },
      }
    },
  },
  'POST /calls/{id}/cancel': {
    action: 'call.cancel',
    request: async () => {
      const calls = (await ok('GET', '/teams/coc/calls')).calls as Array<{ id: string; opensAt: string }>
      return { method: 'POST', url: `/calls/${calls.find((c) => c.opensAt.startsWith('2026-03-01'))!.id}/cancel` }
    },
  },
  'POST /calls/{id}/responses': {
    action: 'responses.import',
    request: async () => {
      state.call = (
        await ok('POST', '/teams/coc/calls', { opensAt: '2026-01-01T00:00:00Z', closesAt: '2026-02-01T00:00:00Z' })
      ).id
      return {
        method: 'POST',
        url: `/calls/${state.call}/responses`,
        payload: {
          responses: PEOPLE.map((p, i) => ({
            externalId: `json-${i}`,
            submittedAt: `2026-01-0${i + 2}T09:00:00Z`,
            ...p,
          })),
        },
      }
    },
  },
  'DELETE /calls/{id}/responses/{responseId}': {
    action: 'response.remove',
    request: async () => {
      const list = (await ok('GET', `/calls/${state.call}/responses`)).responses as Array<{ id: string; email: string }>
      return {
        method: 'DELETE',
        url: `/calls/${state.call}/responses/${list.find((r) => r.email === PEOPLE[2]!.email)!.id}`,
        payload: { reason: 'Answered for a colleague' },
      }
    },
  },
  'DELETE /calls/{id}/imports/{batch}': {
    action: 'import.remove',
    request: async () => {
      const imported = await ok('POST', `/calls/${state.call}/responses`, {
        responses: [{ submittedAt: '2026-01-09T09:00:00Z', name: 'Test Entry', email: 'test.entry@example.org' }],
      })
      return {
        method: 'DELETE',
        url: `/calls/${state.call}/imports/${imported.batchId}`,
        payload: { reason: 'A test entry' },
      }
    },
  },
  'PUT /calls/{id}/form': {
    action: 'call.form-link',
    request: async () => ({
      method: 'PUT',
      url: `/calls/${state.call}/form`,
      payload: { formId: form.formId, questions: { name: 'Name', institution: 'Institution' } },
    }),
  },
  'POST /calls/{id}/sync': {
    action: 'call.sync',
    request: async () => ({ method: 'POST', url: `/calls/${state.call}/sync` }),
  },
  'POST /calls/{id}/close': {
    action: 'call.close',
    request: async () => ({ method: 'POST', url: `/calls/${state.call}/close`, payload: { early: true } }),
  },
  'POST /calls/{id}/report/publish': {
    action: 'report.publish',
    request: async () => ({ method: 'POST', url: `/calls/${state.call}/report/publish` }),
  },
  'POST /calls/{id}/reopen': {
    action: 'call.reopen',
    request: async () => ({
      method: 'POST',
      url: `/calls/${state.call}/reopen`,
      payload: { reason: 'Closed by mistake' },
    }),
  },
  'POST /teams/{team}/members': {
    action: 'member.appoint',
    request: async () => ({
      method: 'POST',
      url: '/teams/coc/members',
      payload: { ...RECRUIT, institution: 'Epsilon Archive', seat: 'community', reason: 'Recruited by staff' },
    }),
  },
  'POST /outbox/{id}/cancel': {
    action: 'outbox.cancel',
    request: async () => {
      const messages = (await ok('GET', '/outbox?status=pending')).messages as Array<{ id: string; kind: string }>
      state.message = messages.find((m) => m.kind === 'appointed')!.id
      return { method: 'POST', url: `/outbox/${state.message}/cancel` }
    },
  },
  'POST /outbox/{id}/retry': {
    action: 'outbox.retry',
    request: async () => ({ method: 'POST', url: `/outbox/${state.message}/retry` }),
  },
  'POST /members/{id}/step-down': {
    action: 'member.step-down',
    request: async () => {
      const members = (await ok('GET', '/teams/coc/members')).members as Array<{ id: string; email: string }>
      return {
        method: 'POST',
        url: `/members/${members.find((m) => m.email === RECRUIT.email)!.id}/step-down`,
        payload: { reason: 'Moved on' },
      }
    },
  },
  'PUT /teams/{team}/templates/{kind}': {
    action: 'template.put',
    request: async () => ({
      method: 'PUT',
      url: '/teams/coc/templates/call-opened',
      payload: { subject: 'Join {{team}}', body: 'The call is open: {{formUrl}}' },
    }),
  },
  'POST /teams/{team}/templates/{kind}/preview': {
    // Renders a draft: it changes nothing, so nothing is recorded.
    rows: 0,
    request: async () => ({ method: 'POST', url: '/teams/coc/templates/call-opened/preview', payload: {} }),
  },
  'DELETE /teams/{team}/templates/{kind}': {
    action: 'template.reset',
    request: async () => ({ method: 'DELETE', url: '/teams/coc/templates/call-opened' }),
  },
  'POST /admin/tick': {
    action: 'tick.run',
    request: async () => ({ method: 'POST', url: '/admin/tick' }),
  },
  'POST /tokens': {
    action: 'token.create',
    request: async () => ({ method: 'POST', url: '/tokens', payload: { name: 'carol', role: 'staff' } }),
  },
  'DELETE /tokens/{name}': {
    action: 'token.revoke',
    request: async () => ({ method: 'DELETE', url: '/tokens/carol' }),
  },
  'POST /teams/{team}/webhooks': {
    action: 'webhook.create',
    request: async () => ({
      method: 'POST',
      url: '/teams/coc/webhooks',
      payload: { url: 'https://hooks.example.org/rota?token=secret-in-query', events: ['roster.changed'] },
    }),
  },
  'DELETE /teams/{team}/webhooks/{id}': {
    action: 'webhook.delete',
    request: async () => {
      const [hook] = (await ok('GET', '/teams/coc/webhooks')).webhooks as Array<{ id: string }>
      return { method: 'DELETE', url: `/teams/coc/webhooks/${hook!.id}` }
    },
  },
  'POST /people/erase': {
    action: 'person.erase',
    // Her response was removed before the close: nothing keeps her on any team.
    request: async () => ({
      method: 'POST',
      url: '/people/erase',
      payload: { email: PEOPLE[2]!.email, reason: `Asked by ${PEOPLE[2]!.name} to be forgotten` },
    }),
  },
  'POST /calls/{id}/proposals/{responseId}/decline': {
    action: 'proposal.decline',
    // A call of its own, closed under committee approval: two proposed, one alternate.
    request: async () => {
      await ok('PATCH', '/teams/coc', {
        policy: { approval: { mode: 'committee', approverEmail: 'committee@example.org' } },
      })
      for (const name of ['Approval Alpha', 'Approval Beta', 'Approval Gamma'])
        await ok('POST', '/institutions', { name, consortium: true })
      clock.set('2031-01-02T00:00:00Z')
      const call = await ok('POST', '/teams/coc/calls', {
        opensAt: '2031-01-01T00:00:00Z',
        closesAt: '2031-01-29T00:00:00Z',
        termStart: '2031-03-01T00:00:00Z',
        seats: { consortium: 2, community: 0 },
      })
      state.approvalCall = call.id
      await ok('POST', `/calls/${call.id}/responses`, {
        responses: ['Alpha', 'Beta', 'Gamma'].map((x, i) => ({
          submittedAt: `2031-01-01T0${i + 1}:00:00Z`,
          name: `Proposed ${x}`,
          email: `proposed.${x.toLowerCase()}@example.org`,
          institution: `Approval ${x}`,
        })),
      })
      const closed = await ok('POST', `/calls/${call.id}/close`, { early: true })
      const [first, second] = closed.approval.proposals as Array<{ responseId: string }>
      state.approvalSecond = second!.responseId
      return {
        method: 'POST',
        url: `/calls/${call.id}/proposals/${first!.responseId}/decline`,
        payload: { reason: 'Declined by the committee' },
      }
    },
  },
  'POST /calls/{id}/proposals/{responseId}/approve': {
    action: 'proposal.approve',
    request: async () => ({
      method: 'POST',
      url: `/calls/${state.approvalCall}/proposals/${state.approvalSecond}/approve`,
      payload: {},
    }),
  },
  'POST /calls/{id}/approve': {
    action: 'call.approve',
    // The alternate proposed in place of the declined one still waits.
    request: async () => ({ method: 'POST', url: `/calls/${state.approvalCall}/approve`, payload: { reason: 'Met' } }),
  },
}

t.test('every write route, called successfully, appends exactly one audit row by its actor', async (t) => {
  t.ok(writes.length >= 20, `openapi.json lists the write routes (${writes.length})`)
  for (const { key } of writes) t.ok(ENTRIES[key], `${key} has an entry in ENTRIES`)
  for (const key of Object.keys(ENTRIES))
    t.ok(
      writes.some((w) => w.key === key),
      `${key} is a write route of openapi.json`,
    )
  for (const [key, entry] of Object.entries(ENTRIES)) {
    clock.set(new Date(clock().getTime() + 60_000))
    const request = await entry.request()
    const before = await auditRows()
    const res = await api(request.method, request.url, request.payload)
    t.ok(
      res.status >= 200 && res.status < 300,
      `${key}: ${res.status} ${res.status >= 300 ? JSON.stringify(res.body) : ''}`,
    )
    const added = (await auditRows()).slice(before.length)
    const own = added.filter((row) => row.actor === 'env')
    t.equal(own.length, entry.rows ?? 1, `${key}: ${entry.rows ?? 1} audit row by env`)
    if (key !== 'POST /admin/tick')
      t.same(
        added.filter((row) => row.actor !== 'env'),
        [],
        `${key}: no row by anyone else`,
      )
    if (entry.action) {
      t.equal(own[0]?.action, entry.action, `${key}: action ${entry.action}`)
      t.equal(new Date(own[0]!.at).toISOString(), clock().toISOString(), `${key}: at rota's clock`)
    }
  }
  const rows = await auditRows()
  const byAction = (action: string) => rows.filter((r) => r.action === action)
  t.match(byAction('response.remove')[0], { reason: 'Answered for a colleague', entity: 'response' })
  t.match(byAction('call.reopen')[0], { reason: 'Closed by mistake', entity: 'call', entity_id: state.call })
  t.match(byAction('team.update')[0], {
    before: { policy: { termNoticeDays: 30 }, staffEmail: null },
    after: { policy: { termNoticeDays: 20 }, staffEmail: /^person_[a-z0-9]{12}$/ },
  })
  t.same(
    Object.keys((byAction('team.update')[0]!.after as object) ?? {}).sort(),
    ['policy', 'staffEmail'],
    'only the changed fields',
  )
  t.match(byAction('call.patch')[0], {
    before: { closesAt: '2026-03-29T00:00:00.000000000Z' },
    after: { closesAt: '2026-03-28T00:00:00.000000000Z' },
  })
  t.match(byAction('token.create')[0], {
    entity: 'token',
    entity_id: 'carol',
    after: { role: 'staff', expiresAt: null },
  })
  t.match(byAction('responses.import')[0], {
    entity: 'call',
    entity_id: state.call,
    after: { source: 'json', rows: 3, inserted: 3 },
  })
  t.match(byAction('call.sync')[0], { actor: 'env', after: { source: 'google', inserted: 1 } })
  const close = byAction('call.close')[0]!
  t.equal((close.after as { selected: string[] }).selected.length, 3, 'the close names the selected, by reference')
  t.ok(
    (close.after as { selected: string[] }).selected.every((ref) => /^person_[a-z0-9]{12}$/.test(ref)),
    'as person references',
  )
})

t.test('no email address and no volunteer name is in the audit log', async (t) => {
  const text = JSON.stringify(await auditRows())
  for (const person of [...PEOPLE, RECRUIT, FORM_PERSON]) {
    t.notOk(text.includes(person.email), `no ${person.email}`)
    t.notOk(text.includes(person.name), `no ${person.name}`)
    t.notOk(text.includes(person.name.split(' ')[1]!), `nor ${person.name.split(' ')[1]}`)
  }
  t.notOk(text.includes('coc-staff@example.org'), "nor the team's staff address")
  t.notOk(text.includes('@'), 'no address of any kind')
  const rows = await auditRows()
  const removal = rows.find((r) => r.action === 'response.remove')!
  const appointment = rows.find((r) => r.action === 'member.appoint')!
  t.match(removal.after, { person: /^person_[a-z0-9]{12}$/ }, 'a removal names the person by reference')
  t.match(appointment.after, { person: /^person_[a-z0-9]{12}$/, seat: 'community' }, 'so does an appointment')
  const stepDown = rows.find((r) => r.action === 'member.step-down')!
  t.equal(
    (stepDown.after as { person: string }).person,
    (appointment.after as { person: string }).person,
    'the same person has the same reference in every row',
  )
})

t.test('roles: a viewer is refused every write route, a staff token every admin route', async (t) => {
  const viewer = (await ok('POST', '/tokens', { name: 'vera', role: 'viewer' })).token as string
  const staffer = (await ok('POST', '/tokens', { name: 'sam', role: 'staff' })).token as string
  const staffOps = operations.filter((o) => (o.operation.security ?? []).length > 0)
  for (const o of staffOps) t.ok(o.operation['x-rota-role'], `${o.key} states its role (x-rota-role)`)
  for (const o of operations.filter((o) => (o.operation.security ?? []).length === 0))
    t.notOk(o.operation['x-rota-role'], `${o.key} is public: no role`)
  for (const o of writes) t.not(o.operation['x-rota-role'], 'viewer', `${o.key} needs more than viewer`)
  const adminOnly = staffOps.filter((o) => o.operation['x-rota-role'] === 'admin').map((o) => o.key)
  for (const key of ['PATCH /teams/{team}', 'GET /tokens', 'POST /tokens', 'DELETE /tokens/{name}', 'GET /audit'])
    t.ok(adminOnly.includes(key), `${key} is admin only`)

  const fill = (path: string) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) =>
      name === 'team'
        ? 'coc'
        : name === 'kind'
          ? 'call-opened'
          : name === 'name'
            ? 'carol'
            : '00000000-0000-4000-8000-000000000000',
    )
  const before = (await auditRows()).length
  for (const o of writes) {
    const res = await api(o.method.toUpperCase() as Method, fill(o.path), {}, { authorization: `Bearer ${viewer}` })
    t.equal(res.status, 403, `viewer: ${o.key} is 403`)
    t.match(res.body, {
      error: { code: 'forbidden-role', details: { needed: o.operation['x-rota-role'], held: 'viewer' } },
    })
  }
  for (const o of staffOps.filter((o) => o.operation['x-rota-role'] === 'admin')) {
    const res = await api(o.method.toUpperCase() as Method, fill(o.path), o.method === 'get' ? undefined : {}, {
      authorization: `Bearer ${staffer}`,
    })
    t.equal(res.status, 403, `staff: ${o.key} is 403`)
    t.match(res.body, { error: { code: 'forbidden-role', message: /needs a token with the admin role/ } })
  }
  t.equal((await auditRows()).length, before, 'refusals change nothing')

  // What each role may do.
  t.equal(
    (await api('GET', `/calls/${state.call}/responses`, undefined, { authorization: `Bearer ${viewer}` })).status,
    200,
    'a viewer reads staff routes',
  )
  t.equal((await api('GET', '/outbox', undefined, { authorization: `Bearer ${viewer}` })).status, 200)
  const byStaff = await api(
    'POST',
    '/institutions',
    { name: 'Staff Made', consortium: false },
    { authorization: `Bearer ${staffer}` },
  )
  t.equal(byStaff.status, 201, 'a staff token writes')
  t.match((await auditRows()).at(-1), { actor: 'sam', action: 'institution.create' }, 'recorded under its name')
})

t.test('expired tokens are refused with token-expired; lastUsedAt is kept to the minute', async (t) => {
  clock.set('2026-06-01T12:00:00Z')
  const created = await ok('POST', '/tokens', { name: 'temp', role: 'staff', expiresInDays: 2 })
  t.equal(created.expiresAt, '2026-06-03T12:00:00.000Z')
  t.equal(created.lastUsedAt, null)
  const auth = { authorization: `Bearer ${created.token as string}` }
  const lastUsed = async () =>
    (
      (await ok('GET', '/tokens')).tokens as Array<{
        name: string
        lastUsedAt: string | null
        revokedAt: string | null
      }>
    ).find((x) => x.name === 'temp' && x.revokedAt === null)!.lastUsedAt
  clock.set('2026-06-02T08:00:00Z')
  t.equal((await api('GET', '/outbox', undefined, auth)).status, 200)
  t.equal(await lastUsed(), '2026-06-02T08:00:00.000Z', 'lastUsedAt set by a request')
  clock.set('2026-06-02T08:00:30Z')
  await api('GET', '/outbox', undefined, auth)
  t.equal(await lastUsed(), '2026-06-02T08:00:00.000Z', 'not written again within the minute')
  clock.set('2026-06-02T08:01:05Z')
  await api('GET', '/outbox', undefined, auth)
  t.equal(await lastUsed(), '2026-06-02T08:01:05.000Z', 'written again after it')
  clock.set('2026-06-03T12:00:00Z')
  const expired = await api('GET', '/outbox', undefined, auth)
  t.equal(expired.status, 401)
  t.equal(expired.body.error.code, 'token-expired')
  const bad = await api('POST', '/tokens', { name: 'x', role: 'staff', expiresInDays: 0 })
  t.equal(bad.status, 400)
  for (const name of ['env', 'tick', 'CLI', 'STAFF_TOKEN']) {
    const reserved = await api('POST', '/tokens', { name, role: 'viewer' })
    t.equal(reserved.status, 400, `"${name}" is refused: the audit log uses it`)
    t.match(reserved.body, { error: { code: 'invalid-token-name', details: { problems: [{ field: 'body.name' }] } } })
  }
  t.equal((await api('POST', '/tokens', { name: 'temp', role: 'staff' })).body.error.code, 'token-name-taken')
  t.equal((await api('DELETE', '/tokens/nobody')).status, 404)
  const listed = (await ok('GET', '/tokens')).tokens as Array<Record<string, unknown>>
  t.notOk(JSON.stringify(listed).includes('rota_'), 'the list never shows a token')
})

t.test('the audit log cannot be changed, not even with SQL', async (t) => {
  const [first] = await auditRows()
  /** The database's own refusal (drizzle wraps it: the reason is its cause). */
  const refusal = async (statement: ReturnType<typeof sql>) => {
    try {
      await db.execute(statement)
      return 'accepted'
    } catch (error) {
      return String((error as { cause?: unknown }).cause ?? error)
    }
  }
  t.match(
    await refusal(sql`update audit_log set actor = 'someone else' where id = ${first!.id}`),
    /append-only: UPDATE refused/,
  )
  t.match(await refusal(sql`delete from audit_log where id = ${first!.id}`), /append-only: DELETE refused/)
  t.match(await refusal(sql`truncate audit_log`), /append-only: TRUNCATE refused/)
  t.match(
    await refusal(sql`insert into audit_log (at, actor, action, entity, entity_id) values (now(), 'x', 'x', 'x', 'x')`),
    'accepted',
    'appending is allowed',
  )
  t.equal((await auditRows())[0]!.actor, first!.actor, 'the row is as it was')
})

t.test('GET /audit: filters, newest first, cursor pagination', async (t) => {
  const all = await auditRows()
  const everything: Array<{ id: string; action: string }> = []
  let cursor: string | null = null
  let pages = 0
  do {
    const page = await ok('GET', `/audit?limit=7${cursor ? `&cursor=${cursor}` : ''}`)
    everything.push(...page.entries)
    cursor = page.nextCursor
    pages++
  } while (cursor !== null && pages < 100)
  t.equal(pages, Math.ceil(all.length / 7), 'pages of 7')
  t.same(
    everything.map((e) => e.id),
    all.map((r) => String(r.id)).reverse(),
    'every row once, newest first',
  )

  const closes = await ok('GET', '/audit?action=call.close')
  t.ok(closes.entries.length >= 1)
  t.ok(closes.entries.every((e: { action: string }) => e.action === 'call.close'))
  const ofCall = await ok('GET', `/audit?entity=call&entityId=${state.call}`)
  t.same([...new Set(ofCall.entries.map((e: { action: string }) => e.action))].sort(), [
    'call.close',
    'call.create',
    'call.form-link',
    'call.open',
    'call.reopen',
    'call.sync',
    'report.publish',
    'responses.import',
  ])
  t.match(
    ofCall.entries.find((e: { action: string }) => e.action === 'call.open'),
    { actor: 'tick', before: { openedAt: null } },
    'the tick opened the reopened call: its own row',
  )
  const bySam = await ok('GET', '/audit?actor=sam')
  t.same(
    bySam.entries.map((e: { action: string }) => e.action),
    ['institution.create'],
  )
  const since = await ok('GET', '/audit?since=2026-06-01T00:00:00Z')
  t.ok(since.entries.length > 0)
  t.ok(since.entries.every((e: { at: string }) => e.at >= '2026-06-01'))
  const appointment = all.find((r) => r.action === 'member.appoint')!
  const person = (appointment.after as { person: string }).person
  const aboutPerson = await ok('GET', `/audit?person=${person}`)
  t.same(
    aboutPerson.entries.map((e: { action: string }) => e.action).sort(),
    ['member.appoint', 'member.step-down', 'outbox.cancel', 'outbox.retry'],
    'every row about one person',
  )

  for (const bad of ['nonsense', 'YXVkaXQ6LTE', 'YXVkaXQ6eHl6', 'YXVkaXQ6MTAwMDAwMDAwMDAwMDAwMDAw']) {
    const res = await api('GET', `/audit?cursor=${bad}`)
    t.equal(res.status, 400, `cursor ${bad}`)
    t.match(res.body, { error: { code: 'invalid-cursor', details: { problems: [{ field: 'querystring.cursor' }] } } })
  }
  for (const bad of ['%00', 'a.b', 'x'.repeat(41)]) {
    const res = await api('GET', `/audit?cursor=${bad}`)
    t.equal(res.status, 400, `cursor ${bad}`)
    t.match(res.body, { error: { details: { problems: [{ field: 'querystring.cursor' }] } } })
  }
  t.match((await api('GET', '/audit?person=zelda.q@example.org')).body, {
    error: { details: { problems: [{ field: 'querystring.person' }] } },
  })
  t.match((await api('GET', '/audit?since=yesterday')).body, { error: { code: 'invalid-since' } })
  t.equal((await api('GET', '/audit?limit=0')).status, 400)
  t.equal((await api('GET', '/audit', undefined, {})).status, 401)
})
