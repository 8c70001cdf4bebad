/**
 * Roster benchmark (`npm run bench roster`): `GET /teams/coc/roster` on rota started as in production
 * (`node dist/server.js`: security headers, CORS, rate limits, embedded PGlite on disk, a team with
 * four years of history), against its baseline, as the issue states it: a bare fastify route with the
 * production plugin stack (bare-server.mjs with BARE_STACK=1: rota's own registerSecurity — helmet's
 * headers, CORS, @fastify/rate-limit — and a route at the same depth answering the same bytes with the
 * same caching headers, prepared once), so the difference is what rota's roster route adds per
 * request. Two more targets are informative: the bare route with no plugins at all, and with rota's
 * headers set by the route.
 *
 * The load comes from wrk when it is installed (a C program: it leaves more of the machine to the
 * servers) and from autocannon otherwise; both with 10 connections. Rounds alternate the order of the
 * three runs (bare, roster now, roster at an instant), and each goal is the median of the per-round
 * ratios, so that a machine busy with other work weighs on both sides alike.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import autocannon from 'autocannon'
import { freePort } from '../helpers/free-port.js'
import { reportGoal } from './goals.js'
import { BARE, cpuTimeMs, median, ROTA, STAFF_TOKEN, startServer, stopServer, type Started } from './servers.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10)
const CONNECTIONS = 10
const THROUGHPUT_GOAL = 0.8
const P99_GOAL = 2

interface Load {
  rps: number
  /** 99th percentile latency, ms. */
  p99: number
  errors: number
  requests: number
  /** CPU time (user + system) the server used per request, µs; null where /proc is unavailable. */
  cpuPerRequest: number | null
}

/** wrk on the PATH, unless BENCH_LOADGEN=autocannon. */
function hasWrk(): boolean {
  if (process.env.BENCH_LOADGEN === 'autocannon') return false
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
    return true
  } catch (error) {
    // wrk --version exits 1 after printing its version: it is there.
    return (error as { status?: number }).status === 1
  }
}

const WRK = hasWrk()

/** `1.23ms` / `850.00us` / `1.02s` → ms. */
function wrkDuration(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim())
  if (!match) throw new Error(`wrk latency ${JSON.stringify(text)}`)
  const value = Number(match[1])
  return match[2] === 'us' ? value / 1000 : match[2] === 'ms' ? value : match[2] === 's' ? value * 1000 : value * 60_000
}

async function wrk(url: string, seconds: number): Promise<Load> {
  const { stdout } = await promisify(execFile)('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', url])
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout)
  const p99 = /^\s+99%\s+(\S+)$/m.exec(stdout)
  if (!rps || !p99) throw new Error(`unexpected wrk output:\n${stdout}`)
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout)
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0)
  return {
    rps: Number(rps[1]),
    p99: wrkDuration(p99[1]!),
    errors: non2xx + socketErrors,
    requests,
    cpuPerRequest: null,
  }
}

async function cannon(url: string, seconds: number): Promise<Load> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds })
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    requests: result.requests.total,
    cpuPerRequest: null,
  }
}

/** Loads `url` for `seconds`, and measures the CPU time the server (`pid`) used meanwhile. */
async function load(url: string, seconds: number, pid: number): Promise<Load> {
  const before = cpuTimeMs(pid)
  const result = await (WRK ? wrk(url, seconds) : cannon(url, seconds))
  const after = cpuTimeMs(pid)
  if (before !== null && after !== null && result.requests > 0)
    result.cpuPerRequest = ((after - before) * 1000) / result.requests
  return result
}

