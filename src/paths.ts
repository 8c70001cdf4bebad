import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The folder of rota's package.json: found by walking up from this module, so that it is the same
 * whether this code runs from src/ (tests, scripts), from tsc's dist/ tree or from the bundle in
 * dist/ (`npm start`), where a fixed `../..` would point to different places.
 */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = path.join(dir, 'package.json')
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'rota')
      return dir
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error(`rota's package.json was not found above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
}

export const ROOT = findRoot()

/** rota's version, from its package.json. */
export const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version

/** The SQL migrations (drizzle-kit's output), shipped beside dist/. */
export const MIGRATIONS_FOLDER = path.join(ROOT, 'drizzle')
