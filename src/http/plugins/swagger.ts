import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifySchema,
  type RouteOptions,
} from 'fastify'
import type { FastifyDynamicSwaggerOptions, SwaggerTransform } from '@fastify/swagger'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { requiredRole, routeMethods } from '../route-options.js'
import { VERSION } from '../../paths.js'
import path from 'node:path'

const require = createRequire(import.meta.url)

/**
 * Swagger UI's own default logo, read here and now: left to the plugin, it is read asynchronously
 * while the app is built, a wait of up to a few hundred milliseconds of rota's start on a busy machine.
 */
function defaultLogo(): { type: string; content: Buffer } | undefined {
  try {
    return {
      type: 'image/svg+xml',
      content: readFileSync(path.join(path.dirname(require.resolve('@fastify/swagger-ui')), 'static', 'logo.svg')),
    }
  } catch {
    return undefined // elsewhere in another version: the plugin reads its default itself
  }
}

/** The Content-Security-Policy of /docs (the rest of the API sends `default-src 'none'`). */
export const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; form-action 'self'; frame-ancestors 'none'; " +
  "img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'"

/** `POST /calls/:id/responses` → `postCallsByIdResponses`: the operationId of a route that names none. */
export function operationId(method: string, url: string): string {
  const words = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? `by-${segment.slice(1)}` : segment))
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
  return method.toLowerCase() + words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('')
}

/**
 * What every operation in the document states, whether or not its route wrote it down: `security: []`
 * on public routes (no `security` is how a route says it is public: see isStaffRoute), and an
 * operationId derived from method and path. Only the document changes, never the route's own schema.
 */
const documentOperation: SwaggerTransform = ({ schema, url, route }) => {
  if (!schema || schema.hide) return { schema, url }
  const methods = routeMethods(route)
  const documented: FastifySchema = { ...schema, security: schema.security ?? [] }
  if (!documented.operationId && methods.length === 1) documented.operationId = operationId(methods[0]!, url)
  return { schema: documented, url }
}

/** `/calls/:id` → `/calls/{id}`, as the document writes paths. */
function documentPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
}

/** Adds `x-rota-role` (requiredRole) to each staff operation: the role its token needs. */
function withRoles<T>(document: T, routes: RouteOptions[]): T {
  const paths = (document as { paths?: Record<string, Record<string, Record<string, unknown>>> }).paths ?? {}
  for (const route of routes) {
    const role = requiredRole(route)
    if (role === null) continue
    for (const method of routeMethods(route)) {
      const operation = paths[documentPath(route.url)]?.[method.toLowerCase()]
      if (operation) operation['x-rota-role'] = role
    }
  }
  return document
}

/** What every document says beside its paths. */
const DOCUMENT: FastifyDynamicSwaggerOptions['openapi'] = {
  openapi: '3.1.0',
  info: {
    title: 'rota',
    version: VERSION,
    description:
      "Volunteer selection and team rotation for a community's Code of Conduct Team. " +
      'Read routes are public and never expose personal data; write routes need a staff bearer token.',
  },
  // rota has no fixed public address: paths are relative to the host that serves this document.
  servers: [{ url: '/', description: 'The rota instance serving this document' }],
  tags: [
    { name: 'health', description: 'Liveness and readiness' },
    { name: 'teams', description: 'Teams and their selection policy' },
    {
      name: 'institutions',
      description: 'Institutions volunteers come from, their aliases and IIIF Consortium membership',
    },
    { name: 'calls', description: 'Calls for volunteers, their responses and first-come selection' },
    {
      name: 'members',
      description: 'The public roster, and team members with their terms (staff: includes emails)',
    },
    { name: 'schedule', description: 'Calls to come and terms ending: JSON and an iCalendar feed' },
    { name: 'templates', description: 'The wording of each kind of email rota sends, per team' },
    {
      name: 'outbox',
      description: 'Every email rota queued, exactly once each; the tick that queues and sends them',
    },
    { name: 'tokens', description: 'Staff tokens and their roles (admin)' },
    { name: 'audit', description: 'Who changed what and when: the append-only audit log (admin)' },
    {
      name: 'people',
      description: "One person's data on request: everything rota holds about them, and its erasure (admin)",
    },
  ],
  components: {
    securitySchemes: {
      staffToken: {
        type: 'http',
        scheme: 'bearer',
        description:
          'A staff token from `npm run token -- create`, `POST /tokens`, or STAFF_TOKEN. Each token has a role, and each ' +
          'staff operation states the role it needs as `x-rota-role`: `viewer` reads every staff route (responses with ' +
          'emails, the outbox, the audit log) and changes nothing; `staff` also runs calls and the team (imports, ' +
          'closes, appointments, step-downs, templates, the outbox); `admin` also manages tokens, changes a team ' +
          '(policy, addresses) and erases personal data. STAFF_TOKEN is admin. A lesser role gets 403 ' +
          '`forbidden-role`; an expired token 401 `token-expired`.',
      },
    },
  },
}

