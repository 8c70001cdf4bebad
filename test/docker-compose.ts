import fs from 'node:fs'
import t from 'tap'
import { parse } from 'yaml'
import { loadConfig } from '../src/config.js'

// No Docker engine runs here: check the wiring by reading the files.
const composeText = fs.readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8')
const compose = parse(composeText)
const example = fs.readFileSync(new URL('../.env.example', import.meta.url), 'utf8')

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?error}` (which fails when VAR is unset or empty). */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (_all, name: string, op: string | undefined, arg: string) => {
    const set = env[name] !== undefined && env[name] !== ''
    if (op === ':?' && !set) throw new Error(`${name}: ${arg}`)
    if (op === ':-' && !set) return arg
    return env[name] ?? ''
  })
}
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
  const env = { POSTGRES_PASSWORD: 'a-password-from-dot-env' }
  const url = new URL(interpolate(app.environment.DATABASE_URL, env))
  t.equal(url.hostname, 'db')
  t.equal(url.username, compose.services.db.environment.POSTGRES_USER)
  t.equal(url.password, interpolate(compose.services.db.environment.POSTGRES_PASSWORD, env), 'the app connects with the password the db was given')
  t.equal(url.password, 'a-password-from-dot-env')
  t.equal(url.pathname, `/${compose.services.db.environment.POSTGRES_DB}`)
  const config = loadConfig({ DATABASE_URL: url.href, HOST: app.environment.HOST, PORT: app.environment.PORT })
  t.equal(config.host, '0.0.0.0', 'listens beyond the container')
  t.ok(app.ports.some((p: string) => p.endsWith(`:${config.port}`)), 'the app port is published')
})

t.test('the database password comes from the environment (.env), never from the file, and is required', async (t) => {
  const db = compose.services.db.environment
  const app = compose.services.app.environment
  t.match(db.POSTGRES_PASSWORD, /^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/, 'db: POSTGRES_PASSWORD is required from the environment')
  t.match(app.DATABASE_URL, /^postgres:\/\/rota:\$\{POSTGRES_PASSWORD:\?[^}]+\}@db:5432\/rota$/, 'app: the same variable in DATABASE_URL')
  t.throws(() => interpolate(app.DATABASE_URL, {}), /POSTGRES_PASSWORD: set POSTGRES_PASSWORD in \.env/, 'compose refuses to start without it')
  t.throws(() => interpolate(db.POSTGRES_PASSWORD, { POSTGRES_PASSWORD: '' }), /POSTGRES_PASSWORD/, 'an empty one too')
  t.notMatch(composeText, /^\s*POSTGRES_PASSWORD:\s*['"]?[^$\s'"]/m, 'no literal password')
  t.notMatch(composeText, /postgres:\/\/[^:\s]+:[^$@\s]+@/, 'no literal password in a URL')
  const used = [...composeText.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]!)
  for (const name of new Set(used)) t.match(example, new RegExp(`^#? ?${name}=`, 'm'), `.env.example documents ${name}`)
})

t.test('the Dockerfile installs with the lockfile and starts the server', async (t) => {
  t.match(dockerfile, /^FROM node:20/m)
  t.match(dockerfile, /npm ci/)
  t.match(dockerfile, /COPY drizzle/, 'migrations ship in the image')
  t.match(dockerfile, /src\/server\.ts/)
})