async function call(base: string, method: string, url: string, body?: unknown): Promise<{ id?: string }> {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${STAFF_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`)
  return (await res.json()) as { id?: string }
}

/** Four annual calls of twelve volunteers, closed early, and two staff members: real dates in the past. */
async function seed(base: string): Promise<void> {
  for (let i = 0; i < 30; i++)
    await call(base, 'POST', '/institutions', { name: `Member Institution ${i}`, consortium: i % 3 !== 0 })
  for (const name of ['Staff One', 'Staff Two'])
    await call(base, 'POST', '/teams/coc/members', {
      name,
      email: `${name.replace(' ', '.')}@iiif.io`,
      seat: 'staff',
      termStart: '2022-01-01T00:00:00Z',
      reason: 'IIIF staff',
    })
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

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-bench-roster-'))
const started: Started[] = []
try {
  const rotaPort = await freePort()
  const rota = await startServer(
    ROTA(),
    { DATA_DIR: path.join(scratch, 'data'), STAFF_TOKEN, LOG_LEVEL: 'info' },
    rotaPort,
    '/healthz',
  )
  started.push(rota)
  const rotaBase = `http://127.0.0.1:${rotaPort}`
  await seed(rotaBase)

  const AT = '2025-06-01T00:00:00Z'
  const sample = await fetch(`${rotaBase}/teams/coc/roster?at=${AT}`)
  const body = await sample.text()
  if (!sample.ok) throw new Error(`roster: ${sample.status} ${body}`)
  const members = (JSON.parse(body) as { members: unknown[] }).members.length
  fs.writeFileSync(path.join(scratch, 'body.json'), body)
  // The headers rota answers the roster with, but those Node.js adds to every response.
  const headers = Object.fromEntries(
    [...sample.headers].filter(
      ([name]) => !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name),
    ),
  )
  fs.writeFileSync(path.join(scratch, 'headers.json'), JSON.stringify(headers))

  const barePort = await freePort()
  const bareServer = await startServer(
    BARE(),
    {
      BARE_BODY_FILE: path.join(scratch, 'body.json'),
      BARE_HEADERS_FILE: path.join(scratch, 'headers.json'),
      BARE_STACK: '1',
    },
    barePort,
    '/healthz',
  )
  started.push(bareServer)

  const targets = [
    { name: 'stack', url: `http://127.0.0.1:${barePort}/stack/coc/roster`, pid: bareServer.child.pid! },
    { name: 'bare', url: `http://127.0.0.1:${barePort}/constant`, pid: bareServer.child.pid! },
    { name: 'bare+headers', url: `http://127.0.0.1:${barePort}/constant-with-headers`, pid: bareServer.child.pid! },
    { name: 'now', url: `${rotaBase}/teams/coc/roster`, pid: rota.child.pid! },
    { name: 'at', url: `${rotaBase}/teams/coc/roster?at=${AT}`, pid: rota.child.pid! },
  ]
  console.log(
    `GET /teams/coc/roster (rota as in production: PGlite, 4 years of history, ${members} members serving in mid-2025, ${body.length}-byte answer) ` +
      `vs a bare fastify route with the production plugin stack answering the same bytes (stack: the baseline; bare: no plugins; bare+headers: no plugins, rota's ${Object.keys(headers).length} headers set by the route; both informative); ` +
      `${WRK ? 'wrk (-t1)' : 'autocannon (in this process)'}, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s each:`,
  )
  for (const target of targets) await load(target.url, 2, target.pid) // warm-up: JIT, caches, first validator compiled

  const results = new Map(targets.map((t) => [t.name, [] as Load[]]))
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts with a different one of the three, so that no run always follows the same other.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!)
    for (const target of order) results.get(target.name)!.push(await load(target.url, SECONDS, target.pid))
    const line = targets.map((t) => {
      const r = results.get(t.name)![round]!
      return `${t.name} ${r.rps.toFixed(0)} req/s p99 ${r.p99.toFixed(2)} ms`
    })
    console.log(`  round ${round + 1}/${ROUNDS}: ${line.join(';  ')}`)
  }

  const cpu = targets.map(
    (t) =>
      [
        t.name,
        results
          .get(t.name)!
          .map((r) => r.cpuPerRequest)
          .filter((c): c is number => c !== null),
      ] as const,
  )
  if (cpu.every(([, values]) => values.length > 0)) {
    // Less distorted by the machine's other work than throughput is (informative, not a goal).
    console.log(
      `  CPU time per request (user + system, median): ${cpu.map(([name, values]) => `${name} ${median(values).toFixed(1)} µs`).join(', ')}`,
    )
  }
  const errors = [...results.values()].flat().reduce((sum, r) => sum + r.errors, 0)
  if (errors > 0) throw new Error(`${errors} requests failed or answered other than 200`)
  const range = (values: number[]) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}×`
  // The baseline of the goals: a bare fastify route with the production plugin stack.
  const stack = results.get('stack')!
  const bare = results.get('bare')!
  const informative = (name: string, label: string) => {
    const ratios = results.get(name)!.map((r, i) => r.rps / bare[i]!.rps)
    console.log(`  ${label} (informative): ${median(ratios).toFixed(2)}× bare throughput (rounds ${range(ratios)})`)
  }
  informative('bare+headers', "bare fastify with rota's roster headers set by the route")
  informative('stack', 'bare fastify route with the production plugin stack (the baseline)')
  informative('now', 'roster now')
  for (const [name, label] of [
    ['now', 'roster now (no ?at)'],
    ['at', `roster ?at=${AT}`],
  ] as const) {
    const runs = results.get(name)!
    const throughput = runs.map((r, i) => r.rps / stack[i]!.rps)
    // autocannon measures whole milliseconds: a baseline p99 of 0 counts as 1 ms.
    const p99 = runs.map((r, i) => r.p99 / Math.max(stack[i]!.p99, WRK ? 0.001 : 1))
    const medians = `median ${median(runs.map((r) => r.rps)).toFixed(0)} vs ${median(stack.map((r) => r.rps)).toFixed(0)} req/s`
    reportGoal({
      name: `roster: ${label}, throughput vs a bare fastify route with the production plugin stack`,
      ratio: median(throughput),
      goal: THROUGHPUT_GOAL,
      kind: 'min',
      detail: `median of per-round ratios (rounds ${range(throughput)}); ${medians}`,
    })
    reportGoal({
      name: `roster: ${label}, p99 latency vs a bare fastify route with the production plugin stack`,
      ratio: median(p99),
      goal: P99_GOAL,
      kind: 'max',
      detail: `median of per-round ratios (rounds ${range(p99)}); median p99 ${median(runs.map((r) => r.p99)).toFixed(2)} vs ${median(stack.map((r) => r.p99)).toFixed(2)} ms`,
    })
  }
} finally {
  await Promise.all(started.map((s) => stopServer(s.child)))
  fs.rmSync(scratch, { recursive: true, force: true })
}
