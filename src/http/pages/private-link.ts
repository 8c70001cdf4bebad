/**
 * What the pages behind a private, signed link share (a volunteer's status page, a member's
 * check-in): no caching, their own CSP, JSON for API clients and HTML for a browser.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { escapeHtml } from './html.js'

/** The private pages' own CSP: the API's, except that their forms may post back here. */
export const PAGE_CSP = "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/** Whether the client asked for JSON (Accept, or a JSON body) rather than a page. */
export function wantsJson(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? '')
  return /application\/json/i.test(accept) || /application\/json/i.test(String(request.headers['content-type'] ?? ''))
}

/** The view as JSON to an API client, else the page `html` makes; never cached. */
export function respond<View>(
  request: FastifyRequest,
  reply: FastifyReply,
  view: View,
  html: () => string,
): View | FastifyReply {
  reply.header('cache-control', 'no-store')
  if (wantsJson(request)) return view
  return sendPage(reply, html())
}

export function sendPage(reply: FastifyReply, html: string): FastifyReply {
  return reply
    .header('cache-control', 'no-store')
    .header('content-security-policy', PAGE_CSP)
    .type('text/html; charset=utf-8')
    .send(html)
}

export const escape = escapeHtml

/** A whole page: no scripts, no styles, not indexed. */
export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escape(title)}</title></head>
<body>
${body}
</body>
</html>
`
}
