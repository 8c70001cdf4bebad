/**
 * The public selection report: anonymising a selection keeps everything the rules need and nothing
 * personal, the verifier accepts every honest report (the rich generated calls reach every rule),
 * and it rejects each kind of tampering, naming the first line at fault.
 */
import { createHash } from 'node:crypto'
import t, { type Test } from 'tap'
import fc from 'fast-check'
import { anonymiseSelection, verifyReport, type ReportBody, type ReportLine } from '../../src/domain/report.js'
import { selectVolunteers, type SelectionInput } from '../../src/domain/selection.js'
import { richSelectionInput } from '../helpers/selection-input.js'

const sha = (text: string): string => createHash('sha256').update(text).digest('hex')
const anonymiser = {
  institution: (key: string) => sha(`salt/institution/${key}`),
  person: (email: string) => sha(`salt/person/${email}`),
  receiptHash: (id: string) => sha(`receipt/${id}`),
}

function reportOf(input: SelectionInput): ReportBody {
  return anonymiseSelection('call-1', input, selectVolunteers(input), anonymiser)
}

const small = (): ReportBody =>
  reportOf(richSelectionInput({ n: 300, seed: 5, seats: { consortium: 4, community: 4 }, members: false }))

function rejects(t: Test, report: unknown, position: number | null, pattern: RegExp, what: string): void {
  const verdict = verifyReport(JSON.parse(JSON.stringify(report)))
  if (verdict.ok) return void t.fail(`${what}: accepted`)
  t.equal(verdict.position, position, `${what}: names position ${position}`)
  t.match(verdict.message, pattern, `${what}: ${verdict.message}`)
}

t.test('honest reports of rich calls pass, and carry no names or emails', async (t) => {
  for (const options of [
    { n: 1_500, seed: 3 },
    { n: 2_000, seed: 11, seats: { consortium: 4, community: 4 }, members: false },
    { n: 1_500, seed: 3, fixedSeats: { consortium: 1, community: 0 }, inauguralStagger: false },
  ]) {
    const input = richSelectionInput(options)
    const report = reportOf(input)
    const verdict = verifyReport(JSON.parse(JSON.stringify(report)))
    t.ok(verdict.ok, verdict.ok ? verdict.summary : verdict.message)
    const reasons = new Set<string>(report.responses.map((l) => l.reason ?? l.outcome))
    if (options.seed === 3 && !options.fixedSeats)
      for (const reason of [
        'selected',
        'seats-full',
        'early',
        'late',
        'missing-fields',
        'duplicate-person',
        'already-on-team',
        'institution-on-team',
        'institution-already-selected',
      ])
        t.ok(reasons.has(reason), `the report reaches ${reason}`)
    const text = JSON.stringify(report)
    const leaked = input.responses.filter(
      (r) =>
        (r.email.trim().length > 3 && text.includes(r.email.trim())) ||
        (r.name.trim().length > 3 && text.includes(JSON.stringify(r.name.trim()))),
    )
    t.equal(leaked.length, 0, 'no volunteer name or email appears in the report')
    t.notOk(/"name:/.test(text), 'unknown institutions appear only hashed')
  }
})

t.test('the verifier agrees with selectVolunteers on random calls (property)', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.integer({ min: 20, max: 200 }),
      fc.integer({ min: 0, max: 6 }),
      fc.integer({ min: 0, max: 6 }),
      fc.boolean(),
      fc.boolean(),
      (seed, n, consortium, community, members, inauguralStagger) => {
        const report = reportOf(
          richSelectionInput({ n, seed, seats: { consortium, community }, members, inauguralStagger }),
        )
        const verdict = verifyReport(JSON.parse(JSON.stringify(report)))
        if (!verdict.ok) throw new Error(verdict.message)
      },
    ),
    { numRuns: 40 },
  )
  t.pass('40 random calls verified')
})

