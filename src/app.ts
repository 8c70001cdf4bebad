import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { createRequire } from 'node:module'
import type * as AjvModule from 'ajv'
import type { Ajv, AnySchema, ValidateFunction } from 'ajv'
import type addFormatsPlugin from 'ajv-formats'
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import type { Bindings, ChildLoggerOptions } from 'pino'
import type { Deps } from './deps.js'
import { registerErrorHandling } from './http/plugins/errors.js'
import { addRouteHooks, changesData } from './http/route-options.js'
import { frameworkErrors } from './http/plugins/framework-errors.js'
import { registerAuth } from './http/plugins/auth.js'
import { registerSwagger } from './http/plugins/swagger.js'
import { registerConsole } from './http/plugins/console.js'
import { registerSecurity } from './http/plugins/security.js'
import { healthRoutes, registerShutdownGate, type Lifecycle } from './http/routes/health.js'
import { teamRoutes } from './http/routes/teams.js'
import { callRoutes } from './http/routes/calls.js'
import { approvalRoutes } from './http/routes/approval.js'
import { memberRoutes } from './http/routes/members.js'
import { scheduleRoutes } from './http/routes/schedule.js'
import { templateRoutes } from './http/routes/templates.js'
import { outboxRoutes } from './http/routes/outbox.js'
import { adminRoutes } from './http/routes/admin.js'
import { reportRoutes } from './http/routes/reports.js'
import { statusRoutes } from './http/routes/status.js'
import { checkInRoutes } from './http/routes/check-ins.js'
import { peopleRoutes } from './http/routes/people.js'
import { RosterCache, ROSTER_CHANNEL } from './services/roster.js'
import { PublicPages } from './services/public-page.js'
import { publicPageRoutes } from './http/routes/public-page.js'
import { webhookRoutes } from './http/routes/webhooks.js'
import { feedRoutes } from './http/routes/feeds.js'
import { announceChanges } from './services/webhooks.js'

import { institutionRoutes } from './http/routes/institutions.js'
import { tokenRoutes } from './http/routes/tokens.js'
import { auditRoutes } from './http/routes/audit.js'

export interface AppOptions {
  /** A pino logger; none means no logging (tests). */
  logger?: FastifyBaseLogger
  lifecycle?: Lifecycle
}

const require = createRequire(import.meta.url)

/**
 * A validator compiler. Ajv (a CommonJS package) is loaded with the first one, that is with the first
 * request that needs a validator (see compiledOnFirstUse): not while rota starts.
 */
function ajv(coerceTypes: boolean | 'array'): Ajv {
  const { Ajv: AjvClass } = require('ajv') as typeof AjvModule
  const addFormats = require('ajv-formats') as typeof addFormatsPlugin
  // removeAdditional: false — a body with an unknown key is refused, never silently trimmed.
  const instance = new AjvClass({
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    coerceTypes,
    strict: false,
  })
  addFormats.default(instance)
  return instance
}

/**
 * A validator compiled on its first use rather than when the app starts. fastify compiles every
 * route's validators and response serializers at start (a second of CPU on a 2-core machine, most of
 * rota's start time beyond its database's); each is now compiled by the first request that needs it,
 * with the same schema and the same compiler, so what is accepted, refused or sent is unchanged.
 */
function compiledOnFirstUse(compile: () => ValidateFunction): ValidateFunction {
  let validate: ValidateFunction | undefined
  const lazy = ((data: unknown) => {
    validate ??= compile()
    const valid = validate(data)
    lazy.errors = validate.errors // fastify reads a failed validation's errors here
    return valid
  }) as ValidateFunction
  return lazy
}

/** fastify's own response serializers (fast-json-stringify), each compiled on its first use (see compiledOnFirstUse). */
function serializersCompiledOnFirstUse(): SerializerSelector.SerializerFactory {
  const factory = SerializerSelector()
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options)
    return (route) => {
      let serialize: SerializerSelector.Serializer | undefined
      return (data) => (serialize ??= compile(route))(data)
    }
  }
}

