/**
 * Roster benchmark (`npm run bench roster`): rota started as in production (`dist/server.js`, all
 * plugins, embedded PGlite on disk, a team with four years of history) against a bare fastify app
 * answering a constant JSON route, loaded by the same autocannon settings in the same run.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { compiled } from '../helpers/compiled.js'
import { freePort } from '../helpers/free-port.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const TOKEN = 'bench-roster-staff-token-0123'
const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = 10


/** `node <args>`: the compiled rota, or a TypeScript file through tsx (`--import tsx` in args). */
async function start(args: string[], env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] })
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  child.kill()
  throw new Error(`${args.join(' ')} did not start`)
}

async function call(base: string, method: string, url: string, body?: unknown): Promise<{ id?: string }> {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`)
  return (await res.json()) as { id?: string }
}

/** Four annual calls of eight volunteers, some departures and appointments, and two staff members. */
async function seed(base: string): Promise<void> {
  for (let i = 0; i < 30; i++) await call(base, 'POST', '/institutions', { name: `Member Institution ${i}`, consortium: i % 3 !== 0 })
  for (const name of ['Staff One', 'Staff Two']) await call(base, 'POST', '/teams/coc/members', { name, email: `${name.replace(' ', '.')}@iiif.io`, seat: 'staff', termStart: '2022-01-01T00:00:00Z', reason: 'IIIF staff' })
  for (let year = 2022; year <= 2025; year++) {
    const created = await call(base, 'POST', '/teams/coc/calls', { opensAt: `${year}-02-01T00:00:00Z` })
    const responses = Array.from({ length: 12 }, (_, i) => ({
      submittedAt: `${year}-02-0${2 + (i % 7)}T10:00:0${i % 10}Z`,
      name: `Volunteer ${year}-${i}`,
      email: `v${year}-${i}@example.org`,
      institution: i % 4 === 0 ? 'Independent' : `Member Institution ${(year * 7 + i) % 30}`,
    }))
    await call(base, 'POST', `/calls/${created.id}/responses`, { responses })
    await call(base, 'POST', `/calls/${created.id}/close`, { early: true })
  }
}

function summary(result: autocannon.Result): { rps: number; p99: number; errors: number } {
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx }
}

async function load(url: string): Promise<{ rps: number; p99: number; errors: number }> {
  await autocannon({ url, connections: CONNECTIONS, duration: 2 }) // warm-up
  return summary(await autocannon({ url, connections: CONNECTIONS, duration: DURATION }))
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-bench-roster-'))
const rotaPort = await freePort()
const barePort = await freePort()
// The clock of a rota started now lies after the seeded history; early closes need the calls open, so seed with real dates in the past.
const rota = await start([compiled('server.js')], { DATA_DIR: dataDir, STAFF_TOKEN: TOKEN, LOG_LEVEL: 'info' }, rotaPort)
const bare = await start(['--import', 'tsx', 'test/bench/bare-server.ts'], {}, barePort)
try {
  await seed(`http://127.0.0.1:${rotaPort}`)
  const sample = await (await fetch(`http://127.0.0.1:${rotaPort}/teams/coc/roster?at=2025-06-01T00:00:00Z`)).json() as { members: unknown[] }
  const bareResult = await load(`http://127.0.0.1:${barePort}/constant`)
  const nowResult = await load(`http://127.0.0.1:${rotaPort}/teams/coc/roster`)
  const atResult = await load(`http://127.0.0.1:${rotaPort}/teams/coc/roster?at=2025-06-01T00:00:00Z`)
  console.log(`GET /teams/coc/roster (rota as in production, PGlite, 4 years of history, ${sample.members.length} members serving in mid-2025), ${CONNECTIONS} connections, ${DURATION} s each:`)
  const line = (label: string, r: { rps: number; p99: number; errors: number }) =>
    console.log(`  ${label.padEnd(34)} ${r.rps.toFixed(0).padStart(6)} req/s  p99 ${r.p99} ms  errors ${r.errors}  → ${(r.rps / bareResult.rps).toFixed(2)} × bare throughput (goal ≥ 0.80), p99 ${(r.p99 / Math.max(bareResult.p99, 1)).toFixed(2)} × bare (goal ≤ 2)`)
  console.log(`  ${'bare fastify, constant JSON'.padEnd(34)} ${bareResult.rps.toFixed(0).padStart(6)} req/s  p99 ${bareResult.p99} ms  errors ${bareResult.errors}`)
  line('roster now (no ?at)', nowResult)
  line('roster ?at=2025-06-01T00:00:00Z', atResult)
} finally {
  rota.kill('SIGTERM')
  bare.kill('SIGTERM')
  await Promise.all([once(rota, 'exit'), once(bare, 'exit')])
  fs.rmSync(dataDir, { recursive: true, force: true })
}
