/**
 * Pieces shared by the fake Forms and Gmail APIs: Google's error bodies, scripted failures,
 * exact timestamps and a seeded random source (so a run of the fake is reproducible).
 *
 * Facts cited as [V]/[T]/[D]/[I]/[U] come from ../shared/reference/google-apis.md; anything
 * not in it is marked [U] (our best reading of how Google behaves).
 */

/** The API operations whose answers tests can script. */
export type Operation = 'forms.get' | 'responses.list' | 'messages.send' | 'messages.list'

export const OPERATIONS: readonly Operation[] = ['forms.get', 'responses.list', 'messages.send', 'messages.list']

export type Api = 'forms' | 'gmail'

export function apiOf(operation: Operation): Api {
  return operation.startsWith('messages.') ? 'gmail' : 'forms'
}

/**
 * One scripted failure.
 * - a status (`429`, `500`, …): Google's error JSON for that status;
 * - an object: the same, plus a `Retry-After` header and/or a Gmail `reason` preset
 *   (`invalidArgument`, `failedPrecondition`, `forbidden`, …) and/or a replacement `message`;
 * - `'reset'`: the connection is destroyed without an answer (the client sees a network error);
 * - `'hang'`: the request is never answered (until the fake closes), to exercise client timeouts.
 */
export type Failure =
  number | 'reset' | 'hang' | { status: number; retryAfter?: string; message?: string; reason?: string }

/** The JSON body Google sends with an error status. */
export interface GoogleErrorBody {
  error: {
    code: number
    message: string
    errors?: Array<{ message: string; domain: string; reason: string; location?: string; locationType?: string }>
    status: string
    details?: Array<Record<string, unknown>>
  }
}

/** An answer the fake will send instead of a success: status, body and extra headers. */
export class GoogleHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: GoogleErrorBody | string,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? `HTTP ${status}` : body.error.message)
  }
}

/** The canonical gRPC status Google's JSON carries for each HTTP status. */
function canonicalStatus(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT'
    case 401:
      return 'UNAUTHENTICATED'
    case 403:
      return 'PERMISSION_DENIED'
    case 404:
      return 'NOT_FOUND'
    case 409:
      return 'ABORTED'
    case 429:
      return 'RESOURCE_EXHAUSTED'
    case 499:
      return 'CANCELLED'
    case 500:
      return 'INTERNAL'
    case 501:
      return 'UNIMPLEMENTED'
    case 503:
      return 'UNAVAILABLE'
    case 504:
      return 'DEADLINE_EXCEEDED'
    default:
      return status >= 500 ? 'UNKNOWN' : 'FAILED_PRECONDITION'
  }
}

/** Default messages; the 400/401/403/404 texts are the reference's, the 5xx texts are [U]. */
function defaultMessage(status: number): string {
  switch (status) {
    case 400:
      return 'Request contains an invalid argument.'
    case 401:
      return 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'
    case 403:
      return 'The caller does not have permission'
    case 404:
      return 'Requested entity was not found.'
    case 409:
      return 'The operation was aborted.'
    case 500:
      return 'Internal error encountered.'
    case 503:
      return 'The service is currently unavailable.'
    case 504:
      return 'The request timed out. Please try again.'
    default:
      return status >= 500 ? 'Unknown Error.' : 'Request failed.'
  }
}

/** Gmail's `errors[].reason` presets (the 400 pair and the 429 text are the reference's). */
const GMAIL_REASONS: Record<string, { status: number; message: string; grpc?: string; domain?: string }> = {
  invalidArgument: { status: 400, message: 'Invalid To header' },
  failedPrecondition: { status: 400, message: 'Precondition check failed.', grpc: 'FAILED_PRECONDITION' },
  badRequest: { status: 400, message: 'Bad Request', grpc: 'FAILED_PRECONDITION' },
  authError: { status: 401, message: defaultMessage(401) },
  forbidden: { status: 403, message: 'Delegation denied for rota@example.org' },
  insufficientPermissions: { status: 403, message: 'Request had insufficient authentication scopes.' },
  notFound: { status: 404, message: 'Requested entity was not found.' },
  rateLimitExceeded: { status: 429, message: '', domain: 'usageLimits' },
  backendError: { status: 500, message: 'Backend Error' },
}

