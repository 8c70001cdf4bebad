import path from 'node:path'
import { KindGuard, Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox'
import { Errors } from '@sinclair/typebox/errors'
import { validate as validateCron } from 'node-cron'
import type { SmtpConfig } from './integrations/smtp.js'

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
  webhooks: WebhookConfig
  /** rota's public address (`https://rota.example.org`, no trailing slash), for the status links in emails and absolute links in webhook payloads; null: paths only. */
  publicUrl: string | null
}

export interface WebhookConfig {
  /** Whether webhooks may point at loopback or private addresses, and then use plain http. */
  allowPrivate: boolean
  /** How long one delivery may take before it counts as failed (and is retried). */
  timeoutMs: number
  /** Deliveries of one event when the receiver answers 408/429/5xx or cannot be reached, before it is `failed`. */
  maxAttempts: number
  /** First wait before redelivering; doubles each attempt, at most an hour. */
  retryBaseMs: number
  /** How long a delivery may stay `sending` (its sender died) before it is delivered again: MAIL_SENDING_LEASE_MS, at least twice the timeout. */
  leaseMs: number
}

export interface MailConfig {
  transport: 'log' | 'gmail' | 'smtp'
  /** The SMTP server, with MAIL_TRANSPORT=smtp; null otherwise. */
  smtp: SmtpConfig | null
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

/** An environment variable holding a whole number, with its default and bounds. */
function whole(fallback: number, minimum: number, maximum: number, description: string) {
  return Type.Integer({ default: fallback, minimum, maximum, description })
}

/** An environment variable holding one of a few words (read case-insensitively). */
function oneOf<const T extends readonly string[]>(
  values: T,
  fallback: T[number],
  description: string,
): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K] & string> }> {
  return Type.Union(
    values.map((value) => Type.Literal(value)),
    { default: fallback, description },
  ) as never
}

/**
 * Every environment variable rota reads, declared once: type, default, bounds and the description
 * that README's Configuration table and .env.example show (both are generated from this by
 * `npm run docs:config`, and test/config.ts fails when they drift). A variable without a default is
 * unset unless given. `errorMessage` is what an invalid value is told, before `(got "…")`. Rules a
 * schema cannot say (URL parsing, cron syntax, token strength, one variable bounded by another) are
 * code in loadConfig, after the schema check.
 */
