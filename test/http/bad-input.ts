import fs from 'node:fs'
import t, { type Test } from 'tap'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { sql } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { OPENAPI_FILE } from '../../src/cli/openapi.js'

// Hostile input at the HTTP edge, driven by the committed OpenAPI document: every string field of
// every write route's JSON body, every path and query parameter. Each must be a coded 4xx that
// changes nothing, never a 500.
// No write limit here: the corpus is about validation, and a 429 must not stand in for a refusal.
const { app, db, staff } = await build(t, { WRITE_RATE_LIMIT: '0' })

interface Schema {
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  minItems?: number
  anyOf?: Schema[]
  patternProperties?: Record<string, Schema>
  enum?: unknown[]
  pattern?: string
  maxLength?: number
  examples?: unknown[]
  default?: unknown
}
interface Parameter {
  in: 'path' | 'query' | 'header'
  name: string
  schema: Schema
}
interface Operation {
  parameters?: Parameter[]
  requestBody?: { content: Record<string, { schema: Schema }> }
}
const spec = JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8')) as { paths: Record<string, Record<string, Operation>> }

// Real resources, so that a hostile value a schema let through would reach the database (a 500 or a
// write), not stop at a 404.
async function created(method: 'POST', url: string, payload: object): Promise<string> {
  const res = await app.inject({ method, url, headers: staff, payload })
  if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
const callId = await created('POST', '/teams/coc/calls', { opensAt: '2030-01-01T00:00:00Z' })
const institutionId = await created('POST', '/institutions', { name: 'Alpha University', consortium: true })
const memberId = await created('POST', '/teams/coc/members', {
  name: 'Sam',
  email: 'sam@example.org',
  seat: 'staff',
  reason: 'staff',
})
const PATH_VALUES: Record<string, string> = {
  team: 'coc',
  kind: 'call-opened',
  '/calls/{id}': callId,
  '/institutions/{id}': institutionId,
  '/members/{id}': memberId,
  '/outbox/{id}': '00000000-0000-4000-8000-000000000000',
}

function pathFor(route: string, override: Record<string, string> = {}): string {
  return route.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (override[name] !== undefined) return override[name]
    const byRoute = Object.entries(PATH_VALUES).find(
      ([prefix]) => prefix.startsWith('/') && route.startsWith(prefix) && name === 'id',
    )
    return byRoute ? byRoute[1] : PATH_VALUES[name]!
  })
}

/** A valid value for a string field, by name (the rest of the body must pass so only the hostile value can fail). */
function validString(name: string, schema: Schema): string {
  if (schema.enum) return String(schema.enum[0])
  if (schema.examples?.length) return String(schema.examples[0])
  if (/email|mailingList/i.test(name)) return 'ann@example.org'
  if (/At$|termStart|termEnd|effective/.test(name)) return '2030-01-01T00:00:00Z'
  if (name === 'callId') return callId
  if (name === 'formUrl') return 'https://forms.example.org/x'
  if (name === 'timezone') return 'Europe/London'
  return 'x'
}

const isString = (schema: Schema) =>
  schema.type === 'string' || (Array.isArray(schema.type) && schema.type.includes('string'))
/** The string branch of `string | null`, or the schema itself. */
const stringBranch = (schema: Schema): Schema | null =>
  isString(schema) && !schema.enum ? schema : (schema.anyOf?.find((s) => isString(s) && !s.enum) ?? null)
const objectBranch = (schema: Schema): Schema | null =>
  schema.properties || schema.patternProperties
    ? schema
    : (schema.anyOf?.find((s) => s.properties || s.patternProperties) ?? null)

/** The smallest valid value of a schema: required properties only. */
function minimal(name: string, schema: Schema): unknown {
  if (schema.default !== undefined) return schema.default
  if (schema.anyOf) return minimal(name, schema.anyOf[0]!)
  if (schema.enum) return schema.enum[0]
  if (isString(schema)) return validString(name, schema)
  if (schema.type === 'boolean') return false
  if (schema.type === 'integer' || schema.type === 'number') return 1
  if (schema.type === 'array')
    return Array.from({ length: schema.minItems ?? 0 }, () => minimal(name, schema.items ?? {}))
  const value: Record<string, unknown> = {}
  for (const key of schema.required ?? []) value[key] = minimal(key, schema.properties![key]!)
  return value
}

