/**
 * Helpers for test/jobs/outbox-chaos.ts and test/faults/postgres-outage.ts: rota instances as real
 * processes (the compiled service, `node dist/server.js`) that the tests kill and replace.
 *
 * Each instance preloads test/helpers/parent-guard.mjs: with ROTA_CHAOS_PARENT_PID set, it SIGKILLs
 * its own process as soon as its parent (the test) is gone, so that a test killed outright (SIGKILL,
 * a crashed runner) never leaves rota instances ticking against a database nobody will drop.
 */
import fs from 'node:fs'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { compiled } from './compiled.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const GUARD = fileURLToPath(new URL('parent-guard.mjs', import.meta.url))

/** One rota process: `node dist/server.js`, as `npm start` runs it. */
export interface RotaProcess {
  child: ChildProcess
  pid: number
  /** Resolves with the exit code, or the signal's name when a signal ended it. */
  exited: Promise<number | string | null>
  /** Log lines at warn level or above (pino JSON), as received. */
  warnings: string[]
  /** The last few KB of stdout and stderr, for a failure message. */
  tail(): string
}

export function spawnRota(env: Record<string, string>, onWarning?: (line: string) => void): RotaProcess {
  const child = spawn(process.execPath, ['--import', GUARD, compiled('server.js')], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ROTA_CHAOS_PARENT_PID: String(process.pid), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (child.pid === undefined) throw new Error('could not spawn rota')
  let tail = ''
  const warnings: string[] = []
  let partial = ''
  const keep = (text: string): void => {
    tail = (tail + text).slice(-4000)
  }
  child.stdout!.setEncoding('utf8')
  child.stderr!.setEncoding('utf8')
  child.stdout!.on('data', (chunk: string) => {
    keep(chunk)
    partial += chunk
    const lines = partial.split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() === '') continue
      if (process.env['CHAOS_LOG_FILE'])
        fs.appendFileSync(
          process.env['CHAOS_LOG_FILE'],
          `${Date.now()} ${env['GOOGLE_ACCESS_TOKEN'] ?? child.pid} ${line}\n`,
        )
      let level = 50
      try {
        level = (JSON.parse(line) as { level?: number }).level ?? 50
      } catch {
        // not pino: keep it as a warning
      }
      if (level >= 40) {
        warnings.push(line)
        onWarning?.(line)
      }
    }
  })
  child.stderr!.on('data', (chunk: string) => {
    keep(chunk)
    for (const line of chunk.split('\n')) if (line.trim() !== '') onWarning?.(line)
  })
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  )
  return { child, pid: child.pid, exited, warnings, tail: () => tail }
}

/** A small seeded PRNG (mulberry32), so that a run's random choices can be replayed with its seed. */
export function seededRandom(seed: number): {
  next(): number
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
} {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let x = state
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    /** A whole number in [min, max]. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