/**
 * A request's logger (`request.log`), made a pino child of the app's logger (bound to the request's
 * id) only when something logs through it. fastify makes one for every request, and most requests
 * log nothing: making the child cost more than answering the cached roster.
 */
class RequestLogger {
  private made: FastifyBaseLogger | undefined

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options))
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level
  }

  set level(level: string) {
    this.logger.level = level
  }

  fatal(...args: unknown[]): void {
    ;(this.logger.fatal as (...a: unknown[]) => void)(...args)
  }

  error(...args: unknown[]): void {
    ;(this.logger.error as (...a: unknown[]) => void)(...args)
  }

  warn(...args: unknown[]): void {
    ;(this.logger.warn as (...a: unknown[]) => void)(...args)
  }

  info(...args: unknown[]): void {
    ;(this.logger.info as (...a: unknown[]) => void)(...args)
  }

  debug(...args: unknown[]): void {
    ;(this.logger.debug as (...a: unknown[]) => void)(...args)
  }

  trace(...args: unknown[]): void {
    ;(this.logger.trace as (...a: unknown[]) => void)(...args)
  }

  silent(...args: unknown[]): void {
    ;(this.logger.silent as (...a: unknown[]) => void)(...args)
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options)
  }
}

/**
 * The app's logger, whose children (fastify makes one per request) are RequestLoggers. Given this
 * way rather than as a childLoggerFactory, fastify need not check each request's logger either.
 */
function withRequestLoggers(logger: FastifyBaseLogger): FastifyBaseLogger {
  // Inherits everything from the pino logger (pino's own children are made the same way).
  const app = Object.create(logger) as FastifyBaseLogger
  app.child = (bindings, childOptions) =>
    new RequestLogger(logger, bindings, childOptions ?? {}) as unknown as FastifyBaseLogger
  return app
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
  // Created with the first validator they compile (see compiledOnFirstUse).
  let strict: Ajv | undefined
  let lenient: Ajv | undefined
  const validatorCompiler = ({ schema, httpPart }: { schema: AnySchema; httpPart?: string }) =>
    compiledOnFirstUse(() =>
      (httpPart === 'body' ? (strict ??= ajv(false)) : (lenient ??= ajv('array'))).compile(schema),
    )
  const app = Fastify({
    ...(options.logger ? { loggerInstance: withRequestLoggers(options.logger) } : { logger: false }),
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
    // Given here rather than with setValidatorCompiler, fastify does not load its default (unused) ajv compiler.
    schemaController: {
      compilersFactory: { buildValidator: () => validatorCompiler, buildSerializer: serializersCompiledOnFirstUse() },
    },
  }).withTypeProvider<TypeBoxTypeProvider>()

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
      try {
        // roster.changed now rather than at the next tick (which announces it if this fails).
        await announceChanges(deps, deps.clock())
      } catch (error) {
        request.log.warn({ err: error }, 'could not check for webhook events after a change')
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
  registerConsole(app)

  await app.register(healthRoutes(deps, lifecycle))
  const pages = new PublicPages(deps.database.db, rosterCache)
  await app.register(publicPageRoutes(deps, pages))
  await app.register(teamRoutes(deps, pages))
  await app.register(institutionRoutes(deps))
  await app.register(callRoutes(deps))
  await app.register(approvalRoutes(deps))
  await app.register(memberRoutes(deps, rosterCache))
  await app.register(scheduleRoutes(deps))
  await app.register(templateRoutes(deps))
  await app.register(outboxRoutes(deps))
  await app.register(adminRoutes(deps))
  await app.register(tokenRoutes(deps))
  await app.register(auditRoutes(deps))
  await app.register(reportRoutes(deps))
  await app.register(statusRoutes(deps))
  // Check-ins (issue 14).
  await app.register(checkInRoutes(deps))
  await app.register(peopleRoutes(deps))
  await app.register(webhookRoutes(deps))
  await app.register(feedRoutes(deps, rosterCache))

  return app
}