function gmailDefaultReason(status: number): string {
  switch (status) {
    case 400:
      return 'invalidArgument'
    case 401:
      return 'authError'
    case 403:
      return 'forbidden'
    case 404:
      return 'notFound'
    case 429:
      return 'rateLimitExceeded'
    default:
      return status >= 500 ? 'backendError' : 'badRequest'
  }
}

/** HTML, as Google's front end answers a 502 (and unknown paths): not JSON at all [U]. */
export function googleHtmlPage(status: number, title: string, text: string): string {
  return (
    `<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error ${status} (${title})!!1</title>\n` +
    `  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>\n` +
    `  <p><b>${status}.</b> <ins>That’s an error.</ins>\n  <p>${text}  <ins>That’s all we know.</ins>\n`
  )
}

/**
 * The error Google's `api` answers with `status`.
 * Forms (a newer "One Platform" API) sends `{code, message, status[, details]}`; Gmail also
 * carries the legacy `errors: [{message, domain, reason}]` array — both as in the reference.
 */
export function googleError(
  api: Api,
  status: number,
  options: { message?: string; reason?: string; retryAfter?: string; operation?: Operation; now?: number } = {},
): GoogleHttpError {
  const headers: Record<string, string> = {}
  if (options.retryAfter !== undefined) headers['retry-after'] = options.retryAfter
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="https://accounts.google.com/"'
  if (status === 502) {
    const html = googleHtmlPage(
      502,
      'Bad Gateway',
      'The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.',
    )
    return new GoogleHttpError(502, html, { ...headers, 'content-type': 'text/html; charset=UTF-8' })
  }
  if (api === 'forms') {
    let message = options.message ?? defaultMessage(status)
    const error: GoogleErrorBody['error'] = { code: status, message, status: canonicalStatus(status) }
    if (status === 429) {
      // The exact Forms 429 text is modelled on Sheets and Gmail [U, as the reference says].
      const expensive = options.operation !== 'forms.get'
      const metric = expensive ? 'Expensive read requests' : 'Read requests'
      message =
        options.message ??
        `Quota exceeded for quota metric '${metric}' and limit '${metric} per minute per user' of service 'forms.googleapis.com' for consumer 'project_number:123456789012'.`
      error.message = message
      error.details = [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'RATE_LIMIT_EXCEEDED',
          domain: 'googleapis.com',
          metadata: { service: 'forms.googleapis.com', consumer: 'projects/123456789012' },
        },
      ]
    }
    return new GoogleHttpError(status, { error }, headers)
  }
  const reason = options.reason ?? gmailDefaultReason(status)
  const preset = GMAIL_REASONS[reason]
  let message = options.message ?? (preset && preset.status === status ? preset.message : defaultMessage(status))
  if (reason === 'rateLimitExceeded' && options.message === undefined) {
    const retryAt = new Date((options.now ?? Date.now()) + 60_000).toISOString()
    message = `User-rate limit exceeded.  Retry after ${retryAt}`
  }
  const grpc = preset?.grpc && preset.status === status ? preset.grpc : canonicalStatus(status)
  const item: NonNullable<GoogleErrorBody['error']['errors']>[number] = {
    message,
    domain: preset?.domain ?? 'global',
    reason,
  }
  if (status === 401) Object.assign(item, { location: 'Authorization', locationType: 'header' })
  return new GoogleHttpError(status, { error: { code: status, message, errors: [item], status: grpc } }, headers)
}

/** Scripted failures per operation: a queue consumed one per request, then an optional "always". */
export class FailureScript {
  private readonly queues = new Map<Operation, Failure[]>()
  private readonly always = new Map<Operation, Failure>()

