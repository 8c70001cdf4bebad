import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../../errors.js'
import { authenticateStaff, type Staff } from '../../services/tokens.js'
import type { Deps } from '../../deps.js'

declare module 'fastify' {
  interface FastifyRequest {
    staff: Staff | null
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

function requiresStaff(schema: { security?: unknown[] } | undefined): boolean {
  return Array.isArray(schema?.security) && schema.security.length > 0
}

/**
 * Staff authentication with `Authorization: Bearer <token>`. A route is staff-only when its schema
 * declares `security` (so the OpenAPI spec and the behaviour cannot disagree), and every route that
 * changes anything must declare it: the app refuses to boot otherwise.
 */
export function registerAuth(app: FastifyInstance, deps: Deps): void {
  app.decorateRequest('staff', null)

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const writes = methods.some((m) => !READ_METHODS.has(m))
    if (writes && !requiresStaff(route.schema as { security?: unknown[] }) && !route.url.startsWith('/docs')) {
      throw new Error(`route ${methods.join(',')} ${route.url} changes data but does not declare staff security`)
    }
  })

  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (!requiresStaff(request.routeOptions.schema as { security?: unknown[] } | undefined)) return
    const header = request.headers.authorization
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    if (!match) {
      throw new AppError('unauthorized', 'missing-token', 'This route needs a staff token: send Authorization: Bearer <token>')
    }
    const staff = await authenticateStaff(deps.database.db, match[1]!, deps.config.staffToken)
    if (!staff) throw new AppError('unauthorized', 'invalid-token', 'The bearer token is not a valid staff token (wrong or revoked)')
    request.staff = staff
  })
}
