/**
 * A fake Google (Forms API v1 + Gmail API v1) that the REAL `googleapis` client talks to over
 * HTTP, faithful to ../shared/reference/google-apis.md: forms.get, forms.responses.list (opaque
 * page tokens, `{}` when there are no responses, no `nextPageToken` on the last page, responses in
 * no particular order, timestamps byte for byte with 0/3/6/9 fractional digits, `timestamp >`/`>=`
 * filters), gmail users.messages.send / users.messages.list (`q=rfc822msgid:…`), Google's error
 * JSON, and scripted failures. `node:http` only.
 *
 * ## Pointing googleapis at it
 *
 *     const fake = await startFakeGoogle()
 *     const auth = new google.auth.OAuth2()
 *     auth.setCredentials({ access_token: 'test-token' })   // → Authorization: Bearer test-token
 *     const forms = google.forms({ version: 'v1', rootUrl: fake.url, auth })
 *     const gmail = google.gmail({ version: 'v1', rootUrl: fake.url, auth })
 *
 * - `fake.url` ends with a slash (`http://127.0.0.1:PORT/`), like googleapis' own root URLs.
 *   Either form works for the per-API `rootUrl`: googleapis resolves the request path with
 *   `new URL(path, rootUrl)`, so any path prefix in rootUrl is DROPPED (googleapis-common
 *   apirequest.js) — the fake therefore serves the real paths at its root.
 * - `google.options({ rootUrl })` is ignored by googleapis (#1921): always pass it per API.
 * - An `OAuth2Client` holding only an `access_token` never refreshes, so 401/403 reach the app;
 *   this is the production path for `GOOGLE_ACCESS_TOKEN` too. (`auth: 'KEY'` sends `?key=` —
 *   the fake answers that with 401, as Forms and Gmail do not accept API keys.)
 * - Gmail send must use `requestBody: { raw }`; media uploads ignore `rootUrl`.
 *
 * ## Retries built into googleapis/gaxios — production code must know this
 *
 * Read in gaxios 7.3.1 `build/cjs/src/retry.js` and googleapis-common 8.0.3 `apirequest.js`, and
 * checked by test/integrations/google-fake.ts against this fake:
 * - googleapis sets `retry: true` on every request (apirequest.js:260). gaxios then retries up to
 *   3 times (4 requests in all) when the method is GET, HEAD, PUT, OPTIONS or DELETE and the
 *   status is 1xx, 408, 429 or 5xx; and up to 2 times on a network error with no response
 *   (ECONNRESET…).
 * - Delays: 100 ms, then 500 ms, then 1500 ms (`retryDelay` 100, `retryDelayMultiplier` 2).
 *   **`Retry-After` is ignored.** So a persistent 429/5xx on forms.get/responses.list surfaces
 *   after ~2.1 s and four requests, and a single 429 or 500 is invisible to the caller.
 * - POST is never retried — Gmail `messages.send` surfaces its first 429/5xx/reset at once
 *   (good: a send is not idempotent). 4xx other than 408/429 (400, 401, 403, 404) are never
 *   retried.
 * - Turn it off with `retry: false`, per call (`forms.forms.get({ formId }, { retry: false })`)
 *   or per API (`google.forms({ version: 'v1', rootUrl, auth, retry: false })`, merged into every
 *   call); or tune it with `retryConfig: { retry, retryDelay, statusCodesToRetry,
 *   httpMethodsToRetry, onRetryAttempt, shouldRetry, retryBackoff, totalTimeout }`.
 *   Recommendation for rota: `retry: false` on the API objects and one retry loop of our own that
 *   honours `Retry-After`, bounds the total time, and can be counted in tests.
 * - The thrown `GaxiosError` has `status` (HTTP status), `code` (the JSON `error.code`, a number;
 *   `'ECONNRESET'` and no `response` when the connection drops), `message` (`errors[].message`
 *   joined, else `error.message`), `response.data` (the error JSON — or an HTML string for a
 *   front-end 502) and `response.headers` (a fetch `Headers`: `.get('retry-after')`). A request
 *   cut off by the `timeout` option rejects with "The operation was aborted." and no `code`.
 * - A successful call's `res.headers` is typed as a plain object (googleapis-common http2.d.ts)
 *   but is a fetch `Headers` at runtime: use `.get(name)`.
 *
 * ## Scripting from tests
 *
 * `fake.forms.addForm(…)`, `addResponse`, `editResponse`, `deleteResponse`, `setItems`;
 * `fake.forms.failNext('responses.list', [429, { status: 429, retryAfter: '2' }, 500])`,
 * `failAlways(op, status)`, `clearFailures()`; `fake.gmail.sent`, `fake.gmail.failNext`,
 * `fake.gmail.failAfterSendingNext(n)`; `fake.requests` logs every API request. Options
 * `gmailSendDelayMs`, `gmailKeepIfClientGone` and `onGmailSend` hold each send for a while, decide
 * whether a send whose client died meanwhile is kept, and report each send as it is received and
 * stored (test/jobs/outbox-chaos.ts kills the sending process at those points).
 *
 * ## Control API (for a person using `npm run fake-google`; no auth, not in `requests`)
 *
 *     GET    /_fake                                   summary (forms, response counts, sent count)
 *     GET    /_fake/forms/{formId}/responses          stored responses (insertion order)
 *     POST   /_fake/forms                             a seed form: { formId, info, items, settings?, responses? }
 *     POST   /_fake/forms/{formId}/responses          ResponseInput → the stored response
 *     PATCH  /_fake/forms/{formId}/responses/{id}     { answers, lastSubmittedTime } → edit
 *     DELETE /_fake/forms/{formId}/responses/{id}     delete
 *     POST   /_fake/failures                          { method, failures: [429, …] } | { method, always }
 *     DELETE /_fake/failures                          clear all scripted failures
 *     GET    /_fake/gmail/sent                        sent messages
 *
 * Seed format: see `FakeGoogleSeed` below and test/fixtures/google/seed.example.json.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { readFile } from 'node:fs/promises'
import {
  apiOf,
  FailureScript,
  googleError,
  googleHtmlPage,
  GoogleHttpError,
  SeededRandom,
  type Failure,
  type Operation,
} from './google-common.js'
import { FakeForms, type FormInput, type ResponseInput } from './google-forms.js'
import { FakeGmail, parseMessage } from './google-gmail.js'

export { FakeForms, textItem, choiceItem, pageBreakItem, questionGroupItem, questionIdsOf } from './google-forms.js'
export type {
  Answer,
  AnswerInput,
  EmailCollectionType,
  FilterField,
  Form,
  FormInput,
  FormItem,
  FormResponse,
  Question,
  ResponseInput,
} from './google-forms.js'
export { FakeGmail, bareMessageId, parseMessage, parseAddressList } from './google-gmail.js'
export type { AfterSendOutcome, SentMessage } from './google-gmail.js'
export { googleError, GoogleHttpError, isGoogleTimestamp, timestampNanos, OPERATIONS } from './google-common.js'
export type { Failure, GoogleErrorBody, Operation } from './google-common.js'

export interface RequestLogEntry {
  method: string
  /** The path without the query string, e.g. `/v1/forms/abc/responses`. */
  path: string
  /** Query parameters, decoded (`filter` arrives with `%20` and is logged with spaces). */
  query: Record<string, string>
  authorization: string | undefined
  /** Arrival time, ms since the epoch. */
  at: number
  /** Which API operation the path is, when it is one. */
  operation: Operation | undefined
  /** The status answered; 0 for a dropped connection; undefined while pending or hanging. */
  status: number | undefined
}

