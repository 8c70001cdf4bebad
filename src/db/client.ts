import { readFileSync } from 'node:fs'
import type * as NodePostgres from 'drizzle-orm/node-postgres'
import type * as NodePostgresMigrator from 'drizzle-orm/node-postgres/migrator'
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite, type PGliteOptions } from '@electric-sql/pglite'
import type pg from 'pg'
import { sql } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import * as schema from './schema.js'
import { lockDataDir, type DataDirLock } from './lock.js'
import { describeDatabaseError } from './unavailable.js'
import { releaseClientWhenBeginFails } from './pool-guard.js'
import { MIGRATIONS_FOLDER } from '../paths.js'

/** A drizzle database or transaction: queries take either, so a service can pass its transaction. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>

export { MIGRATIONS_FOLDER }

export interface Logger {
  error(obj: unknown, msg?: string): void
  warn(obj: unknown, msg?: string): void
}

/** An open database, embedded or PostgreSQL, with what rota needs beyond queries. */
export interface Database {
  kind: 'pglite' | 'postgres'
  db: Db
  /** Applies every migration in drizzle/ not yet applied. */
  migrate(): Promise<void>
  /**
   * Resolves when the database answers from real storage (a table is read; on PGlite, its files are
   * on disk and DATA_DIR takes a write) and every migration in drizzle/ is applied.
   */
  checkReady(): Promise<void>
  /**
   * Calls `onMessage` for every NOTIFY on `channel`, from this process or another one sharing the
   * database; `onMessage()` is also called with no payload when notifications may have been missed
   * (the listening connection dropped), so listeners must treat it as "anything may have changed".
   */
  listen(channel: string, onMessage: (payload?: string) => void): Promise<() => Promise<void>>
  /** Sends a NOTIFY (after the current statement; use inside a transaction to send on commit). */
  notify(db: Db, channel: string, payload: string): Promise<void>
  /**
   * After an erasure has committed: makes the old versions of the rows it rewrote in `tables`
   * unreadable in the database's files, as far as this database can (see `purgePglite`; on
   * PostgreSQL a plain VACUUM, which leaves WAL, replicas and backups to the operator).
   */
  purge(tables: readonly string[]): Promise<void>
  close(): Promise<void>
}

/** `"table", "other"`: names rota chose (from its own schema), quoted all the same. */
function tableList(tables: readonly string[]): string {
  return [...new Set(tables)]
    .sort()
    .map((table) => `"${table.replace(/"/g, '""')}"`)
    .join(', ')
}

/** The name every WAL segment file has: timeline, log and segment number, 24 hex digits. */
const WAL_SEGMENT = /^[0-9A-F]{24}$/

/**
 * The embedded database's purge. An UPDATE leaves the old row version in the table's file (and its
 * indexes) until a vacuum, and the values in the WAL (pg_wal) until its segment is removed; a plain
 * VACUUM frees the space but may leave the bytes in it. So: `VACUUM (FULL)` rewrites each table, its
 * TOAST table and indexes into new files without the dead rows (the old files are emptied at once and
 * unlinked at the next checkpoint); then the WAL moves to a segment made new for it (pg_switch_wal,
 * again while a segment that existed before — recycled, so still holding old bytes — lies ahead,
 * PostgreSQL zero-filling the rest of each segment it leaves), and a CHECKPOINT removes every older
 * segment: with `wal_recycle` off (set for the session in pgliteDatabase) they are deleted, not kept
 * under a new name with their old content. Measured by test/http/privacy-erasure-disk.ts, which greps
 * every file under DATA_DIR.
 */
