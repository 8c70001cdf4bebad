import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import { tick } from '../../services/tick.js'
import { errors, staffOnly } from '../schemas/common.js'
import { TickReport } from '../schemas/outbox.js'

/** Staff operations on rota itself: running the tick on demand. */
export function adminRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/admin/tick',
      {
        schema: {
          tags: ['outbox'],
          summary: 'Run the tick now: open, remind, close and schedule calls, queue term notices, send the outbox',
          description:
            'The same function node-cron runs every TICK_CRON. Idempotent: a second tick at once finds nothing to do.',
          security: staffOnly,
          response: { 200: TickReport, ...errors(401) },
        },
      },
      async (request) => tick(deps, deps.clock(), request.staff?.name ?? 'staff'),
    )
  }
}
