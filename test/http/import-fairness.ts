import t from 'tap'
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { build } from '../helpers/build.js'

// A large CSV import must not starve everyone else: while a 50,000-row Google Forms export is
// imported, the public roster (served from memory) keeps answering quickly. The roster is asked
// over real HTTP by another process, one request after the other, as visitors would: any stretch
// the server's event loop spends blocked shows up in its latency.
const { app, staff } = await build(t)
await app.listen({ port: 0, host: '127.0.0.1' })
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

const ROWS = 50_000

/** The visitor: asks for the URL every few milliseconds between 'start' and 'stop', then reports the latencies. */
const VISITOR = `
let measuring = false
let latencies = []
let failed = 0
process.on('message', async (message) => {
  if (message === 'start') {
    measuring = true
    latencies = []
    failed = 0
    process.send('started')
    while (measuring) {
      const sent = performance.now()
      try {
        const res = await fetch(process.argv[1])
        await res.arrayBuffer()
        if (res.status !== 200) failed++
      } catch {
        failed++
      }
      latencies.push(performance.now() - sent)
      await new Promise((resolve) => setTimeout(resolve, 5)) // a pause, so the visitor does not take a core of its own
    }
    process.send({ latencies, failed })
  } else if (message === 'stop') measuring = false
  else if (message === 'exit') process.disconnect()
})
// Gone with the test, whatever ends it (a timeout, a crash): never left asking a closed server.
process.on('disconnect', () => process.exit(0))
`

async function measure(
  visitor: ChildProcess,
  during: () => Promise<void>,
): Promise<{ latencies: number[]; failed: number }> {
  visitor.send('start')
  await once(visitor, 'message')
  await during()
  visitor.send('stop')
  const [result] = (await once(visitor, 'message')) as [{ latencies: number[]; failed: number }]
  return result
}

function exportOf(rows: number): string {
  const lines = ['Timestamp,Email Address,Name,Institution,Why do you want to serve?']
  for (let i = 0; i < rows; i++) {
    const second = String(i % 60).padStart(2, '0')
    const minute = String(Math.floor(i / 60) % 60).padStart(2, '0')
    const hour = (Math.floor(i / 3600) % 12) + 1
    lines.push(
      `2026/02/${String(1 + Math.floor(i / 43200)).padStart(2, '0')} ${hour}:${minute}:${second} AM GMT+1,volunteer${i}@example.org,Volunteer ${i},Institution ${i % 400},"I care, and I have moderated before."`,
    )
  }
  return lines.join('\r\n')
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

function summary(latencies: number[]): string {
  const ms = (p: number) => `${percentile(latencies, p).toFixed(1)} ms`
  return `${latencies.length} requests, p50 ${ms(50)}, p99 ${ms(99)}, max ${ms(100)}`
}

// Timing on a shared 2-core runner is noisy: the import gets up to three tries, each into a call of
// its own, and the best one must meet the bar. A server that blocks while importing (as on the
// main branch before the paced import: one 10 s stall) fails every try.
const ATTEMPTS = 3

t.test('the roster keeps answering within 100 ms (p99, over idle) while a 50,000-row CSV is imported', async (t) => {
  t.equal((await fetch(`${base}/teams/coc/roster`)).status, 200, 'the roster is warm in memory')

  const visitor = fork('-e', [VISITOR, `${base}/teams/coc/roster`], {
    execArgv: [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  t.teardown(() => {
    if (visitor.connected) visitor.send('exit')
  })
  const body = exportOf(ROWS)

  const tries: { p99: number; noise: number }[] = []
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const opensAt = new Date(Date.UTC(2026, 1 + attempt * 2, 1)).toISOString()
    const created = await fetch(`${base}/teams/coc/calls`, {
      method: 'POST',
      headers: { ...staff, 'content-type': 'application/json' },
      body: JSON.stringify({ opensAt }),
    })
    t.equal(created.status, 201, `call ${attempt + 1} created`)
    const callId = ((await created.json()) as { id: string }).id

    // The same visitor with nothing else running, for comparison (a loaded machine is slow throughout).
    const idle = await measure(visitor, () => new Promise((resolve) => setTimeout(resolve, 2_000)))
    let result: { status: number; body: unknown; ms: number } | undefined
    const during = await measure(visitor, async () => {
      const started = performance.now()
      const res = await fetch(`${base}/calls/${callId}/responses`, {
        method: 'POST',
        headers: { ...staff, 'content-type': 'text/csv' },
        body,
      })
      result = { status: res.status, body: await res.json(), ms: performance.now() - started }
    })
    t.equal(result?.status, 200, 'the import succeeded')
    t.match(result?.body, { rows: ROWS, inserted: ROWS, updated: 0, unchanged: 0, skipped: 0 })
    t.equal(idle.failed + during.failed, 0, 'every roster request was answered with 200')
    t.ok(during.latencies.length >= 20, 'the roster was asked throughout the import')

    t.comment(
      `try ${attempt + 1}: import of ${ROWS} rows (${(body.length / 1e6).toFixed(1)} MB): ${((result?.ms ?? 0) / 1000).toFixed(2)} s`,
    )
    t.comment(`  roster idle:          ${summary(idle.latencies)}`)
    t.comment(`  roster during import: ${summary(during.latencies)}`)
    // The bar is 100 ms over what the machine gives the same visitor when nothing else runs here: on
    // a quiet machine that is ~100 ms; on a loaded CI runner the import is not blamed for the load.
    const attemptResult = { p99: percentile(during.latencies, 99), noise: percentile(idle.latencies, 99) }
    tries.push(attemptResult)
    if (attemptResult.p99 < 100 + attemptResult.noise) break
  }
  const best = tries.reduce((a, b) => (b.p99 - b.noise < a.p99 - a.noise ? b : a))
  t.ok(
    best.p99 < 100 + best.noise,
    `roster p99 ${best.p99.toFixed(1)} ms < 100 ms + ${best.noise.toFixed(1)} ms (idle p99), best of ${tries.length} tries`,
  )
})
