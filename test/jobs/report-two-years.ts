import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { build } from '../helpers/build.js'
import { tick } from '../../src/services/tick.js'
import { verifyReport, type ReportBody, type ReportLine } from '../../src/domain/report.js'

// The Done-when of the public selection report: over two simulated years driven by tick(now) with a
// test clock, every call the tick closes has its report published by staff, and the verifier accepts
// every one (the CLI, as a process, on each file) and rejects every tampered copy of each.
t.setTimeout(300_000)
const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '../..')
const VERIFY = path.join(ROOT, 'dist/cli/verify.js')
const { app, staff, clock, deps } = await build(t)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-reports-'))
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))

async function api(
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = staff,
) {
  const res = await app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
  return { status: res.statusCode, body: res.body ? res.json() : null }
}

const CONSORTIUM = ['Alpha University', 'Beta Library', 'Gamma Museum', 'Delta Institute', 'Epsilon College']
let serial = 0

/** A call's volunteers: more than the seats in both categories, one institution twice, one person twice, one unknown museum twice, two unaffiliated, one early. */
async function volunteer(callId: string, opensAt: string): Promise<void> {
  const base = Date.parse(opensAt)
  const institutions = [
    ...CONSORTIUM,
    'Alpha University',
    'Museum of Elsewhere',
    'Library of Somewhere',
    'Museum of Elsewhere',
    null,
    'Archive of Nowhere',
    null,
    'Small Press Collective',
    'Far Away Gallery',
  ]
  const responses = institutions.map((institution, i) => {
    serial++
    return {
      // Microseconds and nanoseconds apart: first-come to the nanosecond.
      submittedAt: new Date(base + (i + 1) * 3_600_000).toISOString().replace('Z', `${String(i).padStart(6, '0')}Z`),
      name: `Volunteer ${serial}`,
      email: `volunteer.${serial}@example.org`,
      institution,
    }
  })
  responses.push({ ...responses[2]!, submittedAt: new Date(base + 30 * 3_600_000).toISOString() })
  responses.push({
    ...responses[3]!,
    email: `early.${serial}@example.org`,
    submittedAt: new Date(base - 1).toISOString(),
  })
  const imported = await api('POST', `/calls/${callId}/responses`, { responses })
  if (imported.status !== 200) throw new Error(`import failed: ${JSON.stringify(imported.body)}`)
}

const volunteered = new Set<string>()
const published = new Map<string, ReportBody>()

t.test('setup', async (t) => {
  clock.set('2027-01-10T00:00:00Z')
  for (const name of CONSORTIUM) t.equal((await api('POST', '/institutions', { name, consortium: true })).status, 201)
  t.equal((await api('POST', '/teams/coc/calls', { opensAt: '2027-02-01T00:00:00Z' })).status, 201)
})

t.test('two years of ticks; staff publish each closed call’s report', async (t) => {
  const start = Date.parse('2027-01-15T00:00:00Z')
  const end = Date.parse('2029-03-20T00:00:00Z')
  for (let at = start; at <= end; at += 3 * 24 * 3_600_000) {
    clock.set(new Date(at))
    await tick(deps, new Date(at))
    for (const call of (await api('GET', '/teams/coc/calls')).body.calls as Array<{
      id: string
      status: string
      opensAt: string
    }>) {
      if (call.status === 'open' && !volunteered.has(call.id)) {
        volunteered.add(call.id)
        await volunteer(call.id, call.opensAt)
      }
      if (call.status === 'closed' && !published.has(call.id)) {
        t.equal((await api('GET', `/calls/${call.id}/report`, undefined, {})).status, 404, 'not public before')
        t.equal((await api('POST', `/calls/${call.id}/report/publish`)).status, 200)
        const report = await api('GET', `/calls/${call.id}/report`, undefined, {})
        t.equal(report.status, 200)
        published.set(call.id, report.body)
      }
    }
  }
  t.equal(published.size, 3, 'three calls closed and published')
})

