import pino, { type DestinationStream, type Logger } from 'pino'

/**
 * rota's one logger factory (server, CLI, tests that read the log). Personal data never reaches the
 * log: an error keeps only what says what went wrong (type, code, message, stack, the pg fields that
 * name a table or constraint), never the query parameters or values a driver attaches to it
 * (drizzle's `query`/`params`, pg's `detail`/`where`, PGlite's `params`), never a request body or an
 * Authorization header; and any email address left in a logged string is masked.
 */
export function createLogger(options: { level: string }, destination?: DestinationStream): Logger {
  const settings: pino.LoggerOptions = {
    level: options.level,
    serializers: { err: serializeError, error: serializeError },
    formatters: { log: (object) => maskEmails(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? maskEmailText(arg) : arg)) as Parameters<typeof method>,
        )
      },
    },
  }
  return destination ? pino(settings, destination) : pino(settings)
}

/**
 * Fields never logged as they are, at any depth: credentials, request bodies, query parameters. (Done
 * here rather than with pino's `redact`, which makes every request's child logger 2–3 times dearer.)
 */
const REDACTED_KEYS = new Set(['authorization', 'cookie', 'body', 'params', 'parameters'])

/** The error fields that are safe to log: what happened and where, never the data it happened to. */
const SAFE_FIELDS = [
  'code',
  'kind',
  'statusCode',
  'status',
  'severity',
  'schema',
  'table',
  'column',
  'constraint',
  'dataType',
  'routine',
  'retryAfterMs',
  'variable',
] as const

/** Long enough for any message rota or a driver writes; a query text is cut to this. */
const MAX_TEXT = 500

// Slashes are left out of both parts so that file paths in stacks (node_modules/@scope/pkg/x.js) stay
// readable; an address with a slash in its local part still has everything after the slash masked.
const EMAIL = /[^\s<>()[\]\\,;:"'`@/]+@[^\s<>()[\]\\,;:"'`@/]+\.[A-Za-z0-9-]+/g

/** `ada@example.org` → `[email]`. */
export function maskEmailText(text: string): string {
  return text.includes('@') ? text.replace(EMAIL, '[email]') : text
}

/** Masks addresses in every string of a log line's fields and replaces the REDACTED_KEYS. */
function maskEmails(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskEmailText(value)
  if (value === null || typeof value !== 'object' || depth > 8) return value
  if (value instanceof Error) return value // serialised by serializeError
  if (Array.isArray(value)) return value.map((item) => maskEmails(item, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value))
    out[key] = REDACTED_KEYS.has(key.toLowerCase()) ? '[redacted]' : maskEmails(item, depth + 1)
  return out
}

function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}… (${text.length} characters)` : text
}

export interface SerializedError {
  type: string
  message: string
  stack?: string
  cause?: SerializedError
  [field: string]: unknown
}

/**
 * An error as the log may show it. drizzle's DrizzleQueryError puts every parameter in its message
 * ("Failed query: … params: a@b.org,…") and so in its stack: both are rebuilt from the query text
 * (placeholders only, cut short) and the stack frames. The cause (pg's or PGlite's error) is kept the
 * same way, without `detail` (`Key (email)=(…) already exists`), `where`, `query` or `params`.
 */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error) && (typeof error !== 'object' || error === null)) return error
  const source = error as Error & Record<string, unknown>
  const type =
    (source.constructor?.name && source.constructor.name !== 'Object' ? source.constructor.name : undefined) ??
    String(source.name ?? 'Error')
  const isFailedQuery =
    typeof source.query === 'string' && 'params' in source && String(source.message ?? '').startsWith('Failed query')
  const message = isFailedQuery
    ? `Failed query: ${cut(String(source.query))}`
    : cut(maskEmailText(String(source.message ?? '')))
  const out: SerializedError = { type, message }
  for (const field of SAFE_FIELDS) {
    const value = source[field]
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      out[field] = typeof value === 'string' ? cut(maskEmailText(value)) : value
  }
  if (typeof source.stack === 'string') {
    // The first lines of a stack repeat the message; keep the frames only, under the safe message.
    const frames = source.stack.split('\n').filter((line) => /^\s+at /.test(line))
    out.stack = [`${type}: ${message}`, ...frames.map(maskEmailText)].join('\n')
  }
  if (source.cause !== undefined && depth < 3) out.cause = serializeError(source.cause, depth + 1) as SerializedError
  if (Array.isArray(source.errors) && depth < 3)
    out.errors = source.errors.slice(0, 5).map((e) => serializeError(e, depth + 1))
  return out
}
