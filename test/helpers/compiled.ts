/**
 * The compiled service (`npm run build` → dist/), for tests that start rota as a real process, as
 * `npm start` does: `node dist/server.js`, no TypeScript loader in the child (faster to start, and
 * what production runs). `npm test` builds before running tap; a single file run by hand
 * (`npx tap test/server.ts`) needs `npm run build` first, and says so rather than testing old code.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SRC = path.join(ROOT, 'src')
const DIST = path.join(ROOT, 'dist')

/** The first source file whose compiled `.js` is missing or older than it, or null when dist/ is current. */
export function staleSource(): string | null {
  for (const entry of fs.readdirSync(SRC, { recursive: true })) {
    const relative = String(entry)
    if (!relative.endsWith('.ts') || relative.endsWith('.d.ts')) continue
    const source = path.join(SRC, relative)
    const output = path.join(DIST, relative.replace(/\.ts$/, '.js'))
    let built: fs.Stats
    try {
      built = fs.statSync(output)
    } catch {
      return `src/${relative}`
    }
    if (built.mtimeMs < fs.statSync(source).mtimeMs) return `src/${relative}`
  }
  return null
}

let checked = false

/**
 * The path of a compiled module relative to the repository (`compiled('server.js')` →
 * `dist/server.js`), after checking once that dist/ was built from the current sources.
 */
export function compiled(file: string): string {
  if (!checked) {
    const stale = staleSource()
    if (stale)
      throw new Error(
        `dist/ is not built from the current sources (${stale} is newer or not compiled): run \`npm run build\` (npm test does)`,
      )
    checked = true
  }
  return path.join('dist', file)
}
