/**
 * Starting and stopping the processes the benchmarks measure: rota's compiled dist/server.js and the
 * bare baseline (bare-server.mjs), both with `node` directly, from the repository's root.
 */
import fs from 'node:fs'
import http from 'node:http'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { compiled } from '../helpers/compiled.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const STAFF_TOKEN = 'bench-staff-token-0123456789-abcdef'

/** `node dist/server.js` as `npm start` runs it. */
export const ROTA = (): string[] => [compiled('server.js')]
/** The bare fastify baseline. */
export const BARE = (): string[] => ['test/bench/bare-server.mjs']

/** GET http://127.0.0.1:port/path's status; 0 when nothing answers (not listening yet). */
export function status(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on('error', () => resolve(0))
  })
}

export interface Started {
  child: ChildProcess
  /** Milliseconds from spawn to the first 200 from the probe path. */
  readyMs: number
  /** CPU time (user + system, all threads) the process had used by then; null where /proc is unavailable. */
  cpuMs: number | null
}

/** A process's CPU time so far, from /proc (Linux), in ms; null elsewhere. */
export function cpuTimeMs(pid: number): number | null {
  try {
    // Fields after the command name: state is 3rd, utime the 14th and stime the 15th, in clock ticks (100 a second on Linux).
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return null
  }
}

/**
 * Spawns `node <args>` with PORT and `env`, and polls `probe` every few milliseconds until it answers
 * 200 (rejects after `timeoutMs`, or when the process exits first).
 */
export async function startServer(
  args: string[],
  env: Record<string, string>,
  port: number,
  probe = '/readyz',
  timeoutMs = 120_000,
): Promise<Started> {
  const started = performance.now()
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  let exited: number | string | null = null
  child.once('exit', (code, signal) => {
    exited = code ?? signal
  })
  while (performance.now() - started < timeoutMs) {
    if ((await status(port, probe)) === 200)
      return { child, readyMs: performance.now() - started, cpuMs: cpuTimeMs(child.pid!) }
    if (exited !== null)
      throw new Error(`node ${args.join(' ')} exited (${String(exited)}) before ${probe} answered 200`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  child.kill('SIGKILL')
  throw new Error(`node ${args.join(' ')}: ${probe} did not answer 200 within ${timeoutMs / 1000} s`)
}

/** SIGTERM, and wait for the process to exit (rota drains and closes its database first). */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exit = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  await exit
  clearTimeout(timer)
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
