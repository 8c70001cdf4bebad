// `npm test`'s first step, before tap: type-check src/ and test/, then make sure dist/ is what src/
// compiles to (the tests that start rota as a process run dist/server.js). Both are cheap when
// nothing changed, so that running the suite again (CI runs it three times) does not compile twice
// each time:
//
// - The type-check is `tsc -b` on tsconfig.json (incremental; its build info is kept in
//   node_modules/.cache/rota/). tsc -b re-checks when a file of src/ or test/ or a tsconfig changed;
//   it does not look at node_modules, so the build info is dropped first when the installed
//   packages changed since (npm writes node_modules/.package-lock.json on every install).
// - The staff console (web/) is type-checked the same way, with its own tsconfig.
// - dist/ is rebuilt with `npm run build` (rm -rf dist, then tsc, then the bundle, then the console: a clean build, so
//   no file of a deleted source stays behind) when it is not exactly the output of the current src/: a source
//   newer than its output or without one, an output without a source, or a tsconfig or TypeScript
//   newer than the build; or dist/web older than a file of web/.
//
// Plain JavaScript, so that it runs before anything is compiled.
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SRC = path.join(ROOT, 'src')
const DIST = path.join(ROOT, 'dist')
const WEB = path.join(ROOT, 'web')

const mtime = (file) => {
  try {
    return fs.statSync(file).mtimeMs
  } catch {
    return null
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

// ----- type-check -------------------------------------------------------------------------------
const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'))
const buildInfo = path.join(ROOT, tsconfig.compilerOptions.tsBuildInfoFile)
const installed =
  mtime(path.join(ROOT, 'node_modules', '.package-lock.json')) ?? mtime(path.join(ROOT, 'package-lock.json'))
const checked = mtime(buildInfo)
if (checked !== null && installed !== null && installed > checked) fs.rmSync(buildInfo)
const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
run(process.execPath, [tsc, '-b', 'tsconfig.json'])
// The staff console (web/, its own tsconfig: DOM, JSX), whose API types come from openapi/openapi.json.
run(process.execPath, [tsc, '-b', path.join('web', 'tsconfig.json')])

// ----- dist/ ------------------------------------------------------------------------------------
/** Why dist/ is not the output of the current src/, or null when it is. */
function staleness() {
  if (!fs.existsSync(DIST)) return 'dist/ does not exist'
  const sources = new Set()
  let oldestOutput = Infinity
  for (const entry of fs.readdirSync(SRC, { recursive: true })) {
    const relative = String(entry)
    if (!relative.endsWith('.ts') || relative.endsWith('.d.ts')) continue
    const base = relative.slice(0, -'.ts'.length)
    sources.add(base)
    const source = mtime(path.join(SRC, relative))
    for (const output of [`${base}.js`, `${base}.js.map`]) {
      const built = mtime(path.join(DIST, output))
      if (built === null) return `dist/${output} is missing`
      if (built < source) return `src/${relative} changed since dist/${output} was built`
      oldestOutput = Math.min(oldestOutput, built)
    }
  }
  for (const entry of fs.readdirSync(DIST, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const relative = path.relative(DIST, path.join(entry.parentPath ?? entry.path, entry.name))
    if (relative.startsWith(`chunks${path.sep}`)) continue // the bundle's (src/cli/bundle.ts), made with dist/server.js
    if (relative.startsWith(`web${path.sep}`)) continue // the console's (Vite's output of web/), checked below
    const base = relative.replace(/\.js(\.map)?$/, '')
    if (base === relative || !sources.has(base)) return `dist/${relative} has no source in src/`
  }
  for (const input of ['tsconfig.json', 'tsconfig.build.json', 'node_modules/typescript/package.json']) {
    if ((mtime(path.join(ROOT, input)) ?? 0) > oldestOutput) return `${input} changed since dist/ was built`
  }
  return consoleStaleness()
}

/** Why dist/web is not Vite's output of the current web/, or null when it is. */
function consoleStaleness() {
  const built = mtime(path.join(DIST, 'web', 'index.html'))
  if (built === null) return 'dist/web/index.html is missing'
  for (const entry of fs.readdirSync(WEB, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath ?? entry.path, entry.name)
    if ((mtime(file) ?? 0) > built) return `${path.relative(ROOT, file)} changed since dist/web was built`
  }
  for (const input of ['package-lock.json', 'node_modules/vite/package.json']) {
    if ((mtime(path.join(ROOT, input)) ?? 0) > built) return `${input} changed since dist/web was built`
  }
  return null
}

const stale = staleness()
if (stale === null) {
  console.log('dist/ is the output of the current src/: not rebuilt')
} else {
  console.log(`${stale}: npm run build`)
  // The npm that runs `npm test` (npm_execpath), else the one on PATH.
  if (process.env.npm_execpath) run(process.execPath, [process.env.npm_execpath, 'run', 'build'])
  else run('npm', ['run', 'build'])
}
