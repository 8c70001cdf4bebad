/**
 * The selection's results never change by accident: the decisions, warnings, seats and input digest
 * of large generated calls (the benchmark's 100,000 responses, and richer calls with misspelt,
 * look-alike and aliased institutions, duplicates, members and ties) are compared byte for byte with
 * fingerprints computed before the selection core was optimised (test/fixtures/selection-identical.json).
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import t from 'tap'
import {
  canonicalJson,
  compareResponses,
  continuingMembers,
  selectionInputDigest,
  selectVolunteers,
  type SelectionInput,
} from '../../src/domain/selection.js'
import {
  IDENTICAL_CASES,
  richSelectionInput,
  selectionFingerprint,
  type SelectionFingerprint,
} from '../helpers/selection-input.js'

const fixture = JSON.parse(
  fs.readFileSync(new URL('../fixtures/selection-identical.json', import.meta.url), 'utf8'),
) as {
  cases: Record<string, SelectionFingerprint>
}

t.test('the fixture covers every case and every rule', async (t) => {
  t.same(
    Object.keys(fixture.cases),
    IDENTICAL_CASES.map((c) => c.name),
  )
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

t.test('the input digest is the sha256 of the canonical JSON of the inputs', async (t) => {
  // The definition, written out plainly: everything that decides a selection, each in a canonical order.
  const reference = (input: SelectionInput): { digest: string; responsesText: string } => {
    const ordered = <T>(items: T[], compare: (a: T, b: T) => number): T[] =>
      [...items].sort(
        (a, b) =>
          compare(a, b) || (canonicalJson(a) < canonicalJson(b) ? -1 : canonicalJson(a) > canonicalJson(b) ? 1 : 0),
      )
    const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
    const responses = ordered(
      input.responses.map((r) => ({
        id: r.id,
        externalId: r.externalId,
        submittedAt: r.submittedAt,
        ingestSeq: r.ingestSeq,
        name: r.name,
        email: r.email,
        institution: r.institution,
      })),
      compareResponses,
    )
    const text = canonicalJson({
      rules: 'rota-selection/1',
      window: input.window,
      termStart: input.termStart,
      policy: input.policy,
      fixedSeats: input.fixedSeats,
      institutions: ordered(
        input.institutions.map((i) => ({ ...i, aliases: [...i.aliases].sort() })),
        byId,
      ),
      members: ordered(
        continuingMembers(input.members, input.termStart).map(({ id, name, email, seat, institution, endsAt }) => ({
          id,
          name,
          email,
          seat,
          institution,
          endsAt,
        })),
        byId,
      ),
      responses,
    })
    return { digest: createHash('sha256').update(text, 'utf8').digest('hex'), responsesText: canonicalJson(responses) }
  }

  const rich = richSelectionInput({ n: 3_000, seed: 5 })
  // Names of emoji (surrogate pairs) of many lengths, so the canonical text, hashed in 1 MB pieces, has pairs across piece borders;
  // and exact ties (same instant, ingestion number and id) that differ in content, settled by that content.
  const responses = rich.responses.map((r, i) => ({ ...r, name: `${'\u{1F642}'.repeat(150 + (i % 41))} ${i}` }))
  const tied = responses.slice(0, 40).map((r, i) => ({ ...r, email: `tie${i}@example.org`, name: `Tie ${39 - i}` }))
  const input: SelectionInput = { ...rich, responses: [...responses, ...tied] }
  const { digest, responsesText } = reference(input)
  const borders = Array.from({ length: Math.floor(responsesText.length / 2 ** 20) }, (_, k) => (k + 1) * 2 ** 20)
  t.ok(
    borders.some((at) => responsesText.charCodeAt(at - 1) >= 0xd800 && responsesText.charCodeAt(at - 1) <= 0xdbff),
    'a 1 MB border falls inside a surrogate pair',
  )
  t.equal(selectionInputDigest(input), digest, 'selectionInputDigest')
  t.equal(selectVolunteers(input).inputDigest, digest, 'the selection')
  t.equal(
    selectVolunteers({ ...input, responses: [...input.responses].reverse() }).inputDigest,
    digest,
    'whatever the order of the responses',
  )
})
