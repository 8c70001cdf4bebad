import path from 'node:path'

/** Log levels pino understands. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface Config {
  host: string
  port: number
  /** PostgreSQL URL; null means the embedded PGlite database under dataDir. */
  databaseUrl: string | null
  databasePoolMax: number
  /** Absolute path of the folder that holds rota's own files (PGlite data, lock file). */
  dataDir: string
  /** A staff token accepted in addition to the hashed tokens in the database. */
  staffToken: string | null
  logLevel: LogLevel
  shutdownGraceMs: number
}

/** A configuration value is invalid; the message names the variable and what is wrong, on one line. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

/** One documented environment variable: README and .env.example list exactly these. */
export interface VariableDoc {
  name: string
  default: string
  description: string
}

export const VARIABLES: VariableDoc[] = [
  { name: 'PORT', default: '3000', description: 'TCP port the HTTP server listens on.' },
  { name: 'HOST', default: '127.0.0.1', description: 'Interface to listen on; 0.0.0.0 to accept connections from other hosts (as in Docker).' },
  { name: 'DATABASE_URL', default: '(unset)', description: 'postgres:// URL of a PostgreSQL database. Unset: the embedded PGlite database under DATA_DIR.' },
  { name: 'DATABASE_POOL_MAX', default: '10', description: 'Maximum connections in the PostgreSQL pool (ignored on PGlite).' },
  { name: 'DATA_DIR', default: './data', description: "Folder for rota's own files: the embedded database (DATA_DIR/pgdata) and its lock file." },
  { name: 'STAFF_TOKEN', default: '(unset)', description: 'A staff bearer token accepted on write routes, besides tokens made with `npm run token`. At least 16 characters.' },
  { name: 'LOG_LEVEL', default: 'info', description: 'fatal, error, warn, info, debug, trace or silent.' },
  { name: 'SHUTDOWN_GRACE_MS', default: '10000', description: 'On SIGTERM/SIGINT, how long in-flight requests may take before rota exits anyway.' },
]

function read(env: Env, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number between ${min} and ${max} (got "${raw}")`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${value})`)
  return value
}

/** Reads and validates rota's configuration once, at start; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const databaseUrl = read(env, 'DATABASE_URL') ?? null
  if (databaseUrl !== null) {
    let url: URL
    try {
      url = new URL(databaseUrl)
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a URL (expected postgres://user:password@host:5432/database)')
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new ConfigError('DATABASE_URL', `must start with postgres:// or postgresql:// (got ${url.protocol}//)`)
    }
  }
  const staffToken = read(env, 'STAFF_TOKEN') ?? null
  if (staffToken !== null && staffToken.length < 16) {
    throw new ConfigError('STAFF_TOKEN', `is too short to be safe: use at least 16 characters (got ${staffToken.length})`)
  }
  const logLevel = (read(env, 'LOG_LEVEL') ?? 'info').toLowerCase()
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`)
  }
  const host = read(env, 'HOST') ?? '127.0.0.1'
  if (/\s/.test(host)) throw new ConfigError('HOST', `must be a host name or IP address (got "${host}")`)
  return {
    host,
    port: integer(env, 'PORT', 3000, 0, 65535),
    databaseUrl,
    databasePoolMax: integer(env, 'DATABASE_POOL_MAX', 10, 1, 1000),
    dataDir: path.resolve(cwd, read(env, 'DATA_DIR') ?? './data'),
    staffToken,
    logLevel: logLevel as LogLevel,
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10000, 0, 600000),
  }
}
