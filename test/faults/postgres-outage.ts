import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { spawnRota, sleep, type RotaProcess } from '../helpers/chaos.js'
import { connectionsTo, startPgCluster } from '../helpers/pg-cluster.js'
import { freePort } from '../helpers/free-port.js'

// PostgreSQL stopped for 30 s under a steady read and write load, with rota running as a real
// process: what users and the database notice. Before the fixes this made ~25,000 connections,
// PostgreSQL refused everyone ("too many clients") for minutes after it came back, the roster was
// 500 from the first second, and rota ignored SIGTERM.

const OUTAGE_MS = 30_000
const POOL_MAX = 4
const STAFF_TOKEN = 'outage-test-staff-token-0123'

// This test starts and stops a PostgreSQL cluster of its own, so it belongs to the PostgreSQL pass
// (TEST_DATABASE_URL set, PostgreSQL binaries installed); on the embedded pass it is reported as
// skipped. The embedded database has no server to lose: test/faults/pglite-readyz.ts and
// test/faults/database-down.ts cover it.
t.test(
  'PostgreSQL stopped for 30 s under load: bounded connections, stale roster, 503 writes, nothing lost, prompt SIGTERM',
  { skip: process.env.TEST_DATABASE_URL ? false : 'runs on the PostgreSQL pass (TEST_DATABASE_URL set)' },
  outage,
)

async function startRota(databaseUrl: string, dataDir: string): Promise<{ rota: RotaProcess; base: string }> {
  const port = await freePort()
  const rota = spawnRota({
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: String(POOL_MAX),
    SCHEDULER: 'off',
    STAFF_TOKEN,
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  })
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (rota.child.exitCode !== null) throw new Error(`rota exited early: ${rota.tail()}`)
    if (
      await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { rota, base }
    await sleep(25)
  }
  throw new Error(`rota was not ready within 60 s: ${rota.tail()}`)
}

interface Answer {
  at: number
  status: number
  code?: string
  retryAfter?: string | null
  stale?: boolean
  name?: string
}