t.test('every kind of tampering is caught, naming the first line at fault', async (t) => {
  const honest = small()
  t.ok(verifyReport(honest).ok, 'the honest report passes')
  const lines = honest.responses
  const find = (test: (l: ReportLine) => boolean): ReportLine => {
    const found = lines.find(test)
    if (!found) throw new Error('the fixture lacks such a line')
    return found
  }
  const tampered = (edit: (r: ReportBody) => void): ReportBody => {
    const copy = JSON.parse(JSON.stringify(honest)) as ReportBody
    edit(copy)
    return copy
  }
  const alternate = find((l) => l.outcome === 'alternate')
  const sameInstitution = lines.find((l) => l.reason === 'institution-already-selected')
  const selected =
    lines.find(
      (l) =>
        l.outcome === 'selected' &&
        sameInstitution !== undefined &&
        JSON.stringify(l.institution) === JSON.stringify(sameInstitution.institution),
    ) ?? find((l) => l.outcome === 'selected')

  // Swapped positions: two lines exchanged, each keeping its number, then renumbered.
  const a = find((l) => l.outcome === 'selected' && l.position > 1 && l.submittedAt !== lines[l.position]!.submittedAt)
  rejects(
    t,
    tampered((r) => {
      const i = a.position - 1
      ;[r.responses[i], r.responses[i + 1]] = [r.responses[i + 1]!, r.responses[i]!]
    }),
    a.position,
    /position \d+ where \d+ was expected/,
    'two lines swapped',
  )
  rejects(
    t,
    tampered((r) => {
      const i = a.position - 1
      ;[r.responses[i]!.submittedAt, r.responses[i + 1]!.submittedAt] = [
        r.responses[i + 1]!.submittedAt,
        r.responses[i]!.submittedAt,
      ]
    }),
    a.position + 1,
    /not in first-come order/,
    'submittedAt swapped between two lines',
  )
  rejects(
    t,
    tampered((r) => {
      const line = r.responses[alternate.position - 1]!
      Object.assign(line, { outcome: 'selected', reason: null, seat: r.seats[line.category!]! + 1 })
    }),
    alternate.position,
    /says selected .*seat 5.* but the rules give alternate \(seats-full\)/,
    'an extra seat given to an alternate',
  )
  if (sameInstitution) {
    const line = sameInstitution
    rejects(
      t,
      tampered((r) => {
        Object.assign(r.responses[line.position - 1]!, { outcome: 'selected', reason: null, seat: 1 })
      }),
      line.position,
      new RegExp(`institution-already-selected.*position ${selected.position}, from the same institution`),
      'a second seat for one institution',
    )
  } else t.fail('the fixture lacks a second volunteer from a selected institution')
  rejects(
    t,
    tampered((r) => {
      Object.assign(r.responses[selected.position - 1]!, {
        outcome: 'alternate',
        reason: 'seats-full',
        seat: null,
        termEnd: null,
      })
    }),
    selected.position,
    /says alternate \(seats-full\), but the rules give selected/,
    'an outcome changed',
  )
  rejects(
    t,
    tampered((r) => {
      r.responses.splice(selected.position - 1, 1)
    }),
    selected.position,
    /position \d+ where \d+ was expected/,
    'a line removed',
  )
  rejects(
    t,
    tampered((r) => {
      ;(r.policy.seats as { consortium: number }).consortium += 1
    }),
    null,
    /seats: the report offers \d+ consortium seat\(s\), but the policy's \d+ less/,
    'the policy seat count changed',
  )
  rejects(
    t,
    tampered((r) => {
      r.responses[3]!.position = 3
    }),
    4,
    /line 4: position 3 where 4 was expected/,
    'a duplicate position',
  )
  const withMembers = reportOf(richSelectionInput({ n: 600, seed: 5 }))
  t.ok(verifyReport(withMembers).ok, 'an honest report with continuing members passes')
  rejects(
    t,
    { ...withMembers, continuing: withMembers.continuing.filter((m) => m.seat === 'staff') },
    null,
    /seats: the report offers \d+ consortium seat\(s\), but the policy's \d+ less 0 continuing/,
    'continuing members dropped',
  )
  const onTeam = withMembers.responses.find((l) => l.reason === 'institution-on-team')!
  rejects(
    t,
    {
      ...withMembers,
      responses: withMembers.responses.map((l) =>
        l === onTeam ? { ...l, outcome: 'alternate', reason: 'seats-full', seat: null, termEnd: null } : l,
      ),
    },
    onTeam.position,
    /but the rules give excluded \(institution-on-team\): a continuing member already holds a seat/,
    'a volunteer whose institution is on the team made an alternate',
  )
  const excluded = find((l) => l.reason === 'duplicate-person')
  rejects(
    t,
    tampered((r) => {
      r.responses[excluded.position - 1]!.person = 'f'.repeat(64)
    }),
    excluded.position,
    /says excluded \(duplicate-person\)/,
    'a duplicate whose person hash was changed',
  )
  rejects(
    t,
    tampered((r) => {
      r.responses[0]!.receiptHash = r.responses[1]!.receiptHash
    }),
    2,
    /the same receiptHash as position 1/,
    'a receipt hash reused',
  )
  rejects(t, { ...honest, format: 'other' }, null, /format/, 'another format')
  rejects(
    t,
    tampered((r) => {
      r.responses[0]!.submittedAt = '2027-02-01T00:00:00Z'
    }),
    1,
    /line 1: submittedAt: expected a canonical UTC instant/,
    'a non-canonical instant',
  )
})
