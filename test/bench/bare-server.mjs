/**
 * The baseline of the benchmarks: a bare fastify app, plain JavaScript started with `node` as rota's
 * compiled dist/server.js is (no TypeScript loader in either), no plugins, no logger.
 *
 * - With DATA_DIR: opens PGlite on DATA_DIR/pgdata as rota does (a new directory: initdb), creates one
 *   table, and only then listens; /readyz reads that table. The start-time benchmark's baseline.
 * - With BARE_BODY_FILE: GET /constant answers that file's bytes as JSON, read once at start (the
 *   cheapest way fastify can serve a given body). The roster benchmark's baseline.
 * - With BARE_HEADERS_FILE too: GET /constant-with-headers answers the same bytes with the headers in
 *   that file (a JSON object: rota's roster headers), set in one call. Informative only: what the
 *   security and caching headers alone cost fastify and Node.js.
 * - With BARE_STACK=1: the app carries rota's production plugin stack, exactly as rota registers it
 *   (compiled dist/http/plugins/security.js: helmet's headers on every reply, CORS on public reads,
 *   @fastify/rate-limit), and GET /stack/:team/roster answers the same bytes with the roster's caching
 *   headers (ETag, Cache-Control) prepared once: the roster benchmark's baseline, "a bare fastify
 *   route with the production plugin stack", so that its ratio is what rota's own route costs.
 */
import fs from 'node:fs'
import path from 'node:path'
import Fastify from 'fastify'
import { PGlite } from '@electric-sql/pglite'

const dataDir = process.env.DATA_DIR
let db = null
if (dataDir) {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  db = await PGlite.create(path.join(dataDir, 'pgdata'))
  await db.exec('create table if not exists items (id serial primary key, name text not null)')
}
const body = process.env.BARE_BODY_FILE ? fs.readFileSync(process.env.BARE_BODY_FILE, 'utf8') : '{"status":"constant"}'

const app = Fastify({ logger: false })
app.get('/healthz', async () => ({ status: 'ok' }))
app.get('/readyz', async () => {
  if (db) await db.query('select 1 from items limit 1')
  return { status: 'ready' }
})
app.get('/constant', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body))
const headers = process.env.BARE_HEADERS_FILE ? JSON.parse(fs.readFileSync(process.env.BARE_HEADERS_FILE, 'utf8')) : {}
app.get('/constant-with-headers', async (_request, reply) => reply.headers(headers).send(body))
if (process.env.BARE_STACK === '1') {
  // Encapsulated, so that the other routes stay bare.
  await app.register(async (stack) => {
    const { registerSecurity } = await import('../../dist/http/plugins/security.js')
    // rota's default WRITE_RATE_LIMIT (src/config.ts): the write limit is set up, as in production.
    await registerSecurity(stack, { writeRateLimit: 600 })
    const caching = Object.fromEntries(
      Object.entries(headers).filter(([name]) => ['etag', 'cache-control', 'content-type'].includes(name)),
    )
    stack.get('/stack/:team/roster', async (_request, reply) => reply.headers(caching).send(body))
  })
}
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })

process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => db?.close())
    .then(() => process.exit(0))
})
