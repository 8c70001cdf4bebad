/**
 * Selection benchmark (`npm run bench`): the pure core on 100,000 responses, and a 10,000-response
 * call imported and closed through the HTTP API on the embedded database (PGlite on disk).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { openPglite } from '../../src/db/client.js'
import { formsClientFor, mailerFor } from '../../src/deps.js'
import { selectVolunteers, type ResponseInput } from '../../src/domain/selection.js'
import type { Institution } from '../../src/domain/institutions.js'
import { instantFromEpochNanos, parseInstant, type Instant } from '../../src/domain/time.js'

/** A small deterministic generator, so every run measures the same inputs. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

const OPENS = parseInstant('2027-02-01T00:00:00Z')
const CLOSES = parseInstant('2027-03-01T00:00:00Z')
const WINDOW_NS = 28n * 86_400n * 1_000_000_000n

function institutions(n: number): Institution[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: `Institution ${i} of Example Studies`,
    aliases: [`Inst ${i}`],
    consortium: i % 2 === 0,
  }))
}

function responses(n: number, known: Institution[], seed: number): Array<Omit<ResponseInput, 'id' | 'ingestSeq'>> {
  const next = random(seed)
  const start = BigInt(Date.parse('2027-01-31T00:00:00Z')) * 1_000_000n
  return Array.from({ length: n }, (_, i) => {
    const r = next()
    const institution =
      r < 0.7 ? known[Math.floor(next() * known.length)]!.name : r < 0.8 ? `Unknown Museum ${Math.floor(next() * 2000)}` : r < 0.9 ? 'Independent' : known[Math.floor(next() * known.length)]!.aliases[0]!
    const ns = start + BigInt(Math.floor(next() * Number(WINDOW_NS + 2n * 86_400n * 1_000_000_000n)))
    return {
      externalId: `r${i}`,
      submittedAt: instantFromEpochNanos(ns) as Instant,
      name: `Volunteer ${i}`,
      email: `volunteer${Math.floor(next() * n * 0.95)}@example.org`,
      institution,
    }
  })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

async function pureCore(): Promise<void> {
  const known = institutions(500)
  const input = responses(100_000, known, 1).map((r, i) => ({ ...r, id: `resp-${i}`, ingestSeq: i + 1 }))
  const times: number[] = []
  let digest = ''
  for (let run = 0; run < 5; run++) {
    const started = performance.now()
    const selection = selectVolunteers({
      window: { opensAt: OPENS, closesAt: CLOSES },
      termStart: CLOSES,
      policy: { seats: { consortium: 4, community: 4 }, termMonths: 24, inauguralStagger: true },
      fixedSeats: null,
      institutions: known,
      members: [],
      responses: input,
    })
    times.push(performance.now() - started)
    digest = selection.inputDigest
  }
  const ms = median(times)
  console.log(`selection (pure core), 100,000 responses, 500 institutions: median ${ms.toFixed(0)} ms of 5 runs (${Math.round(100_000 / (ms / 1000)).toLocaleString('en')} responses/s), digest ${digest.slice(0, 12)}`)
}

async function throughApi(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-bench-'))
  const database = await openPglite(dataDir)
  try {
    await database.migrate()
    let now = new Date('2027-02-10T00:00:00Z')
    const staffToken = 'bench-staff-token-0123456789'
    const config = loadConfig({ STAFF_TOKEN: staffToken, LOG_LEVEL: 'silent', DATA_DIR: dataDir })
    const app = await buildApp({ config, database, clock: () => now, forms: formsClientFor(config), mailer: mailerFor(config, { info() {} }) })
    const headers = { authorization: `Bearer ${staffToken}` }
    const known = institutions(200)
    for (const institution of known) {
      await app.inject({ method: 'POST', url: '/institutions', headers, payload: { name: institution.name, aliases: institution.aliases, consortium: institution.consortium } })
    }
    const call = (await app.inject({ method: 'POST', url: '/teams/coc/calls', headers, payload: { opensAt: '2027-02-01T00:00:00Z' } })).json() as { id: string }
    const batch = responses(10_000, known, 2)

    let started = performance.now()
    const imported = await app.inject({ method: 'POST', url: `/calls/${call.id}/responses`, headers, payload: { responses: batch } })
    const importMs = performance.now() - started
    if (imported.statusCode !== 200) throw new Error(`import failed: ${imported.body}`)

    started = performance.now()
    const again = await app.inject({ method: 'POST', url: `/calls/${call.id}/responses`, headers, payload: { responses: batch } })
    const reimportMs = performance.now() - started
    if (again.json().unchanged !== 10_000) throw new Error(`re-import changed something: ${again.body}`)

    started = performance.now()
    const preview = await app.inject({ method: 'GET', url: `/calls/${call.id}/selection`, headers })
    const previewMs = performance.now() - started
    if (preview.statusCode !== 200) throw new Error(`preview failed: ${preview.body}`)

    now = new Date('2027-03-02T00:00:00Z')
    started = performance.now()
    const closed = await app.inject({ method: 'POST', url: `/calls/${call.id}/close`, headers })
    const closeMs = performance.now() - started
    if (closed.statusCode !== 200) throw new Error(`close failed: ${closed.body}`)
    const selected = (closed.json() as { decisions: { outcome: string }[] }).decisions.filter((d) => d.outcome === 'selected').length

    console.log(`API on embedded PGlite (on disk), 10,000-response call:`)
    console.log(`  import (JSON, all new)      ${importMs.toFixed(0)} ms`)
    console.log(`  re-import (all unchanged)   ${reimportMs.toFixed(0)} ms`)
    console.log(`  preview selection           ${previewMs.toFixed(0)} ms`)
    console.log(`  close (select, store 10,000 decisions, ${selected} members)  ${closeMs.toFixed(0)} ms`)
    await app.close()
  } finally {
    await database.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

await pureCore()
await throughApi()
