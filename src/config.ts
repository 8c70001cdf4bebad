import path from 'node:path'
import { validate as validateCron } from 'node-cron'

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
  /** Wrong staff tokens one client address may send per minute before it gets 429; 0: no limit. */
  authFailureLimit: number
  /** Writes (POST, PUT, PATCH, DELETE) one client address may make per minute; 0: no limit. */
  writeRateLimit: number
  /** fastify's trustProxy: false, a number of proxy hops, or the proxies' addresses (client IPs for the limits). */
  trustProxy: false | number | string
  logLevel: LogLevel
  shutdownGraceMs: number
  google: GoogleConfig
  /** node-cron expression for syncing open calls' Google Forms; null when off. */
  formsSyncCron: string | null
  /** node-cron expression for the tick; null when off (SCHEDULER=off turns every cron job off). */
  tickCron: string | null
  mail: MailConfig
}

export interface MailConfig {
  transport: 'log' | 'gmail'
  /** The sender: the Gmail mailbox rota sends as (`address` or `Name <address>`). */
  from: string
  /** Attempts per message when the provider answers 429/5xx, before it is `failed`. */
  maxAttempts: number
  /** First wait before retrying a message; doubles each attempt, at most an hour. */
  retryBaseMs: number
  /** How long a message may stay `sending` before rota asks Gmail whether it went out. */
  sendingLeaseMs: number
  /** How long one send may take before rota stops waiting (less than half the lease). */
  sendTimeoutMs: number
  /** Messages sent per tick at most (Gmail allows about 150 sends a minute per user). */
  batchSize: number
}

export interface GoogleConfig {
  /** Where googleapis sends requests instead of Google (a fake, in tests). */
  apiRootUrl: string | null
  accessToken: string | null
  credentialsFile: string | null
  credentialsJson: string | null
  /** A user the service account acts as (domain-wide delegation). */
  impersonate: string | null
  maxAttempts: number
  retryBaseMs: number
  retryMaxMs: number
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
  { name: 'STAFF_TOKEN', default: '(unset)', description: 'A staff bearer token accepted on write routes, besides tokens made with `npm run token`. At least 16 characters and hard to guess (about 64 bits: e.g. `openssl rand -base64 32`).' },
  { name: 'AUTH_FAILURE_LIMIT', default: '10', description: 'Wrong staff tokens one client address may send per minute; then 429 with Retry-After until the minute is over. 0: no limit.' },
  { name: 'WRITE_RATE_LIMIT', default: '600', description: 'Writes (POST, PUT, PATCH, DELETE) one client address may make per minute; then 429 with Retry-After. Public reads are never limited. 0: no limit.' },
  { name: 'TRUST_PROXY', default: '(unset)', description: 'Behind a reverse proxy: how many proxies (e.g. 1) or their addresses (e.g. 127.0.0.1,10.0.0.0/8), so the limits count the client address from X-Forwarded-For. Unset: the connecting address.' },
  { name: 'LOG_LEVEL', default: 'info', description: 'fatal, error, warn, info, debug, trace or silent.' },
  { name: 'SHUTDOWN_GRACE_MS', default: '10000', description: 'On SIGTERM/SIGINT, how long in-flight requests may take before rota exits anyway.' },
  { name: 'GOOGLE_APPLICATION_CREDENTIALS', default: '(unset)', description: 'Path to a Google service-account key file (JSON) used to read Google Forms.' },
  { name: 'GOOGLE_CREDENTIALS_JSON', default: '(unset)', description: 'The same service-account key, inline (for platforms that inject secrets as variables).' },
  { name: 'GOOGLE_IMPERSONATE', default: '(unset)', description: 'With domain-wide delegation: the user (e.g. the form owner) the service account acts as.' },
  { name: 'GOOGLE_ACCESS_TOKEN', default: '(unset)', description: 'A static OAuth bearer token instead of a service account (tests, quick trials).' },
  { name: 'GOOGLE_API_ROOT_URL', default: '(unset)', description: 'Send Google API requests here instead of Google (e.g. `npm run fake-google`).' },
  { name: 'GOOGLE_MAX_ATTEMPTS', default: '5', description: 'Attempts per Google request when it answers 429 or 5xx (back-off honours Retry-After).' },
  { name: 'GOOGLE_RETRY_BASE_MS', default: '1000', description: 'First back-off before retrying Google; doubles each attempt.' },
  { name: 'GOOGLE_RETRY_MAX_MS', default: '30000', description: 'Longest single wait before retrying Google, Retry-After included.' },
  { name: 'FORMS_SYNC_CRON', default: '0 * * * *', description: 'When open calls with a linked Google Form are synced (node-cron syntax); `off` to disable.' },
  { name: 'SCHEDULER', default: 'on', description: '`off` stops every cron job of this instance (tick and forms sync); `POST /admin/tick` still works.' },
  { name: 'TICK_CRON', default: '* * * * *', description: 'When the tick runs (opens/reminds/closes calls, schedules the next one, term notices, sends the outbox); `off` to disable.' },
  { name: 'MAIL_TRANSPORT', default: 'log', description: '`log`: each email is written to DATA_DIR/mail/*.eml and logged. `gmail`: sent through the Gmail API as MAIL_FROM.' },
  { name: 'MAIL_FROM', default: 'rota@localhost', description: 'Sender address (`address` or `Name <address>`); with gmail, a user mailbox the service account may act as.' },
  { name: 'MAIL_MAX_ATTEMPTS', default: '8', description: 'Sends of one email when Gmail answers 429/5xx before it is marked failed.' },
  { name: 'MAIL_RETRY_BASE_MS', default: '60000', description: 'First wait before retrying an email; doubles each attempt (Retry-After honoured), at most one hour.' },
  { name: 'MAIL_SENDING_LEASE_MS', default: '300000', description: 'How long an email may stay `sending` (its sender crashed or got no answer) before rota asks Gmail whether it went out.' },
  { name: 'MAIL_SEND_TIMEOUT_MS', default: '30000', description: 'How long one Gmail request may take; at most half of MAIL_SENDING_LEASE_MS.' },
  { name: 'MAIL_BATCH_SIZE', default: '100', description: 'Emails sent per tick at most.' },
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
  if (staffToken !== null && estimatedTokenBits(staffToken) < MIN_TOKEN_BITS) {
    throw new ConfigError('STAFF_TOKEN', `is too easy to guess (about ${Math.floor(estimatedTokenBits(staffToken))} bits, needs ${MIN_TOKEN_BITS}): use a random value, e.g. the output of \`openssl rand -base64 32\``)
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
    authFailureLimit: integer(env, 'AUTH_FAILURE_LIMIT', 10, 0, 100000),
    writeRateLimit: integer(env, 'WRITE_RATE_LIMIT', 600, 0, 1000000),
    trustProxy: trustProxy(env),
    logLevel: logLevel as LogLevel,
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10000, 0, 600000),
    google: loadGoogleConfig(env),
    ...schedulerConfig(env),
    mail: loadMailConfig(env),
  }
}

