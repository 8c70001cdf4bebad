import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { freePort } from './free-port.js'

const run = promisify(execFile)

/** A PostgreSQL cluster of the test's own, which it may stop and start (never the shared server). */
export interface PgCluster {
  port: number
  url: string
  stop(): Promise<void>
  start(): Promise<void>
  /** Stops it for good and removes its files. */
  destroy(): Promise<void>
}

/** The newest installed PostgreSQL's bin folder (Debian layout), or the one on PATH. */
function binDir(): string {
  const root = '/usr/lib/postgresql'
  const versions = fs.existsSync(root)
    ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    : []
  versions.sort((a, b) => Number(b) - Number(a))
  return versions[0] ? path.join(root, versions[0], 'bin') : ''
}

/**
 * initdb into a temp folder and pg_ctl start on a free port (trust auth, 127.0.0.1 only). PostgreSQL
 * refuses to run as root: as root, its commands run as the postgres user (`runuser -u postgres --`).
 */
export async function startPgCluster(): Promise<PgCluster> {
  const bin = binDir()
  const tool = (name: string) => (bin ? path.join(bin, name) : name)
  const asRoot = process.getuid?.() === 0
  const exec = (name: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', tool(name), ...args]) : run(tool(name), args)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-pg-'))
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim())
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim())
    fs.chownSync(dir, uid, gid)
  }
  const data = path.join(dir, 'data')
  const port = await freePort()
  await exec('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'])
  // fsync off: only an operating-system crash could lose data then, and this cluster lives for one test.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=40`
  const start = async () => {
    await exec('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-o', options, '-w', '-t', '30', 'start'])
  }
  const stop = async () => {
    await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop'])
  }
  await start()
  let destroyed = false
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      if (destroyed) return
      destroyed = true
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * TCP connections from process `pid` to `port` right now, connecting ones included: the sockets in
 * /proc/<pid>/net/tcp{,6} whose remote port is `port` and whose inode is one of the process's fds.
 */
export function connectionsTo(pid: number, port: number): number {
  const inodes = new Set<string>()
  let fds: string[]
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`)
  } catch {
    return 0 // gone
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (match) inodes.add(match[1]!)
    } catch {
      // closed meanwhile
    }
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  let count = 0
  for (const table of ['tcp', 'tcp6']) {
    let text = ''
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields.length < 10) continue
      const remotePort = fields[2]!.split(':').pop()
      if (remotePort === hexPort && inodes.has(fields[9]!)) count++
    }
  }
  return count
}
