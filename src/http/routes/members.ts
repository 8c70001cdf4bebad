import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import { listMembers } from '../../services/members.js'
import { errors, staffOnly } from '../schemas/common.js'
import { TeamParams } from '../schemas/teams.js'
import { MemberList } from '../schemas/calls.js'

export function memberRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.get('/teams/:team/members', {
      schema: {
        tags: ['members'],
        summary: "Every member the team has had, with email and origin (staff only: personal data)",
        security: staffOnly,
        params: TeamParams,
        response: { 200: MemberList, ...errors(401, 404) },
      },
    }, async (request) => ({ members: await listMembers(db, request.params.team) }))
  }
}
