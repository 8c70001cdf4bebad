import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../../errors.js'
import { authenticateStaff, type Staff } from '../../services/tokens.js'
import type { Deps } from '../../deps.js'
import { tooManyRequests } from './security.js'
import {
  addRouteHooks,
  changesData,
  isSignedLinkRoute,
  isStaffRoute,
  requiredRole,
  routeMethods,
} from '../route-options.js'
import { roleAllows, type StaffRole } from '../../domain/roles.js'
import { ErrorBody } from '../schemas/common.js'

declare module 'fastify' {
  interface FastifyRequest {
    staff: Staff | null
  }
  interface FastifyContextConfig {
    /** The role a staff route needs (default: viewer for GET, staff for writes). */
    role?: StaffRole
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
 *
 * Roles: each staff route needs `viewer`, `staff` or `admin` (requiredRole); a token with a lesser
 * role gets 403 `forbidden-role` naming the role needed, an expired token 401 `token-expired`.
 */
export function registerAuth(app: FastifyInstance, deps: Deps): void {
  const limit = deps.config.authFailureLimit
  const failures = limit > 0 ? app.createRateLimit({ max: limit, timeWindow: 60_000 }) : null

  app.decorateRequest('staff', null)
  // When each token's lastUsedAt was last written by this process (at most once a minute).
  const lastWrites = new Map<string, number>()

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
    const found = await authenticateStaff(deps.database.db, match[1]!, deps.config.staffToken, deps.clock(), lastWrites)
    if (found && 'expired' in found) {
      request.log.warn(
        { ip: request.ip, method: request.method, route: request.routeOptions.url },
        'staff authentication failed: expired token',
      )
      throw new AppError('unauthorized', 'token-expired', 'This staff token has expired: ask an admin for a new one')
    }
    if (!found) {
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
    request.staff = found.staff
    const needed = (request.routeOptions.config as { role?: StaffRole }).role ?? 'viewer'
    if (!roleAllows(found.staff.role, needed))
      throw new AppError(
        'forbidden',
        'forbidden-role',
        `This route needs a token with the ${needed} role; this one is ${found.staff.role}`,
        { needed, held: found.staff.role },
      )
  }

  // Only staff routes get the hook: public reads (the cached roster) pay nothing for authentication.
  app.addHook('onRoute', (route) => {
    const staffOnly = isStaffRoute(route)
    if (changesData(route) && !staffOnly && !route.url.startsWith('/docs') && !isSignedLinkRoute(route)) {
      throw new Error(
        `route ${routeMethods(route).join(',')} ${route.url} changes data but does not declare staff security`,
      )
    }
    if (!staffOnly) return
    // The role is settled here, once: the hook reads it from the route's config.
    route.config = { ...(route.config as object | undefined), role: requiredRole(route)! } as typeof route.config
    const schema = route.schema as { response?: Record<string, unknown> } | undefined
    if (schema?.response && !schema.response[403])
      schema.response[403] = {
        ...ErrorBody,
        description: "`forbidden-role`: the token's role is below the one this route needs (x-rota-role).",
      }
    // First of the route's own hooks, so that the write limit (registerSecurity) counts staff writes only.
    addRouteHooks(route, 'onRequest', [authenticate], 'first')
  })
}
