import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import type { Deps } from './deps.js'
import { registerErrorHandling } from './http/plugins/errors.js'
import { addRouteHooks, changesData } from './http/route-options.js'
import { frameworkErrors } from './http/plugins/framework-errors.js'
import { registerAuth } from './http/plugins/auth.js'
import { registerSwagger } from './http/plugins/swagger.js'
import { registerSecurity } from './http/plugins/security.js'
import { healthRoutes, registerShutdownGate, type Lifecycle } from './http/routes/health.js'
import { teamRoutes } from './http/routes/teams.js'
import { callRoutes } from './http/routes/calls.js'
import { memberRoutes } from './http/routes/members.js'
import { scheduleRoutes } from './http/routes/schedule.js'
import { templateRoutes } from './http/routes/templates.js'
import { outboxRoutes } from './http/routes/outbox.js'
import { adminRoutes } from './http/routes/admin.js'
import { RosterCache, ROSTER_CHANNEL } from './services/roster.js'

import { institutionRoutes } from './http/routes/institutions.js'

export interface AppOptions {
  /** A pino logger; none means no logging (tests). */
  logger?: FastifyBaseLogger
  lifecycle?: Lifecycle
}

function ajv(coerceTypes: boolean | 'array'): Ajv {
  // removeAdditional: false — a body with an unknown key is refused, never silently trimmed.
  const instance = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, coerceTypes, strict: false })
  addFormats.default(instance)
  return instance
}

/** TRUST_PROXY as fastify takes it (a number of hops works at run time but is missing from its types). */
function trustProxy(value: false | number | string): boolean | string | ((address: string, hop: number) => boolean) {
  return typeof value === 'number' ? (_address, hop) => hop < value : value
}

/**
 * Builds the HTTP app on the given dependencies. Bodies are validated strictly (no type coercion,
 * unknown keys refused); query strings and path parameters are coerced, as they are text on the wire.
 */
export async function buildApp(deps: Deps, options: AppOptions = {}): Promise<FastifyInstance> {
  const lifecycle = options.lifecycle ?? { shuttingDown: false }
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: 5 * 1024 * 1024,
    trustProxy: trustProxy(deps.config.trustProxy),
    forceCloseConnections: 'idle',
    // During shutdown, registerShutdownGate answers in the API's error shape instead.
    return503OnClosing: false,
    // No per-request access log: a reverse proxy keeps one, and at info level it would cost the
    // roster half its throughput. Failures are still logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // A URL fastify cannot decode (e.g. %ED%A0%80) still gets rota's coded error shape.
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>()

  const strict = ajv(false)
  const lenient = ajv('array')
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema))

  // The roster is served from memory; any successful write here, or NOTIFY from another instance, refreshes it.
  const rosterCache = new RosterCache(deps.database.db)
  const unlisten = await rosterCache.listen(deps.database)
  app.addHook('onClose', async () => unlisten())
  // Only routes that write carry this hook: the roster and other reads pay nothing for it.
  const refreshRosterAfterWrite = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (reply.statusCode < 400) {
      rosterCache.invalidate()
      try {
        await deps.database.notify(deps.database.db, ROSTER_CHANNEL, 'changed')
      } catch (error) {
        // The write itself succeeded; other instances catch up when their LISTEN connection reconnects.
        request.log.warn({ err: error }, 'could not notify other instances of a change')
      }
    }
    return payload
  }
  app.addHook('onRoute', (route) => {
    if (changesData(route)) addRouteHooks(route, 'onSend', [refreshRosterAfterWrite])
  })

  registerErrorHandling(app)
  registerShutdownGate(app, lifecycle)
  // Security headers, CORS on public reads, per-address limits (wrong tokens, writes): before any route.
  await registerSecurity(app, deps.config)
  registerAuth(app, deps)
  await registerSwagger(app)

  await app.register(healthRoutes(deps, lifecycle))
  await app.register(teamRoutes(deps))
  await app.register(institutionRoutes(deps))
  await app.register(callRoutes(deps))
  await app.register(memberRoutes(deps, rosterCache))
  await app.register(scheduleRoutes(deps))
  await app.register(templateRoutes(deps))
  await app.register(outboxRoutes(deps))
  await app.register(adminRoutes(deps))

  return app
}
