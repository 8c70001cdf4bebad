import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import { FEED_FORMATS, FEED_RENDERERS, loadYamlWriter, type FeedFormat } from '../../services/feeds.js'
import { RosterResponses, type RosterAnswer, type RosterCache, type RosterView } from '../../services/roster.js'
import { errors } from '../schemas/common.js'
import { RosterQuery } from '../schemas/members.js'
import { TeamParams } from '../schemas/teams.js'
import { RosterFeed, ROSTER_SCHEMA_PATH, ROSTER_SCHEMA_VERSION, rosterJsonSchema } from '../schemas/feeds.js'

/** What a feed route reads from its request. */
interface FeedRequest {
  params: { team: string }
  query: { at?: string }
  headers: { 'if-none-match'?: string }
}

const STALE_WARNING = '110 - "Response is Stale"'

/** A feed answer as the reply, with the format's media type (the roster route's adapter, per format). */
function sendFeed(reply: FastifyReply, answer: RosterAnswer, contentType: string): void {
  reply.header('etag', answer.etag).header('cache-control', answer.cacheControl)
  if (answer.stale) reply.header('x-rota-stale', 'true').header('warning', STALE_WARNING)
  if (answer.notModified) reply.status(304).send()
  else reply.header('content-type', contentType).send(answer.body)
}

const FEED_DESCRIPTION =
  'The members serving at `at` (default now). Public, no personal data. Cached like the roster: ETag and If-None-Match (304), ' +
  '`Cache-Control: public, max-age` of at most 60 s and never past the next term boundary, CORS `*`.'

/**
 * The roster as feeds for static sites: `roster.json` (with its JSON Schema), `roster.yml`,
 * `roster.md`, `roster.html`. Each format is answered from memory the way the roster is (a
 * RosterResponses of its own, on the same roster cache), so a site's build costs rota almost nothing;
 * the roster route itself is untouched.
 */
export function feedRoutes(deps: Deps, rosterCache: RosterCache): FastifyPluginAsyncTypebox {
  const schemaRef = `${deps.config.publicUrl ?? ''}${ROSTER_SCHEMA_PATH}`
  const schemaBody = JSON.stringify(rosterJsonSchema(), null, 2)
  return async (app) => {
    app.get(
      ROSTER_SCHEMA_PATH,
      {
        schema: {
          tags: ['feeds'],
          summary: 'The JSON Schema of roster.json, version 1 (public)',
          response: { 200: { type: 'object', additionalProperties: true, description: 'A JSON Schema (draft-07).' } },
        },
      },
      (_request, reply) => {
        reply
          .header('content-type', 'application/schema+json; charset=utf-8')
          .header('cache-control', 'public, max-age=86400')
          .send(schemaBody)
      },
    )

    let json: RosterResponses | undefined
    app.get(
      '/teams/:team/roster.json',
      {
        schema: {
          tags: ['feeds'],
          summary: `The roster as versioned JSON (schema: ${ROSTER_SCHEMA_PATH})`,
          description: FEED_DESCRIPTION,
          params: TeamParams,
          querystring: RosterQuery,
          response: { 200: RosterFeed, 304: { type: 'null', description: 'Not modified.' }, ...errors(400, 404) },
        },
      },
      (request, reply) => {
        if (!json) {
          // The route's own serializer: what is not in RosterFeed never leaves.
          const serialize = reply.getSerializationFunction('200')!
          json = new RosterResponses(
            rosterCache,
            (view) =>
              serialize({ $schema: schemaRef, version: ROSTER_SCHEMA_VERSION, ...view } as unknown as Record<
                string,
                unknown
              >),
            'json',
          )
        }
        const answer = json.answer(
          request.params.team,
          request.query.at,
          request.headers['if-none-match'],
          deps.clock(),
        )
        const contentType = 'application/json; charset=utf-8'
        if (answer instanceof Promise) return answer.then((ready) => sendFeed(reply, ready, contentType))
        sendFeed(reply, answer, contentType)
      },
    )

    const summaries: Record<FeedFormat, string> = {
      yml: 'The roster as a Jekyll `_data` file: a YAML list of `{ name, institution, role, term_start, term_end }`',
      md: 'The roster as a Markdown table',
      html: 'The roster as an HTML fragment (a table; no script, no style)',
    }
    for (const format of Object.keys(FEED_FORMATS) as FeedFormat[]) {
      const render = FEED_RENDERERS[format]
      const responses = new RosterResponses(rosterCache, (view: RosterView) => render(view), format)
      const contentType = FEED_FORMATS[format]
      const answerFeed = (request: FeedRequest, reply: FastifyReply): Promise<void> | undefined => {
        const answer = responses.answer(
          request.params.team,
          request.query.at,
          request.headers['if-none-match'],
          deps.clock(),
        )
        if (answer instanceof Promise) return answer.then((ready) => sendFeed(reply, ready, contentType))
        sendFeed(reply, answer, contentType)
        return undefined
      }
      app.get(
        `/teams/:team/roster.${format}`,
        {
          schema: {
            tags: ['feeds'],
            summary: summaries[format],
            description: FEED_DESCRIPTION,
            params: TeamParams,
            querystring: RosterQuery,
            produces: [contentType.split(';')[0]!],
            response: {
              200: { type: 'string', description: `${format} text.` },
              304: { type: 'null', description: 'Not modified.' },
              ...errors(400, 404),
            },
          },
        },
        (request, reply) => {
          // roster.yml's first answer waits for the YAML writer (not loaded while rota starts).
          const loading = format === 'yml' ? loadYamlWriter() : undefined
          if (loading) return loading.then(() => answerFeed(request, reply))
          return answerFeed(request, reply)
        },
      )
    }
  }
}
