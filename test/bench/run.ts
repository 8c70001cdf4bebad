/**
 * `npm run bench [name]`: runs every benchmark under test/bench/ in turn (or only test/bench/<name>.ts),
 * then prints every goal's verdict and exits 1 when any goal is missed or any benchmark failed.
 */
import fs from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { goalResults, passes } from './goals.js'

/** Files here that are not benchmarks themselves. */
const HELPERS = new Set(['run.ts', 'goals.ts', 'servers.ts'])

const dir = fileURLToPath(new URL('.', import.meta.url))
const benches = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !HELPERS.has(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort()
const only = process.argv[2]
if (only !== undefined && !benches.includes(only)) {
  console.error(`no benchmark named ${JSON.stringify(only)}; there are: ${benches.join(', ')}`)
  process.exit(2)
}

const cpus = os.cpus()
console.log(
  `${new Date().toISOString()}  node ${process.version}  ${os.platform()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
)

const failed: Array<{ bench: string; error: unknown }> = []
for (const bench of only === undefined ? benches : [only]) {
  console.log(`\n# ${bench}  (${new Date().toISOString()})`)
  try {
    await import(new URL(`${bench}.ts`, import.meta.url).href)
  } catch (error) {
    // A benchmark that cannot finish has not shown that it meets its goals.
    console.error(`benchmark ${bench} failed:`, error)
    failed.push({ bench, error })
  }
}

const results = goalResults()
console.log(
  `\n# Goals  (${new Date().toISOString()}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')})`,
)
for (const result of results) {
  const bound = result.kind === 'max' ? '≤' : '≥'
  console.log(
    `${passes(result) ? 'MET   ' : 'MISSED'} ${result.name}: ${result.ratio.toFixed(2)}× (goal ${bound} ${result.goal}×)`,
  )
}
for (const { bench, error } of failed)
  console.log(`MISSED ${bench}: the benchmark failed (${error instanceof Error ? error.message : String(error)})`)
const missed = results.filter((r) => !passes(r)).length + failed.length
console.log(
  missed === 0 ? `all ${results.length} goals met` : `${missed} of ${results.length + failed.length} goals missed`,
)
process.exit(missed === 0 ? 0 : 1)