export const ConfigSchema = Type.Object({
  PORT: whole(3000, 0, 65535, 'TCP port the HTTP server listens on.'),
  HOST: Type.String({
    default: '127.0.0.1',
    pattern: '^\\S+$',
    errorMessage: 'must be a host name or IP address',
    description: 'Interface to listen on; `0.0.0.0` to accept connections from other hosts (as in Docker).',
  }),
  DATABASE_URL: Type.Optional(
    Type.String({
      description: '`postgres://` URL of a PostgreSQL database. Unset: the embedded PGlite database under `DATA_DIR`.',
      examples: ['postgres://rota:<password>@localhost:5432/rota'],
    }),
  ),
  DATABASE_POOL_MAX: whole(10, 1, 1000, 'Maximum connections in the PostgreSQL pool (ignored on PGlite).'),
  DATA_DIR: Type.String({
    default: './data',
    description: "Folder for rota's own files: the embedded database (`DATA_DIR/pgdata`) and its lock file.",
  }),
  STAFF_TOKEN: Type.Optional(
    Type.String({
      minLength: 16,
      description:
        'A staff bearer token accepted on write routes, besides tokens made with `npm run token`. At least 16 characters and hard to guess (about 64 bits: e.g. `openssl rand -base64 32`); `aaaabbbbccccdddd` is refused.',
    }),
  ),
  AUTH_FAILURE_LIMIT: whole(
    10,
    0,
    100000,
    'Wrong staff tokens one client address may send per minute; then every staff request from it gets 429 with `Retry-After` until the minute is over. `0`: no limit.',
  ),
  WRITE_RATE_LIMIT: whole(
    600,
    0,
    1000000,
    'Writes (POST, PUT, PATCH, DELETE) one client address may make per minute; then 429 with `Retry-After`. Public reads are never limited. `0`: no limit.',
  ),
  TRUST_PROXY: Type.Optional(
    Type.String({
      description:
        "Behind a reverse proxy: how many proxies (`1`) or their addresses (`127.0.0.1,10.0.0.0/8`), so the limits count the client's address from `X-Forwarded-For`. Unset or `off`: the connecting address.",
    }),
  ),
  LOG_LEVEL: oneOf(
    LOG_LEVELS,
    'info',
    'How much rota logs, from `fatal` (least) to `trace` (most); `silent`: nothing.',
  ),
  SHUTDOWN_GRACE_MS: whole(
    10000,
    0,
    600000,
    'On SIGTERM/SIGINT, how long in-flight requests may take before rota exits anyway.',
  ),
  GOOGLE_APPLICATION_CREDENTIALS: Type.Optional(
    Type.String({ description: 'Path to a Google service-account key file (JSON) used to read Google Forms.' }),
  ),
  GOOGLE_CREDENTIALS_JSON: Type.Optional(
    Type.String({
      description: 'The same service-account key, inline (for platforms that inject secrets as variables).',
    }),
  ),
  GOOGLE_IMPERSONATE: Type.Optional(
    Type.String({
      description: 'With domain-wide delegation: the user (e.g. the form owner) the service account acts as.',
    }),
  ),
  GOOGLE_ACCESS_TOKEN: Type.Optional(
    Type.String({ description: 'A static OAuth bearer token instead of a service account (tests, quick trials).' }),
  ),
  GOOGLE_API_ROOT_URL: Type.Optional(
    Type.String({
      pattern: '^https?://\\S+$',
      errorMessage: 'must be an http(s) URL',
      description: 'Send Google API requests here instead of Google (e.g. `npm run fake-google`).',
    }),
  ),
  GOOGLE_MAX_ATTEMPTS: whole(5, 1, 20, 'Attempts per Google request when it answers 429 or 5xx.'),
  GOOGLE_RETRY_BASE_MS: whole(1000, 0, 600000, 'First back-off before retrying Google; doubles each attempt.'),
  GOOGLE_RETRY_MAX_MS: whole(30000, 0, 600000, 'Longest single wait before retrying Google, `Retry-After` included.'),
  FORMS_SYNC_CRON: Type.String({
    default: '0 * * * *',
    description: 'When open calls with a linked Google Form are synced (node-cron syntax); `off` to disable.',
  }),
  SCHEDULER: oneOf(
    ['on', 'off'],
    'on',
    '`off` stops every cron job of this instance (tick and forms sync); `POST /admin/tick` still works.',
  ),
  TICK_CRON: Type.String({
    default: '* * * * *',
    description:
      'When the tick runs (opens, reminds, closes and schedules calls, term notices, sends the outbox); `off` to disable.',
  }),
  MAIL_TRANSPORT: oneOf(
    ['log', 'gmail', 'smtp'],
    'log',
    '`log`: each email is written to `DATA_DIR/mail/*.eml` and logged. `gmail`: sent through the Gmail API as `MAIL_FROM`. `smtp`: handed to the SMTP server `SMTP_HOST`.',
  ),
  MAIL_FROM: Type.String({
    default: 'rota@localhost',
    description:
      'Sender (`address` or `Name <address>`); with `gmail`, a user mailbox the service account may act as. Required with `gmail` and `smtp`.',
  }),
  MAIL_MAX_ATTEMPTS: whole(
    8,
    1,
    100,
    'Sends of one email when Gmail answers 429/5xx (or an SMTP server 4xx, or cannot be reached) before it is marked `failed`.',
  ),
  MAIL_RETRY_BASE_MS: whole(
    60000,
    0,
    3600000,
    'First wait before retrying an email; doubles each attempt (`Retry-After` honoured), at most one hour.',
  ),
  MAIL_SENDING_LEASE_MS: whole(
    300000,
    1000,
    86400000,
    'How long an email may stay `sending` (its sender crashed or got no answer) before rota asks Gmail whether it went out (an SMTP server cannot be asked: the email is then `unknown` for staff).',
  ),
  MAIL_SEND_TIMEOUT_MS: whole(
    30000,
    100,
    600000,
    'How long one Gmail request, or one whole SMTP session, may take; at most half of `MAIL_SENDING_LEASE_MS`.',
  ),
  PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$',
      errorMessage: 'must be an http(s) URL without query or fragment',
      description:
        "rota's public address (e.g. `https://rota.iiif.io`): the volunteers' status links in emails and the roster links in webhook payloads start with it. Unset: they carry the path only (`/status/…`).",
    }),
  ),
  WEBHOOK_ALLOW_PRIVATE: oneOf(
    ['off', 'on'],
    'off',
    '`on` lets webhooks point at loopback and private-network addresses (then plain `http://` too), e.g. a relay on the same host. `off`: only public addresses, over `https://`.',
  ),
  WEBHOOK_TIMEOUT_MS: whole(10000, 100, 120000, 'How long one webhook delivery may take before it is retried.'),
  WEBHOOK_MAX_ATTEMPTS: whole(
    10,
    1,
    100,
    'Deliveries of one event when the receiver answers 408, 429 or 5xx, times out or cannot be reached, before it is marked `failed`.',
  ),
  WEBHOOK_RETRY_BASE_MS: whole(
    60000,
    0,
    3600000,
    'First wait before delivering a webhook event again; doubles each attempt, at most one hour.',
  ),
  MAIL_BATCH_SIZE: whole(100, 1, 10000, 'Emails sent per tick at most.'),
  SMTP_HOST: Type.Optional(
    Type.String({
      pattern: '^[^\\s/:]+$|^\\[[0-9a-fA-F:.]+\\]$',
      errorMessage: 'must be a host name or IP address (no scheme, no port)',
      description: 'With `MAIL_TRANSPORT=smtp`: the SMTP server (required), e.g. `smtp.example.org`.',
    }),
  ),
  SMTP_PORT: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 65535,
      description: 'The SMTP server port. Unset: 465 with `SMTP_SECURITY=tls`, 587 with `starttls`, 25 with `none`.',
    }),
  ),
  SMTP_SECURITY: oneOf(
    ['starttls', 'tls', 'none'],
    'starttls',
    '`starttls`: connect in plain text, then STARTTLS, which the server must offer (nothing else is sent otherwise). `tls`: TLS from the first byte (port 465). `none`: no TLS at all, only for a relay on the same host or network.',
  ),
  SMTP_USER: Type.Optional(
    Type.String({
      description: 'User name for SMTP authentication; unset: no authentication. Set with `SMTP_PASSWORD`.',
    }),
  ),
  SMTP_PASSWORD: Type.Optional(
    Type.String({ description: 'Password for `SMTP_USER`. A secret: sent to the SMTP server only, never logged.' }),
  ),
})

