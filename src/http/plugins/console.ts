import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT } from '../../paths.js'

/** Where `npm run build` puts the staff console (Vite's output of web/). */
export const CONSOLE_DIR = path.join(ROOT, 'dist', 'web')

/**
 * The console's Content-Security-Policy: its own scripts, styles and images, calls to rota's own API,
 * nothing inline, nothing from another host (the console must work on a closed network). The API's
 * policy (`default-src 'none'`, src/http/plugins/security.ts) stays on every other answer.
 */
export const CONSOLE_CSP =
  "default-src 'none'; base-uri 'none'; connect-src 'self'; font-src 'self'; form-action 'none'; " +
  "frame-ancestors 'none'; img-src 'self' data:; manifest-src 'self'; object-src 'none'; script-src 'self'; " +
  "script-src-attr 'none'; style-src 'self'"

/** Headers of the static app's answers that the HTTP server sets for itself. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'content-length'])

/**
 * The app that serves dist/web with @fastify/static: Vite's hashed assets cached for a year, the page
 * itself revalidated each time (so a new build is picked up), and any other path under /console/ (a
 * client route such as /console/calls/…, opened directly or reloaded) answered with the page.
 */
async function buildConsoleApp(root: string): Promise<FastifyInstance> {
  const { default: fastifyStatic } = await import('@fastify/static')
  const app = Fastify({ logger: false })
  await app.register(fastifyStatic, {
    root,
    prefix: '/console/',
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders(res, file) {
      res.setHeader(
        'cache-control',
        file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      )
    },
  })
  const page = (_request: FastifyRequest, reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html')
  app.get('/console', (_request, reply) => reply.redirect('/console/', 301))
  app.get('/console/', page)
  app.setNotFoundHandler((request, reply) => {
    // A missing asset is a 404, not the page (a stale tab asking for an old build's script).
    const pathname = request.url.split('?')[0]!
    if (/\.[a-z0-9]+$/i.test(pathname)) return reply.code(404).type('text/plain').send('Not found')
    return page(request, reply)
  })
  await app.ready()
  return app
}

/**
 * The staff console at /console/: a single-page app (web/, built into dist/web by `npm run build`),
 * a client of the API like any other. As with /docs, the static file server is loaded and set up on
 * the first request to /console, not while rota starts, and the routes added here carry no hooks of
 * their own, so no other route (the cached roster) pays anything for the console.
 */
export function registerConsole(app: FastifyInstance, root = CONSOLE_DIR): void {
  let consoleApp: Promise<FastifyInstance> | undefined
  app.addHook('onClose', async () => {
    if (consoleApp) await (await consoleApp).close()
  })
  const serveConsole = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!fs.existsSync(path.join(root, 'index.html')))
      return reply.code(503).send({
        error: { code: 'console-not-built', message: 'The staff console is not built: run npm run build' },
      })
    consoleApp ??= buildConsoleApp(root)
    const served = await consoleApp.catch((error: unknown) => {
      consoleApp = undefined // the next request tries again
      throw error
    })
    const headers = { ...request.headers }
    delete headers.host
    delete headers.connection
    const answer = await served.inject({ method: request.method as 'GET' | 'HEAD', url: request.url, headers })
    for (const [name, value] of Object.entries(answer.headers))
      if (value !== undefined && !HOP_HEADERS.has(name)) reply.header(name, value)
    return reply
      .code(answer.statusCode)
      .header('content-security-policy', CONSOLE_CSP)
      .header('cross-origin-opener-policy', 'same-origin')
      .send(answer.rawPayload)
  }
  for (const url of ['/console', '/console/*']) app.get(url, { schema: { hide: true } }, serveConsole)
}