type Segment = string | number

interface StringField {
  /** `responses[0].email` */
  path: string
  segments: Segment[]
  singleLine: boolean
  /** A value the field accepts. */
  valid: string
}

/** A one-line field is one whose declared pattern refuses a line break; the others may take CR/LF. */
const refusesLineBreaks = (schema: Schema) =>
  schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test('a\nb')

const pathText = (segments: Segment[]) =>
  segments.reduce<string>((text, s) => (typeof s === 'number' ? `${text}[${s}]` : text ? `${text}.${s}` : s), '')

/** Every string field under `schema`: nested objects, arrays and records (by a valid key) included. */
function stringFields(schema: Schema, segments: Segment[] = [], name = ''): StringField[] {
  const str = stringBranch(schema)
  if (str)
    return [{ path: pathText(segments), segments, singleLine: refusesLineBreaks(str), valid: validString(name, str) }]
  const array = schema.type === 'array' ? schema : schema.anyOf?.find((s) => s.type === 'array')
  if (array?.items) return stringFields(array.items, [...segments, 0], name)
  const object = objectBranch(schema)
  if (!object) return []
  return [
    ...Object.entries(object.properties ?? {}).flatMap(([key, sub]) => stringFields(sub, [...segments, key], key)),
    ...Object.values(object.patternProperties ?? {}).flatMap((sub) => stringFields(sub, [...segments, 'name'], 'name')),
  ]
}

/** `value` (or the minimal value of `schema`) with `leaf` put at `segments`, containers filled in minimally. */
function setAt(value: unknown, schema: Schema, segments: Segment[], leaf: unknown): unknown {
  const [head, ...rest] = segments
  if (head === undefined) return leaf
  if (typeof head === 'number') {
    const items = (schema.type === 'array' ? schema : schema.anyOf!.find((s) => s.type === 'array')!).items!
    return [setAt(minimal('', items), items, rest, leaf)]
  }
  const object = objectBranch(schema)!
  const sub = object.properties?.[head] ?? Object.values(object.patternProperties!)[0]!
  const current = (
    value !== null && typeof value === 'object' && !Array.isArray(value) ? value : minimal('', object)
  ) as Record<string, unknown>
  return { ...current, [head]: setAt(current[head] ?? minimal(head, sub), sub, rest, leaf) }
}

const HOSTILE: Array<{ label: string; value: string; multiLineToo: boolean }> = [
  { label: 'NUL', value: 'a\u0000b', multiLineToo: true },
  { label: 'lone surrogate', value: 'a\ud800b', multiLineToo: true },
  { label: 'CR/LF header injection', value: 'x\r\nBcc: a@evil.example', multiLineToo: false },
  { label: '100,000 characters', value: 'x'.repeat(100_000), multiLineToo: true },
]

const ajv = new Ajv({ strict: false, allErrors: true })
addFormats.default(ajv)

interface Route {
  method: string
  path: string
  operation: Operation
}
const routes: Route[] = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
)
const writes = routes.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))

async function rowCounts(): Promise<Record<string, number>> {
  const tables = (await db.execute(
    sql`select schemaname, tablename from pg_catalog.pg_tables where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2`,
  )) as unknown as { rows: Array<{ schemaname: string; tablename: string }> }
  const counts: Record<string, number> = {}
  for (const { schemaname, tablename } of tables.rows) {
    const result = (await db.execute(
      sql.raw(`select count(*)::int as n from "${schemaname}"."${tablename}"`),
    )) as unknown as { rows: Array<{ n: number }> }
    counts[`${schemaname}.${tablename}`] = result.rows[0]!.n
  }
  return counts
}

type Injected = Awaited<ReturnType<typeof app.inject>>
function assertCoded4xx(t: Test, res: Injected, what: string): void {
  const ok = res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 429
  t.ok(ok, `${what}: 4xx (got ${res.statusCode}: ${res.body.slice(0, 200)})`)
  if (!ok) return
  const body = res.json() as { error?: { code?: unknown; message?: unknown } }
  t.ok(typeof body.error?.code === 'string' && typeof body.error?.message === 'string', `${what}: coded error`)
}

const before = await rowCounts()
t.ok(Object.keys(before).length >= 8, `the tables are counted (${Object.keys(before).length})`)
t.ok(writes.length >= 15, `the write routes are read from openapi.json (${writes.length})`)

