/** `npm run bench`: runs every benchmark under test/bench/ in turn and prints its figures. */
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('.', import.meta.url))
const only = process.argv[2]
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'bare-server.ts').sort()) {
  if (only && !file.includes(only)) continue
  console.log(`\n# ${file.replace(/\.ts$/, '')}  (node ${process.version}, ${new Date().toISOString()})`)
  await import(new URL(file, import.meta.url).href)
}
