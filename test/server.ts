import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import t from 'tap'
import { PGlite } from '@electric-sql/pglite'
import { migratedTemplate } from './helpers/database.js'
import { compiled } from './helpers/compiled.js'
import { freePort } from './helpers/free-port.js'

// The embedded default, end to end: real processes on a real data directory, as a user runs them
// (the compiled service and CLI in dist/, as `npm start` and `npm run token` run them).
const root = fileURLToPathSafe(new URL('..', import.meta.url))
const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-server-'))
const dataDir = path.join(parent, 'data') // rota creates it
t.teardown(() => fs.rmSync(parent, { recursive: true, force: true }))
const STAFF_TOKEN = 'server-test-staff-token-123'
const SERVER = compiled('server.js')
const TOKEN_CLI = compiled('cli/token.js')

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

interface Run {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

function run(script: string, args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [script, ...args], {
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
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error('rota did not answer /healthz within 60 s')
}

// The three tests use data directories and ports of their own: they run at the same time (each
// mostly waits for the processes it starts).
t.jobs = 3

t.test(
  'npm start on an empty data directory serves, keeps data across a restart, and refuses a second process',
  async (t) => {
    const port = await freePort()
    const first = run(SERVER, [], { PORT: String(port), STAFF_TOKEN })
    t.teardown(() => first.child.kill('SIGKILL'))
    await waitForHealth(port, first)
    t.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200, 'ready')
    t.equal(mode(dataDir), '700', "DATA_DIR is the owner's only")
    t.equal(mode(path.join(dataDir, 'rota.lock')), '600', 'so is the lock file')
    t.equal(mode(path.join(dataDir, 'pgdata')), '700', 'and the database folder')

    const patched = await fetch(`http://127.0.0.1:${port}/teams/coc`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${STAFF_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Kept Across Restarts' }),
    })
    t.equal(patched.status, 200)

    const second = run(SERVER, [], { PORT: String(await freePort()) })
    t.equal(await second.exited, 1, 'a second rota on the same DATA_DIR exits with status 1')
    t.match(second.stderr(), /is in use by rota process \d+/)

    const cli = run(TOKEN_CLI, ['create', '--name', 'bob', '--role', 'admin'], {})
    t.equal(await cli.exited, 1, 'the token CLI refuses while rota runs on the embedded database')
    t.match(cli.stderr(), /in use by rota process/)

    first.child.kill('SIGTERM')
    t.equal(await first.exited, 0, 'SIGTERM shuts down cleanly')
    t.notOk(fs.existsSync(path.join(dataDir, 'rota.lock')), 'the lock is released')
    t.same(notOwnerOnly(dataDir), [], "after a stop, every database file is the owner's only (0600/0700)")
    t.ok(
      fs.existsSync(path.join(dataDir, '.owner-only')),
      'and that is recorded: a restart checks only what PostgreSQL rewrites',
    )

    const created = run(TOKEN_CLI, ['create', '--name', 'bob', '--role', 'admin'], { LOG_LEVEL: 'silent' })
    t.equal(await created.exited, 0, created.stderr())
    const token = created.stdout().trim()
    t.match(token, /^rota_[A-Za-z0-9_-]{43}$/, 'the token is printed once')
    t.notOk(
      fs.readdirSync(dataDir, { recursive: true }).some((f) => String(f).includes(token)),
      'the token itself is not stored in a file name',
    )

    const restarted = run(SERVER, [], { PORT: String(port) })
    t.teardown(() => restarted.child.kill('SIGKILL'))
    await waitForHealth(port, restarted)
    // The files inside are tightened just after rota starts serving (DATA_DIR itself, 0700, keeps
    // everyone else out meanwhile): wait for that, a few seconds at most.
    t.equal(mode(dataDir), '700', "DATA_DIR is the owner's only from the start")
    const tightenedBy = Date.now() + 10_000
    while (notOwnerOnly(dataDir).length > 0 && Date.now() < tightenedBy) await new Promise((r) => setTimeout(r, 50))
    t.same(notOwnerOnly(dataDir), [], "while running, every file is the owner's only")
    const team = (await (await fetch(`http://127.0.0.1:${port}/teams/coc`)).json()) as { name: string }
    t.equal(team.name, 'Kept Across Restarts', 'data survives the restart')

    const withCliToken = await fetch(`http://127.0.0.1:${port}/teams/coc`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'IIIF Code of Conduct Team' }),
    })
    t.equal(withCliToken.status, 200, 'a token from `npm run token -- create` works (STAFF_TOKEN unset)')
    const audit = (await (
      await fetch(`http://127.0.0.1:${port}/audit`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { entries: Array<{ actor: string; action: string; entityId: string }> }
    t.match(
      audit.entries.map((e) => `${e.actor} ${e.action} ${e.entityId}`),
      ['bob team.update coc', 'cli token.create bob'],
      'the CLI and the token are in the audit log, each under its own name',
    )
    restarted.child.kill('SIGINT')
    t.equal(await restarted.exited, 0, 'SIGINT shuts down cleanly')

    const revoked = run(TOKEN_CLI, ['revoke', 'bob'], { LOG_LEVEL: 'silent' })
    t.equal(await revoked.exited, 0, revoked.stderr())
    const again = run(SERVER, [], { PORT: String(port) })
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
  },
)

t.test('an invalid variable stops rota with one line naming it', async (t) => {
  const bad = run(SERVER, [], { PORT: 'eighty', DATA_DIR: path.join(parent, 'never-created') })
  t.equal(await bad.exited, 1)
  t.equal(
    bad.stderr(),
    'rota: invalid configuration: PORT: must be a whole number between 0 and 65535 (got "eighty")\n',
  )
})

/** Every process below `pid` (children, their children…), by reading /proc. */
function descendants(pid: number): number[] {
  const found: number[] = []
  const pending = [pid]
  while (pending.length > 0) {
    const parent = pending.pop()!
    let tasks: string[] = []
    try {
      tasks = fs.readdirSync(`/proc/${parent}/task`)
    } catch {
      continue // gone
    }
    for (const task of tasks) {
      let children = ''
      try {
        children = fs.readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8')
      } catch {
        continue
      }
      for (const child of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
        found.push(child)
        pending.push(child)
      }
    }
  }
  return found
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.on('error', () => resolve(true))
  })
}