t.test(
  'every string field of every write route refuses NUL, lone surrogates, CR/LF (one-line fields) and 100,000 characters',
  async (t) => {
    let checked = 0
    for (const route of writes) {
      const schema = route.operation.requestBody?.content['application/json']?.schema
      if (!schema) continue
      const base = minimal('', schema)
      const validate = ajv.compile(schema)
      const url = pathFor(route.path)
      for (const field of stringFields(schema)) {
        const what = `${route.method} ${route.path} ${field.path}`
        // The same body with a valid value passes the schema: only the hostile value can be refused.
        const valid = setAt(base, schema, field.segments, field.valid)
        t.ok(validate(valid), `${what}: the body is otherwise valid ${JSON.stringify(validate.errors ?? [])}`)
        for (const hostile of HOSTILE) {
          if (!field.singleLine && !hostile.multiLineToo) continue
          const res = await app.inject({
            method: route.method as 'POST',
            url,
            headers: staff,
            payload: setAt(base, schema, field.segments, hostile.value) as object,
          })
          assertCoded4xx(t, res, `${what} with ${hostile.label}`)
          checked++
        }
      }
    }
    t.ok(checked >= 120, `hostile values posted: ${checked}`)
  },
)

t.test('__proto__ and constructor keys are refused', async (t) => {
  for (const route of writes) {
    if (!route.operation.requestBody?.content['application/json']) continue
    const url = pathFor(route.path)
    const base = JSON.stringify(minimal('', route.operation.requestBody.content['application/json'].schema)).slice(
      1,
      -1,
    )
    for (const key of ['"__proto__": { "isStaff": true }', '"constructor": { "prototype": { "isStaff": true } }']) {
      const payload = `{ ${key}${base ? `, ${base}` : ''} }`
      const res = await app.inject({
        method: route.method as 'POST',
        url,
        headers: { ...staff, 'content-type': 'application/json' },
        payload,
      })
      assertCoded4xx(t, res, `${route.method} ${route.path} with ${key.split(':')[0]}`)
    }
  }
  t.equal(({} as Record<string, unknown>).isStaff, undefined, 'Object.prototype is untouched')
})

t.test('path and query parameters with %00 or an encoded lone surrogate are coded 400s', async (t) => {
  for (const route of routes) {
    for (const parameter of route.operation.parameters ?? []) {
      if (parameter.in === 'header' || !stringBranch(parameter.schema)) continue
      for (const hostile of ['%00', '%ED%A0%80', 'a%00b', '%0D%0ABcc:%20a@evil.example']) {
        const url =
          parameter.in === 'path'
            ? pathFor(route.path, { [parameter.name]: hostile })
            : `${pathFor(route.path)}?${parameter.name}=${hostile}`
        for (const headers of route.method === 'GET' ? [{}, staff] : [staff]) {
          const res = await app.inject({ method: route.method as 'GET', url, headers })
          const what = `${route.method} ${url}${headers === staff ? ' (staff)' : ''}`
          if (res.statusCode === 401) continue // a staff route refuses the anonymous request first: also fine
          t.equal(res.statusCode, 400, `${what}: 400 (got ${res.statusCode}: ${res.body.slice(0, 200)})`)
          assertCoded4xx(t, res, what)
        }
      }
    }
  }
})

t.test('record keys, over-long path parameters and an empty import are coded 4xx too', async (t) => {
  for (const key of ['a\u0000b', 'a\ud800', 'x\r\nBcc', '__proto__', 'k'.repeat(100)]) {
    const res = await app.inject({
      method: 'POST',
      url: '/teams/coc/templates/call-opened/preview',
      headers: staff,
      payload: { values: { [key]: 'v' } },
    })
    assertCoded4xx(t, res, `preview with a value keyed ${JSON.stringify(key).slice(0, 20)}`)
  }
  const long = await app.inject({ method: 'GET', url: `/teams/${'a'.repeat(500)}` })
  assertCoded4xx(t, long, 'a 500-character team slug')
  const empty = await app.inject({ method: 'POST', url: `/calls/${callId}/responses`, headers: staff })
  assertCoded4xx(t, empty, 'an import without a body')
})

t.test('nothing was stored and rota is still ready', async (t) => {
  t.same(await rowCounts(), before, 'the row count of every table is unchanged')
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 200)
})