export interface FakeGoogle {
  /** `http://127.0.0.1:PORT/` (with the trailing slash): pass as the per-API `rootUrl`. */
  url: string
  port: number
  forms: FakeForms
  gmail: FakeGmail
  /** Every API request, in arrival order (control API requests are not logged). */
  requests: RequestLogEntry[]
  close(): Promise<void>
}

/** A seed: forms with their responses (the `npm run fake-google` input). */
export interface FakeGoogleSeed {
  forms: Array<FormInput & { responses?: ResponseInput[] }>
}

export interface FakeGoogleOptions {
  /** 0 (default) picks a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** responses.list page size when `pageSize` is unset or 0 (default and maximum: 5000). */
  pageSizeDefault?: number
  /**
   * When set, requests without exactly `Authorization: Bearer <accessToken>` get Google's 401.
   * When unset, any non-empty Bearer token is accepted — but a request with none still gets
   * 401, as Google never serves these APIs anonymously.
   */
  accessToken?: string
  /** Seed of the fake's random source (ids, tokens, shuffles); default 1. */
  randomSeed?: number
  /** Forms and responses to start with. */
  seed?: FakeGoogleSeed
  /** Called with each API request once it is answered (the CLI prints these). */
  onRequest?: (entry: RequestLogEntry) => void
  /**
   * Gmail `messages.send` only: how long the fake holds a send it has read (after `received`,
   * before it stores and answers it), in ms; default 0. Like Gmail, a request that has arrived is
   * not taken back when its client goes away meanwhile: see `gmailKeepIfClientGone`.
   */
  gmailSendDelayMs?: (send: GmailSendInfo) => number
  /**
   * Whether a send whose client disconnected during `gmailSendDelayMs` is stored all the same
   * (default: yes, as Gmail keeps a request it has received); false drops it, as if it had never
   * arrived. Either way nothing is answered.
   */
  gmailKeepIfClientGone?: (send: GmailSendInfo) => boolean
  /**
   * Called for each Gmail send: `received` once its body is read (before the delay), then `stored`
   * (in `gmail.sent`, before the answer is written — a client killed here never hears back) or
   * `dropped` (its client went away and `gmailKeepIfClientGone` said no). Sends refused before
   * the delay (auth, scripted failures) report nothing.
   */
  onGmailSend?: (send: GmailSendEvent) => void
}

