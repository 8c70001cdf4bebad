/**
 * `npm run build`'s second step: bundles what `npm start` runs (tsc's dist/server.js and every module
 * it loads) into dist/server.js and a few chunks beside it, with esbuild, source maps chained to tsc's
 * (and so to src/). Why: on Node.js 20 a restart spent a fifth of its time loading ~400 small ES
 * modules (rota's own, TypeBox's and drizzle's); one file each loads in a fraction of that.
 *
 * Only rota's code, TypeBox, drizzle-orm and JSON data are bundled; every other package stays an
 * import of node_modules (native parts, WebAssembly and files they read beside themselves, and
 * CommonJS packages, are left as their authors ship them). Modules rota loads only when needed
 * (googleapis, pg, nodemailer, the /docs plugins, the PostgreSQL driver) stay loaded only when needed:
 * a dynamic import is its own chunk. The rest of dist/ (the CLIs, tests' compiled imports) is tsc's.
 */
import path from 'node:path'
import { build } from 'esbuild'
import { ROOT } from '../paths.js'

const BUNDLED = /^(@sinclair\/typebox|drizzle-orm)(\/|$)/

const dist = path.join(ROOT, 'dist')
const result = await build({
  entryPoints: [path.join(dist, 'server.js')],
  outdir: dist,
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  sourcemap: true,
  // Chunks are named by content: a changed build never half-reuses an old one.
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  metafile: true,
  plugins: [
    {
      name: 'node_modules stay external but for TypeBox and drizzle',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          BUNDLED.test(args.path) || args.path.endsWith('.json') ? undefined : { path: args.path, external: true },
        )
      },
    },
  ],
})
const inputs = Object.keys(result.metafile.inputs).length
const outputs = Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.js')).length
process.stdout.write(`bundled ${inputs} modules into dist/server.js and ${outputs - 1} chunks\n`)
