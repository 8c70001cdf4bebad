import t from 'tap'
import fs from 'node:fs'
import { build } from '../helpers/build.js'
import { OPENAPI_FILE } from '../../src/cli/openapi.js'

// Issue 12, imports: staff cannot trap themselves. An import can be removed (as a whole, or one
// response) before the close, with a reason kept; it can be previewed (a dry run that stores
// nothing); and a request rota cannot read correctly is refused, saying what to do.
const { app, staff, clock } = await build(t)

type Method = 'GET' | 'POST' | 'DELETE'

async function api(method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({
    method,
    url,
    headers: { ...staff, ...headers },
    ...(payload === undefined ? {} : { payload: payload as string }),
  })
  return { status: res.statusCode, body: res.body ? res.json() : null }
}

const csvHeaders = { 'content-type': 'text/csv' }

let month = 2
/** A fresh call, open from the first of a month of 2026 for 28 days (each test has its own). */
async function newCall(): Promise<{ id: string; opensAt: string }> {
  const opensAt = `2026-${String(month++).padStart(2, '0')}-01T00:00:00Z`
  const res = await api('POST', '/teams/coc/calls', { opensAt, closesAt: opensAt.replace('-01T', '-28T') })
  if (res.status !== 201) throw new Error(JSON.stringify(res.body))
  return { id: res.body.id, opensAt }
}

/** A Google Forms export whose times are written without an offset, as staff in London download it. */
function londonExport(m: number): string {
  const mm = String(m).padStart(2, '0')
  return [
    'Timestamp,Email Address,Name,Institution',
    `2026/${mm}/02 09:00:00,ann@example.org,Ann,Oxford`,
    `2026/${mm}/02 09:00:30,bob@example.org,Bob,Leeds`,
    `2026/${mm}/03 17:45:00,cat@example.org,Cat,Oxford`,
  ].join('\r\n')
}

const names = (list: { name: string }[]) => list.map((r) => r.name)
const responsesOf = async (callId: string, query = '') =>
  (await api('GET', `/calls/${callId}/responses${query}`)).body.responses as Array<
    Record<string, unknown> & { name: string; submittedAt: string; id: string }
  >
const previewOf = async (callId: string) =>
  (await api('GET', `/calls/${callId}/selection`)).body.decisions as Array<{ name: string; submittedAt: string }>