/** A Gmail send as the `gmailSendDelayMs`/`onGmailSend` hooks see it. */
export interface GmailSendInfo {
  /** The Authorization header as received (`Bearer …`): tells which client is sending. */
  authorization: string | undefined
  /** The Message-ID header of the message (with angle brackets), when it has one. */
  messageId: string | undefined
  /** When the send arrived (ms since the epoch). */
  at: number
}

export interface GmailSendEvent extends GmailSendInfo {
  phase: 'received' | 'stored' | 'dropped'
  /** For `stored`: Gmail's id of the stored message. */
  id?: string
}

const MAX_BODY_BYTES = 50 * 1024 * 1024

/** Starts the fake on 127.0.0.1 and resolves once it listens. */
export async function startFakeGoogle(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const random = new SeededRandom(options.randomSeed ?? 1)
  const failures = new FailureScript()
  const forms = new FakeForms(
    random,
    failures,
    options.pageSizeDefault === undefined ? {} : { pageSizeDefault: options.pageSizeDefault },
  )
  const gmail = new FakeGmail(random, failures)
  const requests: RequestLogEntry[] = []
  const hanging = new Set<ServerResponse>()
  const sockets = new Set<Socket>()
  if (options.seed) applySeed(forms, options.seed)

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { error: { code: 500, message: `fake Google bug: ${String(error)}`, status: 'INTERNAL' } })
      else res.destroy()
    })
  })
  // Idle keep-alive connections stay open until close(), as Google's front end keeps them for
  // minutes: Node's default (5 s) let a client reuse a connection the fake was closing at that very
  // moment, on a loaded machine, and see a reset that no test scripted (a retry spent, or a send
  // whose fate is unknown).
  server.keepAliveTimeout = 0
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid')
    const query: Record<string, string> = {}
    for (const [key, value] of url.searchParams) if (!(key in query)) query[key] = value
    const method = (req.method ?? 'GET').toUpperCase()
    const path = url.pathname
    const segments = path.split('/').slice(1).map(decodeURIComponent)

    if (segments[0] === '_fake') return control(req, res, method, segments.slice(1))

    const route = routeOf(method, segments)
    const entry: RequestLogEntry = {
      method,
      path,
      query,
      authorization: req.headers.authorization,
      at: Date.now(),
      operation: route?.operation,
      status: undefined,
    }
    requests.push(entry)
    const done = (status: number | undefined): void => {
      entry.status = status
      options.onRequest?.(entry)
    }

    if (!route) {
      // Google's front end answers unknown paths with an HTML 404 (e.g. a rootUrl with a prefix).
      const html = googleHtmlPage(
        404,
        'Not Found',
        `The requested URL <code>${path}</code> was not found on this server.`,
      )
      sendText(res, 404, html, 'text/html; charset=UTF-8')
      return done(404)
    }
    const api = apiOf(route.operation)
    try {
      const body = method === 'POST' ? await readJson(req) : undefined
      checkAuth(api, req.headers.authorization, query)
      const failure = failures.take(route.operation)
      if (failure !== undefined) return applyFailure(api, route.operation, failure, res, done)
      let answer: unknown
      switch (route.operation) {
        case 'forms.get':
          answer = forms.handleGet(route.id)
          break
        case 'responses.list':
          answer = forms.handleList(route.id, query)
          break
        case 'messages.list':
          answer = gmail.handleList(query, url.searchParams.getAll('labelIds'))
          break
        case 'messages.send': {
          const hooked =
            options.gmailSendDelayMs !== undefined ||
            options.onGmailSend !== undefined ||
            options.gmailKeepIfClientGone !== undefined
          const info: GmailSendInfo = {
            authorization: req.headers.authorization,
            messageId: hooked ? peekMessageId(body) : undefined,
            at: Date.now(),
          }
          let clientGone = false
          if (hooked) {
            // 'close' before the answer is written: the client's connection is gone.
            res.once('close', () => {
              if (!res.writableFinished) clientGone = true
            })
            options.onGmailSend?.({ ...info, phase: 'received' })
            const delay = options.gmailSendDelayMs?.(info) ?? 0
            if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
            if (clientGone || res.destroyed) {
              clientGone = true
              if (!(options.gmailKeepIfClientGone?.(info) ?? true)) {
                options.onGmailSend?.({ ...info, phase: 'dropped' })
                return done(0)
              }
            }
          }
          const sent = gmail.handleSend(route.id, body, Date.now())
          if (hooked) options.onGmailSend?.({ ...info, phase: 'stored', id: sent.message.id })
          if (clientGone) return done(0)
          if (sent.lost !== undefined) {
            if (sent.lost === 'reset') {
              res.socket?.destroy()
              return done(0)
            }
            return sendError(res, googleError('gmail', sent.lost, { operation: route.operation }), done)
          }
          answer = sent.message
          break
        }
      }
      sendJson(res, 200, answer)
      done(200)
    } catch (error) {
      if (error instanceof GoogleHttpError) return sendError(res, error, done)
      throw error
    }
  }

  function checkAuth(api: 'forms' | 'gmail', authorization: string | undefined, query: Record<string, string>): void {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1]
    const ok = token !== undefined && (options.accessToken === undefined || token === options.accessToken)
    if (ok) return
    if (token === undefined && query['key'] !== undefined) {
      throw googleError(api, 401, {
        message:
          'API keys are not supported by this API. Expected OAuth2 access token or other authentication credentials that assert a principal. See https://cloud.google.com/docs/authentication',
      })
    }
    throw googleError(api, 401)
  }

  function applyFailure(
    api: 'forms' | 'gmail',
    operation: Operation,
    failure: Failure,
    res: ServerResponse,
    done: (status: number | undefined) => void,
  ): void {
    if (failure === 'reset') {
      res.socket?.destroy()
      return done(0)
    }
    if (failure === 'hang') {
      hanging.add(res)
      res.on('close', () => hanging.delete(res))
      return done(undefined)
    }
    const spec = typeof failure === 'number' ? { status: failure } : failure
    const error = googleError(api, spec.status, {
      operation,
      ...(spec.message !== undefined ? { message: spec.message } : {}),
      ...(spec.reason !== undefined ? { reason: spec.reason } : {}),
      ...(spec.retryAfter !== undefined ? { retryAfter: spec.retryAfter } : {}),
    })
    sendError(res, error, done)
  }

  async function control(req: IncomingMessage, res: ServerResponse, method: string, parts: string[]): Promise<void> {
    try {
      const body = method === 'POST' || method === 'PATCH' || method === 'PUT' ? await readJson(req) : undefined
      const [a, formId, b, responseId] = parts
      if (method === 'GET' && parts.length === 0) {
        return sendJson(res, 200, {
          forms: forms
            .formIds()
            .map((id) => ({ formId: id, title: forms.form(id).info.title, responses: forms.responses(id).length })),
          sent: gmail.sent.length,
          requests: requests.length,
        })
      }
      if (a === 'gmail' && formId === 'sent' && method === 'GET') return sendJson(res, 200, { messages: gmail.sent })
      if (a === 'failures' && parts.length === 1) {
        if (method === 'DELETE') {
          failures.clear()
          return sendJson(res, 200, {})
        }
        if (method === 'POST') {
          const spec = body as { method?: Operation; failures?: Failure[]; always?: Failure }
          if (!spec.method) throw new Error('body needs "method" and "failures" or "always"')
          if (spec.failures) failures.next(spec.method, spec.failures)
          if (spec.always !== undefined) failures.setAlways(spec.method, spec.always)
          return sendJson(res, 200, {})
        }
      }
      if (a === 'forms' && parts.length === 1 && method === 'POST') {
        applySeed(forms, { forms: [body as FakeGoogleSeed['forms'][number]] })
        return sendJson(res, 200, forms.form((body as { formId?: string }).formId ?? forms.formIds().at(-1) ?? ''))
      }
      if (a === 'forms' && formId !== undefined && b === 'responses') {
        if (parts.length === 3 && method === 'GET') return sendJson(res, 200, { responses: forms.responses(formId) })
        if (parts.length === 3 && method === 'POST')
          return sendJson(res, 200, forms.addResponse(formId, body as ResponseInput))
        if (parts.length === 4 && responseId !== undefined && method === 'PATCH') {
          const edit = body as { answers: ResponseInput['answers']; lastSubmittedTime: string }
          return sendJson(res, 200, forms.editResponse(formId, responseId, edit.answers, edit.lastSubmittedTime))
        }
        if (parts.length === 4 && responseId !== undefined && method === 'DELETE') {
          forms.deleteResponse(formId, responseId)
          return sendJson(res, 200, {})
        }
      }
      sendJson(res, 404, { error: `no control endpoint ${method} /_fake/${parts.join('/')}` })
    } catch (error) {
      sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) })
    }
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
  const host = options.host ?? '127.0.0.1'

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    forms,
    gmail,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const res of hanging) res.destroy()
        server.close((error) => (error ? reject(error) : resolve()))
        for (const socket of sockets) socket.destroy()
      }),
  }
}

