import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { loadConfig } from '../src/config.js'
import { compiled, ROOT } from './helpers/compiled.js'

// No Docker engine runs here: check the wiring by reading the files.
const composeText = fs.readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8')
const compose = parse(composeText)
const example = fs.readFileSync(new URL('../.env.example', import.meta.url), 'utf8')

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?error}` (which fails when VAR is unset or empty). */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z_][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (_all, name: string, op: string | undefined, arg: string) => {
      const set = env[name] !== undefined && env[name] !== ''
      if (op === ':?' && !set) throw new Error(`${name}: ${arg}`)
      if (op === ':-' && !set) return arg
      return env[name] ?? ''
    },
  )
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

t.test(
  'app is built from the Dockerfile, waits for a healthy db, points DATABASE_URL at it and publishes its port',
  async (t) => {
    const app = compose.services.app
    t.ok(app.build === '.' || app.build?.context === '.', 'built from the repository')
    t.same(app.depends_on, { db: { condition: 'service_healthy' } })
    const env = { POSTGRES_PASSWORD: 'a-password-from-dot-env' }
    const url = new URL(interpolate(app.environment.DATABASE_URL, env))
    t.equal(url.hostname, 'db')
    t.equal(url.username, compose.services.db.environment.POSTGRES_USER)
    t.equal(
      url.password,
      interpolate(compose.services.db.environment.POSTGRES_PASSWORD, env),
      'the app connects with the password the db was given',
    )
    t.equal(url.password, 'a-password-from-dot-env')
    t.equal(url.pathname, `/${compose.services.db.environment.POSTGRES_DB}`)
    const config = loadConfig({ DATABASE_URL: url.href, HOST: app.environment.HOST, PORT: app.environment.PORT })
    t.equal(config.host, '0.0.0.0', 'listens beyond the container')
    t.ok(
      app.ports.some((p: string) => p.endsWith(`:${config.port}`)),
      'the app port is published',
    )
  },
)

t.test('the database password comes from the environment (.env), never from the file, and is required', async (t) => {
  const db = compose.services.db.environment
  const app = compose.services.app.environment
  t.match(
    db.POSTGRES_PASSWORD,
    /^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/,
    'db: POSTGRES_PASSWORD is required from the environment',
  )
  t.match(
    app.DATABASE_URL,
    /^postgres:\/\/rota:\$\{POSTGRES_PASSWORD:\?[^}]+\}@db:5432\/rota$/,
    'app: the same variable in DATABASE_URL',
  )
  t.throws(
    () => interpolate(app.DATABASE_URL, {}),
    /POSTGRES_PASSWORD: set POSTGRES_PASSWORD in \.env/,
    'compose refuses to start without it',
  )
  t.throws(() => interpolate(db.POSTGRES_PASSWORD, { POSTGRES_PASSWORD: '' }), /POSTGRES_PASSWORD/, 'an empty one too')
  t.notMatch(composeText, /^\s*POSTGRES_PASSWORD:\s*['"]?[^$\s'"]/m, 'no literal password')
  t.notMatch(composeText, /postgres:\/\/[^:\s]+:[^$@\s]+@/, 'no literal password in a URL')
  const used = [...composeText.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]!)
  for (const name of new Set(used)) t.match(example, new RegExp(`^#? ?${name}=`, 'm'), `.env.example documents ${name}`)
})

/** The Dockerfile's stages: each FROM line and the instructions under it (continuation lines joined). */
function stages(text: string): Array<{ from: string; as: string | undefined; lines: string[] }> {
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
  const found: Array<{ from: string; as: string | undefined; lines: string[] }> = []
  for (const line of instructions) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line)
    if (from) found.push({ from: from[1]!, as: from[2], lines: [] })
    else found.at(-1)?.lines.push(line)
  }
  return found
}