async function purgePglite(client: PGlite, dataDir: string | null, tables: readonly string[]): Promise<void> {
  if (tables.length === 0) return
  // One statement: VACUUM refuses to run in a transaction block, and a multi-statement exec is one.
  await client.exec(`vacuum (full) ${tableList(tables)}`)
  const segments =
    dataDir === null
      ? []
      : (await fs.readdir(path.join(dataDir, 'pgdata', 'pg_wal'))).filter((name) => WAL_SEGMENT.test(name)).sort()
  const last = segments.at(-1) ?? ''
  // A switch with nothing written since the last one does nothing: each round writes a checkpoint first.
  for (let round = 0; round < 64; round++) {
    await client.exec('checkpoint')
    await client.query('select pg_switch_wal()')
    const current = await client.query<{ name: string }>('select pg_walfile_name(pg_current_wal_lsn()) as name')
    if ((current.rows[0]?.name ?? '') > last) break
  }
  // The redo point is now in the new segment: every older one is deleted.
  await client.exec('checkpoint')
}

async function notify(db: Db, channel: string, payload: string): Promise<void> {
  await db.execute(sql`select pg_notify(${channel}, ${payload})`)
}

/**
 * Latest migration shipped with this build: drizzle records each migration's journal time (`when`,
 * its folderMillis) as created_at, and applies those later than the latest one recorded.
 */
function latestMigrationMillis(): number {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
    entries: Array<{ when: number }>
  }
  return journal.entries.reduce((max, entry) => Math.max(max, entry.when), 0)
}

/** The latest migration applied to the database (0 when none, or when drizzle's table does not exist yet). */
async function latestApplied(db: Db): Promise<number> {
  // Both drivers answer with `{ rows }`; drizzle's shared type cannot say so.
  type Rows<T> = { rows: T[] }
  const table = (await db.execute(
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  )) as unknown as Rows<{ present: boolean }>
  if (!table.rows[0]?.present) return 0
  const result = (await db.execute(
    sql`select max(created_at)::text as latest from drizzle.__drizzle_migrations`,
  )) as unknown as Rows<{ latest: string | null }>
  return Number(result.rows[0]?.latest ?? 0)
}

async function checkMigrated(db: Db, expected: number): Promise<void> {
  // Both drivers answer with `{ rows }`; drizzle's shared type cannot say so.
  const result = (await db.execute(
    sql`select max(created_at)::text as latest from drizzle.__drizzle_migrations`,
  )) as unknown as {
    rows: { latest: string | null }[]
  }
  const latest = Number(result.rows[0]?.latest ?? 0)
  if (latest < expected) throw new Error('database migrations are not applied yet')
}

type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>
// Node's global (TypeScript's lib for Node declares none).
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> }

let pgliteWasm: Promise<WasmModule> | undefined

/**
 * PGlite's WebAssembly module, compiled once per process. V8 compiles it on other threads, so
 * server.ts starts this before loading the rest of rota: the compilation overlaps that work instead
 * of following it. Every PGlite opened in the process (tests open many) shares the compiled module.
 */
export function compilePglite(): Promise<WasmModule> {
  return (pgliteWasm ??= fs
    .readFile(fileURLToPath(import.meta.resolve('@electric-sql/pglite/pglite.wasm')))
    .then((bytes) => WebAssembly.compile(bytes)))
}

/** Opens the embedded PGlite database; `dataDir` null keeps it in memory (tests). */
export async function openPglite(dataDir: string | null): Promise<Database> {
  let lock: DataDirLock | null = null
  if (dataDir !== null) lock = lockDataDir(dataDir)
  try {
    const options = { pgliteWasmModule: await compilePglite() }
    const client =
      dataDir === null ? await PGlite.create(options) : await PGlite.create(path.join(dataDir, 'pgdata'), options)
    return await pgliteDatabase(client, lock, dataDir)
  } catch (error) {
    await lock?.release()
    throw error
  }
}

/** Reads a table, so that readiness means the data can be read, not just that a connection answers. */
async function checkReadsTables(db: Db): Promise<void> {
  await db.execute(sql`select 1 from teams limit 1`)
}