/** STAFF_TOKEN must carry at least this much guesswork (a random 16-character base64 token has 96). */
const MIN_TOKEN_BITS = 64

/**
 * A cautious estimate of how many bits an attacker must guess: each character costs log2 of the
 * alphabet its character classes span (lower, upper, digits, others), but a character that repeats
 * or continues the previous one (`aa`, `ab`, `21`) costs nothing, and one used before costs only the
 * choice among those used so far. So `aaaabbbbccccdddd` and `1234567890123456` are a few bits.
 */
export function estimatedTokenBits(token: string): number {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/]
  const sizes = [26, 26, 10, 33]
  const pool = classes.reduce((sum, pattern, i) => sum + (pattern.test(token) ? sizes[i]! : 0), 0)
  const chars = [...token]
  const seen = new Set<string>()
  let bits = 0
  chars.forEach((char, i) => {
    const previous = i > 0 ? chars[i - 1]!.codePointAt(0)! : null
    const code = char.codePointAt(0)!
    if (previous !== null && Math.abs(code - previous) <= 1) return
    bits += seen.has(char) ? Math.log2(Math.max(2, seen.size)) : Math.log2(pool)
    seen.add(char)
  })
  return bits
}

function trustProxy(env: Env): false | number | string {
  const raw = read(env, 'TRUST_PROXY')
  if (raw === undefined || raw.toLowerCase() === 'off') return false
  if (/^\d+$/.test(raw)) return Number(raw)
  const items = raw.split(',').map((item) => item.trim())
  if (items.some((item) => !/^(?:[0-9.]+|[0-9a-fA-F:.]+)(?:\/\d{1,3})?$|^(?:loopback|linklocal|uniquelocal)$/.test(item))) {
    throw new ConfigError('TRUST_PROXY', `must be a number of proxies or a comma-separated list of their addresses or CIDR ranges (got "${raw}")`)
  }
  return items.join(',')
}

