import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { PAGE_CSP, renderErrorPage } from './pages/public-page.js'

/** The quality an Accept header gives `type/subtype`: its most specific matching range wins (RFC 9110 §12.5.1). */
function quality(ranges: Array<{ type: string; subtype: string; q: number }>, type: string, subtype: string): number {
  let best = { specificity: -1, q: 0 }
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === '*'
          ? 1
          : range.type === '*' && range.subtype === '*'
            ? 0
            : -1
    if (specificity > best.specificity) best = { specificity, q: range.q }
  }
  return best.q
}

/**
 * True when the client prefers HTML to JSON: a browser (`text/html,…,*\/*;q=0.8`). A client that sends
 * no Accept, `*\/*`, `application/json`, or ranks both the same gets JSON, as API clients always have.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false
  const ranges = accept.split(',').map((part) => {
    const [range = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase())
    const [type = '', subtype = ''] = range.split('/')
    const qParam = params.find((p) => p.startsWith('q='))
    const q = qParam === undefined ? 1 : Number(qParam.slice(2))
    return { type, subtype, q: Number.isFinite(q) ? Math.min(1, Math.max(0, q)) : 0 }
  })
  const htmlQ = quality(ranges, 'text', 'html')
  return htmlQ > 0 && htmlQ > quality(ranges, 'application', 'json')
}

/** A weak validator for a body. */
export function weakEtag(body: string): string {
  return `W/"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`
}

/** True when the request's If-None-Match names `etag`. */
export function notModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match']
  return header !== undefined && (header.trim() === '*' || header.split(/\s*,\s*/).includes(etag))
}

/** Sends a page with the pages' security policy (its own stylesheet, nothing else). */
export function sendPage(reply: FastifyReply, page: string): FastifyReply {
  return reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(page)
}

/**
 * onSend hook of the routes that serve pages: an error answered to a browser becomes a page that
 * says what the JSON error says (an unknown team: a 404 page), with the same status.
 */
export function errorsAsPages(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: Error | null, payload?: unknown) => void,
): void {
  if (reply.statusCode < 400 || typeof payload !== 'string' || !prefersHtml(request.headers.accept)) {
    done(null, payload)
    return
  }
  let message = 'Something went wrong.'
  try {
    const parsed = JSON.parse(payload) as { error?: { message?: unknown } }
    if (typeof parsed.error?.message === 'string') message = parsed.error.message
  } catch {
    // not the API's error shape: the generic message
  }
  reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', PAGE_CSP)
    .header('vary', 'Accept')
  done(null, renderErrorPage(reply.statusCode, message))
}
