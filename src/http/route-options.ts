import type { RouteOptions } from 'fastify'
import { STAFF_ROLES, type StaffRole } from '../domain/roles.js'

/**
 * What the plugins' onRoute hooks need to know about a route, in one place: whether it changes data,
 * whether it is staff-only, and how to give it hooks of its own (so that a hook runs only on the
 * routes that need it, never on the cached roster).
 */

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The route's methods as a list. */
export function routeMethods(route: Pick<RouteOptions, 'method'>): string[] {
  return Array.isArray(route.method) ? route.method : [route.method]
}

/** True when any of the route's methods may change data (POST, PUT, PATCH, DELETE). */
export function changesData(route: Pick<RouteOptions, 'method'>): boolean {
  return routeMethods(route).some((m) => !READ_METHODS.has(m))
}

/** A route is staff-only when its schema declares `security` (so OpenAPI and behaviour agree). */
export function isStaffRoute(route: { schema?: unknown }): boolean {
  const security = (route.schema as { security?: unknown[] } | undefined)?.security
  return Array.isArray(security) && security.length > 0
}

/** Adds route-level hooks before (`first`) or after the route's own. */
export function addRouteHooks(
  route: RouteOptions,
  kind: 'onRequest' | 'onSend',
  hooks: unknown[],
  where: 'first' | 'last' = 'last',
): void {
  const own = ([] as unknown[]).concat(route[kind] ?? [])
  ;(route as unknown as Record<string, unknown[]>)[kind] = where === 'first' ? [...hooks, ...own] : [...own, ...hooks]
}

/**
 * The role a staff route needs: its own `config: { role }`, or `viewer` for reads and `staff` for
 * writes; null for a public route.
 */
export function requiredRole(route: {
  schema?: unknown
  config?: unknown
  method: RouteOptions['method']
}): StaffRole | null {
  if (!isStaffRoute(route)) return null
  const declared = (route.config as { role?: unknown } | undefined)?.role
  if (declared !== undefined) {
    if (!STAFF_ROLES.includes(declared as StaffRole))
      throw new Error(`unknown role ${JSON.stringify(declared)} on a route`)
    return declared as StaffRole
  }
  return changesData(route) ? 'staff' : 'viewer'
}

/**
 * A public route that changes data only for the holder of a signed link (a volunteer's status link,
 * `config: { signedLink: true }`): the link is its authentication, checked by the service.
 */
export function isSignedLinkRoute(route: { config?: unknown }): boolean {
  return (route.config as { signedLink?: unknown } | undefined)?.signedLink === true
}