function schedulerConfig(env: Env): { formsSyncCron: string | null; tickCron: string | null } {
  const scheduler = (read(env, 'SCHEDULER') ?? 'on').toLowerCase()
  if (scheduler !== 'on' && scheduler !== 'off') throw new ConfigError('SCHEDULER', `must be on or off (got "${scheduler}")`)
  const formsSyncCron = cronExpression(env, 'FORMS_SYNC_CRON', '0 * * * *')
  const tickCron = cronExpression(env, 'TICK_CRON', '* * * * *')
  return scheduler === 'off' ? { formsSyncCron: null, tickCron: null } : { formsSyncCron, tickCron }
}

function loadMailConfig(env: Env): MailConfig {
  const transport = (read(env, 'MAIL_TRANSPORT') ?? 'log').toLowerCase()
  if (transport !== 'log' && transport !== 'gmail') throw new ConfigError('MAIL_TRANSPORT', `must be log or gmail (got "${transport}")`)
  const from = read(env, 'MAIL_FROM')
  if (transport === 'gmail' && from === undefined) {
    throw new ConfigError('MAIL_FROM', 'is required with MAIL_TRANSPORT=gmail: the Gmail mailbox rota sends as')
  }
  const sender = from ?? 'rota@localhost'
  const match = /^(?:[^<>\r\n]*<([^<>\s]+)>|([^<>\s]+))$/.exec(sender)
  const address = match?.[1] ?? match?.[2]
  if (!address || !/^[^@\s]+@[^@\s]+$/.test(address)) throw new ConfigError('MAIL_FROM', `must be an email address or Name <address> (got "${sender}")`)
  const sendingLeaseMs = integer(env, 'MAIL_SENDING_LEASE_MS', 300000, 1000, 86400000)
  const sendTimeoutMs = integer(env, 'MAIL_SEND_TIMEOUT_MS', 30000, 100, 600000)
  if (sendTimeoutMs * 2 > sendingLeaseMs) {
    throw new ConfigError('MAIL_SEND_TIMEOUT_MS', `must be at most half of MAIL_SENDING_LEASE_MS (${sendingLeaseMs}), so that no send is still in flight when another instance checks it (got ${sendTimeoutMs})`)
  }
  return {
    transport,
    from: sender,
    maxAttempts: integer(env, 'MAIL_MAX_ATTEMPTS', 8, 1, 100),
    retryBaseMs: integer(env, 'MAIL_RETRY_BASE_MS', 60000, 0, 3600000),
    sendingLeaseMs,
    sendTimeoutMs,
    batchSize: integer(env, 'MAIL_BATCH_SIZE', 100, 1, 10000),
  }
}

function loadGoogleConfig(env: Env): GoogleConfig {
  const apiRootUrl = read(env, 'GOOGLE_API_ROOT_URL') ?? null
  if (apiRootUrl !== null && !/^https?:\/\/[^\s]+$/.test(apiRootUrl)) {
    throw new ConfigError('GOOGLE_API_ROOT_URL', `must be an http(s) URL (got "${apiRootUrl}")`)
  }
  const credentialsJson = read(env, 'GOOGLE_CREDENTIALS_JSON') ?? null
  if (credentialsJson !== null) {
    try {
      const parsed = JSON.parse(credentialsJson) as { client_email?: unknown }
      if (typeof parsed.client_email !== 'string') throw new Error('no client_email')
    } catch {
      throw new ConfigError('GOOGLE_CREDENTIALS_JSON', 'must be a service-account key in JSON (with client_email and private_key)')
    }
  }
  const credentialsFile = read(env, 'GOOGLE_APPLICATION_CREDENTIALS') ?? null
  return {
    apiRootUrl,
    accessToken: read(env, 'GOOGLE_ACCESS_TOKEN') ?? null,
    credentialsFile,
    credentialsJson,
    impersonate: read(env, 'GOOGLE_IMPERSONATE') ?? null,
    maxAttempts: integer(env, 'GOOGLE_MAX_ATTEMPTS', 5, 1, 20),
    retryBaseMs: integer(env, 'GOOGLE_RETRY_BASE_MS', 1000, 0, 600000),
    retryMaxMs: integer(env, 'GOOGLE_RETRY_MAX_MS', 30000, 0, 600000),
  }
}

function cronExpression(env: Env, name: string, fallback: string): string | null {
  const value = read(env, name) ?? fallback
  if (value.toLowerCase() === 'off') return null
  if (!validateCron(value)) {
    throw new ConfigError(name, `must be a cron expression such as "0 * * * *", or off (got "${value}")`)
  }
  return value
}