/** The variables once read, checked and defaulted. */
type Variables = Static<typeof ConfigSchema>
type Name = keyof Variables

/**
 * The environment as the schema sees it: only the schema's variables, trimmed, blank ones unset;
 * whole numbers converted when they are digits (anything else stays text, and the check refuses it);
 * one-of words lower-cased.
 */
function readVariables(env: Env): Partial<Record<Name, string | number>> {
  const raw: Partial<Record<Name, string | number>> = {}
  for (const [name, schema] of Object.entries(ConfigSchema.properties) as Array<[Name, TSchema]>) {
    const value = env[name]?.trim()
    if (value === undefined || value === '') continue
    if (KindGuard.IsInteger(schema)) raw[name] = /^\d+$/.test(value) ? Number(value) : value
    else if (KindGuard.IsUnion(schema)) raw[name] = value.toLowerCase()
    else raw[name] = value
  }
  return raw
}

/** What is wrong with `value` for the variable `schema` declares, in words, on one line. */
function problem(schema: TSchema, value: unknown): string {
  const got = JSON.stringify(value)
  if (KindGuard.IsInteger(schema)) {
    const { minimum, maximum } = schema as { minimum: number; maximum: number }
    return typeof value === 'number'
      ? `must be between ${minimum} and ${maximum} (got ${value})`
      : `must be a whole number between ${minimum} and ${maximum} (got ${got})`
  }
  if (KindGuard.IsUnion(schema)) {
    const words = schema.anyOf.map((option) => String(option['const']))
    return `must be ${words.length === 2 ? words.join(' or ') : `one of ${words.join(', ')}`} (got ${got})`
  }
  const minLength = schema['minLength'] as number | undefined
  if (minLength !== undefined && typeof value === 'string' && value.length < minLength) {
    // The value is not repeated: the only variable with a minimum length is a secret.
    return `is too short to be safe: use at least ${minLength} characters (got ${value.length})`
  }
  return `${(schema['errorMessage'] as string | undefined) ?? 'is not valid'} (got ${got})`
}

