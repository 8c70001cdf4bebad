/**
 * `npm run verify -- report.json`: checks a published selection report (GET /calls/{id}/report) by
 * re-running the first-come rules on its anonymised sequence. Needs no database and no server:
 * it imports the pure rules only (src/domain). Exits 0 with a one-line summary when every line
 * follows from the rules; 1 naming the first line that does not; 2 when the file cannot be read.
 * `-` reads the report from standard input (`curl …/report | npm run verify -- -`).
 */
import fs from 'node:fs'
import { verifyReport } from '../domain/report.js'

const USAGE = 'usage: npm run verify -- <report.json | ->'

function main(argv: string[]): number {
  const files = argv.filter((a) => a !== '--')
  if (files.length !== 1 || files[0] === '--help' || files[0] === '-h') {
    process.stderr.write(`${USAGE}\n`)
    return 2
  }
  const file = files[0]!
  let report: unknown
  try {
    report = JSON.parse(fs.readFileSync(file === '-' ? 0 : file, 'utf8'))
  } catch (error) {
    process.stderr.write(`rota verify: cannot read ${file}: ${(error as Error).message}\n`)
    return 2
  }
  const verdict = verifyReport(report)
  if (verdict.ok) {
    process.stdout.write(`ok: ${verdict.summary}\n`)
    return 0
  }
  process.stderr.write(`FAILED: ${verdict.message}\n`)
  return 1
}

process.exitCode = main(process.argv.slice(2))
