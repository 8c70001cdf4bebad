import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { AppError, type ErrorKind } from '../../errors.js'
import { patternMessage } from '../schemas/text.js'
import { errors } from '../schemas/common.js'
import {
  DATABASE_RETRY_AFTER_SECONDS,
  databaseUnavailable,
  describeDatabaseError,
  isDatabaseUnavailable,
} from '../../db/unavailable.js'

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  gone: 410,
  conflict: 409,
  'too-large': 413,
  unprocessable: 422,
  upstream: 502,
  unavailable: 503,
}

/** Fastify's own 4xx errors, given codes that read like ours. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid-content-length',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported-media-type',
}

interface AjvError {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

/** `/policy/seats/0` in `body` → `body.policy.seats[0]`. */
function fieldPath(context: string, instancePath: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
  return parts.reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part}`), context)
}

function describe(context: string, error: AjvError): { field: string; message: string } {
  const base = fieldPath(context, error.instancePath)
  if (error.keyword === 'additionalProperties') {
    return { field: `${base}.${String(error.params.additionalProperty)}`, message: 'is not an allowed field' }
  }
  if (error.keyword === 'required') {
    return { field: `${base}.${String(error.params.missingProperty)}`, message: 'is required' }
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params.allowedValues as unknown[]).map(String)
    return { field: base, message: `must be one of ${allowed.join(', ')}` }
  }
  if (error.keyword === 'pattern') {
    const message = patternMessage(String(error.params.pattern))
    if (message) return { field: base, message }
  }
  return { field: base, message: error.message ?? 'is invalid' }
}

/** A 415 that names the content types the route reads (those its body schema documents). */
function unsupportedMediaType(request: FastifyRequest): string {
  const body = (request.routeOptions.schema as { body?: { content?: Record<string, unknown> } } | undefined)?.body
  const accepted = body?.content ? Object.keys(body.content) : ['application/json']
  const sent = request.headers['content-type']
  const what = sent
    ? `Content-Type ${JSON.stringify(sent.split(';')[0]!.trim())} is not read here`
    : 'The request has a body but no Content-Type'
  return `${what}; send ${accepted.join(' or ')}${accepted.includes('text/csv') ? ' (a CSV export as text/csv, JSON as application/json)' : ''}`
}

/**
 * Every error leaves rota in one JSON shape, `{ error: { code, message, details? } }`: validation
 * errors are 400 and name the field, unknown routes 404, a database that cannot be reached 503
 * `database-unavailable` with Retry-After, and a 5xx is logged but never shows its stack or message
 * to the client.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  // Any route may meet an unreachable database or a shutdown: each documents its 503 (not /healthz,
  // which touches nothing, nor the docs).
  const unavailable = errors(503)[503]
  app.addHook('onRoute', (route) => {
    if (route.url === '/healthz' || route.url.startsWith('/docs')) return
    const schema = route.schema as { response?: Record<string, unknown>; hide?: boolean } | undefined
    if (schema?.response && !schema.hide && !schema.response[503]) schema.response[503] = unavailable
  })
  // During an outage every request fails the same way: log the first, then a count every 10 s.
  let unavailableSince = 0
  let unavailableCount = 0
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (!(error instanceof AppError) && isDatabaseUnavailable(error)) {
      unavailableCount++
      if (Date.now() - unavailableSince >= 10_000) {
        // Code and message only: a query error carries the query's parameters, which may be personal data.
        request.log.warn(
          { db: describeDatabaseError(error), requests: unavailableCount },
          'database unavailable; answering 503',
        )
        unavailableSince = Date.now()
        unavailableCount = 0
      }
      error = databaseUnavailable()
    }
    if (error instanceof AppError) {
      if (error.code === 'database-unavailable') reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
      const body = {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
        },
      }
      return reply.status(STATUS[error.kind]).send(body)
    }
    if (error.validation) {
      const context = error.validationContext ?? 'request'
      const problems = (error.validation as AjvError[]).map((e) => describe(context, e))
      const first = problems[0]!
      return reply.status(400).send({
        error: { code: 'validation-failed', message: `${first.field} ${first.message}`, details: { problems } },
      })
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      const code = FASTIFY_CODES[error.code] ?? (status === 400 ? 'bad-request' : `http-${status}`)
      const message = code === 'unsupported-media-type' ? unsupportedMediaType(request) : error.message
      return reply.status(status).send({ error: { code, message } })
    }
    request.log.error({ err: error }, 'request failed')
    return reply.status(status >= 500 && status < 600 ? status : 500).send({
      error: { code: 'internal-error', message: 'Something went wrong on our side; it has been logged.' },
    })
  })

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({
      error: { code: 'route-not-found', message: `There is no route ${request.method} ${request.url.split('?')[0]}` },
    })
  })
}
