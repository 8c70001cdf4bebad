import { execFile } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import t from 'tap'
import { build } from '../helpers/build.js'
import { OPENAPI_FILE, serialiseSpec } from '../../src/cli/openapi.js'

const { app } = await build(t)

t.test(
  'the committed openapi/openapi.json is what the app serves (run `npm run openapi` after changing a route)',
  async (t) => {
    const res = await app.inject({ method: 'GET', url: '/docs/json' })
    t.equal(res.statusCode, 200)
    const served = serialiseSpec(res.json())
    const committed = fs.readFileSync(OPENAPI_FILE, 'utf8')
    t.equal(committed, served, 'openapi/openapi.json is stale: run `npm run openapi` and commit the result')
  },
)

/** One Redocly lint problem, as `redocly lint --format=json` reports it. */
interface Problem {
  ruleId: string
  severity: 'error' | 'warn'
  message: string
  location: Array<{ pointer?: string }>
}

/**
 * `redocly lint --extends recommended` on the committed document, as a developer runs it, offline:
 * no telemetry, no update check, and a proxy that refuses, so that any attempt to reach the network
 * fails at once instead of waiting on it.
 */
async function redoclyLint(
  file: string,
): Promise<{ exitCode: number; totals: { errors: number; warnings: number }; problems: Problem[]; stderr: string }> {
  const cli = path.join(
    path.dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')),
    'bin',
    'cli.js',
  )
  const deadProxy = 'http://127.0.0.1:9'
  const env = {
    ...process.env,
    REDOCLY_TELEMETRY: 'off',
    REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
    HTTPS_PROXY: deadProxy,
    HTTP_PROXY: deadProxy,
    https_proxy: deadProxy,
    http_proxy: deadProxy,
    NO_PROXY: '',
    no_proxy: '',
  }
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, 'lint', file, '--extends', 'recommended', '--format', 'json'],
      { env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        try {
          const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: Problem[] }
          resolve({ exitCode, totals: report.totals, problems: report.problems, stderr })
        } catch {
          reject(new Error(`redocly lint gave no JSON report (exit ${exitCode}): ${stderr}`))
        }
      },
    )
  })
}

t.test("the committed openapi/openapi.json passes Redocly's recommended rules with no error", async (t) => {
  const { exitCode, totals, problems, stderr } = await redoclyLint(OPENAPI_FILE)
  const describe = (p: Problem) => `${p.ruleId} at ${p.location[0]?.pointer ?? '#'}: ${p.message}`
  t.same(
    problems.filter((p) => p.severity === 'error').map(describe),
    [],
    'no errors (run `npx redocly lint openapi/openapi.json` to see them)',
  )
  t.equal(totals.errors, 0, 'Redocly counts no error')
  t.equal(exitCode, 0, `redocly lint succeeds${exitCode === 0 ? '' : `: ${stderr}`}`)
  for (const p of problems.filter((p) => p.severity !== 'error')) t.comment(`warning: ${describe(p)}`)
})

t.test('every operation is tagged, documents its responses, and write operations need the staff token', async (t) => {
  const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as {
    paths: Record<
      string,
      Record<string, { tags?: string[]; responses?: Record<string, unknown>; security?: unknown[] }>
    >
  }
  let operations = 0
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      operations++
      t.ok(op.tags && op.tags.length > 0, `${method} ${path} has a tag`)
      t.ok(
        op.responses && Object.keys(op.responses).some((s) => s.startsWith('2')),
        `${method} ${path} documents a success response`,
      )
      if (path.startsWith('/status/{token}/') || path.startsWith('/check-in/{token}/')) {
        // A volunteer's status link (and a member's check-in link) is its own authentication (signed, per response, expiring).
        t.same(op.security ?? [], [], `${method} ${path} is opened by the signed link alone`)
        t.ok(op.responses?.['404'] && op.responses['410'], `${method} ${path} documents 404 and 410 for bad links`)
      } else if (method !== 'get' && method !== 'head') {
        t.same(op.security, [{ staffToken: [] }], `${method} ${path} requires the staff token`)
        t.ok(op.responses?.['401'], `${method} ${path} documents 401`)
      }
    }
  }
  t.ok(operations >= 5, `the spec lists the routes (${operations})`)
})

t.test('interactive docs are served at /docs', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/html/)
  t.match(res.body, /swagger/i)
})