  /** Appends failures for the next requests of `operation`; normal answers resume after them. */
  next(operation: Operation, failures: readonly Failure[]): void {
    for (const failure of failures) checkFailure(failure)
    const queue = this.queues.get(operation) ?? []
    queue.push(...failures)
    this.queues.set(operation, queue)
  }

  /** Every request of `operation` fails this way (after any queued ones) until cleared. */
  setAlways(operation: Operation, failure: Failure): void {
    checkFailure(failure)
    this.always.set(operation, failure)
  }

  clear(operation?: Operation): void {
    if (operation === undefined) {
      this.queues.clear()
      this.always.clear()
    } else {
      this.queues.delete(operation)
      this.always.delete(operation)
    }
  }

  /** How many queued failures are still waiting for `operation`. */
  pending(operation: Operation): number {
    return this.queues.get(operation)?.length ?? 0
  }

  take(operation: Operation): Failure | undefined {
    const queue = this.queues.get(operation)
    if (queue && queue.length > 0) return queue.shift()
    return this.always.get(operation)
  }
}

function checkFailure(failure: Failure): void {
  if (failure === 'reset' || failure === 'hang') return
  const status = typeof failure === 'number' ? failure : failure.status
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new Error(
      `fake Google: a scripted failure must be 4xx/5xx, 'reset' or 'hang', not ${JSON.stringify(failure)}`,
    )
  }
}

// ---------------------------------------------------------------------------------------------
// Timestamps

/** Google's output form: Z-normalised RFC 3339 with 0, 3, 6 or 9 fractional digits [D]. */
const OUTPUT_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(?:\d{3}|\d{6}|\d{9}))?Z$/
/** What Google accepts as input (a filter value): RFC 3339 "Zulu", 0–9 fractional digits. */
const INPUT_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/

export function isGoogleTimestamp(value: string): boolean {
  return OUTPUT_TIMESTAMP.test(value) && timestampNanos(value) !== undefined
}

/** Nanoseconds since the epoch, exactly (never through a JS Date, which keeps milliseconds). */
export function timestampNanos(value: string): bigint | undefined {
  const match = INPUT_TIMESTAMP.exec(value)
  if (!match) return undefined
  const [, y, mo, d, h, mi, s, fraction] = match
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  const check = new Date(ms)
  if (
    Number.isNaN(ms) ||
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCHours() !== Number(h) ||
    check.getUTCMinutes() !== Number(mi) ||
    check.getUTCSeconds() !== Number(s)
  ) {
    return undefined
  }
  return BigInt(ms) * 1_000_000n + BigInt((fraction ?? '').padEnd(9, '0'))
}

export function requireGoogleTimestamp(value: unknown, what: string): string {
  if (typeof value !== 'string' || !isGoogleTimestamp(value)) {
    throw new Error(
      `fake Google: ${what} must be an RFC 3339 UTC timestamp with 0, 3, 6 or 9 fractional digits as Google returns them (e.g. 2025-03-03T09:00:00.412Z), not ${JSON.stringify(value)}`,
    )
  }
  return value
}

// ---------------------------------------------------------------------------------------------
// Randomness

/** A small seeded generator (mulberry32): the same seed gives the same ids and shuffles. */
export class SeededRandom {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let x = this.state
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  bytes(n: number): Buffer {
    const buffer = Buffer.alloc(n)
    for (let i = 0; i < n; i++) buffer[i] = this.int(256)
    return buffer
  }

  hex(digits: number): string {
    return this.bytes(Math.ceil(digits / 2))
      .toString('hex')
      .slice(0, digits)
  }

  base64url(chars: number): string {
    return this.bytes(Math.ceil((chars * 3) / 4) + 1)
      .toString('base64url')
      .slice(0, chars)
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items]
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const a = copy[i] as T
      copy[i] = copy[j] as T
      copy[j] = a
    }
    return copy
  }
}
