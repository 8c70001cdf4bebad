import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import * as members from '../../services/members.js'
import { instantFromDate } from '../../domain/time.js'
import { readInstant } from '../../services/instants.js'
import type { RosterCache } from '../../services/roster.js'
import { errors, staffOnly } from '../schemas/common.js'
import { TeamParams } from '../schemas/teams.js'
import { Member, MemberList, MemberParams, NewMember, Roster, RosterQuery, StepDownBody, StepDownResult } from '../schemas/members.js'

/** Browsers and proxies may keep a roster this long; ETag revalidation makes any change visible after it. */
const MAX_AGE_SECONDS = 60
/** A roster served stale during a database outage may be kept this long at most. */
const STALE_MAX_AGE_SECONDS = 5

export function memberRoutes(deps: Deps, rosterCache: RosterCache): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    // Ready-to-send rosters by team and instant (to the second): most reads are a lookup.
    const payloads = new Map<string, { generation: number; body: string; etag: string; validUntil: Date | null; stale: boolean }>()

    app.get('/teams/:team/roster', {
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
    }, async (request, reply) => {
      const now = deps.clock()
      // Without `at`, the roster now, to the second: the team changes on term boundaries, not by the millisecond.
      const atText = request.query.at ?? new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString()
      const key = `${request.params.team}\u0000${atText}`
      let cached = payloads.get(key)
      // A stale roster is not reused: each read asks the cache, which retries the database.
      if (!cached || cached.generation !== rosterCache.generation || cached.stale) {
        const t = request.query.at === undefined ? instantFromDate(new Date(atText)) : readInstant(atText, 'querystring.at')
        const generation = rosterCache.generation
        const { view, etag, validUntil, stale } = await rosterCache.rosterAt(request.params.team, t)
        // The route's response schema serialises it, so nothing outside the schema (no email) can leave.
        const fresh = { generation, body: reply.serialize(view) as string, etag, validUntil, stale }
        if (payloads.size >= 1000) payloads.clear()
        payloads.set(key, fresh)
        cached = fresh
      }
      const untilChange = cached.validUntil === null ? MAX_AGE_SECONDS : Math.floor((cached.validUntil.getTime() - now.getTime()) / 1000)
      let maxAge = request.query.at === undefined ? Math.max(0, Math.min(MAX_AGE_SECONDS, untilChange)) : MAX_AGE_SECONDS
      if (cached.stale) {
        // The last roster read before the database became unreachable: say so, and let nobody keep it long.
        reply.header('x-rota-stale', 'true').header('warning', '110 - "Response is Stale"')
        maxAge = Math.min(maxAge, STALE_MAX_AGE_SECONDS)
      }
      reply.header('etag', cached.etag).header('cache-control', `public, max-age=${maxAge}`)
      if (request.headers['if-none-match']?.split(/\s*,\s*/).includes(cached.etag)) return reply.status(304).send()
      return reply.type('application/json; charset=utf-8').send(cached.body)
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