/** Adds a seed's forms and responses to the fake. */
export function applySeed(forms: FakeForms, seed: FakeGoogleSeed): void {
  if (typeof seed !== 'object' || seed === null || !Array.isArray(seed.forms)) {
    throw new Error(
      'seed: expected { "forms": [ { "formId", "info": { "title" }, "items": [...], "responses": [...] } ] }',
    )
  }
  for (const [index, entry] of seed.forms.entries()) {
    if (typeof entry?.info?.title !== 'string' || !Array.isArray(entry.items)) {
      throw new Error(`seed forms[${index}]: needs "info": { "title" } and "items": [...]`)
    }
    const { responses, ...form } = entry
    const where = (path: string, error: unknown): Error =>
      new Error(
        `seed ${path}: ${(error instanceof Error ? error.message : String(error)).replace(/^fake Google: /, '')}`,
      )
    let formId: string
    try {
      formId = forms.addForm(form).formId
    } catch (error) {
      throw where(`forms[${index}]`, error)
    }
    for (const [r, response] of (responses ?? []).entries()) {
      try {
        forms.addResponse(formId, response)
      } catch (error) {
        throw where(`forms[${index}].responses[${r}]`, error)
      }
    }
  }
}

/** Reads and parses a seed file. */
export async function loadSeedFile(path: string): Promise<FakeGoogleSeed> {
  const text = await readFile(path, 'utf8')
  try {
    return JSON.parse(text) as FakeGoogleSeed
  } catch (error) {
    throw new Error(`seed ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    })
  }
}

// ---------------------------------------------------------------------------------------------
// Routing and HTTP plumbing

type Route = { operation: Operation; id: string }

function routeOf(method: string, segments: readonly string[]): Route | undefined {
  // /v1/forms/{formId}[/responses]
  if (segments[0] === 'v1' && segments[1] === 'forms' && segments[2]) {
    if (segments.length === 3 && method === 'GET') return { operation: 'forms.get', id: segments[2] }
    if (segments.length === 4 && segments[3] === 'responses' && method === 'GET')
      return { operation: 'responses.list', id: segments[2] }
  }
  // /gmail/v1/users/{userId}/messages[/send]
  if (
    segments[0] === 'gmail' &&
    segments[1] === 'v1' &&
    segments[2] === 'users' &&
    segments[3] &&
    segments[4] === 'messages'
  ) {
    if (segments.length === 5 && method === 'GET') return { operation: 'messages.list', id: segments[3] }
    if (segments.length === 6 && segments[5] === 'send' && method === 'POST')
      return { operation: 'messages.send', id: segments[3] }
  }
  return undefined
}

/** The Message-ID header of a send's `raw` message, read without storing anything. */
function peekMessageId(body: unknown): string | undefined {
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['raw'] : undefined
  if (typeof raw !== 'string' || raw === '') return undefined
  return parseMessage(Buffer.from(raw.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url').toString('utf8')).headers[
    'message-id'
  ]
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > MAX_BODY_BYTES) throw googleError('gmail', 413 as number, { message: 'Request Too Large' })
    chunks.push(buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new GoogleHttpError(400, {
      error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' },
    })
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // Google pretty-prints by default; the client must send/accept application/json [V].
  sendText(res, status, `${JSON.stringify(body, null, 2)}\n`, 'application/json; charset=UTF-8', headers)
}

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    vary: 'Origin, X-Origin, Referer',
    ...headers,
  })
  res.end(text)
}

function sendError(res: ServerResponse, error: GoogleHttpError, done: (status: number) => void): void {
  if (typeof error.body === 'string') sendText(res, error.status, error.body, 'text/html; charset=UTF-8', error.headers)
  else sendJson(res, error.status, error.body, error.headers)
  done(error.status)
}
