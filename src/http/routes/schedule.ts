import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Deps } from '../../deps.js'
import { getSchedule, getScheduleIcs } from '../../services/schedule.js'
import { errors } from '../schemas/common.js'
import { TeamParams } from '../schemas/teams.js'
import { Schedule, ScheduleQuery } from '../schemas/schedule.js'

export function scheduleRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.get(
      '/teams/:team/schedule',
      {
        schema: {
          tags: ['schedule'],
          summary: 'Existing and planned calls with the seats each will fill, and the terms ending meanwhile',
          params: TeamParams,
          querystring: ScheduleQuery,
          response: { 200: Schedule, ...errors(400, 404) },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'public, max-age=300')
        return getSchedule(db, request.params.team, request.query.years ?? 3, deps.clock())
      },
    )

    app.get(
      '/teams/:team/schedule.ics',
      {
        schema: {
          tags: ['schedule'],
          summary: 'The schedule as an iCalendar feed (RFC 5545) for calendar apps',
          params: TeamParams,
          querystring: ScheduleQuery,
          produces: ['text/calendar'],
          response: { 200: Type.String({ description: 'text/calendar' }), ...errors(400, 404) },
        },
      },
      async (request, reply) => {
        const ics = await getScheduleIcs(db, request.params.team, request.query.years ?? 3, deps.clock())
        return reply
          .header('content-type', 'text/calendar; charset=utf-8')
          .header('content-disposition', `inline; filename="${request.params.team}-schedule.ics"`)
          .header('cache-control', 'public, max-age=300')
          .send(ics)
      },
    )
  }
}
