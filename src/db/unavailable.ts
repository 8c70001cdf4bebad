import { AppError } from '../errors.js'

/** Socket errors that mean the database server could not be reached or dropped the connection. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

/**
 * SQLSTATEs that say the server is going away or refuses sessions, not that the query is wrong:
 * 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or in
 * recovery), 53300 too_many_connections. Class 08 (connection exception) is matched as a class, and
 * so is class 58 (system error: 58P01 undefined_file, 58030 io_error), which is what the embedded
 * database answers when its files were removed or cannot be read.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300'])

/** node-postgres and pg-pool say so in words only (no code) when a connection ends or cannot be had. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/i, // "Connection terminated unexpectedly", "… due to connection timeout"
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
]

interface ErrorLike {
  code?: unknown
  message?: unknown
  cause?: unknown
  errors?: unknown
}

function matches(error: ErrorLike): boolean {
  const code = typeof error.code === 'string' ? error.code : ''
  if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^(08|58)[0-9A-Z]{3}$/.test(code)) return true
  const message = typeof error.message === 'string' ? error.message : ''
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))
}

/**
 * True when `error` means the database cannot be reached right now (refused, dropped, timed out,
 * shutting down, out of connection slots), so that the request may well succeed when retried; false
 * for errors in the query or the data. Follows `.cause` (drizzle's DrizzleQueryError wraps the
 * driver's error) and `.errors` (Node's AggregateError when every address of a host refused).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>()
  const pending: unknown[] = [error]
  while (pending.length > 0) {
    const current = pending.pop()
    if (current === null || typeof current !== 'object' || seen.has(current)) continue
    seen.add(current)
    const candidate = current as ErrorLike
    if (matches(candidate)) return true
    pending.push(candidate.cause)
    if (Array.isArray(candidate.errors)) pending.push(...(candidate.errors as unknown[]))
  }
  return false
}

/** What may be logged of a database error: its code and message, never the query's parameters (personal data). */
export function describeDatabaseError(error: unknown): { code?: string; message: string } {
  let current: unknown = error
  // The driver's error underneath drizzle's wrapper says what happened; drizzle's message quotes the query.
  while (current !== null && typeof current === 'object' && (current as ErrorLike).cause !== undefined)
    current = (current as ErrorLike).cause
  const { code, message } = (current ?? {}) as ErrorLike
  return {
    ...(typeof code === 'string' ? { code } : {}),
    message: typeof message === 'string' ? message : String(current),
  }
}

/** Seconds a client is asked to wait (Retry-After) before trying again while the database is away. */
export const DATABASE_RETRY_AFTER_SECONDS = 5

/** The one answer to a request that needs the database while it cannot be reached: 503, Retry-After. */
export function databaseUnavailable(): AppError {
  return new AppError(
    'unavailable',
    'database-unavailable',
    'The database cannot be reached right now; try again shortly.',
  )
}
