import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import * as members from '../../services/members.js'
import { RosterResponses, type RosterAnswer, type RosterCache, type RosterView } from '../../services/roster.js'
import { errors, staffOnly } from '../schemas/common.js'
import { TeamParams } from '../schemas/teams.js'
import {
  Member,
  MemberList,
  MemberParams,
  NewMember,
  Roster,
  RosterQuery,
  StepDownBody,
  StepDownResult,
} from '../schemas/members.js'

/** The Warning header of a roster served from memory while the database cannot be read. */
const STALE_WARNING = '110 - "Response is Stale"'

/** What the roster service answered, as the reply: a thin adapter (the service decides everything). */
function sendRoster(reply: FastifyReply, answer: RosterAnswer): void {
  reply.header('etag', answer.etag).header('cache-control', answer.cacheControl)
  if (answer.stale) reply.header('x-rota-stale', 'true').header('warning', STALE_WARNING)
  if (answer.notModified) reply.status(304).send()
  else reply.header('content-type', 'application/json; charset=utf-8').send(answer.body)
}

/** The roster route's own serializer for 200 (fast-json-stringify on the Roster schema: what is not in it never leaves). */
function rosterSerializer(reply: FastifyReply): (view: RosterView) => string {
  const serialize = reply.getSerializationFunction('200')
  if (!serialize) throw new Error('the roster route has no 200 response schema')
  return (view) => serialize(view as unknown as Record<string, unknown>)
}

export function memberRoutes(deps: Deps, rosterCache: RosterCache): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    // Made on the first roster read, with the route's own response serializer (see RosterResponses).
    let roster: RosterResponses | undefined

    app.get(
      '/teams/:team/roster',
      {
        schema: {
          tags: ['members'],
          summary: 'The team at an instant (public, no personal data)',
          description:
            'Staff first, then consortium, then community seats, each by term start then name. Supports If-None-Match. ' +
            'While the database cannot be reached, the last roster read is served with `X-Rota-Stale: true` and `Warning: 110 - "Response is Stale"`.',
          params: TeamParams,
          querystring: RosterQuery,
          response: { 200: Roster, 304: { type: 'null', description: 'Not modified.' }, ...errors(400, 404) },
        },
      },
      (request, reply) => {
        roster ??= new RosterResponses(rosterCache, rosterSerializer(reply))
        const answer = roster.answer(
          request.params.team,
          request.query.at,
          request.headers['if-none-match'],
          deps.clock(),
        )
        // Not async: most reads are answered from memory, without a promise.
        if (answer instanceof Promise) return answer.then((ready) => sendRoster(reply, ready))
        sendRoster(reply, answer)
      },
    )

    app.get(
      '/teams/:team/members',
      {
        schema: {
          tags: ['members'],
          summary: 'Every member the team has had, with email and origin (staff only: personal data)',
          security: staffOnly,
          params: TeamParams,
          response: { 200: MemberList, ...errors(401, 404) },
        },
      },
      async (request) => ({ members: await members.listMembers(db, request.params.team) }),
    )

    app.post(
      '/teams/:team/members',
      {
        schema: {
          tags: ['members'],
          summary: 'Appoint a member (staff, or a volunteer recruited by staff)',
          security: staffOnly,
          params: TeamParams,
          body: NewMember,
          response: { 201: Member, ...errors(400, 401, 404, 409) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(
          await members.appointMember(db, request.params.team, request.body, deps.clock(), {
            mailFrom: deps.config.mail.from,
            by: request.staff?.name ?? 'staff',
          }),
        ),
    )

    app.post(
      '/members/:id/step-down',
      {
        schema: {
          tags: ['members'],
          summary: 'A member leaves early; optionally promote the next eligible alternate for the rest of the term',
          security: staffOnly,
          params: MemberParams,
          body: StepDownBody,
          response: { 200: StepDownResult, ...errors(400, 401, 404, 409) },
        },
      },
      async (request) =>
        members.stepDown(db, request.params.id, request.body, deps.clock(), {
          mailFrom: deps.config.mail.from,
          by: request.staff?.name ?? 'staff',
        }),
    )
  }
}