t.test('the Dockerfile builds in one stage and runs the compiled service on Node.js 24 in another', async (t) => {
  const [build, run, ...more] = stages(dockerfile)
  t.same(more, [], 'two stages')
  t.ok(build && run, 'a build stage and a run stage')
  if (!build || !run) return
  t.equal(build.from, 'node:24-bookworm-slim')
  t.equal(run.from, 'node:24-bookworm-slim')

  // Build: all dependencies from the lockfile, then `npm run build` on the sources.
  const buildSteps = build.lines.join('\n')
  t.match(buildSteps, /^RUN npm ci\b/m, 'the build stage installs with the lockfile')
  t.match(buildSteps, /^COPY .*tsconfig\.build\.json/m, 'with the build configuration')
  t.match(buildSteps, /^COPY src \.\/src$/m, 'and the sources')
  t.ok(
    build.lines.findIndex((l) => /^RUN npm run build$/.test(l)) > build.lines.findIndex((l) => /^COPY src /.test(l)),
    'then builds them',
  )

  // Run: production dependencies only, no install scripts (prepare would need TypeScript), the built dist/.
  const runSteps = run.lines.join('\n')
  t.match(
    runSteps,
    /^RUN npm ci --omit=dev --ignore-scripts\b/m,
    'the run stage installs production dependencies only, without running prepare',
  )
  t.match(runSteps, new RegExp(`^COPY --from=${build.as} /app/dist \\./dist$`, 'm'), 'dist/ comes from the build stage')
  t.match(runSteps, /^COPY drizzle \.\/drizzle$/m, 'migrations ship in the image')
  t.match(runSteps, /^COPY package\.json /m, 'package.json too (the API reports its version)')
  t.notMatch(runSteps, /^COPY src\b/m, 'no sources in the image')
  t.notMatch(dockerfile, /tsx/, 'no TypeScript loader anywhere')
  const user = run.lines.findIndex((l) => /^USER node$/.test(l))
  const cmd = run.lines.findIndex((l) => l.startsWith('CMD '))
  t.ok(user >= 0 && user < cmd, 'runs as the node user')
  t.same(
    JSON.parse(run.lines[cmd]!.slice('CMD '.length)),
    ['node', 'dist/server.js'],
    'node is PID 1 (exec form), so SIGTERM reaches rota',
  )
})

t.test('the image runs what npm start runs, and what it imports is a production dependency', async (t) => {
  const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>
    devDependencies: Record<string, string>
    scripts: Record<string, string>
  }
  const build = JSON.parse(fs.readFileSync(new URL('../tsconfig.build.json', import.meta.url), 'utf8')) as {
    compilerOptions: { outDir: string }
  }
  t.equal(build.compilerOptions.outDir, 'dist')
  t.equal(
    pkg.scripts['start'],
    'exec node dist/server.js',
    'npm start: the compiled service, node in place of the shell',
  )
  t.notOk('tsx' in pkg.dependencies, 'tsx is not a production dependency')
  t.ok('tsx' in pkg.devDependencies, 'only a development one (tests, openapi, benchmarks)')

  // Every package the compiled service imports must be installed by `npm ci --omit=dev`.
  const imported = new Set<string>()
  const dist = path.join(ROOT, path.dirname(compiled('server.js')))
  for (const file of fs
    .readdirSync(dist, { recursive: true })
    .map(String)
    // cli/bundle.js is `npm run build`'s second step (esbuild, a devDependency): never run in the image.
    .filter((f) => f.endsWith('.js') && f !== path.join('cli', 'bundle.js'))) {
    const code = fs.readFileSync(path.join(dist, file), 'utf8')
    // tsc's output (single quotes) and the bundle's (esbuild: double quotes): `… from 'x';` ending a
    // line (`with { type: 'json' }` maybe), `import 'x';`, and `import('x')`.
    for (const [, specifier] of code.matchAll(
      /(?:\bfrom |^import |\bimport\()['"]([@a-z][\w./@-]*)['"](?:(?: with \{[^}]*\})?;$|\))/gm,
    )) {
      if (specifier!.startsWith('node:')) continue
      const parts = specifier!.split('/')
      imported.add(specifier!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!)
    }
  }
  t.ok(imported.has('fastify') && imported.has('googleapis'), `found the imports of dist/ (${imported.size} packages)`)
  t.same(
    [...imported].filter((name) => !(name in pkg.dependencies)),
    [],
    'each is in dependencies',
  )
})

t.test('README states the Node.js version package.json requires', async (t) => {
  const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    engines: { node: string }
  }
  const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const minimum = /^>=(\d+\.\d+)$/.exec(pkg.engines.node)?.[1]
  t.ok(minimum, `engines.node is a minimum (${pkg.engines.node})`)
  t.match(readme, new RegExp(`Requires Node\\.js ${minimum?.replace('.', '\\.')} or later`), 'README says the same')
})
