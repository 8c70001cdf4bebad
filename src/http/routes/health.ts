import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import { errors } from '../schemas/common.js'

const Status = Type.Object({ status: Type.String() })

export interface Lifecycle {
  /** True once shutdown has begun: /readyz answers 503 so load balancers stop sending traffic. */
  shuttingDown: boolean
}

export function healthRoutes(deps: Deps, lifecycle: Lifecycle): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/healthz', {
      schema: { tags: ['health'], summary: 'Liveness: 200 while the process runs', response: { 200: Status } },
    }, async () => ({ status: 'ok' }))

    app.get('/readyz', {
      schema: {
        tags: ['health'],
        summary: 'Readiness: 200 when the database answers and migrations are applied',
        response: { 200: Status, ...errors(503) },
      },
    }, async (request, reply) => {
      if (lifecycle.shuttingDown) {
        return reply.status(503).send({ error: { code: 'shutting-down', message: 'rota is shutting down' } })
      }
      try {
        await deps.database.checkReady()
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed')
        return reply.status(503).send({ error: { code: 'database-not-ready', message: 'The database does not answer or is not migrated' } })
      }
      return { status: 'ready' }
    })
  }
}
