import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import { listAudit } from '../../services/audit.js'
import { errors, staffOnly } from '../schemas/common.js'
import { AuditPage, AuditQuery } from '../schemas/audit.js'

export function auditRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.get(
      '/audit',
      {
        config: { role: 'admin' },
        schema: {
          tags: ['audit'],
          summary: 'The audit log: every staff write, the tick’s changes and token management, newest first',
          description:
            'Filters combine (all must match). Paginated: pass the answer’s `nextCursor` as `cursor` for the next, older page. People appear as person references only.',
          security: staffOnly,
          querystring: AuditQuery,
          response: { 200: AuditPage, ...errors(400, 401) },
        },
      },
      async (request) => listAudit(db, request.query),
    )
  }
}
