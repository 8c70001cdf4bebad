/**
 * The selection's results never change by accident: the decisions, warnings, seats and input digest
 * of large generated calls (the benchmark's 100,000 responses, and richer calls with misspelt,
 * look-alike and aliased institutions, duplicates, members and ties) are compared byte for byte with
 * fingerprints computed before the selection core was optimised (test/fixtures/selection-identical.json).
 */
import fs from 'node:fs'
import t from 'tap'
import { selectVolunteers } from '../../src/domain/selection.js'
import { IDENTICAL_CASES, selectionFingerprint, type SelectionFingerprint } from '../helpers/selection-input.js'

const fixture = JSON.parse(fs.readFileSync(new URL('../fixtures/selection-identical.json', import.meta.url), 'utf8')) as {
  cases: Record<string, SelectionFingerprint>
}

t.test('the fixture covers every case and every rule', async (t) => {
  t.same(Object.keys(fixture.cases), IDENTICAL_CASES.map((c) => c.name))
  // What a rich case must exercise, so matching fingerprints mean something.
  const rich = Object.entries(fixture.cases).filter(([name]) => name.startsWith('rich'))
  const seen = (key: string): number => rich.reduce((sum, [, f]) => sum + (f.counts[key] ?? 0), 0)
  for (const key of [
    'decision selected',
    'decision alternate seats-full',
    'decision excluded early',
    'decision excluded late',
    'decision excluded missing-fields',
    'decision excluded duplicate-person',
    'decision excluded already-on-team',
    'decision excluded institution-on-team',
    'decision excluded institution-already-selected',
    'warning confusable-institution',
    'warning unknown-institution with 0 suggestion(s)',
    'warning unknown-institution with 1 suggestion(s)',
    'warning unknown-institution with 2 suggestion(s)',
    'warning unknown-institution with 3 suggestion(s)',
  ]) {
    t.ok(seen(key) > 0, `the rich cases reach "${key}"`)
  }
})

for (const { name, input } of IDENTICAL_CASES) {
  t.test(name, async (t) => {
    const expected = fixture.cases[name]
    if (!expected) return t.fail(`no fixture for ${name}`)
    const actual = selectionFingerprint(selectVolunteers(input()))
    t.same(actual.counts, expected.counts, 'as many decisions per outcome and reason, and warnings per code')
    t.equal(actual.inputDigest, expected.inputDigest, 'the same input digest')
    t.equal(actual.seats, expected.seats, 'the same seats, shortfall and slots')
    t.equal(actual.decisions, expected.decisions, 'the same decisions, explanations included, byte for byte')
    t.equal(actual.warnings, expected.warnings, 'the same warnings, suggestions included, byte for byte')
    t.equal(actual.whole, expected.whole, 'the same result as a whole')
  })
}