/** Reads and validates rota's configuration once, at start; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const raw = readVariables(env)
  const values: Record<string, unknown> = { ...raw }
  for (const [name, schema] of Object.entries(ConfigSchema.properties) as Array<[Name, TSchema]>) {
    if (values[name] === undefined && schema.default !== undefined) values[name] = schema.default
  }
  const error = Errors(ConfigSchema, values).First()
  if (error !== undefined) {
    const name = error.path.split('/')[1] as Name
    throw new ConfigError(name, problem(ConfigSchema.properties[name], values[name]))
  }
  const vars = values as Variables

  // Rules the schema cannot say, each still naming its variable.
  const databaseUrl = vars.DATABASE_URL ?? null
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
  const staffToken = vars.STAFF_TOKEN ?? null
  if (staffToken !== null && estimatedTokenBits(staffToken) < MIN_TOKEN_BITS) {
    throw new ConfigError(
      'STAFF_TOKEN',
      `is too easy to guess (about ${Math.floor(estimatedTokenBits(staffToken))} bits, needs ${MIN_TOKEN_BITS}): use a random value, e.g. the output of \`openssl rand -base64 32\``,
    )
  }
  return {
    host: vars.HOST,
    port: vars.PORT,
    databaseUrl,
    databasePoolMax: vars.DATABASE_POOL_MAX,
    dataDir: path.resolve(cwd, vars.DATA_DIR),
    staffToken,
    authFailureLimit: vars.AUTH_FAILURE_LIMIT,
    writeRateLimit: vars.WRITE_RATE_LIMIT,
    trustProxy: trustProxy(vars.TRUST_PROXY),
    logLevel: vars.LOG_LEVEL,
    shutdownGraceMs: vars.SHUTDOWN_GRACE_MS,
    google: googleConfig(vars),
    ...schedulerConfig(vars),
    mail: mailConfig(vars, raw.MAIL_FROM !== undefined),
    webhooks: webhookConfig(vars),
    publicUrl: vars.PUBLIC_URL === undefined ? null : vars.PUBLIC_URL.replace(/\/+$/, ''),
  }
}

function webhookConfig(vars: Variables): WebhookConfig {
  return {
    allowPrivate: vars.WEBHOOK_ALLOW_PRIVATE === 'on',
    timeoutMs: vars.WEBHOOK_TIMEOUT_MS,
    maxAttempts: vars.WEBHOOK_MAX_ATTEMPTS,
    retryBaseMs: vars.WEBHOOK_RETRY_BASE_MS,
    // Emails' lease, but never so short that a delivery still waiting for its answer is redelivered.
    leaseMs: Math.max(vars.MAIL_SENDING_LEASE_MS, 2 * vars.WEBHOOK_TIMEOUT_MS),
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

function trustProxy(raw: string | undefined): false | number | string {
  if (raw === undefined || raw.toLowerCase() === 'off') return false
  if (/^\d+$/.test(raw)) return Number(raw)
  const items = raw.split(',').map((item) => item.trim())
  if (
    items.some((item) => !/^(?:[0-9.]+|[0-9a-fA-F:.]+)(?:\/\d{1,3})?$|^(?:loopback|linklocal|uniquelocal)$/.test(item))
  ) {
    throw new ConfigError(
      'TRUST_PROXY',
      `must be a number of proxies or a comma-separated list of their addresses or CIDR ranges (got ${JSON.stringify(raw)})`,
    )
  }
  return items.join(',')
}

function schedulerConfig(vars: Variables): { formsSyncCron: string | null; tickCron: string | null } {
  const formsSyncCron = cronExpression('FORMS_SYNC_CRON', vars.FORMS_SYNC_CRON)
  const tickCron = cronExpression('TICK_CRON', vars.TICK_CRON)
  return vars.SCHEDULER === 'off' ? { formsSyncCron: null, tickCron: null } : { formsSyncCron, tickCron }
}

function mailConfig(vars: Variables, fromIsSet: boolean): MailConfig {
  if (vars.MAIL_TRANSPORT === 'gmail' && !fromIsSet) {
    throw new ConfigError('MAIL_FROM', 'is required with MAIL_TRANSPORT=gmail: the Gmail mailbox rota sends as')
  }
  if (vars.MAIL_TRANSPORT === 'smtp' && !fromIsSet) {
    throw new ConfigError('MAIL_FROM', 'is required with MAIL_TRANSPORT=smtp: the address rota sends as')
  }
  const sender = vars.MAIL_FROM
  const match = /^(?:[^<>\r\n]*<([^<>\s]+)>|([^<>\s]+))$/.exec(sender)
  const address = match?.[1] ?? match?.[2]
  if (!address || !/^[^@\s]+@[^@\s]+$/.test(address))
    throw new ConfigError('MAIL_FROM', `must be an email address or Name <address> (got ${JSON.stringify(sender)})`)
  if (vars.MAIL_SEND_TIMEOUT_MS * 2 > vars.MAIL_SENDING_LEASE_MS) {
    throw new ConfigError(
      'MAIL_SEND_TIMEOUT_MS',
      `must be at most half of MAIL_SENDING_LEASE_MS (${vars.MAIL_SENDING_LEASE_MS}), so that no send is still in flight when another instance checks it (got ${vars.MAIL_SEND_TIMEOUT_MS})`,
    )
  }
  return {
    transport: vars.MAIL_TRANSPORT,
    smtp: vars.MAIL_TRANSPORT === 'smtp' ? smtpConfig(vars) : null,
    from: sender,
    maxAttempts: vars.MAIL_MAX_ATTEMPTS,
    retryBaseMs: vars.MAIL_RETRY_BASE_MS,
    sendingLeaseMs: vars.MAIL_SENDING_LEASE_MS,
    sendTimeoutMs: vars.MAIL_SEND_TIMEOUT_MS,
    batchSize: vars.MAIL_BATCH_SIZE,
  }
}

function smtpConfig(vars: Variables): SmtpConfig {
  if (vars.SMTP_HOST === undefined)
    throw new ConfigError('SMTP_HOST', 'is required with MAIL_TRANSPORT=smtp: the SMTP server rota sends through')
  const user = vars.SMTP_USER ?? null
  const password = vars.SMTP_PASSWORD ?? null
  // The value of neither is repeated: one is a secret, and the other says whose.
  if (user !== null && password === null) throw new ConfigError('SMTP_PASSWORD', 'is required when SMTP_USER is set')
  if (user === null && password !== null) throw new ConfigError('SMTP_USER', 'is required when SMTP_PASSWORD is set')
  const security = vars.SMTP_SECURITY
  return {
    host: vars.SMTP_HOST.replace(/^\[(.*)\]$/, '$1'),
    port: vars.SMTP_PORT ?? (security === 'tls' ? 465 : security === 'starttls' ? 587 : 25),
    security,
    user,
    password,
  }
}

function googleConfig(vars: Variables): GoogleConfig {
  const credentialsJson = vars.GOOGLE_CREDENTIALS_JSON ?? null
  if (credentialsJson !== null) {
    try {
      const parsed = JSON.parse(credentialsJson) as { client_email?: unknown }
      if (typeof parsed.client_email !== 'string') throw new Error('no client_email')
    } catch {
      throw new ConfigError(
        'GOOGLE_CREDENTIALS_JSON',
        'must be a service-account key in JSON (with client_email and private_key)',
      )
    }
  }
  return {
    apiRootUrl: vars.GOOGLE_API_ROOT_URL ?? null,
    accessToken: vars.GOOGLE_ACCESS_TOKEN ?? null,
    credentialsFile: vars.GOOGLE_APPLICATION_CREDENTIALS ?? null,
    credentialsJson,
    impersonate: vars.GOOGLE_IMPERSONATE ?? null,
    maxAttempts: vars.GOOGLE_MAX_ATTEMPTS,
    retryBaseMs: vars.GOOGLE_RETRY_BASE_MS,
    retryMaxMs: vars.GOOGLE_RETRY_MAX_MS,
  }
}

function cronExpression(name: 'FORMS_SYNC_CRON' | 'TICK_CRON', value: string): string | null {
  if (value.toLowerCase() === 'off') return null
  if (!validateCron(value)) {
    throw new ConfigError(name, `must be a cron expression such as "0 * * * *", or off (got ${JSON.stringify(value)})`)
  }
  return value
}
