import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import helmet, { type HelmetOptions } from 'helmet'
import rateLimit from '@fastify/rate-limit'
import type { Config } from '../../config.js'
import { ErrorBody } from '../schemas/common.js'
import { addRouteHooks, changesData, isStaffRoute, routeMethods } from '../route-options.js'

/**
 * The API's Content-Security-Policy: its answers are JSON and iCalendar, never a page, so nothing may
 * load, run or frame. /docs has its own policy (src/http/plugins/swagger.ts).
 */
const HELMET: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
  },
  frameguard: { action: 'deny' },
  // Headers for HTML documents or long-gone browsers (IE, Flash): an API answering JSON has no use for
  // them, and each costs every request, the cached roster included.
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
}

/**
 * The headers helmet sets, computed once. Helmet's middleware rebuilds nothing that varies by request
 * for rota's options (no CSP nonces), so it runs once, on a response that only records what it is
 * given, and one hook copies those headers onto every reply (as @fastify/helmet would, at a fraction
 * of the cost: it runs the middleware on every request, which cost the cached roster about a third of
 * its throughput, and computing them through a probe fastify app cost a quarter of a second at start).
 */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value)
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()]
    },
  }
  let failure: unknown
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    failure = error
  })
  if (failure) throw failure instanceof Error ? failure : new Error('helmet refused its options', { cause: failure })
  return headers
}

/** `/teams/:team/schedule.ics` → a RegExp matching the concrete paths of that route. */
function pathPattern(url: string): RegExp {
  const source = url
    .split(/(:[A-Za-z0-9_]+|\*)/)
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${source}/?$`)
}

/** 429 in the API's error shape, with Retry-After in seconds. */
export function tooManyRequests(
  reply: FastifyReply,
  retryAfterSeconds: number,
  code: string,
  message: string,
): FastifyReply {
  const seconds = Math.max(1, retryAfterSeconds)
  return reply
    .code(429)
    .header('retry-after', String(seconds))
    .send({ error: { code, message: `${message}; try again in ${seconds} s` } })
}

/**
 * Security headers (helmet) on every reply; CORS for public reads only; a per-address limit on writes;
 * and @fastify/rate-limit ready for the auth plugin's limit on wrong tokens. Register before any route.
 *
 * CORS: a route without `security` in its schema is public, so any site's scripts may read it
 * (`Access-Control-Allow-Origin: *`, with ETag exposed, and a preflight allowing If-None-Match). A
 * staff route answers no CORS header at all, so browsers keep other sites' scripts away from it.
 * Nothing is ever added to public reads but those headers: the cached roster keeps its throughput.
 */
export async function registerSecurity(app: FastifyInstance, config: Config): Promise<void> {
  const headers = helmetHeaders(HELMET)
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })

  await app.register(rateLimit, { global: false })
  const writeLimit =
    config.writeRateLimit > 0 ? app.createRateLimit({ max: config.writeRateLimit, timeWindow: 60_000 }) : null
  const limitWrites = async (request: FastifyRequest, reply: FastifyReply) => {
    const state = await writeLimit!(request)
    if (state.isAllowed || !state.isExceeded) return
    request.log.warn(
      { ip: request.ip, method: request.method, route: request.routeOptions.url },
      'write rate limit reached',
    )
    return tooManyRequests(
      reply,
      state.ttlInSeconds,
      'rate-limited',
      `More than ${config.writeRateLimit} changes a minute from this address (WRITE_RATE_LIMIT)`,
    )
  }

  const publicPaths: RegExp[] = []
  const staffPaths: RegExp[] = []
  const allowPublicRead = (_request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.header('access-control-allow-origin', '*').header('access-control-expose-headers', 'ETag')
    done()
  }
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.url.startsWith('/docs') || route.method === 'OPTIONS') return
    const methods = routeMethods(route)
    const staff = isStaffRoute(route)
    if (staff) {
      // Both limits answer 429 on staff routes: say so in the OpenAPI document.
      const schema = route.schema as { response?: Record<string, unknown> } | undefined
      if (schema?.response && !schema.response[429])
        schema.response[429] = {
          ...ErrorBody,
          description: 'Too many wrong tokens or changes from this address; see Retry-After.',
        }
    }
    const added: Array<(request: FastifyRequest, reply: FastifyReply, done: () => void) => void> = []
    if (methods.includes('GET') || methods.includes('HEAD')) {
      ;(staff ? staffPaths : publicPaths).push(pathPattern(route.url))
      if (!staff) added.push(allowPublicRead)
    }
    if (writeLimit && changesData(route)) added.push(limitWrites as never)
    if (added.length > 0) addRouteHooks(route, 'onRequest', added)
  })

  // Preflight: only for public reads (If-None-Match is not a CORS-safelisted header, so a script that
  // revalidates the roster needs one); any other OPTIONS request is a route that does not exist.
  app.options('*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0]!
    const method = String(request.headers['access-control-request-method'] ?? '').toUpperCase()
    const isPublic = publicPaths.some((p) => p.test(path)) && !staffPaths.some((p) => p.test(path))
    if (!isPublic || (method !== 'GET' && method !== 'HEAD')) return reply.callNotFound()
    return reply
      .code(204)
      .header('access-control-allow-origin', '*')
      .header('access-control-allow-methods', 'GET, HEAD')
      .header('access-control-allow-headers', 'If-None-Match')
      .header('access-control-max-age', '86400')
      .send()
  })
}