t.test('the verifier accepts every report, in process and as the CLI', async (t) => {
  let continuing = 0
  for (const [callId, report] of published) {
    const verdict = verifyReport(report)
    t.ok(verdict.ok, verdict.ok ? verdict.summary : verdict.message)
    continuing += report.continuing.length
    const file = path.join(dir, `${callId}.json`)
    fs.writeFileSync(file, JSON.stringify(report, null, 2))
    const { stdout } = await run(process.execPath, [VERIFY, file], { env: {} })
    t.match(stdout, new RegExp(`^ok: call ${callId}: 16 responses; `), 'npm run verify exits 0 with a summary')
    const reasons = new Set<string>(report.responses.map((l) => l.reason ?? l.outcome))
    for (const reason of ['selected', 'seats-full', 'early', 'duplicate-person'])
      t.ok(reasons.has(reason), `${callId}: reaches ${reason}`)
    t.ok(reasons.has('institution-already-selected') || reasons.has('institution-on-team'), 'one seat per institution')
  }
  t.ok(continuing > 0, 'later calls have continuing members')
  t.ok(
    [...published.values()].some((r) => r.responses.some((l) => l.reason === 'institution-on-team')),
    'a later call excludes an institution already on the team',
  )
})

/** Ways to tamper with a report, each one a lie the verifier must catch. */
function tamperings(report: ReportBody): Array<[string, ReportBody]> {
  const out: Array<[string, ReportBody]> = []
  const edit = (what: string, change: (r: ReportBody) => boolean) => {
    const copy = structuredClone(report)
    if (change(copy)) out.push([what, copy])
  }
  const index = (r: ReportBody, test: (l: ReportLine) => boolean) => r.responses.findIndex(test)
  edit('two lines swapped', (r) => {
    const i = index(r, (l) => l.outcome === 'selected' && l.position > 1)
    ;[r.responses[i - 1], r.responses[i]] = [r.responses[i]!, r.responses[i - 1]!]
    return i > 0
  })
  edit('positions renumbered after a swap', (r) => {
    const i = index(r, (l) => l.outcome === 'selected' && l.position > 1)
    ;[r.responses[i - 1], r.responses[i]] = [r.responses[i]!, r.responses[i - 1]!]
    r.responses.forEach((l, k) => (l.position = k + 1))
    return i > 0
  })
  edit('an extra seat', (r) => {
    const i = index(r, (l) => l.outcome === 'alternate')
    if (i < 0) return false
    Object.assign(r.responses[i]!, { outcome: 'selected', reason: null, seat: r.seats[r.responses[i]!.category!]! + 1 })
    return true
  })
  edit('a second seat for one institution', (r) => {
    const i = index(r, (l) => l.reason === 'institution-already-selected')
    if (i < 0) return false
    Object.assign(r.responses[i]!, { outcome: 'selected', reason: null, seat: 1 })
    return true
  })
  edit('an outcome changed', (r) => {
    const i = index(r, (l) => l.outcome === 'selected')
    Object.assign(r.responses[i]!, { outcome: 'excluded', reason: 'institution-on-team', seat: null, termEnd: null })
    return true
  })
  edit('a line removed', (r) => {
    r.responses.splice(
      index(r, (l) => l.outcome === 'selected'),
      1,
    )
    return true
  })
  edit('the policy’s seat count changed', (r) => {
    ;(r.policy.seats as { community: number }).community += 1
    return true
  })
  edit('a duplicate position', (r) => {
    r.responses[2]!.position = 2
    return true
  })
  edit('a term made longer', (r) => {
    const line = r.responses[index(r, (l) => l.outcome === 'selected')]!
    line.termEnd = line.termEnd!.replace(/^(\d{4})/, (y) => String(Number(y) + 1))
    return true
  })
  return out
}

t.test('the verifier rejects every tampered report, naming the fault', async (t) => {
  let count = 0
  for (const [callId, report] of published) {
    for (const [what, tampered] of tamperings(report)) {
      const verdict = verifyReport(tampered)
      t.notOk(verdict.ok, `${callId}: ${what}: ${verdict.ok ? 'accepted!' : verdict.message}`)
      count++
    }
  }
  t.ok(count >= 24, `${count} tampered reports rejected`)
  // And the CLI says so, with exit status 1.
  const [callId, report] = [...published][0]!
  const file = path.join(dir, `${callId}-tampered.json`)
  fs.writeFileSync(file, JSON.stringify(tamperings(report).find(([what]) => what === 'an extra seat')![1]))
  const failed = await run(process.execPath, [VERIFY, file], { env: {} }).then(
    () => null,
    (error: { code: number; stderr: string }) => error,
  )
  t.equal(failed?.code, 1)
  t.match(failed?.stderr, /^FAILED: position \d+: the report says selected seat \d+, but the rules give alternate/)
})