/**
 * PGlite keeps what it has read in memory and answers from there even when its files are gone, so a
 * query alone cannot tell that the data directory was deleted, unmounted or made read-only: check
 * the files themselves (the cluster's PG_VERSION, and the file of a table), and that DATA_DIR still
 * takes a write that reaches the disk.
 */
async function checkDataDir(client: PGlite, dataDir: string): Promise<void> {
  const pgdata = path.join(dataDir, 'pgdata')
  await fs.stat(path.join(pgdata, 'PG_VERSION'))
  const result = await client.query<{ file: string }>("select pg_relation_filepath('teams') as file")
  const file = result.rows[0]?.file
  if (!file) throw new Error('the teams table has no file')
  await fs.stat(path.join(pgdata, file))
  const heartbeat = await fs.open(path.join(dataDir, 'rota.heartbeat'), 'w')
  try {
    await heartbeat.writeFile(`${new Date().toISOString()}\n`)
    await heartbeat.sync()
  } finally {
    await heartbeat.close()
  }
}

/**
 * Wraps an open PGlite client (used to clone a migrated template in tests); `dataDir` is the folder
 * holding its `pgdata` (null: in memory), which readiness checks on disk.
 */
export async function pgliteDatabase(
  client: PGlite,
  lock: DataDirLock | null = null,
  dataDir: string | null = null,
): Promise<Database> {
  // PGlite is one session: these settings hold for every query; timestamps are read as text (src/db/instants.ts).
  // wal_init_zero off: PGlite runs on the event loop, and zero-filling each new 16 MB WAL segment
  // stalls it for ~100 ms of CPU (twice per 50,000-row import); with fsync off it buys nothing.
  // wal_recycle off: a segment no longer needed is deleted, not renamed for reuse with its old bytes
  // inside (values an erasure removed would stay readable in pg_wal until overwritten; see purgePglite).
  await client.exec("set time zone 'UTC'; set datestyle = 'ISO, YMD'; set wal_init_zero = off; set wal_recycle = off")
  const db = drizzlePglite({ client, schema }) as unknown as Db
  const expected = latestMigrationMillis()
  return {
    kind: 'pglite',
    db,
    async migrate() {
      // A restart of an up-to-date database (the usual case) costs two queries, not drizzle's reading and hashing every migration.
      if ((await latestApplied(db)) >= expected) return
      await migratePglite(drizzlePglite({ client, schema }), { migrationsFolder: MIGRATIONS_FOLDER })
    },
    async checkReady() {
      await checkMigrated(db, expected)
      await checkReadsTables(db)
      if (dataDir !== null) await checkDataDir(client, dataDir)
    },
    listen: async (channel, onMessage) => {
      const unlisten = await client.listen(channel, (payload) => onMessage(payload))
      return () => unlisten()
    },
    notify,
    purge: (tables) => purgePglite(client, dataDir, tables),
    async close() {
      try {
        await client.close()
      } finally {
        await lock?.release()
      }
    },
  }
}

let postgresModules:
  | Promise<{
      pg: typeof pg
      drizzlePg: typeof NodePostgres.drizzle
      migratePg: typeof NodePostgresMigrator.migrate
    }>
  | undefined

/** pg and drizzle's driver for it, loaded only when rota uses PostgreSQL: the embedded database starts without them. */
function loadPostgres(): NonNullable<typeof postgresModules> {
  return (postgresModules ??= Promise.all([
    import('pg'),
    import('drizzle-orm/node-postgres'),
    import('drizzle-orm/node-postgres/migrator'),
  ]).then(([pgModule, driver, migrator]) => ({
    pg: pgModule.default,
    drizzlePg: driver.drizzle,
    migratePg: migrator.migrate,
  })))
}

/** A fixed key for the advisory lock that serialises migrations between rota instances. */
const MIGRATION_LOCK_KEY = 72_846_003

/**
 * Opens PostgreSQL through a pg Pool. Errors on idle pooled clients and on checked-out clients are
 * logged, never thrown: a dropped connection must not crash the process (pg emits 'error' events
 * that kill Node when nobody listens).
 */
