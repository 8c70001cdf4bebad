/**
 * Selection benchmark (`npm run bench selection`): the pure core on 100,000 responses against a bare
 * parse + sort of the same timestamps (goal: ≤ 3×), and a 10,000-response call imported and closed
 * through the HTTP API on the embedded database (PGlite on disk) — and on PostgreSQL when
 * BENCH_DATABASE_URL or TEST_DATABASE_URL is set (a fresh database is created there and dropped).
 * The API figures are recorded, not gated.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { openPglite, openPostgres, type Database } from '../../src/db/client.js'
import { formsClientFor, mailerFor } from '../../src/deps.js'
import { selectVolunteers } from '../../src/domain/selection.js'
import { compareInstants, formatInstant, parseInstant } from '../../src/domain/time.js'
import { createPostgresDatabase } from '../helpers/database.js'
import { benchInstitutions, benchResponses, benchSelectionInput } from '../helpers/selection-input.js'
import { reportGoal } from './goals.js'

const RUNS = 5

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/**
 * The least any selection must do with the same responses: read each submission time from its
 * RFC 3339 text into an exact instant (`parseInstant`, as imports do) and put the responses in
 * first-come order (by instant, then ingestion order).
 */
function parseAndSort(texts: readonly string[]): void {
  const arrivals = texts.map((text, i) => ({ at: parseInstant(text), seq: i + 1 }))
  arrivals.sort((a, b) => compareInstants(a.at, b.at) || a.seq - b.seq)
  if (arrivals.length !== texts.length) throw new Error('unreachable')
}

/** Runs `work` once: wall-clock and CPU milliseconds (CPU time shows how much a loaded machine stretched the wall clock). */
function measure<T>(work: () => T): { wall: number; cpu: number; result: T } {
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const result = work()
  const wall = performance.now() - started
  const cpu = process.cpuUsage(cpuBefore)
  return { wall, cpu: (cpu.user + cpu.system) / 1000, result }
}

async function pureCore(): Promise<void> {
  const input = benchSelectionInput(100_000, 500)
  const texts = input.responses.map((r) => formatInstant(r.submittedAt))
  const core = { wall: [] as number[], cpu: [] as number[] }
  const baseline = { wall: [] as number[], cpu: [] as number[] }
  let digest = ''
  // Interleaved, so both see the same load on a shared machine.
  for (let run = 0; run < RUNS; run++) {
    const base = measure(() => parseAndSort(texts))
    baseline.wall.push(base.wall)
    baseline.cpu.push(base.cpu)
    const selection = measure(() => selectVolunteers(input))
    core.wall.push(selection.wall)
    core.cpu.push(selection.cpu)
    digest = selection.result.inputDigest
  }
  const ms = median(core.wall)
  const base = median(baseline.wall)
  console.log(
    `selection (pure core), 100,000 responses, 500 institutions: median ${ms.toFixed(0)} ms of ${RUNS} runs (${Math.round(100_000 / (ms / 1000)).toLocaleString('en')} responses/s; CPU ${median(core.cpu).toFixed(0)} ms), digest ${digest.slice(0, 12)}`,
  )
  console.log(
    `baseline: parse 100,000 timestamps (parseInstant) and sort them first-come: median ${base.toFixed(0)} ms of ${RUNS} runs (CPU ${median(baseline.cpu).toFixed(0)} ms)`,
  )
  reportGoal({
    name: 'selection core vs parse+sort',
    ratio: ms / base,
    goal: 3,
    kind: 'max',
    detail: `selection ${ms.toFixed(0)} ms, parse+sort ${base.toFixed(0)} ms (medians of ${RUNS}, 100,000 responses; CPU-time ratio ${(median(core.cpu) / median(baseline.cpu)).toFixed(2)}×)`,
  })
}

/** A database to run the API part on, and how to get rid of it. */
interface BenchDatabase {
  label: string
  database: Database
  dataDir: string
  dispose(): Promise<void>
}

