import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../app.js'
import { loadConfig } from '../config.js'
import { openPglite } from '../db/client.js'
import { formsClientFor, mailerFor, systemClock } from '../deps.js'

export const OPENAPI_FILE = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url))

/** The OpenAPI document exactly as the app serves it at /docs/json, serialised stably. */
export function serialiseSpec(spec: unknown): string {
  return JSON.stringify(spec, null, 2) + '\n'
}

/** `npm run openapi`: writes openapi/openapi.json from the routes' schemas (no database is touched). */
async function main(): Promise<void> {
  // An in-memory database: building the app reads no data, but Deps wants a real one.
  const database = await openPglite(null)
  const config = loadConfig({ LOG_LEVEL: 'silent' })
  const app = await buildApp({
    config,
    database,
    clock: systemClock,
    forms: formsClientFor(config),
    mailer: mailerFor(config, { info() {} }),
  })
  const served = await app.inject({ method: 'GET', url: '/docs/json' })
  if (served.statusCode !== 200) throw new Error(`/docs/json answered ${served.statusCode}: ${served.body}`)
  fs.writeFileSync(OPENAPI_FILE, serialiseSpec(served.json()))
  await app.close()
  await database.close()
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
