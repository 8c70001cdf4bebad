import fs from 'node:fs'
import t from 'tap'
import { parse } from 'yaml'
import { loadConfig } from '../src/config.js'

// No Docker engine runs here: check the wiring by reading the files.
const compose = parse(fs.readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'))
const dockerfile = fs.readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8')

t.test('db is PostgreSQL 16 with a healthcheck and a named volume', async (t) => {
  const db = compose.services.db
  t.equal(db.image, 'postgres:16')
  t.match(db.healthcheck.test.join(' '), /pg_isready/)
  const [volume] = db.volumes[0].split(':')
  t.ok(volume in compose.volumes, `${volume} is a named volume`)
  t.match(db.volumes[0], /:\/var\/lib\/postgresql\/data$/)
})

t.test('app is built from the Dockerfile, waits for a healthy db, points DATABASE_URL at it and publishes its port', async (t) => {
  const app = compose.services.app
  t.ok(app.build === '.' || app.build?.context === '.', 'built from the repository')
  t.same(app.depends_on, { db: { condition: 'service_healthy' } })
  const url = new URL(app.environment.DATABASE_URL)
  t.equal(url.hostname, 'db')
  t.equal(url.username, compose.services.db.environment.POSTGRES_USER)
  t.equal(url.password, compose.services.db.environment.POSTGRES_PASSWORD)
  t.equal(url.pathname, `/${compose.services.db.environment.POSTGRES_DB}`)
  const config = loadConfig({ DATABASE_URL: app.environment.DATABASE_URL, HOST: app.environment.HOST, PORT: app.environment.PORT })
  t.equal(config.host, '0.0.0.0', 'listens beyond the container')
  t.ok(app.ports.some((p: string) => p.endsWith(`:${config.port}`)), 'the app port is published')
})

t.test('the Dockerfile installs with the lockfile and starts the server', async (t) => {
  t.match(dockerfile, /^FROM node:20/m)
  t.match(dockerfile, /npm ci/)
  t.match(dockerfile, /COPY drizzle/, 'migrations ship in the image')
  t.match(dockerfile, /src\/server\.ts/)
})
