// The console's API types (web/src/api/openapi.d.ts) are generated from openapi/openapi.json by
// `npm run web:types` and committed: this fails when they drift, so a changed route cannot go
// unnoticed by the console (whose type-check, `tsc -p web`, then shows what to adapt).
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { ROOT } from '../../src/paths.js'

t.test('web/src/api/openapi.d.ts is what openapi-typescript makes of openapi/openapi.json', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-web-types-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const output = path.join(dir, 'openapi.d.ts')
  await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), 'openapi/openapi.json', '-o', output],
    { cwd: ROOT },
  )
  t.equal(
    fs.readFileSync(path.join(ROOT, 'web', 'src', 'api', 'openapi.d.ts'), 'utf8'),
    fs.readFileSync(output, 'utf8'),
    'web/src/api/openapi.d.ts is stale: run `npm run web:types`, then `npm run build` (tsc -p web) and commit',
  )
})