t.test('an import read in the wrong time zone is removed with a reason, and imported again correctly', async (t) => {
  const call = await newCall()
  const text = londonExport(Number(call.opensAt.slice(5, 7)))
  const wrong = await api('POST', `/calls/${call.id}/responses?timezone=America/New_York`, text, csvHeaders)
  t.equal(wrong.status, 200)
  t.match(wrong.body, { dryRun: false, rows: 3, inserted: 3, updated: 0, unchanged: 0, skipped: 0 })
  t.type(wrong.body.batchId, 'string', 'the import is a batch with an id')

  const imports = await api('GET', `/calls/${call.id}/imports`)
  t.equal(imports.status, 200)
  t.match(imports.body.imports, [
    {
      id: wrong.body.batchId,
      source: 'csv',
      importedBy: 'STAFF_TOKEN',
      rows: 3,
      inserted: 3,
      remaining: 3,
      options: { timezone: 'America/New_York' },
      removed: null,
    },
  ])
  t.equal((await previewOf(call.id)).length, 3, 'the preview counts them')

  t.equal(
    (await api('DELETE', `/calls/${call.id}/imports/${wrong.body.batchId}`, {})).status,
    400,
    'a reason is required',
  )
  t.equal(
    (await api('DELETE', `/calls/${call.id}/imports/${wrong.body.batchId}`, { reason: '   ' })).body.error.code,
    'invalid-reason',
    'a blank reason is refused',
  )
  t.equal(
    (
      await app.inject({
        method: 'DELETE',
        url: `/calls/${call.id}/imports/${wrong.body.batchId}`,
        payload: { reason: 'x' },
      })
    ).statusCode,
    401,
    'staff only',
  )
  clock.set('2026-01-16T09:30:00Z')
  const removed = await api('DELETE', `/calls/${call.id}/imports/${wrong.body.batchId}`, {
    reason: 'Read in New York time; the form is in London',
  })
  t.equal(removed.status, 200)
  t.match(removed.body, {
    id: wrong.body.batchId,
    removedResponses: 3,
    remaining: 0,
    removed: {
      at: '2026-01-16T09:30:00.000Z',
      by: 'STAFF_TOKEN',
      reason: 'Read in New York time; the form is in London',
    },
  })
  t.same(await responsesOf(call.id), [], 'its responses no longer count')
  t.same(await previewOf(call.id), [], 'nor in the preview')
  const kept = await responsesOf(call.id, '?removed=true')
  t.equal(kept.length, 3, 'they are kept, marked removed')
  t.match(kept[0], {
    batchId: wrong.body.batchId,
    removed: { by: 'STAFF_TOKEN', reason: 'Read in New York time; the form is in London', withImport: true },
  })
  t.equal(
    (await api('DELETE', `/calls/${call.id}/imports/${wrong.body.batchId}`, { reason: 'again' })).body.error.code,
    'import-already-removed',
  )

  const right = await api('POST', `/calls/${call.id}/responses?timezone=Europe/London`, text, csvHeaders)
  t.match(
    right.body,
    { inserted: 3, updated: 0, unchanged: 0 },
    'the corrected file is inserted, not added beside shifted duplicates',
  )
  const now = await responsesOf(call.id)
  t.same(names(now), ['Ann', 'Bob', 'Cat'])
  t.equal(now[0]!.submittedAt, call.opensAt.replace('-01T00:00:00Z', '-02T09:00:00Z'), 'at the London time')
  t.equal((await previewOf(call.id)).length, 3)
  const list = (await api('GET', `/calls/${call.id}/imports`)).body.imports
  t.same(
    list.map((b: { remaining: number; removed: unknown }) => [b.remaining, b.removed !== null]),
    [
      [0, true],
      [3, false],
    ],
    'both imports are listed, the removed one with its removal',
  )
})

t.test('one response is removed with a reason; later imports leave it out', async (t) => {
  const call = await newCall()
  const batch = {
    responses: ['Ann', 'Bob', 'Cat'].map((name, i) => ({
      submittedAt: call.opensAt.replace('T00:00:00Z', `T0${i + 1}:00:00Z`),
      name,
      email: `${name.toLowerCase()}@example.org`,
      institution: 'Oxford',
    })),
  }
  t.equal((await api('POST', `/calls/${call.id}/responses`, batch)).status, 200)
  const bob = (await responsesOf(call.id)).find((r) => r.name === 'Bob')!
  t.equal((await api('DELETE', `/calls/${call.id}/responses/${bob.id}`)).status, 400, 'a reason is required')
  const res = await api('DELETE', `/calls/${call.id}/responses/${bob.id}`, { reason: 'Test entry by staff' })
  t.equal(res.status, 200)
  t.match(res.body, {
    id: bob.id,
    name: 'Bob',
    removed: { by: 'STAFF_TOKEN', reason: 'Test entry by staff', withImport: false },
  })
  t.same(names(await responsesOf(call.id)), ['Ann', 'Cat'])
  t.same(names(await previewOf(call.id)), ['Ann', 'Cat'], 'the preview no longer counts it')
  t.equal(
    (await api('DELETE', `/calls/${call.id}/responses/${bob.id}`, { reason: 'again' })).body.error.code,
    'response-already-removed',
  )
  t.equal(
    (await api('DELETE', `/calls/${call.id}/responses/00000000-0000-4000-8000-000000000000`, { reason: 'x' })).body
      .error.code,
    'response-not-found',
  )

  const again = await api('POST', `/calls/${call.id}/responses`, batch)
  t.match(again.body, { rows: 3, inserted: 0, unchanged: 2, skipped: 1 }, 'importing the same batch again skips it')
  t.match(again.body.warnings, [{ code: 'removed-earlier', where: ['responses[1]'] }])
  t.same(names(await responsesOf(call.id)), ['Ann', 'Cat'])
})

