import t from 'tap'
import { build } from '../helpers/build.js'

const { app, staff } = await build(t)

t.test('unknown routes are a coded 404', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/no/such/route?x=1' })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { error: { code: 'route-not-found', message: 'There is no route GET /no/such/route' } })
})

t.test('a body that is not JSON is a coded 400', async (t) => {
  const res = await app.inject({
    method: 'PATCH',
    url: '/teams/coc',
    headers: { ...staff, 'content-type': 'application/json' },
    payload: '{"name": ',
  })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.code, 'invalid-json')
})

t.test('an unsupported content type is a coded 415', async (t) => {
  const res = await app.inject({
    method: 'PATCH',
    url: '/teams/coc',
    headers: { ...staff, 'content-type': 'application/xml' },
    payload: '<x/>',
  })
  t.equal(res.statusCode, 415)
  t.equal(res.json().error.code, 'unsupported-media-type')
})

t.test('an empty PATCH is refused', async (t) => {
  const res = await app.inject({ method: 'PATCH', url: '/teams/coc', headers: staff, payload: {} })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.code, 'validation-failed')
})

t.test('a 5xx never shows a stack trace or internal message, and is logged', async (t) => {
  const logged: string[] = []
  const { buildApp } = await import('../../src/app.js')
  const { default: pino } = await import('pino')
  const { loadConfig } = await import('../../src/config.js')
  const { Writable } = await import('node:stream')
  const sink = new Writable({
    write(chunk, _enc, done) {
      logged.push(String(chunk))
      done()
    },
  })
  const broken = {
    kind: 'pglite' as const,
    db: new Proxy(
      {},
      {
        get() {
          throw new Error('secret internal detail at /srv/rota/db.ts:42')
        },
      },
    ) as never,
    migrate: async () => {},
    checkReady: async () => {},
    listen: async () => async () => {},
    notify: async () => {},
    purge: async () => {},
    close: async () => {},
  }
  const failing = await buildApp(
    {
      config: loadConfig({ LOG_LEVEL: 'silent' }),
      database: broken,
      clock: () => new Date(),
      forms: null as never,
      mailer: null as never,
    },
    { logger: pino({ level: 'error' }, sink) },
  )
  t.teardown(() => failing.close())
  const res = await failing.inject({ method: 'GET', url: '/teams' })
  t.equal(res.statusCode, 500)
  t.same(res.json(), {
    error: { code: 'internal-error', message: 'Something went wrong on our side; it has been logged.' },
  })
  t.notMatch(res.body, /secret|stack|db\.ts/)
  t.ok(
    logged.some((line) => line.includes('secret internal detail')),
    'the error is in the log',
  )
})
