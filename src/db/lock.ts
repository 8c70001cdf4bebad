import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** Another process holds the data directory: starting would corrupt the embedded database. */
export class DataDirLockedError extends Error {
  readonly code = 'data-dir-locked'
}

export interface DataDirLock {
  release(): Promise<void>
}

interface LockOwner {
  pid: number
  host: string
  since: string
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * DATA_DIR holds the database and the emails rota wrote: only its owner may enter it (0700), also
 * when it existed before with looser permissions. A folder owned by someone else is left as it is.
 */
export function ownerOnlyFolder(dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  try {
    fs.chmodSync(dataDir, 0o700)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error
  }
}

/**
 * Makes everything under `dir` the owner's only (files 0600, folders 0700). The process umask (0077,
 * set by the server) covers what rota and PGlite create while running, but PGlite unpacks a fresh
 * database with its own modes (0666); this tightens those, after the first start (tightenAfterStart)
 * and when the lock is released. The file system's calls run on libuv's threads, not the event loop.
 */
export async function ownerOnlyTreeAsync(dir: string): Promise<void> {
  let entries: fs.Dirent[]
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true })
  } catch {
    return // gone or unreadable: nothing of ours to tighten
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name)
    if (entry.isSymbolicLink()) continue
    try {
      const { mode } = await fs.promises.lstat(full)
      if (entry.isDirectory()) {
        if ((mode & 0o077) !== 0) await fs.promises.chmod(full, 0o700)
        await ownerOnlyTreeAsync(full)
      } else if ((mode & 0o077) !== 0) {
        await fs.promises.chmod(full, 0o600)
      }
    } catch {
      // Removed meanwhile (PostgreSQL's temporary files): nothing to do.
    }
  }
}

/** Written in DATA_DIR once every file below it has been made the owner's only. */
const TIGHTENED_MARKER = '.owner-only'

/** The files PostgreSQL writes again at each start with modes of its own (its relation cache). */
async function tightenRestartFiles(pgdata: string): Promise<void> {
  const folders = [path.join(pgdata, 'global')]
  try {
    for (const db of await fs.promises.readdir(path.join(pgdata, 'base'))) folders.push(path.join(pgdata, 'base', db))
  } catch {
    return // no database yet
  }
  for (const folder of folders) {
    const file = path.join(folder, 'pg_internal.init')
    try {
      if (((await fs.promises.lstat(file)).mode & 0o077) !== 0) await fs.promises.chmod(file, 0o600)
    } catch {
      // not written (yet): nothing to do
    }
  }
}

/**
 * After the embedded database has started (off the path to the first request: DATA_DIR is 0700 from
 * the moment it is locked, so nobody else can reach inside meanwhile). The first time — PGlite's new
 * database comes with ~1,000 files of mode 0666 — and whenever a full pass never completed (a crash
 * before the first stop), every file is tightened (ownerOnlyTreeAsync), then DATA_DIR/.owner-only
 * records it. Otherwise only what PostgreSQL rewrites at each start with its own modes: walking the
 * whole tree at every restart cost a tenth of rota's restart time. Each clean stop walks it all again.
 */
export async function tightenAfterStart(dataDir: string): Promise<void> {
  const marker = path.join(dataDir, TIGHTENED_MARKER)
  if (fs.existsSync(marker)) return tightenRestartFiles(path.join(dataDir, 'pgdata'))
  await tightenAll(dataDir)
}

/** Every file below DATA_DIR made the owner's only, and that recorded in DATA_DIR/.owner-only. */
async function tightenAll(dataDir: string): Promise<void> {
  await ownerOnlyTreeAsync(dataDir)
  await fs.promises.writeFile(
    path.join(dataDir, TIGHTENED_MARKER),
    'every file below this folder was made 0600/0700 by rota\n',
    {
      mode: 0o600,
    },
  )
}

/**
 * Takes the lock file DATA_DIR/rota.lock for this process. PGlite has no lock of its own and two
 * processes writing one data directory corrupt it, so a second rota (or `npm run token` while rota
 * runs) must refuse to start. A lock left by a process that died on this host is taken over.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  ownerOnlyFolder(dataDir)
  const file = path.join(dataDir, 'rota.lock')
  const me: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me) + '\n', { flag: 'wx', mode: 0o600 })
      let released = false
      return {
        async release() {
          if (released) return
          released = true
          await tightenAll(dataDir)
          try {
            const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner
            if (owner.pid === me.pid && owner.host === me.host) fs.unlinkSync(file)
          } catch {
            // Already gone: nothing to release.
          }
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    let owner: LockOwner | null
    try {
      owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner
    } catch {
      owner = null // unreadable or half-written: treat as stale only if it stays so
    }
    if (owner && owner.host !== me.host) {
      throw new DataDirLockedError(
        `${dataDir} is in use by rota process ${owner.pid} on host ${owner.host} (since ${owner.since}). ` +
          `The embedded database allows one process at a time. If that process is gone, delete ${file}.`,
      )
    }
    if (owner && alive(owner.pid) && owner.pid !== process.pid) {
      throw new DataDirLockedError(
        `${dataDir} is in use by rota process ${owner.pid} (since ${owner.since}). ` +
          'The embedded database allows one process at a time: stop that process first, or set DATABASE_URL to share a PostgreSQL database.',
      )
    }
    // Stale: its process is gone. Remove it and try again.
    try {
      fs.unlinkSync(file)
    } catch {
      // Someone else removed it first.
    }
  }
  throw new DataDirLockedError(`could not take the lock ${file}; is another rota starting at the same time?`)
}
