import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import t from 'tap'

// The embedded default, end to end: real processes on a real data directory, as a user runs them.
const root = fileURLToPathSafe(new URL('..', import.meta.url))
const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-server-'))
const dataDir = path.join(parent, 'data') // rota creates it
t.teardown(() => fs.rmSync(parent, { recursive: true, force: true }))
const STAFF_TOKEN = 'server-test-staff-token-123'

/** Every file and folder under `dir` whose mode lets anyone but the owner in: `644 pgdata/PG_VERSION`. */
function notOwnerOnly(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => fs.existsSync(f) && (fs.lstatSync(f).mode & 0o077) !== 0)
    .map((f) => `${(fs.lstatSync(f).mode & 0o777).toString(8)} ${path.relative(dir, f)}`)
}

function mode(file: string): string {
  return (fs.statSync(file).mode & 0o777).toString(8)
}

function fileURLToPathSafe(url: URL): string {
  return decodeURIComponent(url.pathname)
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  server.close()
  return port
}

interface Run {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

function run(script: string, args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, stdout: () => out, stderr: () => err, exited }
}

async function waitForHealth(port: number, run: Run): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (run.child.exitCode !== null) throw new Error(`rota exited early: ${run.stderr()}${run.stdout()}`)
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('rota did not answer /healthz within 60 s')
}

t.test('npm start on an empty data directory serves, keeps data across a restart, and refuses a second process', async (t) => {
  const port = await freePort()
  const first = run('src/server.ts', [], { PORT: String(port), STAFF_TOKEN })
  t.teardown(() => first.child.kill('SIGKILL'))
  await waitForHealth(port, first)
  t.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200, 'ready')
  t.equal(mode(dataDir), '700', 'DATA_DIR is the owner\'s only')
  t.equal(mode(path.join(dataDir, 'rota.lock')), '600', 'so is the lock file')
  t.equal(mode(path.join(dataDir, 'pgdata')), '700', 'and the database folder')

  const patched = await fetch(`http://127.0.0.1:${port}/teams/coc`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${STAFF_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Kept Across Restarts' }),
  })
  t.equal(patched.status, 200)

  const second = run('src/server.ts', [], { PORT: String(await freePort()) })
  t.equal(await second.exited, 1, 'a second rota on the same DATA_DIR exits with status 1')
  t.match(second.stderr(), /is in use by rota process \d+/)

  const cli = run('src/cli/token.ts', ['create', '--name', 'bob'], {})
  t.equal(await cli.exited, 1, 'the token CLI refuses while rota runs on the embedded database')
  t.match(cli.stderr(), /in use by rota process/)

  first.child.kill('SIGTERM')
  t.equal(await first.exited, 0, 'SIGTERM shuts down cleanly')
  t.notOk(fs.existsSync(path.join(dataDir, 'rota.lock')), 'the lock is released')
  t.same(notOwnerOnly(dataDir), [], 'after a stop, every database file is the owner\'s only (0600/0700)')

  const created = run('src/cli/token.ts', ['create', '--name', 'bob'], { LOG_LEVEL: 'silent' })
  t.equal(await created.exited, 0, created.stderr())
  const token = created.stdout().trim()
  t.match(token, /^rota_[A-Za-z0-9_-]{43}$/, 'the token is printed once')
  t.notOk(fs.readdirSync(dataDir, { recursive: true }).some((f) => String(f).includes(token)), 'the token itself is not stored in a file name')

  const restarted = run('src/server.ts', [], { PORT: String(port) })
  t.teardown(() => restarted.child.kill('SIGKILL'))
  await waitForHealth(port, restarted)
  t.same(notOwnerOnly(dataDir), [], 'while running, every file is the owner\'s only')
  const team = (await (await fetch(`http://127.0.0.1:${port}/teams/coc`)).json()) as { name: string }
  t.equal(team.name, 'Kept Across Restarts', 'data survives the restart')

  const withCliToken = await fetch(`http://127.0.0.1:${port}/teams/coc`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'IIIF Code of Conduct Team' }),
  })
  t.equal(withCliToken.status, 200, 'a token from `npm run token -- create` works (STAFF_TOKEN unset)')
  restarted.child.kill('SIGINT')
  t.equal(await restarted.exited, 0, 'SIGINT shuts down cleanly')

  const revoked = run('src/cli/token.ts', ['revoke', 'bob'], { LOG_LEVEL: 'silent' })
  t.equal(await revoked.exited, 0, revoked.stderr())
  const again = run('src/server.ts', [], { PORT: String(port) })
  t.teardown(() => again.child.kill('SIGKILL'))
  await waitForHealth(port, again)
  const afterRevoke = await fetch(`http://127.0.0.1:${port}/teams/coc`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Nope' }),
  })
  t.equal(afterRevoke.status, 401, 'a revoked token is refused')
  again.child.kill('SIGTERM')
  await again.exited
})

t.test('an invalid variable stops rota with one line naming it', async (t) => {
  const bad = run('src/server.ts', [], { PORT: 'eighty' })
  t.equal(await bad.exited, 1)
  t.equal(bad.stderr(), 'rota: invalid configuration: PORT: must be a whole number between 0 and 65535 (got "eighty")\n')
})
