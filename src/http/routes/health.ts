import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.js'
import { errors } from '../schemas/common.js'

const Status = Type.Object({ status: Type.String() })

export interface Lifecycle {
  /** True once shutdown has begun: /readyz answers 503 so load balancers stop sending traffic. */
  shuttingDown: boolean
}

/** Seconds a client is asked to wait before trying again (another instance, or this one restarted). */
const SHUTDOWN_RETRY_AFTER_SECONDS = 5

/**
 * Once shutdown begins (server.ts sets `lifecycle.shuttingDown`; closing the app sets it too), new
 * requests are answered 503 `shutting-down` in the API's error shape, with `Connection: close`, while
 * requests already in progress finish. /healthz still answers: the process is alive until it exits.
 * Replaces fastify's return503OnClosing, whose body is not ours (buildApp turns it off).
 */
export function registerShutdownGate(app: FastifyInstance, lifecycle: Lifecycle): void {
  app.addHook('preClose', async () => {
    lifecycle.shuttingDown = true
  })
  // A callback hook, not an async one: every request passes here, the cached roster included.
  app.addHook('onRequest', (request, reply, done) => {
    if (!lifecycle.shuttingDown || request.url === '/healthz') return done()
    reply
      .status(503)
      .header('connection', 'close')
      .header('retry-after', String(SHUTDOWN_RETRY_AFTER_SECONDS))
      .send({ error: { code: 'shutting-down', message: 'rota is shutting down; try again shortly' } })
  })
}

export function healthRoutes(deps: Deps, lifecycle: Lifecycle): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/healthz',
      {
        schema: { tags: ['health'], summary: 'Liveness: 200 while the process runs', response: { 200: Status } },
      },
      async () => ({ status: 'ok' }),
    )

    app.get(
      '/readyz',
      {
        schema: {
          tags: ['health'],
          summary: 'Readiness: 200 when the database answers from real storage and migrations are applied',
          description:
            '503 `database-not-ready` when a table cannot be read (or, on the embedded database, its files are missing or DATA_DIR takes no write); 503 `shutting-down` during shutdown.',
          response: { 200: Status, ...errors(503) },
        },
      },
      async (request, reply) => {
        if (lifecycle.shuttingDown) {
          return reply.status(503).send({ error: { code: 'shutting-down', message: 'rota is shutting down' } })
        }
        try {
          await deps.database.checkReady()
        } catch (error) {
          request.log.warn({ err: error }, 'readiness check failed')
          return reply
            .status(503)
            .send({ error: { code: 'database-not-ready', message: 'The database does not answer or is not migrated' } })
        }
        return { status: 'ready' }
      },
    )
  }
}
