import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The folder of rota's package.json: found by walking up from this module, so that it is the same
 * whether this code runs from src/ (tests, scripts), from tsc's dist/ tree or from the bundle in
 * dist/ (`npm start`), where a fixed `../..` would point to different places.
 */
function findRoot(): { root: string; version: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = path.join(dir, 'package.json')
    if (fs.existsSync(manifest)) {
      const { name, version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string; version: string }
      if (name === 'rota') return { root: dir, version }
    }
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error(`rota's package.json was not found above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
}

const found = findRoot()

export const ROOT = found.root

/** rota's version, from its package.json. */
export const VERSION = found.version

/** The SQL migrations (drizzle-kit's output), shipped beside dist/. */
export const MIGRATIONS_FOLDER = path.join(ROOT, 'drizzle')