t.test('removing an import leaves the responses it only updated, as updated', async (t) => {
  const call = await newCall()
  const at = call.opensAt.replace('T00:00:00Z', 'T01:00:00Z')
  const first = await api('POST', `/calls/${call.id}/responses`, {
    responses: [{ externalId: 'r1', submittedAt: at, name: 'Ann', email: 'ann@example.org', institution: 'Oxford' }],
  })
  const second = await api('POST', `/calls/${call.id}/responses`, {
    responses: [
      { externalId: 'r1', submittedAt: at, name: 'Ann Smith', email: 'ann@example.org', institution: 'Oxford' },
      { externalId: 'r2', submittedAt: at, name: 'Bob', email: 'bob@example.org', institution: 'Leeds' },
    ],
  })
  t.match(second.body, { inserted: 1, updated: 1 })
  const other = await newCall()
  const elsewhere = await api('DELETE', `/calls/${other.id}/imports/${second.body.batchId}`, { reason: 'x' })
  t.equal(elsewhere.status, 404, 'an import is removed through its own call only')
  t.equal(elsewhere.body.error.code, 'import-not-found')
  const r2 = (await responsesOf(call.id)).find((r) => r.externalId === 'r2')!
  t.equal(
    (await api('DELETE', `/calls/${other.id}/responses/${r2.id}`, { reason: 'x' })).body.error.code,
    'response-not-found',
    'and a response too',
  )
  const removed = await api('DELETE', `/calls/${call.id}/imports/${second.body.batchId}`, { reason: 'wrong file' })
  t.match(removed.body, { removedResponses: 1, inserted: 1, updated: 1 })
  t.same(names(await responsesOf(call.id)), ['Ann Smith'], 'r2 is removed; r1 keeps the update')
  const r1 = (await responsesOf(call.id))[0]!
  t.equal(r1.batchId, first.body.batchId, 'r1 still belongs to the import that inserted it')
  // Imported again with its external id, r2 is inserted anew (the removed row does not block it).
  const again = await api('POST', `/calls/${call.id}/responses`, {
    responses: [{ externalId: 'r2', submittedAt: at, name: 'Bob', email: 'bob@example.org', institution: 'Leeds' }],
  })
  t.match(again.body, { inserted: 1 })
})

t.test('removals are refused once the call is closed', async (t) => {
  clock.set('2026-01-15T12:00:00Z')
  const res = await api('POST', '/teams/coc/calls', {
    opensAt: '2026-01-01T00:00:00Z',
    closesAt: '2026-01-10T00:00:00Z',
  })
  const callId = res.body.id
  const imported = await api('POST', `/calls/${callId}/responses`, {
    responses: [{ submittedAt: '2026-01-02T00:00:00Z', name: 'Ann', email: 'ann@example.org', institution: 'Oxford' }],
  })
  t.equal((await api('POST', `/calls/${callId}/close`)).status, 200)
  const ann = (await responsesOf(callId))[0]!
  const batch = await api('DELETE', `/calls/${callId}/imports/${imported.body.batchId}`, { reason: 'late' })
  t.equal(batch.status, 409)
  t.equal(batch.body.error.code, 'call-closed')
  const one = await api('DELETE', `/calls/${callId}/responses/${ann.id}`, { reason: 'late' })
  t.equal(one.status, 409)
  t.equal(one.body.error.code, 'call-closed')
  t.equal((await responsesOf(callId)).length, 1, 'nothing was removed')
  const dry = await api('POST', `/calls/${callId}/responses?dryRun=true`, {
    responses: [{ submittedAt: '2026-01-03T00:00:00Z', name: 'Bob', email: 'bob@example.org' }],
  })
  t.equal(dry.body.error.code, 'call-closed', 'a dry run is refused as the import would be')
})

