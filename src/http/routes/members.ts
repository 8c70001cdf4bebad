import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import * as members from '../../services/members.js'
import { AppError } from '../../errors.js'
import { InvalidInstantError, instantFromDate, parseInstant } from '../../domain/time.js'
import type { RosterCache } from '../../services/roster.js'
import { errors, staffOnly } from '../schemas/common.js'
import { TeamParams } from '../schemas/teams.js'
import { Member, MemberList, MemberParams, NewMember, Roster, RosterQuery, StepDownBody, StepDownResult } from '../schemas/members.js'

/** Browsers and proxies may keep a roster this long; ETag revalidation makes any change visible after it. */
const MAX_AGE_SECONDS = 60

export function memberRoutes(deps: Deps, rosterCache: RosterCache): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.get('/teams/:team/roster', {
      schema: {
        tags: ['members'],
        summary: 'The team at an instant (public, no personal data)',
        description: 'Staff first, then consortium, then community seats, each by term start then name. Supports If-None-Match.',
        params: TeamParams,
        querystring: RosterQuery,
        response: { 200: Roster, 304: { type: 'null', description: 'Not modified.' }, ...errors(400, 404) },
      },
    }, async (request, reply) => {
      let t
      try {
        t = request.query.at === undefined ? instantFromDate(deps.clock()) : parseInstant(request.query.at)
      } catch (error) {
        if (!(error instanceof InvalidInstantError)) throw error
        throw new AppError('invalid', 'invalid-instant', `querystring.at must be an RFC 3339 timestamp with an offset: ${error.problem}`)
      }
      const { view, etag, validUntil } = await rosterCache.rosterAt(request.params.team, t)
      const untilChange = validUntil === null ? MAX_AGE_SECONDS : Math.floor((validUntil.getTime() - deps.clock().getTime()) / 1000)
      const maxAge = request.query.at === undefined ? Math.max(0, Math.min(MAX_AGE_SECONDS, untilChange)) : MAX_AGE_SECONDS
      reply.header('etag', etag).header('cache-control', `public, max-age=${maxAge}`)
      if (request.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) return reply.status(304).send()
      return view
    })

    app.get('/teams/:team/members', {
      schema: {
        tags: ['members'],
        summary: 'Every member the team has had, with email and origin (staff only: personal data)',
        security: staffOnly,
        params: TeamParams,
        response: { 200: MemberList, ...errors(401, 404) },
      },
    }, async (request) => ({ members: await members.listMembers(db, request.params.team) }))

    app.post('/teams/:team/members', {
      schema: {
        tags: ['members'],
        summary: 'Appoint a member (staff, or a volunteer recruited by staff)',
        security: staffOnly,
        params: TeamParams,
        body: NewMember,
        response: { 201: Member, ...errors(400, 401, 404, 409) },
      },
    }, async (request, reply) => reply.status(201).send(await members.appointMember(db, request.params.team, request.body, deps.clock())))

    app.post('/members/:id/step-down', {
      schema: {
        tags: ['members'],
        summary: 'A member leaves early; optionally promote the next eligible alternate for the rest of the term',
        security: staffOnly,
        params: MemberParams,
        body: StepDownBody,
        response: { 200: StepDownResult, ...errors(400, 401, 404, 409) },
      },
    }, async (request) => members.stepDown(db, request.params.id, request.body, deps.clock()))
  }
}
