import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../../errors.js'
import { authenticateStaff, type Staff } from '../../services/tokens.js'
import type { Deps } from '../../deps.js'
import { tooManyRequests } from './security.js'
import { addRouteHooks, changesData, isSignedLinkRoute, isStaffRoute, routeMethods } from '../route-options.js'

declare module 'fastify' {
  interface FastifyRequest {
    staff: Staff | null
  }
}

/**
 * Staff authentication with `Authorization: Bearer <token>`. A route is staff-only when its schema
 * declares `security` (so the OpenAPI spec and the behaviour cannot disagree), and every route that
 * changes anything must declare it: the app refuses to boot otherwise.
 *
 * Guessing is slowed down: after AUTH_FAILURE_LIMIT wrong tokens in a minute from one address, every
 * staff request from it gets 429 (right token or not) until the minute is over. Each wrong token is
 * logged with the address and route, never with the token. Needs @fastify/rate-limit registered
 * first (registerSecurity).
 */
export function registerAuth(app: FastifyInstance, deps: Deps): void {
  const limit = deps.config.authFailureLimit
  const failures = limit > 0 ? app.createRateLimit({ max: limit, timeWindow: 60_000 }) : null

  app.decorateRequest('staff', null)

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    if (failures) {
      const seen = await failures(request, { increment: false })
      if (!seen.isAllowed && seen.remaining === 0) {
        request.log.warn(
          { ip: request.ip, method: request.method, route: request.routeOptions.url },
          'staff request refused: too many wrong tokens from this address',
        )
        return tooManyRequests(
          reply,
          seen.ttlInSeconds,
          'too-many-auth-failures',
          `${limit} wrong staff tokens within a minute from this address (AUTH_FAILURE_LIMIT)`,
        )
      }
    }
    const header = request.headers.authorization
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    if (!match) {
      throw new AppError(
        'unauthorized',
        'missing-token',
        'This route needs a staff token: send Authorization: Bearer <token>',
      )
    }
    const staff = await authenticateStaff(deps.database.db, match[1]!, deps.config.staffToken)
    if (!staff) {
      if (failures) await failures(request)
      request.log.warn(
        { ip: request.ip, method: request.method, route: request.routeOptions.url },
        'staff authentication failed: wrong or revoked token',
      )
      throw new AppError(
        'unauthorized',
        'invalid-token',
        'The bearer token is not a valid staff token (wrong or revoked)',
      )
    }
    request.staff = staff
  }

  // Only staff routes get the hook: public reads (the cached roster) pay nothing for authentication.
  app.addHook('onRoute', (route) => {
    const staffOnly = isStaffRoute(route)
    if (changesData(route) && !staffOnly && !route.url.startsWith('/docs') && !isSignedLinkRoute(route)) {
      throw new Error(
        `route ${routeMethods(route).join(',')} ${route.url} changes data but does not declare staff security`,
      )
    }
    // First of the route's own hooks, so that the write limit (registerSecurity) counts staff writes only.
    if (staffOnly) addRouteHooks(route, 'onRequest', [authenticate], 'first')
  })
}
