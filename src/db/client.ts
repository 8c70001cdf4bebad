import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { sql } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import * as schema from './schema.js'
import { lockDataDir, type DataDirLock } from './lock.js'

/** A drizzle database or transaction: queries take either, so a service can pass its transaction. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url))

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
  /** Resolves when the database answers and every migration in drizzle/ is applied. */
  checkReady(): Promise<void>
  /**
   * Calls `onMessage` for every NOTIFY on `channel`, from this process or another one sharing the
   * database; `onMessage()` is also called with no payload when notifications may have been missed
   * (the listening connection dropped), so listeners must treat it as "anything may have changed".
   */
  listen(channel: string, onMessage: (payload?: string) => void): Promise<() => Promise<void>>
  /** Sends a NOTIFY (after the current statement; use inside a transaction to send on commit). */
  notify(db: Db, channel: string, payload: string): Promise<void>
  close(): Promise<void>
}

async function notify(db: Db, channel: string, payload: string): Promise<void> {
  await db.execute(sql`select pg_notify(${channel}, ${payload})`)
}

/** Latest migration shipped with this build (drizzle records folderMillis as created_at). */
function latestMigrationMillis(): number {
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER })
  return migrations.reduce((max, m) => Math.max(max, m.folderMillis), 0)
}

async function checkMigrated(db: Db, expected: number): Promise<void> {
  // Both drivers answer with `{ rows }`; drizzle's shared type cannot say so.
  const result = (await db.execute(sql`select max(created_at)::text as latest from drizzle.__drizzle_migrations`)) as unknown as {
    rows: { latest: string | null }[]
  }
  const latest = Number(result.rows[0]?.latest ?? 0)
  if (latest < expected) throw new Error('database migrations are not applied yet')
}

/** Opens the embedded PGlite database; `dataDir` null keeps it in memory (tests). */
export async function openPglite(dataDir: string | null): Promise<Database> {
  let lock: DataDirLock | null = null
  if (dataDir !== null) lock = lockDataDir(dataDir)
  try {
    const client = dataDir === null ? await PGlite.create() : await PGlite.create(path.join(dataDir, 'pgdata'))
    return await pgliteDatabase(client, lock)
  } catch (error) {
    lock?.release()
    throw error
  }
}

/** Wraps an open PGlite client (used to clone a migrated template in tests). */
export async function pgliteDatabase(client: PGlite, lock: DataDirLock | null = null): Promise<Database> {
  // PGlite is one session: these settings hold for every query; timestamps are read as text (src/db/instants.ts).
  // wal_init_zero off: PGlite runs on the event loop, and zero-filling each new 16 MB WAL segment
  // stalls it for ~100 ms of CPU (twice per 50,000-row import); with fsync off it buys nothing.
  await client.exec("set time zone 'UTC'; set datestyle = 'ISO, YMD'; set wal_init_zero = off")
  const db = drizzlePglite({ client, schema }) as unknown as Db
  const expected = latestMigrationMillis()
  return {
    kind: 'pglite',
    db,
    migrate: () => migratePglite(drizzlePglite({ client, schema }), { migrationsFolder: MIGRATIONS_FOLDER }),
    checkReady: () => checkMigrated(db, expected),
    listen: async (channel, onMessage) => {
      const unlisten = await client.listen(channel, (payload) => onMessage(payload))
      return () => unlisten()
    },
    notify,
    async close() {
      try {
        await client.close()
      } finally {
        lock?.release()
      }
    },
  }
}

/** A fixed key for the advisory lock that serialises migrations between rota instances. */
const MIGRATION_LOCK_KEY = 72_846_003

/**
 * Opens PostgreSQL through a pg Pool. Errors on idle pooled clients and on checked-out clients are
 * logged, never thrown: a dropped connection must not crash the process (pg emits 'error' events
 * that kill Node when nobody listens).
 */
export async function openPostgres(url: string, options: { poolMax: number; log: Logger }): Promise<Database> {
  // Timestamps are read as text in ISO style and UTC (src/db/instants.ts), whatever the server's defaults.
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax,
    connectionTimeoutMillis: 10_000,
    options: '-c TimeZone=UTC -c DateStyle=ISO,YMD',
  })
  pool.on('error', (error) => options.log.error({ err: error }, 'idle PostgreSQL connection failed'))
  pool.on('connect', (client) => {
    client.on('error', (error) => options.log.error({ err: error }, 'PostgreSQL connection failed'))
  })
  const db = drizzlePg({ client: pool, schema }) as unknown as Db
  const expected = latestMigrationMillis()
  return {
    kind: 'postgres',
    db,
    async migrate() {
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
    checkReady: () => checkMigrated(db, expected),
    listen: (channel, onMessage) => listenPostgres(url, channel, onMessage, options.log),
    notify,
    close: () => pool.end(),
  }
}

/** Opens the configured database: PostgreSQL when a URL is given, else PGlite under dataDir. */
export function openDatabase(
  config: { databaseUrl: string | null; dataDir: string; databasePoolMax: number },
  log: Logger,
): Promise<Database> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl, { poolMax: config.databasePoolMax, log })
    : openPglite(config.dataDir)
}

/**
 * LISTEN on a dedicated connection (a pooled one would be handed to other queries). When it drops,
 * listeners hear "anything may have changed" and the connection is re-established with backoff.
 */
async function listenPostgres(url: string, channel: string, onMessage: (payload?: string) => void, log: Logger): Promise<() => Promise<void>> {
  let stopped = false
  let client: pg.Client | null = null
  let retry: NodeJS.Timeout | null = null
  const connect = async (attempt: number): Promise<void> => {
    const next = new pg.Client({ connectionString: url })
    next.on('notification', (message) => {
      if (message.channel === channel) onMessage(message.payload)
    })
    next.on('error', (error) => log.warn({ err: error }, `LISTEN ${channel} connection failed`))
    next.on('end', () => {
      if (stopped) return
      onMessage()
      retry = setTimeout(() => void connect(1).catch(() => {}), Math.min(30_000, 250 * 2 ** attempt))
    })
    try {
      await next.connect()
      await next.query(`listen "${channel.replace(/"/g, '""')}"`)
      client = next
      if (attempt > 0) onMessage()
    } catch (error) {
      log.warn({ err: error }, `could not LISTEN on ${channel}; retrying`)
      await next.end().catch(() => {})
      if (!stopped) retry = setTimeout(() => void connect(attempt + 1).catch(() => {}), Math.min(30_000, 250 * 2 ** attempt))
      if (attempt === 0) throw error
    }
  }
  await connect(0)
  return async () => {
    stopped = true
    if (retry) clearTimeout(retry)
    await client?.end().catch(() => {})
  }
}
