/**
 * What rota loads to start and serve: googleapis (seconds of CPU to load) only when a Google API is
 * called, pg only when DATABASE_URL names a PostgreSQL server, and the /docs plugins (@fastify/swagger,
 * @fastify/swagger-ui) only when /docs is asked for. Start time itself is measured by
 * `npm run bench start`, not here.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import t from 'tap'
import { compiled, ROOT } from './helpers/compiled.js'
import { freePort } from './helpers/free-port.js'

// Loaded before rota: when the process exits, it writes which CommonJS modules of those packages were loaded.
const REPORT = `
import { createRequire } from 'node:module'
const require = createRequire(process.cwd() + '/')
process.on('exit', () => {
  const loaded = Object.keys(require.cache).map((file) => /node_modules\\/(googleapis|googleapis-common|google-auth-library|pg|@fastify\\/swagger|@fastify\\/swagger-ui)\\//.exec(file)?.[1]).filter(Boolean)
  process.stderr.write('LOADED ' + JSON.stringify([...new Set(loaded)]) + '\\n')
})`

t.test(
  'rota starts, answers /readyz and the roster, and stops without loading googleapis, pg or the /docs plugins',
  async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-startup-'))
    t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
    const port = await freePort()
    const child = spawn(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(REPORT)}`, compiled('server.js')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          DATA_DIR: dataDir,
          PORT: String(port),
          STAFF_TOKEN: 'startup-test-staff-token-0123456789',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = once(child, 'exit')
    t.teardown(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })

    const deadline = Date.now() + 60_000
    let ready = 0
    while (Date.now() < deadline && ready !== 200) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status,
        () => 0,
      )
      if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    t.equal(ready, 200, '/readyz answers 200')
    t.equal((await fetch(`http://127.0.0.1:${port}/teams/coc/roster`)).status, 200, 'the roster is served')

    child.kill('SIGTERM')
    const [code] = await exited
    t.equal(code, 0, 'stops cleanly on SIGTERM')
    const report = /LOADED (.*)/.exec(stderr)
    t.ok(report, 'the process reported what it loaded')
    t.same(
      JSON.parse(report?.[1] ?? 'null'),
      [],
      'neither googleapis (nor its auth libraries), pg, nor @fastify/swagger(-ui) was loaded',
    )
  },
)
