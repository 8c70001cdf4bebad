import fs from 'node:fs'
import path from 'node:path'

/**
 * Every file under `folder`, recursively, whose bytes hold one of `needles` (as UTF-8): its path
 * relative to `folder`, with the needles found. Binary files (database pages, WAL segments) too.
 */
export function filesHolding(folder: string, needles: readonly string[]): { file: string; found: string[] }[] {
  const patterns = needles.map((needle) => ({ needle, bytes: Buffer.from(needle, 'utf8') }))
  const hits: { file: string; found: string[] }[] = []
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.isFile()) {
        const content = fs.readFileSync(full)
        const found = patterns.filter((p) => content.includes(p.bytes)).map((p) => p.needle)
        if (found.length > 0) hits.push({ file: path.relative(folder, full), found })
      }
    }
  }
  walk(folder)
  return hits
}

/** A person's name and email address as rota may have stored them: as given, and in lower case. */
export function needlesOf(person: { name: string; email: string }): string[] {
  return [...new Set([person.name, person.email, person.email.toLowerCase()])]
}
