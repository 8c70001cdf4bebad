import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import * as reports from '../../services/report.js'
import { CallParams } from '../schemas/calls.js'
import { errors, staffOnly } from '../schemas/common.js'
import { PublicReport } from '../schemas/report.js'

/** The public selection report of a closed call: staff publish it, anyone reads it and can verify it. */
export function reportRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.post(
      '/calls/:id/report/publish',
      {
        schema: {
          tags: ['calls'],
          summary: 'Publish the call’s selection report (after its close)',
          description:
            'Makes GET /calls/{id}/report public: every response in first-come order with no names or emails (see README, "Checking a selection"). The report was anonymised when the call closed, from exactly what the close decided. Idempotent. 409 `call-not-closed` before the close. A reopen keeps a published report readable, marked `superseded`; publish the next close’s report anew.',
          security: staffOnly,
          params: CallParams,
          response: { 200: PublicReport, ...errors(401, 404, 409) },
        },
      },
      async (request) => reports.publishReport(db, request.params.id, request.staff?.name ?? 'staff', deps.clock()),
    )

    app.get(
      '/calls/:id/report',
      {
        schema: {
          tags: ['calls'],
          summary: 'The call’s published selection report (public)',
          description:
            'Check it with `npm run verify -- report.json`. 404 `report-not-published` until staff publish it.',
          params: CallParams,
          response: { 200: PublicReport, ...errors(404) },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-cache')
        return reports.getReport(db, request.params.id)
      },
    )
  }
}