export async function openPostgres(url: string, options: { poolMax: number; log: Logger }): Promise<Database> {
  const { pg, drizzlePg, migratePg } = await loadPostgres()
  // Timestamps are read as text in ISO style and UTC (src/db/instants.ts), whatever the server's defaults.
  const pool = new pg.Pool({
    connectionString: url,
    // At most this many connections, connecting ones included: pg-pool queues requests beyond it.
    max: options.poolMax,
    // A request waits this long for a connection (a server that does not answer at all), then fails
    // as database-unavailable (503) instead of piling up behind a dead server.
    connectionTimeoutMillis: 5_000,
    // Idle connections are closed, so a server that went away leaves none half-open for long.
    idleTimeoutMillis: 10_000,
    keepAlive: true,
    options: '-c TimeZone=UTC -c DateStyle=ISO,YMD',
  })
  releaseClientWhenBeginFails(pool)
  // During an outage every pooled connection fails at once: one line, then at most one every 10 s.
  let lastLogged = 0
  const logFailure = (error: Error, msg: string): void => {
    if (Date.now() - lastLogged < 10_000) return
    lastLogged = Date.now()
    options.log.error({ err: describeDatabaseError(error) }, msg)
  }
  pool.on('error', (error) => logFailure(error, 'idle PostgreSQL connection failed'))
  pool.on('connect', (client) => {
    client.on('error', (error) => logFailure(error, 'PostgreSQL connection failed'))
  })
  const db = drizzlePg({ client: pool, schema }) as unknown as Db
  const expected = latestMigrationMillis()
  return {
    kind: 'postgres',
    db,
    async migrate() {
      // Up to date (the usual restart): nothing to lock. Migrations commit as one transaction, so what is seen here is complete.
      if ((await latestApplied(db)) >= expected) return
      // Several instances may start at once: one migrates while the others wait for it.
      const client = await pool.connect()
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
        try {
          await migratePg(drizzlePg({ client, schema }), { migrationsFolder: MIGRATIONS_FOLDER })
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
        }
      } finally {
        client.release()
      }
    },
    async checkReady() {
      await checkMigrated(db, expected)
      await checkReadsTables(db)
    },
    listen: (channel, onMessage) => listenPostgres(url, channel, onMessage, options.log),
    notify,
    async purge(tables) {
      if (tables.length === 0) return
      // A plain VACUUM (FULL would lock the tables against every read): the dead rows' space is freed
      // for reuse, and ANALYZE resamples the statistics, which may quote column values. SKIP_LOCKED: a
      // table autovacuum is busy with is being vacuumed already; an erasure never waits for it.
      await db.execute(sql.raw(`vacuum (analyze, skip_locked) ${tableList(tables)}`))
    },
    async close() {
      // Every client is given back (releaseClientWhenBeginFails), but a stop never waits forever on one that is not.
      let timer: NodeJS.Timeout | undefined
      const ended = await Promise.race([
        pool.end().then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), POOL_END_TIMEOUT_MS))),
      ])
      clearTimeout(timer)
      if (!ended)
        options.log.error(
          { checkedOut: pool.totalCount - pool.idleCount },
          'PostgreSQL connections still checked out at shutdown: closing without them',
        )
    },
  }
}

/** How long a stop waits for the pool's connections to be given back and closed. */
const POOL_END_TIMEOUT_MS = 3_000

/** Opens the configured database: PostgreSQL when a URL is given, else PGlite under dataDir. */
export function openDatabase(
  config: { databaseUrl: string | null; dataDir: string; databasePoolMax: number },
  log: Logger,
): Promise<Database> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl, { poolMax: config.databasePoolMax, log })
    : openPglite(config.dataDir)
}

