import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import { DEFAULT_TEAM, type PublicPages, type PublicPageView } from '../../services/public-page.js'
import { errorsAsPages, notModified, prefersHtml, sendPage, weakEtag } from '../negotiate.js'
import { renderPublicPage } from '../pages/public-page.js'
import { htmlOrJson, htmlOrJsonError, NotModified, PublicPage } from '../schemas/public-page.js'

/** Each page rendered once, with its validators (a page lives as long as PublicPages keeps it). */
const rendered = new WeakMap<PublicPageView, { html: string; htmlEtag: string; jsonEtag: string }>()

function renderedPage(page: PublicPageView) {
  let done = rendered.get(page)
  if (done === undefined) {
    const html = renderPublicPage(page)
    done = { html, htmlEtag: weakEtag(html), jsonEtag: weakEtag(JSON.stringify(page)) }
    rendered.set(page, done)
  }
  return done
}

/**
 * A team's public page for a browser (Accept prefers text/html), with ETag and `no-cache` (a browser
 * revalidates each time, and gets a 304 until anything changes); undefined for any other client, which
 * the route answers as JSON.
 */
export function answerWithPage(
  request: FastifyRequest,
  reply: FastifyReply,
  page: PublicPageView,
  json: 'page' | 'other',
): FastifyReply | undefined {
  const html = prefersHtml(request.headers.accept)
  if (!html && json === 'other') return undefined
  const done = renderedPage(page)
  const etag = html ? done.htmlEtag : done.jsonEtag
  reply.header('etag', etag).header('cache-control', 'public, no-cache')
  if (notModified(request, etag)) return reply.code(304).send()
  return html ? sendPage(reply, done.html) : undefined
}

/** `GET /`: the default team's public page (HTML for browsers, the same as JSON for API clients). */
export function publicPageRoutes(deps: Deps, pages: PublicPages): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/',
      {
        schema: {
          tags: ['teams'],
          summary: "The default team's public page: roster, next call, how to volunteer",
          description:
            `The team \`${DEFAULT_TEAM}\`. Content-negotiated (\`Vary: Accept\`): a browser (Accept preferring \`text/html\`) gets a page, ` +
            'server-rendered without JavaScript; any other client (no Accept, `*/*`, `application/json`) the same content as JSON, ' +
            'with links to the rest of the API. Public: the roster’s fields only, no email. Supports If-None-Match.',
          operationId: 'getPublicPage',
          response: {
            200: htmlOrJson(PublicPage, 'The page (text/html) or its content (application/json).'),
            304: NotModified,
            404: htmlOrJsonError('The default team does not exist.'),
          },
        },
        onSend: errorsAsPages,
      },
      async (request, reply) => {
        reply.header('vary', 'Accept')
        const page = await pages.page(DEFAULT_TEAM, deps.clock())
        return answerWithPage(request, reply, page, 'page') ?? page
      },
    )
  }
}