t.test('a dry run answers what the import would, and stores nothing', async (t) => {
  const call = await newCall()
  const m = Number(call.opensAt.slice(5, 7))
  await api('POST', `/calls/${call.id}/responses`, {
    responses: [
      { submittedAt: call.opensAt.replace('T00', 'T10'), name: 'Zoe', email: 'zoe@example.org', institution: 'York' },
    ],
  })
  const text = `${londonExport(m)}\r\n2025/12/31 23:00:00,dan@example.org,Dan,Bath`
  const before = await responsesOf(call.id)
  const importsBefore = (await api('GET', `/calls/${call.id}/imports`)).body.imports
  const dry = await api('POST', `/calls/${call.id}/responses?timezone=Europe/London&dryRun=true`, text, csvHeaders)
  t.equal(dry.status, 200)
  t.same(await responsesOf(call.id), before, 'no response stored')
  t.same((await api('GET', `/calls/${call.id}/imports`)).body.imports, importsBefore, 'no import recorded')
  t.match(dry.body, { dryRun: true, batchId: null, rows: 4, inserted: 4, updated: 0, unchanged: 0 })
  t.match(
    dry.body.warnings,
    [{ code: 'outside-window', where: ['line 5'] }],
    'a response outside the window is pointed out',
  )
  t.same(
    dry.body.order.map((o: { name: string; change: string; where: string | null; position: number }) => [
      o.position,
      o.name,
      o.change,
      o.where,
    ]),
    [
      [1, 'Dan', 'inserted', 'line 5'],
      [2, 'Zoe', 'kept', null],
      [3, 'Ann', 'inserted', 'line 2'],
      [4, 'Bob', 'inserted', 'line 3'],
      [5, 'Cat', 'inserted', 'line 4'],
    ],
    'the first-come order it would produce',
  )
  const real = await api('POST', `/calls/${call.id}/responses?timezone=Europe/London`, text, csvHeaders)
  const { order, ...dryCounts } = dry.body
  t.same({ ...dryCounts, dryRun: false, batchId: real.body.batchId }, real.body, 'the real import answers the same')
  t.same(
    names(await responsesOf(call.id)),
    order.map((o: { name: string }) => o.name),
    'in the order the dry run showed',
  )
  // JSON too, with updates.
  const json = {
    responses: [
      { submittedAt: call.opensAt.replace('T00', 'T10'), name: 'Zoe Y', email: 'zoe@example.org', institution: 'York' },
    ],
  }
  const dryJson = await api('POST', `/calls/${call.id}/responses?dryRun=true`, json)
  t.match(dryJson.body, { dryRun: true, rows: 1, inserted: 0, updated: 1 })
  t.match(
    dryJson.body.order.find((o: { name: string }) => o.name === 'Zoe Y'),
    { change: 'updated', where: 'responses[0]' },
  )
  t.ok(names(await responsesOf(call.id)).includes('Zoe'), 'the update was rolled back')
})

t.test('time zones are IANA names: BST is refused, suggesting Europe/London', async (t) => {
  const call = await newCall()
  const res = await api(
    'POST',
    `/calls/${call.id}/responses?timezone=BST`,
    londonExport(Number(call.opensAt.slice(5, 7))),
    csvHeaders,
  )
  t.equal(res.status, 400)
  t.equal(res.body.error.code, 'csv-invalid-timezone')
  t.match(res.body.error.message, 'Europe/London')
  for (const [zone, suggested] of [
    ['CET', 'Europe/Paris'],
    ['EST', 'America/New_York'],
  ]) {
    const r = await api('POST', `/calls/${call.id}/responses?timezone=${zone}`, londonExport(2), csvHeaders)
    t.match(r.body.error.message, suggested, `${zone} → ${suggested}`)
  }
  t.same(await responsesOf(call.id), [], 'nothing stored')
})

