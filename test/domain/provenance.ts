import t from 'tap'
import { provenanceWarnings, wasEdited } from '../../src/domain/provenance.js'
import type { ResponseProvenance } from '../../src/domain/provenance.js'
import { parseInstant } from '../../src/domain/time.js'
import type { Instant } from '../../src/domain/time.js'

const at = (text: string): Instant => parseInstant(text)

t.test('wasEdited: a last submission later than the first, beyond the first one’s millisecond', async (t) => {
  // Google gives createTime to the millisecond and lastSubmittedTime to the microsecond, even unedited.
  const created = at('2026-02-03T10:00:00.123Z')
  t.notOk(wasEdited(created, null), 'no last submission known')
  t.notOk(wasEdited(created, at('2026-02-03T10:00:00.123Z')), 'the same instant')
  t.notOk(
    wasEdited(created, at('2026-02-03T10:00:00.123999Z')),
    'later only within the millisecond: Google’s extra precision, not an edit',
  )
  t.ok(wasEdited(created, at('2026-02-03T10:00:00.124Z')), 'the next millisecond: an edit')
  t.ok(wasEdited(created, at('2026-02-05T08:30:00.000001Z')), 'days later')
  t.notOk(wasEdited(created, at('2026-02-03T10:00:00.122999Z')), 'earlier (a clock oddity) is no edit')
  // A first submission with sub-millisecond digits (a JSON import): the last one must pass it after truncation.
  const precise = at('2026-02-03T10:00:00.123456Z')
  t.notOk(wasEdited(precise, at('2026-02-03T10:00:00.123999Z')))
  t.ok(wasEdited(precise, at('2026-02-03T10:00:00.124Z')))
})

const base: ResponseProvenance = {
  id: 'r1',
  name: 'Ana Lopez',
  submittedAt: at('2026-02-03T10:00:00.123Z'),
  lastSubmittedAt: null,
  changedFields: [],
  deletedUpstream: false,
}

t.test('an untouched response raises no warning', async (t) => {
  t.same(provenanceWarnings([base]), [])
  t.same(
    provenanceWarnings([{ ...base, lastSubmittedAt: at('2026-02-03T10:00:00.123456Z') }]),
    [],
    'Google’s microseconds on an unedited response',
  )
  t.same(provenanceWarnings([]), [])
})

t.test('an edited response keeps its first place and says what changed', async (t) => {
  const edited = { ...base, lastSubmittedAt: at('2026-02-04T09:00:00Z') }
  t.same(provenanceWarnings([{ ...edited, changedFields: ['institution', 'email'] }]), [
    {
      responseId: 'r1',
      code: 'edited-after-submission',
      message:
        'Ana Lopez first submitted at 2026-02-03T10:00:00.123Z and edited the response at 2026-02-04T09:00:00Z (changed: institution, email); it keeps its first place in line.',
      suggestions: ['institution', 'email'],
    },
  ])
  t.match(
    provenanceWarnings([{ ...edited, changedFields: [] }]),
    [{ code: 'edited-after-submission', message: /\(no answer rota uses changed\)/, suggestions: [] }],
    'an edit of answers rota does not read',
  )
  t.match(
    provenanceWarnings([{ ...edited, changedFields: null }]),
    [
      {
        code: 'edited-after-submission',
        message: /\(rota first saw it after the edit, so which answers changed is unknown\)/,
        suggestions: [],
      },
    ],
    'rota never saw the first version',
  )
  t.match(
    provenanceWarnings([{ ...edited, name: '  ' }]),
    [{ message: /^A volunteer first submitted/ }],
    'no name: still a sentence',
  )
})

t.test('a response deleted from the form is kept, counted and flagged', async (t) => {
  t.same(provenanceWarnings([{ ...base, deletedUpstream: true }]), [
    {
      responseId: 'r1',
      code: 'deleted-upstream',
      message:
        "Ana Lopez's response (submitted 2026-02-03T10:00:00.123Z) was deleted from the Google Form; rota keeps it and still counts it — check whether the volunteer withdrew.",
      suggestions: [],
    },
  ])
})

t.test('one warning per fact, per response, in the order given', async (t) => {
  const warnings = provenanceWarnings([
    { ...base, id: 'r1', lastSubmittedAt: at('2026-02-04T09:00:00Z'), changedFields: ['name'], deletedUpstream: true },
    { ...base, id: 'r2', name: 'Cy Park' },
    { ...base, id: 'r3', name: 'Dee Ray', deletedUpstream: true },
  ])
  t.same(
    warnings.map((w) => `${w.responseId} ${w.code}`),
    ['r1 edited-after-submission', 'r1 deleted-upstream', 'r3 deleted-upstream'],
  )
})
