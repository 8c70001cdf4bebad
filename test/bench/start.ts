/**
 * Start-time benchmark (`npm run bench start`): from spawning `node dist/server.js` to its first 200
 * from /readyz, on a new, empty DATA_DIR (first start: PGlite's initdb, then every migration) and
 * again on the same DATA_DIR (a restart), against the bare baseline (bare-server.mjs: fastify, PGlite
 * opened on its own new DATA_DIR, one table created) started the same way, in interleaved rounds.
 *
 * The probe is /readyz, rota's "ready to serve" signal (what a load balancer or orchestrator waits
 * for): it answers 200 once the database answers from real storage and is migrated, which on rota is
 * also when it starts listening (/healthz only says the process is up). The baseline's /readyz reads
 * its table, so both answer the same question.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freePort } from '../helpers/free-port.js'
import { reportGoal } from './goals.js'
import { BARE, median, ROTA, STAFF_TOKEN, startServer, stopServer } from './servers.js'

const ROUNDS = Number(process.env.BENCH_START_ROUNDS ?? 5)
const FIRST_GOAL = 1.5
const RESTART_GOAL = 1.3

interface Contender {
  name: string
  args: string[]
  env: Record<string, string>
}

const contenders: Contender[] = [
  { name: 'bare fastify + PGlite', args: BARE(), env: {} },
  // As in production: logs at info (to a pipe nobody reads), scheduler on, no Google credentials.
  { name: 'rota (dist/server.js)', args: ROTA(), env: { STAFF_TOKEN, LOG_LEVEL: 'info' } },
]

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-bench-start-'))

interface Times {
  first: number
  restart: number
  /** CPU time used by the process when it was ready (a figure the machine's load distorts less). */
  firstCpu: number | null
  restartCpu: number | null
}

/** One first start on a new DATA_DIR, then a restart on it: the times to ready, in ms. */
async function firstAndRestart(contender: Contender, dir: string): Promise<Times> {
  const env = { ...contender.env, DATA_DIR: dir }
  const runs: Array<{ readyMs: number; cpuMs: number | null }> = []
  for (let i = 0; i < 2; i++) {
    const { child, readyMs, cpuMs } = await startServer(contender.args, env, await freePort())
    runs.push({ readyMs, cpuMs })
    await stopServer(child)
  }
  return { first: runs[0]!.readyMs, restart: runs[1]!.readyMs, firstCpu: runs[0]!.cpuMs, restartCpu: runs[1]!.cpuMs }
}

try {
  // Untimed: the first reads of node, PGlite's WebAssembly and the modules from disk.
  for (const contender of contenders)
    await firstAndRestart(contender, path.join(scratch, `warm-${contenders.indexOf(contender)}`))

  const times = new Map(
    contenders.map((c) => [
      c.name,
      { first: [] as number[], restart: [] as number[], firstCpu: [] as number[], restartCpu: [] as number[] },
    ]),
  )
  const ratios = { first: [] as number[], restart: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate who goes first, so that neither always runs on a machine the other just warmed or loaded.
    const order = round % 2 === 0 ? contenders : [...contenders].reverse()
    const got = new Map<string, Times>()
    for (const contender of order)
      got.set(
        contender.name,
        await firstAndRestart(contender, path.join(scratch, `r${round}-${contenders.indexOf(contender)}`)),
      )
    for (const [name, t] of got) {
      const all = times.get(name)!
      all.first.push(t.first)
      all.restart.push(t.restart)
      if (t.firstCpu !== null) all.firstCpu.push(t.firstCpu)
      if (t.restartCpu !== null) all.restartCpu.push(t.restartCpu)
    }
    const [bare, rota] = contenders.map((c) => got.get(c.name)!)
    ratios.first.push(rota!.first / bare!.first)
    ratios.restart.push(rota!.restart / bare!.restart)
    console.log(
      `  round ${round + 1}/${ROUNDS}: first start bare ${bare!.first.toFixed(0)} ms, rota ${rota!.first.toFixed(0)} ms; restart bare ${bare!.restart.toFixed(0)} ms, rota ${rota!.restart.toFixed(0)} ms`,
    )
  }

  const [bare, rota] = contenders.map((c) => times.get(c.name)!)
  const range = (values: number[]) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}×`
  console.log(`Spawn to first 200 from /readyz, median of ${ROUNDS} interleaved rounds:`)
  console.log(
    `  first start (new DATA_DIR)   bare ${median(bare!.first).toFixed(0)} ms   rota ${median(rota!.first).toFixed(0)} ms`,
  )
  console.log(
    `  restart (same DATA_DIR)      bare ${median(bare!.restart).toFixed(0)} ms   rota ${median(rota!.restart).toFixed(0)} ms`,
  )
  if (rota!.restartCpu.length > 0 && bare!.restartCpu.length > 0) {
    const cpu = (kind: 'firstCpu' | 'restartCpu') =>
      `bare ${median(bare![kind]).toFixed(0)} ms   rota ${median(rota![kind]).toFixed(0)} ms   (${(median(rota![kind]) / median(bare![kind])).toFixed(2)}×)`
    console.log(`CPU time used by then (user + system, all threads; informative, not a goal):`)
    console.log(`  first start                  ${cpu('firstCpu')}`)
    console.log(`  restart                      ${cpu('restartCpu')}`)
  }
  reportGoal({
    name: 'start: first start on a new DATA_DIR vs bare fastify + PGlite',
    ratio: median(ratios.first),
    goal: FIRST_GOAL,
    kind: 'max',
    detail: `median of per-round ratios (rounds ${range(ratios.first)}); medians ${median(rota!.first).toFixed(0)} vs ${median(bare!.first).toFixed(0)} ms`,
  })
  reportGoal({
    name: 'start: restart on the same DATA_DIR vs bare fastify + PGlite',
    ratio: median(ratios.restart),
    goal: RESTART_GOAL,
    kind: 'max',
    detail: `median of per-round ratios (rounds ${range(ratios.restart)}); medians ${median(rota!.restart).toFixed(0)} vs ${median(bare!.restart).toFixed(0)} ms`,
  })
} finally {
  fs.rmSync(scratch, { recursive: true, force: true })
}
