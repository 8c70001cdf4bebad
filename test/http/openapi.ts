import fs from 'node:fs'
import t from 'tap'
import { build } from '../helpers/build.js'
import { OPENAPI_FILE, serialiseSpec } from '../../src/cli/openapi.js'

const { app } = await build(t)

t.test('the committed openapi/openapi.json is what the app serves (run `npm run openapi` after changing a route)', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(res.statusCode, 200)
  const served = serialiseSpec(res.json())
  const committed = fs.readFileSync(OPENAPI_FILE, 'utf8')
  t.equal(committed, served, 'openapi/openapi.json is stale: run `npm run openapi` and commit the result')
})

t.test('every operation is tagged, documents its responses, and write operations need the staff token', async (t) => {
  const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, { tags?: string[]; responses?: Record<string, unknown>; security?: unknown[] }>>
  }
  let operations = 0
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      operations++
      t.ok(op.tags && op.tags.length > 0, `${method} ${path} has a tag`)
      t.ok(op.responses && Object.keys(op.responses).some((s) => s.startsWith('2')), `${method} ${path} documents a success response`)
      if (method !== 'get' && method !== 'head') {
        t.same(op.security, [{ staffToken: [] }], `${method} ${path} requires the staff token`)
        t.ok(op.responses?.['401'], `${method} ${path} documents 401`)
      }
    }
  }
  t.ok(operations >= 5, `the spec lists the routes (${operations})`)
})

t.test('interactive docs are served at /docs', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/html/)
  t.match(res.body, /swagger/i)
})