async function outage(t: Test): Promise<void> {
  const began = Date.now()
  const cluster = await startPgCluster()
  t.teardown(() => cluster.destroy())
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-outage-'))
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))

  const [{ rota, base }, second] = await Promise.all([
    startRota(cluster.url, path.join(dataDir, 'a')),
    startRota(cluster.url, path.join(dataDir, 'b')),
  ])
  t.teardown(() => rota.child.kill('SIGKILL'))
  t.teardown(() => second.rota.child.kill('SIGKILL'))
  const staff = { authorization: `Bearer ${STAFF_TOKEN}`, 'content-type': 'application/json' }

  // Before the outage: a renamed team and a member on the roster.
  t.equal(
    (
      await fetch(`${base}/teams/coc`, {
        method: 'PATCH',
        headers: staff,
        body: JSON.stringify({ name: 'Written Before The Outage' }),
      })
    ).status,
    200,
  )
  const appointed = await fetch(`${base}/teams/coc/members`, {
    method: 'POST',
    headers: staff,
    body: JSON.stringify({
      name: 'Grace Staff',
      email: 'grace@example.org',
      seat: 'staff',
      termStart: '2020-01-01T00:00:00Z',
      reason: 'hired',
    }),
  }).catch((error) => {
    throw new Error(`${String(error)} exit=${rota.child.exitCode} signal=${rota.child.signalCode}: ${rota.tail()}`)
  })
  t.equal(appointed.status, 201)

  // Connections from each rota process to PostgreSQL, sampled all along.
  let maxConnections = 0
  let maxConnectionsSecond = 0
  const sampler = setInterval(() => {
    maxConnections = Math.max(maxConnections, connectionsTo(rota.pid, cluster.port))
    if (second.rota.child.exitCode === null)
      maxConnectionsSecond = Math.max(maxConnectionsSecond, connectionsTo(second.rota.pid, cluster.port))
  }, 50)
  t.teardown(() => clearInterval(sampler))

  // A steady load: the roster read continuously, an institution created every 200 ms.
  const reads: Answer[] = []
  const writes: Answer[] = []
  let loading = true
  let written = 0
  const readLoop = (async () => {
    while (loading) {
      const at = Date.now()
      try {
        const res = await fetch(`${base}/teams/coc/roster`)
        const body = (await res.json()) as { error?: { code: string } }
        reads.push({
          at,
          status: res.status,
          stale: res.headers.get('x-rota-stale') === 'true',
          code: body.error?.code,
        })
      } catch (error) {
        reads.push({ at, status: 0, code: String(error) })
      }
      await sleep(25)
    }
  })()
  const writeLoop = (async () => {
    while (loading) {
      const at = Date.now()
      const name = `Outage Test Institution ${++written}`
      try {
        const res = await fetch(`${base}/institutions`, {
          method: 'POST',
          headers: staff,
          body: JSON.stringify({ name, consortium: false }),
        })
        const body = (await res.json()) as { error?: { code: string } }
        writes.push({
          at,
          status: res.status,
          code: body.error?.code,
          retryAfter: res.headers.get('retry-after'),
          name,
        })
      } catch (error) {
        writes.push({ at, status: 0, code: String(error), name })
      }
      await sleep(200)
    }
  })()

  await sleep(3000)
  const logLinesBefore = rota.warnings.length
  const stopBegan = Date.now()
  await cluster.stop()
  const stopped = Date.now()
  t.comment(`PostgreSQL stopped (pg_ctl stop -m fast took ${stopped - stopBegan} ms)`)

  await sleep(2000)
  const readyDuring = await fetch(`${base}/readyz`)
  t.equal(readyDuring.status, 503, '/readyz says not ready during the outage')

  // SIGTERM to the other instance during the outage: it exits within 10 s.
  await sleep(3000)
  const termAt = Date.now()
  second.rota.child.kill('SIGTERM')
  const exit = await Promise.race([second.rota.exited, sleep(15_000).then(() => 'still running')])
  const termMs = Date.now() - termAt
  t.ok(termMs <= 10_000 && exit !== 'still running', `SIGTERM during the outage: exited (${exit}) after ${termMs} ms`)

  await sleep(Math.max(0, stopped + OUTAGE_MS - Date.now()))
  const startBegan = Date.now()
  await cluster.start()
  const up = Date.now()
  t.comment(`PostgreSQL back after ${up - stopped} ms (pg_ctl start took ${up - startBegan} ms)`)

  const deadline = up + 10_000
  while (Date.now() < deadline && !writes.some((w) => w.at >= up && w.status === 201)) await sleep(50)
  await sleep(3000)
  loading = false
  await Promise.all([readLoop, writeLoop])
  clearInterval(sampler)

  // At most the pool plus the LISTEN connection, at any moment.
  t.ok(
    maxConnections <= POOL_MAX + 1,
    `rota held at most ${maxConnections} connections to PostgreSQL (pool ${POOL_MAX} + LISTEN 1)`,
  )
  t.ok(maxConnectionsSecond <= POOL_MAX + 1, `the other instance held at most ${maxConnectionsSecond}`)
  const outageLogLines = rota.warnings.length - logLinesBefore
  t.ok(outageLogLines <= 60, `warnings logged during the outage and after: ${outageLogLines}`)

  // The roster answered 200 throughout, stale while the database was away.
  const badReads = reads.filter((r) => r.status !== 200)
  t.same(badReads, [], `every roster read answered 200 (${reads.length} reads)`)
  const duringOutage = reads.filter((r) => r.at >= stopped + 500 && r.at < startBegan)
  t.ok(duringOutage.length > 100, `roster reads during the outage: ${duringOutage.length}`)
  t.ok(
    duringOutage.every((r) => r.stale),
    'each marked stale',
  )
  const freshAgain = reads.find((r) => r.at >= up && !r.stale)
  t.ok(
    freshAgain && freshAgain.at - up <= 5000,
    `fresh again ${freshAgain ? freshAgain.at - up : '-'} ms after PostgreSQL is back`,
  )
  t.ok(
    reads.filter((r) => r.at >= up + 5000).every((r) => !r.stale),
    'and stays fresh',
  )

  // Writes: 201, or 503 database-unavailable with Retry-After; never anything else.
  const failed = writes.filter((w) => w.status !== 201)
  t.same(
    failed.filter((w) => !(w.status === 503 && w.code === 'database-unavailable' && w.retryAfter === '5')),
    [],
    'every write that failed is a 503 database-unavailable with Retry-After: 5',
  )
  const writesDuring = writes.filter((w) => w.at >= stopped && w.at < startBegan)
  t.ok(
    writesDuring.length > 50 && writesDuring.every((w) => w.status === 503),
    `writes during the outage: ${writesDuring.length}, all 503`,
  )
  const firstAfter = writes.find((w) => w.at >= up && w.status === 201)
  t.ok(
    firstAfter && firstAfter.at - up <= 5000,
    `writes succeed ${firstAfter ? firstAfter.at - up : '-'} ms after PostgreSQL is back`,
  )

  // Nothing written is lost.
  const listed = (await (await fetch(`${base}/institutions`)).json()) as { institutions: Array<{ name: string }> }
  const names = new Set(listed.institutions.map((i) => i.name))
  const created = writes.filter((w) => w.status === 201).map((w) => w.name!)
  // How many depends on how fast the machine answers (one write every 200 ms at best): what matters is
  // that some were made on each side of the outage, so that "nothing lost" covers both.
  const createdBefore = writes.filter((w) => w.status === 201 && w.at < stopBegan).length
  const createdAfter = writes.filter((w) => w.status === 201 && w.at >= up).length
  t.ok(
    createdBefore > 0 && createdAfter > 0,
    `institutions created: ${createdBefore} before the outage, ${createdAfter} after`,
  )
  t.same(
    created.filter((name) => !names.has(name)),
    [],
    'every created institution is there',
  )
  const team = (await (await fetch(`${base}/teams/coc`)).json()) as { name: string }
  t.equal(team.name, 'Written Before The Outage', 'the change made before the outage is kept')
  const roster = (await (await fetch(`${base}/teams/coc/roster`)).json()) as { members: Array<{ name: string }> }
  t.ok(
    roster.members.some((m) => m.name === 'Grace Staff'),
    'the roster still shows the member appointed before',
  )

  const lastTermAt = Date.now()
  rota.child.kill('SIGTERM')
  const code = await rota.exited
  t.equal(
    code,
    0,
    `rota shuts down cleanly afterwards (in ${Date.now() - lastTermAt} ms)`,
    code === 0 ? {} : { output: rota.tail() },
  )
  t.comment(`wall time: ${Date.now() - began} ms`)
}