t.test('a CSV without an institution column needs ?institution=none; other headings are mapped', async (t) => {
  const call = await newCall()
  const at = `2026/${call.opensAt.slice(5, 7)}/02 09:00:00 GMT`
  const text = ['Timestamp,Email Address,Name', `${at},ann@example.org,Ann`].join('\n')
  const refused = await api('POST', `/calls/${call.id}/responses`, text, csvHeaders)
  t.equal(refused.status, 400)
  t.equal(refused.body.error.code, 'csv-missing-column')
  t.match(refused.body.error.message, 'found "Timestamp", "Email Address", "Name"')
  t.match(refused.body.error.message, 'expected a column headed "Institution"')
  const none = await api('POST', `/calls/${call.id}/responses?institution=none`, text, csvHeaders)
  t.equal(none.status, 200)
  t.match(none.body.warnings, [{ code: 'no-institution' }], 'the answer says everyone is unaffiliated')

  const worded = ['Horodateur,Courriel,Nom complet,Organisme', `${at},bob@example.org,Bob,Leeds`].join('\n')
  const columns = encodeURIComponent('timestamp:Horodateur,email:Courriel,name:Nom complet,institution:Organisme')
  const mapped = await api('POST', `/calls/${call.id}/responses?columns=${columns}`, worded, csvHeaders)
  t.equal(mapped.status, 200)
  t.match(mapped.body, { inserted: 1 })
  t.match(
    (await responsesOf(call.id)).find((r) => r.name === 'Bob'),
    { institution: 'Leeds', email: 'bob@example.org' },
  )
  t.match((await api('GET', `/calls/${call.id}/imports`)).body.imports[1].options, {
    columns: 'timestamp:Horodateur,email:Courriel,name:Nom complet,institution:Organisme',
  })
})

t.test('files that would read as nothing or wrongly are refused, saying why', async (t) => {
  const call = await newCall()
  const flattened = londonExport(2).replace(/\r\n/g, '')
  const noRows = await api('POST', `/calls/${call.id}/responses?timezone=Europe/London`, flattened, csvHeaders)
  t.equal(noRows.status, 400, 'a file whose line breaks were stripped is not a 200 with 0 rows')
  t.equal(noRows.body.error.code, 'csv-no-rows')
  t.match(noRows.body.error.message, '--data-binary')
  const semicolons = await api(
    'POST',
    `/calls/${call.id}/responses`,
    'Timestamp;Email Address;Name;Institution\n2026/02/02 09:00:00 GMT;ann@example.org;Ann;Oxford',
    csvHeaders,
  )
  t.equal(semicolons.body.error.code, 'csv-wrong-separator')
  t.match(semicolons.body.error.message, '";"')
  const email = await api(
    'POST',
    `/calls/${call.id}/responses`,
    'Timestamp,Email Address,Name,Institution\n2026/02/02 09:00:00 GMT,ann@example.org,Ann,Oxford\n2026/02/02 09:01:00 GMT,not-an-email,Bob,Leeds',
    csvHeaders,
  )
  t.equal(email.status, 400)
  t.equal(email.body.error.code, 'csv-invalid-email')
  t.match(email.body.error.details, { line: 3, column: 'Email Address' }, 'an invalid address is refused with its line')
  const xml = await api('POST', `/calls/${call.id}/responses`, '<responses/>', { 'content-type': 'application/xml' })
  t.equal(xml.status, 415)
  t.equal(xml.body.error.code, 'unsupported-media-type')
  t.match(xml.body.error.message, 'application/json')
  t.match(xml.body.error.message, 'text/csv', '415 names the accepted content types')
  t.same(await responsesOf(call.id), [])
})

t.test('enum values: a wrong one is refused naming them all, and /docs offers them all', async (t) => {
  const call = await newCall()
  const res = await api('POST', `/calls/${call.id}/responses?dateOrder=YDM&timezone=UTC`, londonExport(2), csvHeaders)
  t.equal(res.status, 400)
  t.equal(res.body.error.message, 'querystring.dateOrder must be one of DMY, MDY')
  const inst = await api('POST', `/calls/${call.id}/responses?institution=nope`, londonExport(2), csvHeaders)
  t.equal(inst.body.error.message, 'querystring.institution must be one of none')

  const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const params = spec.paths['/calls/{id}/responses'].post.parameters as Array<{
    name: string
    schema: { enum?: string[] }
  }>
  t.same(params.find((p) => p.name === 'dateOrder')!.schema.enum, ['DMY', 'MDY'], 'the docs offer every dateOrder')
  const committed = JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8'))
  const role = committed.paths['/tokens'].post.requestBody.content['application/json'].schema.properties.role
  t.ok(Array.isArray(role.enum) && role.enum.length > 1, 'other enums are listed whole too')
})