/** How long the LISTEN connection waits before reconnecting: doubling from `baseMs`, at most `maxMs`. */
export interface ReconnectBackoff {
  baseMs: number
  maxMs: number
  /** A number in [0, 1); Math.random by default (tests pass a fixed one). */
  random?: () => number
}

export const LISTEN_BACKOFF: ReconnectBackoff = { baseMs: 250, maxMs: 10_000 }

/**
 * The wait before reconnect attempt `failures` (1 for the first retry): capped exponential back-off
 * with "equal jitter" (half fixed, half random), so that instances that lost the database together
 * do not all come back at the same instant.
 */
export function reconnectDelay(failures: number, backoff: ReconnectBackoff): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(failures - 1, 30))
  return Math.round(ceiling / 2 + (backoff.random ?? Math.random)() * (ceiling / 2))
}

/**
 * LISTEN on a dedicated connection (a pooled one would be handed to other queries). At most one
 * LISTEN client exists at a time: when it fails (at connect, or later by ending), that is one
 * failure, handled once — listeners hear "anything may have changed" (`onMessage()`), and one
 * reconnect is scheduled after a capped, jittered back-off. Once the returned stop function is
 * called, nothing reconnects and the current client is closed.
 */
export async function listenPostgres(
  url: string,
  channel: string,
  onMessage: (payload?: string) => void,
  log: Logger,
  backoff: ReconnectBackoff = LISTEN_BACKOFF,
): Promise<() => Promise<void>> {
  const { pg } = await loadPostgres()
  let stopped = false
  /** The one LISTEN client, connecting or connected; null while waiting to reconnect. */
  let current: pg.Client | null = null
  let timer: NodeJS.Timeout | null = null
  let failures = 0
  /** Whether listeners were told the connection was lost (so they hear once more when it is back). */
  let lost = false
  /** Whether `current` is connected and listening (not still connecting). */
  let listening = false

  const fail = (client: pg.Client, error?: unknown): void => {
    if (client !== current) return // a superseded client: its failure was handled already
    current = null
    listening = false
    client.removeAllListeners('notification')
    client.end().catch(() => {})
    if (stopped) return
    failures++
    const delay = reconnectDelay(failures, backoff)
    // One line per failure; the back-off keeps that to a few a minute during a long outage.
    log.warn(
      { channel, failures, retryInMs: delay, ...(error === undefined ? {} : { err: describeDatabaseError(error) }) },
      'LISTEN connection lost; reconnecting',
    )
    if (!lost) {
      lost = true
      onMessage()
    }
    timer = setTimeout(() => {
      timer = null
      void connect()
    }, delay)
  }

  const connect = async (): Promise<void> => {
    if (stopped || current !== null) return
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, keepAlive: true })
    current = client
    client.on('notification', (message) => {
      if (message.channel === channel) onMessage(message.payload)
    })
    // 'error' must have a listener (or Node exits); the failure itself is handled by fail().
    client.on('error', (error) => fail(client, error))
    client.on('end', () => fail(client))
    try {
      await client.connect()
      await client.query(`listen "${channel.replace(/"/g, '""')}"`)
    } catch (error) {
      fail(client, error)
      return
    }
    if (client !== current) return // stopped, or failed meanwhile
    listening = true
    failures = 0
    if (lost) {
      lost = false
      log.warn({ channel }, 'LISTEN connection restored')
      // Notifications sent while it was down were missed.
      onMessage()
    }
  }

  await connect()
  return async () => {
    stopped = true
    if (timer) clearTimeout(timer)
    timer = null
    const client = current
    current = null
    if (!client) return
    const destroy = () =>
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy()
    // A connect in progress is abandoned at once: it may be waiting on a server that does not answer.
    if (!listening) return destroy()
    // A polite goodbye otherwise, but shutdown never waits long on a server that does not answer.
    let timeout: NodeJS.Timeout | undefined
    const ended = await Promise.race([
      client.end().then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(false), 1_000))),
    ])
    clearTimeout(timeout)
    if (!ended) destroy()
  }
}