async function pgliteOnDisk(): Promise<BenchDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-bench-'))
  const database = await openPglite(dataDir)
  return {
    label: 'embedded PGlite (on disk)',
    database,
    dataDir,
    async dispose() {
      await database.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

async function postgres(adminUrl: string): Promise<BenchDatabase> {
  const created = await createPostgresDatabase(adminUrl)
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-bench-'))
  const silent = { error() {}, warn() {} }
  const database = await openPostgres(created.url, { poolMax: 10, log: silent })
  return {
    label: `PostgreSQL (${new URL(adminUrl).host})`,
    database,
    dataDir,
    async dispose() {
      await database.close()
      await created.drop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

async function throughApi(open: () => Promise<BenchDatabase>): Promise<void> {
  const { label, database, dataDir, dispose } = await open()
  try {
    await database.migrate()
    let now = new Date('2027-02-10T00:00:00Z')
    const staffToken = 'bench-staff-token-0123456789'
    const config = loadConfig({ STAFF_TOKEN: staffToken, LOG_LEVEL: 'silent', DATA_DIR: dataDir })
    const app = await buildApp({
      config,
      database,
      clock: () => now,
      forms: formsClientFor(config),
      mailer: mailerFor(config, { info() {} }),
    })
    const headers = { authorization: `Bearer ${staffToken}` }
    const known = benchInstitutions(200)
    for (const institution of known) {
      await app.inject({
        method: 'POST',
        url: '/institutions',
        headers,
        payload: { name: institution.name, aliases: institution.aliases, consortium: institution.consortium },
      })
    }
    const call = (
      await app.inject({
        method: 'POST',
        url: '/teams/coc/calls',
        headers,
        payload: { opensAt: '2027-02-01T00:00:00Z' },
      })
    ).json() as { id: string }
    const batch = benchResponses(10_000, known, 2)

    let started = performance.now()
    const imported = await app.inject({
      method: 'POST',
      url: `/calls/${call.id}/responses`,
      headers,
      payload: { responses: batch },
    })
    const importMs = performance.now() - started
    if (imported.statusCode !== 200) throw new Error(`import failed: ${imported.body}`)

    started = performance.now()
    const again = await app.inject({
      method: 'POST',
      url: `/calls/${call.id}/responses`,
      headers,
      payload: { responses: batch },
    })
    const reimportMs = performance.now() - started
    if (again.json().unchanged !== 10_000) throw new Error(`re-import changed something: ${again.body}`)

    // The upload preview: the same import, run and rolled back, answering the first-come order too.
    started = performance.now()
    const dry = await app.inject({
      method: 'POST',
      url: `/calls/${call.id}/responses?dryRun=true`,
      headers,
      payload: { responses: batch },
    })
    const dryRunMs = performance.now() - started
    if (dry.json().order?.length !== 10_000) throw new Error(`dry run failed: ${dry.body.slice(0, 300)}`)

    started = performance.now()
    const preview = await app.inject({ method: 'GET', url: `/calls/${call.id}/selection`, headers })
    const previewMs = performance.now() - started
    if (preview.statusCode !== 200) throw new Error(`preview failed: ${preview.body}`)

    now = new Date('2027-03-02T00:00:00Z')
    started = performance.now()
    const closed = await app.inject({ method: 'POST', url: `/calls/${call.id}/close`, headers })
    const closeMs = performance.now() - started
    if (closed.statusCode !== 200) throw new Error(`close failed: ${closed.body}`)
    const selected = (closed.json() as { decisions: { outcome: string }[] }).decisions.filter(
      (d) => d.outcome === 'selected',
    ).length

    console.log(`API on ${label}, 10,000-response call (recorded, not gated):`)
    console.log(`  import (JSON, all new)      ${importMs.toFixed(0)} ms`)
    console.log(`  re-import (all unchanged)   ${reimportMs.toFixed(0)} ms`)
    console.log(`  dry run (same, with order)  ${dryRunMs.toFixed(0)} ms`)
    console.log(`  preview selection           ${previewMs.toFixed(0)} ms`)
    console.log(`  close (select, store 10,000 decisions, ${selected} members)  ${closeMs.toFixed(0)} ms`)
    await app.close()
  } finally {
    await dispose()
  }
}

await pureCore()
await throughApi(pgliteOnDisk)
const postgresUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL
if (postgresUrl) await throughApi(() => postgres(postgresUrl))
else console.log('API on PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL to run it)')