t.test(
  'npm start passes SIGTERM to rota: requests in flight finish whole, new ones get our 503, then the process, port and lock are gone',
  async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-npm-start-'))
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
    // A migrated embedded database to start from (initdb takes many seconds; loading the template one).
    const seed = await PGlite.create(path.join(dir, 'pgdata'), { loadDataDir: await migratedTemplate() })
    await seed.close()

    const port = await freePort()
    const npm = spawn('npm', ['start'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? os.tmpdir(),
        DATA_DIR: dir,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        SCHEDULER: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    npm.stdout!.on('data', (d) => (output += d))
    npm.stderr!.on('data', (d) => (output += d))
    const npmExited = new Promise<void>((resolve) => npm.on('exit', () => resolve()))
    let rotaPid = 0
    t.teardown(() => {
      for (const pid of [...descendants(npm.pid!), npm.pid!, rotaPid])
        if (pid && alive(pid)) process.kill(pid, 'SIGKILL')
    })

    const deadline = Date.now() + 60_000
    let ready = false
    while (!ready && Date.now() < deadline) {
      if (npm.exitCode !== null) throw new Error(`npm start exited early: ${output}`)
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
      if (!ready) await new Promise((r) => setTimeout(r, 25))
    }
    t.ok(ready, 'ready')
    const below = descendants(npm.pid!)
    let rotaArgv: string[] = []
    rotaPid =
      below.find((pid) => {
        try {
          const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
          if (path.basename(argv[0]!) !== 'node' || !argv.some((arg) => /server\.[jt]s$/.test(arg))) return false
          rotaArgv = argv
          return true
        } catch {
          return false
        }
      }) ?? 0
    // Whatever happens below, nothing started here outlives the test (an orphan would keep the port and lock).
    t.teardown(() => {
      for (const pid of below) if (alive(pid)) process.kill(pid, 'SIGKILL')
    })
    t.ok(rotaPid > 0, 'the rota node process is found under npm')
    t.same(rotaArgv.slice(1), ['dist/server.js'], 'npm start runs the compiled server, with no TypeScript loader')

    // Clients keep asking (a large document and the roster) while SIGTERM arrives.
    const outcomes: Array<{ status: number; body: string } | { error: string }> = []
    const started = Date.now()
    let signalled = 0
    const client = async () => {
      while (Date.now() - started < 2000) {
        for (const url of ['/docs/json', '/teams/coc/roster']) {
          try {
            const res = await fetch(`http://127.0.0.1:${port}${url}`)
            outcomes.push({ status: res.status, body: await res.text() })
          } catch (error) {
            // Refused, or cut short: fetch says so (a body shorter than its Content-Length is an error).
            const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause
            outcomes.push({ error: cause?.code ?? cause?.message ?? String(error) })
          }
        }
      }
    }
    const clients = Array.from({ length: 8 }, client)
    await new Promise((r) => setTimeout(r, 300))
    signalled = Date.now()
    npm.kill('SIGTERM')
    await Promise.all(clients)

    const exitDeadline = signalled + 10_000
    while (alive(rotaPid) && Date.now() < exitDeadline) await new Promise((r) => setTimeout(r, 50))
    t.notOk(alive(rotaPid), `the rota process exits (after ${Date.now() - signalled} ms)`)
    await npmExited
    t.ok(await portRefuses(port), 'the port is released')
    t.notOk(fs.existsSync(path.join(dir, 'rota.lock')), 'the data directory lock is released')

    const ok = outcomes.filter((o): o is { status: number; body: string } => 'status' in o && o.status === 200)
    const unavailable = outcomes.filter((o): o is { status: number; body: string } => 'status' in o && o.status === 503)
    const other = outcomes.filter((o) => 'status' in o && o.status !== 200 && o.status !== 503)
    const errors = new Map<string, number>()
    for (const o of outcomes) if ('error' in o) errors.set(o.error, (errors.get(o.error) ?? 0) + 1)
    t.comment(
      `outcomes: ${ok.length} × 200, ${unavailable.length} × 503, ${other.length} other; no answer: ${JSON.stringify(Object.fromEntries(errors))}`,
    )
    t.ok(ok.length > 0, 'requests were answered')
    t.ok(
      ok.every((o) => {
        try {
          JSON.parse(o.body)
          return true
        } catch {
          return false
        }
      }),
      'every 200 carries a whole JSON document',
    )
    t.ok(
      unavailable.every((o) => JSON.parse(o.body).error?.code === 'shutting-down'),
      'every 503 is ours: shutting-down in the API error shape',
    )
    t.same(other, [], 'nothing else')
  },
)