/** Headers of the docs app's answers that the HTTP server sets for itself. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'content-length'])

/**
 * The app that serves /docs: @fastify/swagger (its OpenAPI document built from `routes`, rota's own
 * route options with their TypeBox schemas, in the order rota registered them) and @fastify/swagger-ui,
 * on routes whose handlers are never called. Validators and serializers are never compiled either.
 */
async function buildDocsApp(routes: RouteOptions[]): Promise<FastifyInstance> {
  const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
  ])
  const docs = Fastify({ logger: false })
  docs.setValidatorCompiler(() => () => true)
  docs.setSerializerCompiler(() => (data) => JSON.stringify(data))
  await docs.register(swagger, {
    openapi: DOCUMENT,
    transform: documentOperation,
    transformObject: (document) =>
      withRoles('openapiObject' in document ? document.openapiObject : document.swaggerObject, routes),
  })
  // Swagger UI 5 loads only its own scripts and styles (no inline script; React sets inline styles),
  // so /docs allows 'self' where the API's policy allows nothing. No upgrade-insecure-requests: /docs
  // must still work over plain HTTP on a private host.
  await docs.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP, logo: defaultLogo() })
  const neverCalled = (_request: FastifyRequest, reply: FastifyReply) => reply.code(404).send()
  for (const route of routes)
    docs.route({ method: route.method, url: route.url, schema: route.schema, handler: neverCalled })
  await docs.ready()
  return docs
}

/**
 * The OpenAPI document is built from the routes' own TypeBox schemas; /docs serves it interactively.
 *
 * Both plugins are loaded and set up on the first request to /docs, not at start: they and what they
 * load (a YAML library, a static file server) were a tenth of rota's restart time, for a page most
 * processes never serve. Every route rota registers from here on is remembered (after the other
 * plugins' onRoute hooks have completed its schema, e.g. the 429 answers of staff routes), and /docs
 * answers what a separate app with the two plugins and those routes answers, headers included (its own
 * Content-Security-Policy replaces the API's).
 */
export async function registerSwagger(app: FastifyInstance): Promise<void> {
  const routes: RouteOptions[] = []
  app.addHook('onRoute', (route) => {
    // HEAD routes are fastify's own twins of GET routes: the docs app makes its own.
    if (!route.url.startsWith('/docs') && route.method !== 'HEAD') routes.push(route)
  })
  let docsApp: Promise<FastifyInstance> | undefined
  app.addHook('onClose', async () => {
    if (docsApp) await (await docsApp).close()
  })
  const serveDocs = async (request: FastifyRequest, reply: FastifyReply) => {
    docsApp ??= buildDocsApp(routes)
    const docs = await docsApp.catch((error: unknown) => {
      docsApp = undefined // the next request tries again
      throw error
    })
    const headers = { ...request.headers }
    delete headers.host
    delete headers.connection
    const answer = await docs.inject({ method: request.method as 'GET' | 'HEAD', url: request.url, headers })
    for (const [name, value] of Object.entries(answer.headers))
      if (value !== undefined && !HOP_HEADERS.has(name)) reply.header(name, value)
    return reply.code(answer.statusCode).send(answer.rawPayload)
  }
  for (const url of ['/docs', '/docs/*']) app.get(url, { schema: { hide: true } }, serveDocs)
}
