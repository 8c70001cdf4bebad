import t from 'tap'
import fc from 'fast-check'
import {
  continuingMembers,
  isInauguralCall,
  normaliseEmail,
  planSeatSlots,
  seatsToFill,
  selectVolunteers,
  selectionInputDigest,
} from '../../src/domain/selection.js'
import type { Decision, MemberInput, ResponseInput, Selection, SelectionInput } from '../../src/domain/selection.js'
import { visibleInstitutionText } from '../../src/domain/institutions.js'
import type { Institution } from '../../src/domain/institutions.js'
import { epochNanos, formatInstant, instantFromEpochNanos, parseInstant } from '../../src/domain/time.js'
import type { Instant } from '../../src/domain/time.js'

// ---------------------------------------------------------------------------------------------
// A small world: a call open through May 2024, its term starting 1 June 2024.

const at = (text: string): Instant => parseInstant(text)
const OPENS = at('2024-05-01T00:00:00Z')
const CLOSES = at('2024-05-29T00:00:00Z')
const TERM = at('2024-06-01T00:00:00Z')

const institutions: Institution[] = [
  { id: 'ox', name: 'University of Oxford', aliases: ['Oxford'], consortium: true },
  { id: 'st', name: 'Stanford University', aliases: ['Stanford'], consortium: true },
  { id: 'bl', name: 'British Library', aliases: ['BL'], consortium: true },
  { id: 'yale', name: 'Yale University', aliases: [], consortium: true },
  { id: 'ly', name: 'Université de Lyon', aliases: [], consortium: false },
  { id: 'gh', name: 'Getty Research Institute', aliases: ['Getty'], consortium: false },
]

let seq = 0
/** A response at a given time (RFC 3339), ingested in the order the helper is called. */
function r(name: string, submittedAt: string, institution: string | null, email?: string): ResponseInput {
  seq++
  return {
    id: `r${seq}`,
    externalId: `g${seq}`,
    submittedAt: at(submittedAt),
    ingestSeq: seq,
    name,
    email: email ?? `${name.toLowerCase().replace(/\s+/g, '.')}@example.org`,
    institution,
  }
}

function member(
  name: string,
  seat: MemberInput['seat'],
  institution: string | null,
  endsAt: string | null,
  termStart = '2023-06-01T00:00:00Z',
): MemberInput {
  return {
    id: `m-${name.toLowerCase().replace(/\s+/g, '-')}`,
    name,
    email: `${name.toLowerCase().replace(/\s+/g, '.')}@example.org`,
    seat,
    institution,
    termStart: at(termStart),
    endsAt: endsAt === null ? null : at(endsAt),
  }
}

function call(responses: ResponseInput[], overrides: Partial<SelectionInput> = {}): SelectionInput {
  return {
    window: { opensAt: OPENS, closesAt: CLOSES },
    termStart: TERM,
    policy: { seats: { consortium: 4, community: 4 }, termMonths: 24, inauguralStagger: true },
    fixedSeats: null,
    institutions,
    members: [],
    responses,
    ...overrides,
  }
}

function decisionOf(selection: Selection, name: string): Decision {
  const found = selection.decisions.find((d) => d.name === name)
  if (!found) throw new Error(`no decision for ${name}`)
  return found
}

// ---------------------------------------------------------------------------------------------

t.test('each reason, with a worked example and an explanation naming the right people', async (t) => {
  t.test('early and late: the window is [opensAt, closesAt)', async (t) => {
    const s = selectVolunteers(
      call([
        r('Early Ed', '2024-04-30T23:59:59.999999999Z', 'Oxford'),
        r('Prompt Pat', '2024-05-01T00:00:00Z', 'Stanford'),
        r('Last Lou', '2024-05-28T23:59:59.999999999Z', 'BL'),
        r('Late Lee', '2024-05-29T00:00:00Z', 'Yale University'),
      ]),
    )
    t.match(decisionOf(s, 'Early Ed'), {
      outcome: 'excluded',
      reason: 'early',
      seat: null,
      termEnd: null,
      explanation:
        /^Early Ed responded at 2024-04-30T23:59:59\.999999999Z, before the call opened at 2024-05-01T00:00:00Z/,
    })
    t.match(decisionOf(s, 'Prompt Pat'), { outcome: 'selected', reason: null })
    t.match(decisionOf(s, 'Last Lou'), { outcome: 'selected', reason: null })
    t.match(decisionOf(s, 'Late Lee'), {
      outcome: 'excluded',
      reason: 'late',
      explanation: /^Late Lee responded at 2024-05-29T00:00:00Z, after the call closed at 2024-05-29T00:00:00Z/,
    })
  })

  t.test('missing-fields: a blank name or email', async (t) => {
    const s = selectVolunteers(
      call([
        r('   ', '2024-05-02T10:00:00Z', 'Oxford', 'anon@example.org'),
        r('No Mail', '2024-05-02T11:00:00Z', 'Stanford', '  '),
      ]),
    )
    t.match(s.decisions[0], {
      name: '',
      outcome: 'excluded',
      reason: 'missing-fields',
      explanation:
        'The response submitted at 2024-05-02T10:00:00Z did not include a name, so it could not be considered.',
    })
    t.match(s.decisions[1], { reason: 'missing-fields', explanation: /did not include an email address/ })
    t.same(s.shortfall, { consortium: 4, community: 4 })
  })

  t.test('duplicate-person: only the first response per email counts', async (t) => {
    const s = selectVolunteers(
      call([
        r('Ana Silva', '2024-05-02T09:00:00.5Z', 'Oxford', 'ana@example.org'),
        r('Ana M. Silva', '2024-05-03T09:00:00Z', 'Stanford', '  ANA@Example.org '),
      ]),
    )
    t.match(decisionOf(s, 'Ana Silva'), { outcome: 'selected' })
    t.match(decisionOf(s, 'Ana M. Silva'), {
      outcome: 'excluded',
      reason: 'duplicate-person',
      explanation:
        "Ana M. Silva had already responded from the same email address at 2024-05-02T09:00:00.500Z (position 1), and only a person's first response counts.",
    })
  })

  t.test('duplicate-person only looks back at in-window responses with both fields', async (t) => {
    const s = selectVolunteers(
      call([
        r('Bo', '2024-04-20T09:00:00Z', 'Oxford', 'bo@example.org'),
        r('', '2024-05-02T09:00:00Z', 'Oxford', 'bo@example.org'),
        r('Bo', '2024-05-03T09:00:00Z', 'Oxford', 'bo@example.org'),
      ]),
    )
    t.same(
      s.decisions.map((d) => [d.reason, d.outcome]),
      [
        ['early', 'excluded'],
        ['missing-fields', 'excluded'],
        [null, 'selected'],
      ],
    )
  })

  t.test('already-on-team: someone still serving after the term starts, staff included', async (t) => {
    const members = [
      member('Cara Jones', 'community', 'Getty', '2025-06-01T00:00:00Z'),
      member('Sam Staff', 'staff', null, null),
      member('Old Timer', 'community', null, '2024-06-01T00:00:00Z'),
    ]
    const s = selectVolunteers(
      call(
        [
          r('Cara Jones', '2024-05-02T09:00:00Z', 'Stanford', 'Cara.Jones@example.org'),
          r('Sam Staff', '2024-05-02T10:00:00Z', null),
          r('Old Timer', '2024-05-02T11:00:00Z', null),
        ],
        { members },
      ),
    )
    t.match(decisionOf(s, 'Cara Jones'), {
      outcome: 'excluded',
      reason: 'already-on-team',
      explanation:
        'Cara Jones is already on the Code of Conduct Team until 2025-06-01T00:00:00Z, so this response was not needed.',
    })
    t.match(decisionOf(s, 'Sam Staff'), {
      reason: 'already-on-team',
      explanation: 'Sam Staff is already on the Code of Conduct Team, so this response was not needed.',
    })
    t.match(
      decisionOf(s, 'Old Timer'),
      { outcome: 'selected' },
      'a term ending exactly at the term start does not continue',
    )
  })

  t.test('the explanations name the team the call is for', async (t) => {
    const members = [member('Cara Jones', 'community', 'Getty', '2025-06-01T00:00:00Z')]
    const responses = [
      r('Cara Jones', '2024-05-02T09:00:00Z', 'Stanford', 'Cara.Jones@example.org'),
      r('Gus Getty', '2024-05-02T10:00:00Z', 'Getty'),
    ]
    const named = (teamName: string) => selectVolunteers({ ...call(responses, { members }), teamName })
    t.match(decisionOf(named('Samvera Community Team'), 'Cara Jones'), {
      explanation:
        'Cara Jones is already on the Samvera Community Team until 2025-06-01T00:00:00Z, so this response was not needed.',
    })
    t.match(decisionOf(named('Samvera Community Team'), 'Gus Getty'), {
      reason: 'institution-on-team',
      explanation:
        /^Getty Research Institute already has a volunteer seat on the Samvera Community Team, held by Cara Jones/,
    })
    t.match(
      decisionOf(named('The Board'), 'Cara Jones').explanation,
      /is already on The Board until/,
      'a name that starts with "the" is not doubled',
    )
  })

  t.test("institution-on-team: a continuing volunteer holds the institution's seat", async (t) => {
    const members = [
      member('Dev Patel', 'consortium', 'oxford', '2025-06-01T00:00:00Z'),
      member('Sue Staff', 'staff', 'Stanford University', null),
      member('Gone Gil', 'consortium', 'British Library', '2024-05-31T23:59:59Z'),
    ]
    const s = selectVolunteers(
      call(
        [
          r('Eve Adams', '2024-05-02T09:00:00Z', 'The University of Oxford'),
          r('Finn Stone', '2024-05-02T10:00:00Z', 'Stanford'),
          r('Gia Bell', '2024-05-02T11:00:00Z', 'BL'),
        ],
        { members },
      ),
    )
    t.match(decisionOf(s, 'Eve Adams'), {
      outcome: 'excluded',
      reason: 'institution-on-team',
      institution: 'University of Oxford',
      institutionKey: 'id:ox',
      explanation:
        'University of Oxford already has a volunteer seat on the Code of Conduct Team, held by Dev Patel until 2025-06-01T00:00:00Z, and each institution holds only one.',
    })
    t.match(decisionOf(s, 'Finn Stone'), { outcome: 'selected' }, 'staff members do not hold an institution seat')
    t.match(
      decisionOf(s, 'Gia Bell'),
      { outcome: 'selected' },
      'a member leaving before the term starts does not block',
    )
  })

  t.test('institution-already-selected: the first volunteer of an institution wins', async (t) => {
    const s = selectVolunteers(
      call([
        r('Hana Ito', '2024-05-03T08:00:00.000001Z', 'Université de Lyon'),
        r('Ivan Petrov', '2024-05-03T08:00:00.000002Z', 'universite de lyon.'),
      ]),
    )
    t.match(decisionOf(s, 'Hana Ito'), { outcome: 'selected', seat: 'community' })
    t.match(decisionOf(s, 'Ivan Petrov'), {
      outcome: 'excluded',
      reason: 'institution-already-selected',
      seat: null,
      explanation:
        'Hana Ito from Université de Lyon responded earlier, at 2024-05-03T08:00:00.000001Z, and was selected, and only the first volunteer from an institution is selected.',
    })
  })

  t.test('seats-full: later volunteers wait in order, per category', async (t) => {
    const s = selectVolunteers(
      call(
        [
          r('C1', '2024-05-02T01:00:00Z', 'Oxford'),
          r('P1', '2024-05-02T02:00:00Z', 'Getty'),
          r('C2', '2024-05-02T03:00:00Z', 'Stanford'),
          r('C3', '2024-05-02T04:00:00Z', 'BL'),
          r('P2', '2024-05-02T05:00:00Z', null),
          r('C4', '2024-05-02T06:00:00Z', 'Yale University'),
        ],
        { policy: { seats: { consortium: 2, community: 1 }, termMonths: 24, inauguralStagger: false } },
      ),
    )
    t.same(
      s.decisions.map((d) => [d.name, d.outcome, d.seat, d.reason]),
      [
        ['C1', 'selected', 'consortium', null],
        ['P1', 'selected', 'community', null],
        ['C2', 'selected', 'consortium', null],
        ['C3', 'alternate', 'consortium', 'seats-full'],
        ['P2', 'alternate', 'community', 'seats-full'],
        ['C4', 'alternate', 'consortium', 'seats-full'],
      ],
    )
    t.equal(
      decisionOf(s, 'C4').explanation,
      'C4 responded at 2024-05-02T06:00:00Z, after all 2 IIIF Consortium seats were filled, so C4 is number 2 on the consortium waitlist.',
    )
    t.equal(
      decisionOf(s, 'P2').explanation,
      'P2 responded at 2024-05-02T05:00:00Z, after the only community seat was filled, so P2 is number 1 on the community waitlist.',
    )
    t.equal(
      decisionOf(s, 'C2').explanation,
      'C2 responded at 2024-05-02T03:00:00Z and was selected for IIIF Consortium seat 2 of 2, serving from 2024-06-01T00:00:00Z until 2026-06-01T00:00:00Z.',
    )
    t.same(s.shortfall, { consortium: 0, community: 0 })
  })

  t.test('an alternate does not block a later volunteer of the same institution', async (t) => {
    const s = selectVolunteers(
      call(
        [
          r('A', '2024-05-02T01:00:00Z', 'Oxford'),
          r('B', '2024-05-02T02:00:00Z', 'Stanford'),
          r('C', '2024-05-02T03:00:00Z', 'Stanford'),
        ],
        {
          fixedSeats: { consortium: 1, community: 0 },
        },
      ),
    )
    t.same(
      s.decisions.map((d) => [d.outcome, d.reason]),
      [
        ['selected', null],
        ['alternate', 'seats-full'],
        ['alternate', 'seats-full'],
      ],
    )
  })

  t.test('unaffiliated volunteers are exempt from the institution rule and sit in community seats', async (t) => {
    const s = selectVolunteers(
      call([
        r('U1', '2024-05-02T01:00:00Z', 'N/A'),
        r('U2', '2024-05-02T02:00:00Z', ' none '),
        r('U3', '2024-05-02T03:00:00Z', null),
        r('U4', '2024-05-02T04:00:00Z', 'Independent'),
      ]),
    )
    t.same(
      s.decisions.map((d) => [d.outcome, d.seat, d.institution, d.institutionKey]),
      Array(4).fill(['selected', 'community', null, null]),
    )
    t.same(s.warnings, [])
  })

  t.test('category: consortium only for a known consortium member', async (t) => {
    const s = selectVolunteers(
      call([
        r('K', '2024-05-02T01:00:00Z', 'Oxford'),
        r('L', '2024-05-02T02:00:00Z', 'Getty'),
        r('M', '2024-05-02T03:00:00Z', 'Oxford Brookes University'),
      ]),
    )
    t.same(
      s.decisions.map((d) => d.seat),
      ['consortium', 'community', 'community'],
    )
  })

  t.test('unknown institutions: their own institution, with a warning and suggestions', async (t) => {
    const s = selectVolunteers(
      call([
        r('Too Soon', '2024-04-02T01:00:00Z', 'Oxfrod'),
        r('Nia Obi', '2024-05-02T01:00:00Z', '  Univeristy of Oxfrod '),
        r('Omar Haddad', '2024-05-02T02:00:00Z', 'univeristy of oxfrod'),
        r('Pia Lund', '2024-05-02T03:00:00Z', 'Acme Widgets'),
      ]),
    )
    t.match(decisionOf(s, 'Nia Obi'), {
      outcome: 'selected',
      seat: 'community',
      institution: 'Univeristy of Oxfrod',
      institutionKey: 'name:univeristy of oxfrod',
    })
    t.match(decisionOf(s, 'Omar Haddad'), {
      reason: 'institution-already-selected',
      explanation: /^Nia Obi from Univeristy of Oxfrod responded earlier/,
    })
    t.same(
      s.warnings.map((w) => [w.responseId, w.code, w.suggestions[0] ?? null]),
      [
        [decisionOf(s, 'Nia Obi').responseId, 'unknown-institution', 'University of Oxford'],
        [decisionOf(s, 'Omar Haddad').responseId, 'unknown-institution', 'University of Oxford'],
        [decisionOf(s, 'Pia Lund').responseId, 'unknown-institution', null],
      ],
      'one warning per response that reaches institution matching; none for the early one',
    )
    t.match(
      s.warnings[0]?.message,
      /^Nia Obi's institution "Univeristy of Oxfrod" matches no known institution or alias, so it is treated as its own community institution\. Did you mean "University of Oxford"/,
    )
  })
})

t.test('inaugural stagger: half the seats get half a term', async (t) => {
  t.test('4 seats: two of 24 months, two of 12', async (t) => {
    const s = selectVolunteers(
      call([
        r('A', '2024-05-02T01:00:00Z', 'Oxford'),
        r('B', '2024-05-02T02:00:00Z', 'Stanford'),
        r('C', '2024-05-02T03:00:00Z', 'BL'),
        r('D', '2024-05-02T04:00:00Z', 'Yale University'),
      ]),
    )
    t.equal(s.inaugural, true)
    t.same(
      s.decisions.map((d) => [d.name, formatInstant(d.termStart!), formatInstant(d.termEnd!)]),
      [
        ['A', '2024-06-01T00:00:00Z', '2026-06-01T00:00:00Z'],
        ['B', '2024-06-01T00:00:00Z', '2026-06-01T00:00:00Z'],
        ['C', '2024-06-01T00:00:00Z', '2025-06-01T00:00:00Z'],
        ['D', '2024-06-01T00:00:00Z', '2025-06-01T00:00:00Z'],
      ],
    )
    t.match(
      decisionOf(s, 'C').explanation,
      /IIIF Consortium seat 3 of 4, serving from 2024-06-01T00:00:00Z until 2025-06-01T00:00:00Z/,
    )
  })

  t.test('3 volunteers for 4 seats: shortfall 1, and the empty slot is a short one', async (t) => {
    const s = selectVolunteers(
      call([
        r('A', '2024-05-02T01:00:00Z', 'Oxford'),
        r('B', '2024-05-02T02:00:00Z', 'Stanford'),
        r('C', '2024-05-02T03:00:00Z', 'BL'),
      ]),
    )
    t.same(s.seats, { consortium: 4, community: 4 })
    t.same(s.shortfall, { consortium: 1, community: 4 })
    const consortium = s.slots.filter((slot) => slot.category === 'consortium')
    t.same(
      consortium.map((slot) => [slot.index, formatInstant(slot.termEnd), slot.responseId]),
      [
        [1, '2026-06-01T00:00:00Z', decisionOf(s, 'A').responseId],
        [2, '2026-06-01T00:00:00Z', decisionOf(s, 'B').responseId],
        [3, '2025-06-01T00:00:00Z', decisionOf(s, 'C').responseId],
        [4, '2025-06-01T00:00:00Z', null],
      ],
    )
    t.equal(s.slots.filter((slot) => slot.category === 'community' && slot.responseId === null).length, 4)
  })

  t.test('odd seat counts round the long terms up; odd term lengths round the short term down', async (t) => {
    const slots = planSeatSlots({ consortium: 3, community: 1 }, TERM, 25, true)
    t.same(
      slots.map((slot) => [slot.category, slot.index, formatInstant(slot.termEnd)]),
      [
        ['consortium', 1, '2026-07-01T00:00:00Z'],
        ['consortium', 2, '2026-07-01T00:00:00Z'],
        ['consortium', 3, '2025-06-01T00:00:00Z'],
        ['community', 1, '2026-07-01T00:00:00Z'],
      ],
    )
  })

  t.test('no stagger when the policy says so, or when a volunteer continues', async (t) => {
    const off = selectVolunteers(
      call([], { policy: { seats: { consortium: 4, community: 4 }, termMonths: 24, inauguralStagger: false } }),
    )
    t.equal(off.inaugural, false)
    t.ok(off.slots.every((slot) => formatInstant(slot.termEnd) === '2026-06-01T00:00:00Z'))
    const continuing = selectVolunteers(
      call([], { members: [member('Vic', 'community', null, '2025-06-01T00:00:00Z')] }),
    )
    t.equal(continuing.inaugural, false)
    t.ok(continuing.slots.every((slot) => formatInstant(slot.termEnd) === '2026-06-01T00:00:00Z'))
    const staffOnly = selectVolunteers(call([], { members: [member('Sam', 'staff', null, null)] }))
    t.equal(staffOnly.inaugural, true, 'staff do not make a call non-inaugural')
    t.equal(
      isInauguralCall({ inauguralStagger: true }, [member('Left', 'consortium', null, '2024-06-01T00:00:00Z')], TERM),
      true,
    )
  })

  t.test("terms keep the term start's time of day and clamp at month ends", async (t) => {
    const start = at('2024-01-31T12:00:00.000000001Z')
    const slots = planSeatSlots({ consortium: 2, community: 0 }, start, 1, true)
    t.same(
      slots.map((slot) => slot.termEnd),
      [at('2024-02-29T12:00:00.000000001Z'), start],
    )
  })
})

t.test('continuing members reduce the seats and block their institutions', async (t) => {
  const members = [
    member('Con One', 'consortium', 'Oxford', '2025-06-01T00:00:00Z'),
    member('Con Two', 'consortium', 'Stanford', '2025-06-01T00:00:00Z'),
    member('Com One', 'community', 'Getty', '2025-06-01T00:00:00Z'),
    member('Leaving', 'community', 'Université de Lyon', '2024-06-01T00:00:00Z'),
    member('Staffer', 'staff', 'BL', null),
  ]
  const s = selectVolunteers(
    call(
      [
        r('From Oxford', '2024-05-02T01:00:00Z', 'University of Oxford'),
        r('From Getty', '2024-05-02T02:00:00Z', 'Getty Research Institute'),
        r('From Lyon', '2024-05-02T03:00:00Z', 'Université de Lyon'),
        r('From BL', '2024-05-02T04:00:00Z', 'British Library'),
      ],
      { members },
    ),
  )
  t.same(s.seats, { consortium: 2, community: 3 })
  t.equal(s.inaugural, false)
  t.same(
    s.decisions.map((d) => [d.name, d.outcome, d.reason]),
    [
      ['From Oxford', 'excluded', 'institution-on-team'],
      ['From Getty', 'excluded', 'institution-on-team'],
      ['From Lyon', 'selected', null],
      ['From BL', 'selected', null],
    ],
  )
  t.match(decisionOf(s, 'From Getty').explanation, /held by Com One until 2025-06-01T00:00:00Z/)
  t.same(
    seatsToFill({ seats: { consortium: 4, community: 4 } }, [...members, ...Array(6).fill(members[2])], TERM),
    { consortium: 2, community: 0 },
    'never below zero',
  )
  t.same(
    continuingMembers(members, TERM).map((m) => m.name),
    ['Con One', 'Con Two', 'Com One', 'Staffer'],
  )
})

t.test('fixed seats on the call override the computed seats', async (t) => {
  const members = [member('Con One', 'consortium', 'Oxford', '2025-06-01T00:00:00Z')]
  const s = selectVolunteers(
    call(
      [
        r('A', '2024-05-02T01:00:00Z', 'Stanford'),
        r('B', '2024-05-02T02:00:00Z', 'BL'),
        r('C', '2024-05-02T03:00:00Z', null),
      ],
      {
        members,
        fixedSeats: { consortium: 1, community: 2 },
      },
    ),
  )
  t.same(s.seats, { consortium: 1, community: 2 })
  t.same(s.shortfall, { consortium: 0, community: 1 })
  t.same(
    s.decisions.map((d) => d.outcome),
    ['selected', 'alternate', 'selected'],
  )
  const none = selectVolunteers(
    call([r('Z', '2024-05-02T01:00:00Z', null)], { fixedSeats: { consortium: 0, community: 0 } }),
  )
  t.match(none.decisions[0], {
    outcome: 'alternate',
    reason: 'seats-full',
    explanation:
      'Z responded at 2024-05-02T01:00:00Z, but this call offers no community seats, so Z is number 1 on the community waitlist.',
  })
})

t.test('order: sub-millisecond instants, then ingestion order on exact ties', async (t) => {
  const one = { fixedSeats: { consortium: 0, community: 1 } }
  const later = r('Later', '2024-05-02T10:00:00.0002Z', 'Getty')
  const earlier = r('Earlier', '2024-05-02T10:00:00.0001Z', 'Université de Lyon')
  const s = selectVolunteers(call([later, earlier], one))
  t.same(
    s.decisions.map((d) => [d.name, d.position, d.outcome]),
    [
      ['Earlier', 1, 'selected'],
      ['Later', 2, 'alternate'],
    ],
  )
  const second = { ...r('Second', '2024-05-02T10:00:00.123456789+00:00', null), ingestSeq: 2 }
  const first = { ...r('First', '2024-05-02T12:00:00.123456789+02:00', null), ingestSeq: 1 }
  const tie = selectVolunteers(call([second, first], one))
  t.same(
    tie.decisions.map((d) => [d.name, d.outcome]),
    [
      ['First', 'selected'],
      ['Second', 'alternate'],
    ],
  )
})

t.test('inputs are validated and helpers behave', async (t) => {
  t.throws(
    () =>
      selectVolunteers(
        call([], { policy: { seats: { consortium: -1, community: 4 }, termMonths: 24, inauguralStagger: true } }),
      ),
    {
      code: 'invalid-selection-input',
      message: /policy\.seats\.consortium/,
    },
  )
  t.throws(() => selectVolunteers(call([], { fixedSeats: { consortium: 1.5, community: 0 } })), {
    code: 'invalid-selection-input',
  })
  t.equal(normaliseEmail('  Ana.Silva@Example.ORG '), 'ana.silva@example.org')
})

t.test('the digest fingerprints exactly the inputs that matter', async (t) => {
  const responses = [r('A', '2024-05-02T01:00:00Z', 'Oxford'), r('B', '2024-05-02T02:00:00Z', null)]
  const members = [
    member('Old', 'community', null, '2024-01-01T00:00:00Z'),
    member('Now', 'consortium', 'BL', '2025-06-01T00:00:00Z'),
  ]
  const base = selectionInputDigest(call(responses, { members }))
  t.match(base, /^[0-9a-f]{64}$/)
  t.equal(selectVolunteers(call(responses, { members })).inputDigest, base)
  const oneNanoLater = responses.map((x, i) =>
    i === 0 ? { ...x, submittedAt: instantFromEpochNanos(epochNanos(x.submittedAt) + 1n) } : x,
  )
  t.not(selectionInputDigest(call(oneNanoLater, { members })), base, 'a nanosecond changes it')
  t.not(
    selectionInputDigest(call(responses, { members, fixedSeats: { consortium: 4, community: 4 } })),
    base,
    'fixed seats change it',
  )
  t.not(
    selectionInputDigest(call(responses, { members, institutions: institutions.slice(1) })),
    base,
    'institutions change it',
  )
  const oldMemberEdited = [{ ...members[0]!, name: 'Renamed' }, members[1]!]
  t.equal(
    selectionInputDigest(call(responses, { members: oldMemberEdited })),
    base,
    'a member who has left plays no part',
  )
  const aliasesReordered = institutions.map((i) => ({ ...i, aliases: [...i.aliases].reverse() }))
  t.equal(
    selectionInputDigest(call(responses, { members, institutions: aliasesReordered })),
    base,
    'alias order plays no part',
  )
})

// ---------------------------------------------------------------------------------------------
// Properties over random calls.

const BASE_NS = epochNanos(at('2024-05-10T12:00:00Z'))
/** Instants that collide often: equal, a nanosecond, 0.1 ms, a millisecond or days apart, and some outside the window. */
const instantArb = fc
  .oneof(
    fc.constantFrom(0n, 1n, 2n, 100_000n, 200_000n, 1_000_000n, 1_000_001n, 86_400_000_000_000n),
    fc.bigInt({ min: -9n * 86_400_000_000_000n, max: 9n * 86_400_000_000_000n }),
    fc.constantFrom(-40n * 86_400_000_000_000n, 19n * 86_400_000_000_000n, 30n * 86_400_000_000_000n),
  )
  .map((offset) => instantFromEpochNanos(BASE_NS + offset))

const institutionTextArb = fc.constantFrom(
  null,
  '',
  'N/A',
  'none',
  'Independent',
  'University of Oxford',
  'oxford',
  'The University of Oxford',
  'Stanford',
  'BL',
  'British Library',
  'Yale University',
  'Université de Lyon',
  'universite de lyon',
  'Getty',
  'Acme Labs',
  'ACME labs.',
  'Oxfrod',
)
const peopleArb = fc.constantFrom('ana', 'ben', 'cleo', 'dev', 'eve', 'finn', 'gia', 'hana', 'ivan', 'jo', 'kai', 'lea')

const responseArb = fc.record({
  submittedAt: instantArb,
  person: peopleArb,
  emailCase: fc.constantFrom('lower', 'lower', 'lower', 'upper', 'padded', 'blank'),
  institution: institutionTextArb,
})

const memberArb = fc.record({
  person: peopleArb,
  seat: fc.constantFrom('consortium', 'community', 'staff') as fc.Arbitrary<MemberInput['seat']>,
  institution: institutionTextArb,
  endsAt: fc.option(
    fc.constantFrom(
      '2024-01-01T00:00:00Z',
      '2024-06-01T00:00:00Z',
      '2024-06-01T00:00:00.000000001Z',
      '2025-06-01T00:00:00Z',
    ),
    { nil: null },
  ),
})

const callArb = fc
  .record({
    responses: fc.array(responseArb, { maxLength: 30, size: 'medium' }),
    members: fc.array(memberArb, { maxLength: 6 }),
    seats: fc.record({ consortium: fc.integer({ min: 0, max: 5 }), community: fc.integer({ min: 0, max: 5 }) }),
    fixed: fc.option(
      fc.record({ consortium: fc.integer({ min: 0, max: 5 }), community: fc.integer({ min: 0, max: 5 }) }),
      { nil: null },
    ),
    termMonths: fc.integer({ min: 0, max: 36 }),
    inauguralStagger: fc.boolean(),
    ingestOrder: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 30, maxLength: 30 }),
  })
  .map(({ responses, members, seats, fixed, termMonths, inauguralStagger, ingestOrder }): SelectionInput => ({
    window: { opensAt: at('2024-05-01T00:00:00Z'), closesAt: at('2024-05-29T00:00:00Z') },
    termStart: TERM,
    policy: { seats, termMonths, inauguralStagger },
    fixedSeats: fixed,
    institutions,
    members: members.map((m, i) => ({
      id: `m${i}`,
      name: m.person.toUpperCase(),
      email: `${m.person}@example.org`,
      seat: m.seat,
      institution: m.institution,
      termStart: at('2023-06-01T00:00:00Z'),
      endsAt: m.endsAt === null ? null : at(m.endsAt),
    })),
    responses: responses.map((x, i) => {
      const email = `${x.person}@example.org`
      return {
        id: `resp-${String(i).padStart(2, '0')}`,
        externalId: i % 3 === 0 ? null : `ext-${i}`,
        submittedAt: x.submittedAt,
        // Ingestion order may repeat (ties of ties are settled by id) and need not follow array order.
        ingestSeq: ingestOrder[i] ?? 0,
        name: `${x.person} #${i}`,
        email:
          x.emailCase === 'upper'
            ? email.toUpperCase()
            : x.emailCase === 'padded'
              ? ` ${email} `
              : x.emailCase === 'blank'
                ? ''
                : email,
        institution: x.institution,
      }
    }),
  }))

/** A call together with a shuffled copy of every array in it. */
const callWithShuffleArb = callArb.chain((input) =>
  fc
    .tuple(
      fc.shuffledSubarray(input.responses, { minLength: input.responses.length }),
      fc.shuffledSubarray(input.members, { minLength: input.members.length }),
      fc.shuffledSubarray(input.institutions, { minLength: input.institutions.length }),
    )
    .map(([responses, members, insts]) => ({ input, shuffled: { ...input, responses, members, institutions: insts } })),
)

const CATS = ['consortium', 'community'] as const

t.test('properties of every selection', async (t) => {
  t.test('never more than one selected per institution; unaffiliated exempt', async (t) => {
    fc.assert(
      fc.property(callArb, (input) => {
        const keys = selectVolunteers(input)
          .decisions.filter((d) => d.outcome === 'selected' && d.institutionKey !== null)
          .map((d) => d.institutionKey)
        return new Set(keys).size === keys.length
      }),
    )
    t.pass('one seat per institution')
  })

  t.test('never more selected than seats; selected + shortfall = seats; alternates only when full', async (t) => {
    fc.assert(
      fc.property(callArb, (input) => {
        const s = selectVolunteers(input)
        return CATS.every((c) => {
          const selected = s.decisions.filter((d) => d.outcome === 'selected' && d.seat === c).length
          const alternates = s.decisions.filter((d) => d.outcome === 'alternate' && d.seat === c).length
          const slots = s.slots.filter((slot) => slot.category === c)
          return (
            selected <= s.seats[c]! &&
            selected + s.shortfall[c]! === s.seats[c]! &&
            (alternates === 0 || s.shortfall[c] === 0) &&
            slots.length === s.seats[c] &&
            slots.filter((slot) => slot.responseId !== null).length === selected
          )
        })
      }),
    )
    t.pass('seat arithmetic')
  })

  t.test('seats follow the policy less continuing volunteers unless fixed', async (t) => {
    fc.assert(
      fc.property(callArb, (input) => {
        const s = selectVolunteers(input)
        const continuing = input.members.filter(
          (m) => m.seat !== 'staff' && (m.endsAt === null || m.endsAt > input.termStart),
        )
        return CATS.every(
          (c) =>
            s.seats[c] ===
            (input.fixedSeats
              ? input.fixedSeats[c]
              : Math.max(
                  0,
                  (input.policy.seats as Record<string, number>)[c]! - continuing.filter((m) => m.seat === c).length,
                )),
        )
      }),
    )
    t.pass('seats to fill held (docs/rules.md#d7)')
  })

  t.test('permuting the input arrays changes nothing, digest included', async (t) => {
    fc.assert(
      fc.property(callWithShuffleArb, ({ input, shuffled }) => {
        return JSON.stringify(selectVolunteers(input)) === JSON.stringify(selectVolunteers(shuffled))
      }),
    )
    t.pass('order-independent')
  })

  t.test('every response gets exactly one decision, in first-come order', async (t) => {
    fc.assert(
      fc.property(callArb, (input) => {
        const s = selectVolunteers(input)
        const ids = s.decisions.map((d) => d.responseId)
        const inOrder = s.decisions.every((d, i) => {
          const prev = s.decisions[i - 1]
          if (!prev) return d.position === 1
          const a = input.responses.find((x) => x.id === prev.responseId)!
          const b = input.responses.find((x) => x.id === d.responseId)!
          const byTime = epochNanos(a.submittedAt) < epochNanos(b.submittedAt)
          const tie =
            a.submittedAt === b.submittedAt &&
            (a.ingestSeq < b.ingestSeq || (a.ingestSeq === b.ingestSeq && a.id < b.id))
          return d.position === i + 1 && (byTime || tie)
        })
        return ids.length === input.responses.length && new Set(ids).size === ids.length && inOrder
      }),
    )
    t.pass('one decision each')
  })

  t.test('decisions are internally consistent', async (t) => {
    fc.assert(
      fc.property(callArb, (input) => {
        const s = selectVolunteers(input)
        return s.decisions.every((d) => {
          if (d.explanation.trim() === '') return false
          if (d.outcome === 'selected') {
            const slot = s.slots.find((x) => x.responseId === d.responseId)
            return (
              d.reason === null &&
              d.seat !== null &&
              slot?.category === d.seat &&
              slot.termEnd === d.termEnd &&
              d.termStart === input.termStart
            )
          }
          if (d.outcome === 'alternate') return d.reason === 'seats-full' && d.seat !== null && d.termEnd === null
          return d.reason !== null && d.reason !== 'seats-full' && d.seat === null && d.termEnd === null
        })
      }),
    )
    t.pass('consistent')
  })

  t.test('nobody continuing on the team, nor their institution, is selected again', async (t) => {
    fc.assert(
      fc.property(callArb, (input) => {
        const s = selectVolunteers(input)
        const continuing = continuingMembers(input.members, input.termStart)
        const emails = new Set(continuing.map((m) => normaliseEmail(m.email)))
        return s.decisions
          .filter((d) => d.outcome === 'selected')
          .every((d) => !emails.has(normaliseEmail(input.responses.find((x) => x.id === d.responseId)!.email)))
      }),
    )
    t.pass('no continuing person or institution selected (docs/rules.md#d4, #r6)')
  })

  t.test('the earliest eligible volunteer wins a single seat, to the nanosecond', async (t) => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2_000_000n }), fc.boolean(), (gap, reverse) => {
        const early = instantFromEpochNanos(BASE_NS)
        const late = instantFromEpochNanos(BASE_NS + gap)
        const a: ResponseInput = {
          id: 'a',
          externalId: null,
          submittedAt: late,
          ingestSeq: 1,
          name: 'Late',
          email: 'late@example.org',
          institution: null,
        }
        const b: ResponseInput = {
          id: 'b',
          externalId: null,
          submittedAt: early,
          ingestSeq: 2,
          name: 'Early',
          email: 'early@example.org',
          institution: null,
        }
        const s = selectVolunteers(call(reverse ? [b, a] : [a, b], { fixedSeats: { consortium: 0, community: 1 } }))
        return (
          s.decisions[0]?.name === 'Early' &&
          s.decisions[0].outcome === 'selected' &&
          s.decisions[1]?.outcome === 'alternate'
        )
      }),
    )
    t.pass('sub-millisecond order respected')
  })

  t.test('on an exact tie, the lower ingestion sequence wins', async (t) => {
    fc.assert(
      fc.property(instantArb, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1000 }), (when, s1, gap) => {
        const first: ResponseInput = {
          id: 'z',
          externalId: null,
          submittedAt: when,
          ingestSeq: s1,
          name: 'First',
          email: 'f@example.org',
          institution: 'Oxford',
        }
        const second: ResponseInput = {
          id: 'a',
          externalId: null,
          submittedAt: when,
          ingestSeq: s1 + gap,
          name: 'Second',
          email: 's@example.org',
          institution: 'Oxford',
        }
        const s = selectVolunteers(
          call([second, first], {
            window: { opensAt: at('0001-01-01T00:00:00Z'), closesAt: at('9999-01-01T00:00:00Z') },
          }),
        )
        return (
          s.decisions[0]?.name === 'First' &&
          s.decisions[0].outcome === 'selected' &&
          s.decisions[1]?.reason === 'institution-already-selected' &&
          s.decisions[1].explanation.startsWith('First from University of Oxford responded earlier')
        )
      }),
    )
    t.pass('ingestSeq breaks ties')
  })
})

// ---------------------------------------------------------------------------------------------
// Look-alike institutions: a name that only looks like another takes no second seat, and staff see it.

t.test('look-alike institution names share one seat and are flagged for staff', async (t) => {
  const world: Institution[] = [
    ...institutions,
    { id: 'msu', name: 'Московский университет', aliases: [], consortium: false },
  ]
  const table: Array<{ label: string; spellings: string[]; selected: number; flagged: Array<[number, string]> }> = [
    {
      label: 'a Cyrillic о and a zero-width space beside Oxford (the reproduced case)',
      spellings: ['University of Oxford', 'University of Oxf\u043Erd', 'University of Ox\u200Bford'],
      selected: 1,
      flagged: [
        [1, 'University of Oxford'],
        [2, 'University of Oxford'],
      ],
    },
    {
      label: 'the look-alike comes first',
      spellings: ['University of Oxf\u043Erd', 'University of Oxford'],
      selected: 1,
      flagged: [[0, 'University of Oxford']],
    },
    { label: 'a Cyrillic М in an alias', spellings: ['BL', '\u0412L'], selected: 1, flagged: [[1, 'British Library']] },
    {
      label: 'two unknown spellings',
      spellings: ['Foo Institute', 'F\u043E\u043E Institute'],
      selected: 1,
      flagged: [[1, 'Foo Institute']],
    },
    {
      label: 'two unknown spellings, look-alike first',
      spellings: ['F\u043E\u043E Institute', 'Foo Institute'],
      selected: 1,
      flagged: [[0, 'Foo Institute']],
    },
    {
      label: 'an unknown spelling with a soft hyphen',
      spellings: ['Foo Ins\u00ADtitute', 'Foo Institute'],
      selected: 1,
      flagged: [[0, 'Foo Institute']],
    },
    {
      label: 'a Latin o in a Cyrillic name',
      spellings: ['Московский университет', 'Моск\u006Fвский университет'],
      selected: 1,
      flagged: [[1, 'Московский университет']],
    },
    {
      label: 'the same Cyrillic name twice',
      spellings: ['Московский университет', 'МОСКОВСКИЙ университет'],
      selected: 1,
      flagged: [],
    },
    {
      label: 'two Japanese universities',
      spellings: ['東京大学', '京都大学', 'お茶の水女子大学'],
      selected: 3,
      flagged: [],
    },
    { label: 'the same Japanese name twice', spellings: ['東京大学', '東京大学'], selected: 1, flagged: [] },
    {
      label: 'plain variants of a known name',
      spellings: ['University of Oxford', 'OXFORD'],
      selected: 1,
      flagged: [],
    },
    {
      label: 'different names that share letters',
      spellings: ['Kiel University', 'Kiei University'],
      selected: 2,
      flagged: [],
    },
  ]
  for (const { label, spellings, selected, flagged } of table) {
    const responses = spellings.map((institution, i) => r(`Volunteer ${i}`, `2024-05-0${i + 2}T10:00:00Z`, institution))
    const s = selectVolunteers(call(responses, { institutions: world }))
    t.equal(s.decisions.filter((d) => d.outcome === 'selected').length, selected, `${label}: ${selected} selected`)
    const warnings = s.warnings.filter((w) => w.code === 'confusable-institution')
    t.same(
      warnings.map((w) => [w.responseId, w.suggestions]),
      flagged.map(([i, name]) => [responses[i]!.id, [name]]),
      `${label}: flagged ${flagged.length}`,
    )
    for (const w of warnings) {
      const response = responses.find((x) => x.id === w.responseId)!
      t.match(
        w.message,
        `Volunteer ${responses.indexOf(response)}'s institution "`,
        `${label}: the message names the volunteer`,
      )
      t.match(w.message, 'only looks like', `${label}: and says why`)
    }
  }
})

t.test("a look-alike of a continuing member's institution is refused a seat and flagged", async (t) => {
  const s = selectVolunteers(
    call([r('Eve', '2024-05-03T10:00:00Z', 'Stanf\u043Erd University')], {
      members: [member('Sam', 'consortium', 'Stanford', '2025-06-01T00:00:00Z')],
    }),
  )
  t.match(decisionOf(s, 'Eve'), {
    outcome: 'excluded',
    reason: 'institution-on-team',
    institution: 'Stanford University',
  })
  t.match(s.warnings, [
    {
      code: 'confusable-institution',
      suggestions: ['Stanford University'],
      message: /"Stanfоrd University" only looks like "Stanford University" \(it mixes Cyrillic and Latin letters\)/,
    },
  ])
})

t.test('invisible characters are spelt out in the warning', async (t) => {
  const s = selectVolunteers(
    call([
      r('Ida', '2024-05-03T10:00:00Z', 'Ya\u200Ble University'),
      r('Ian', '2024-05-04T10:00:00Z', 'Yale\u200B University'),
    ]),
  )
  t.match(decisionOf(s, 'Ida'), { outcome: 'selected', institution: 'Yale University' })
  t.match(s.warnings, [
    {
      responseId: decisionOf(s, 'Ida').responseId,
      message:
        'Ida\'s institution "Ya<U+200B>le University" only looks like "Yale University" (it holds the invisible character U+200B)',
    },
  ])
  t.match(
    decisionOf(s, 'Ian'),
    { outcome: 'excluded', reason: 'institution-already-selected' },
    'one beside a space changes nothing a reader sees: the same institution, not flagged',
  )
})

t.test('property: disguised spellings never win a second seat, and each disguise is flagged', async (t) => {
  const swap: Record<string, string> = {
    a: '\u0430',
    e: '\u0435',
    o: '\u043E',
    c: '\u0441',
    p: '\u0440',
    x: '\u0445',
    y: '\u0443',
    i: '\u0456',
    S: '\u0405',
    B: '\u0412',
    L: '\u13DE',
  }
  const disguised = (name: string) =>
    fc
      .tuple(
        fc.array(fc.nat(), { maxLength: 3 }),
        fc.option(fc.constantFrom('\u200B', '\u200D', '\u00AD', '\u2060'), { nil: null }),
      )
      .map(([picks, invisible]) => {
        const chars = [...name]
        const swappable = chars.map((c, i) => i).filter((i) => swap[chars[i]!])
        for (const p of picks) {
          const i = swappable[p % swappable.length]
          if (i !== undefined) chars[i] = swap[[...name][i]!]!
        }
        if (invisible && chars.length > 2) chars.splice(1, 0, invisible)
        return chars.join('')
      })
  const names = [
    'University of Oxford',
    'Stanford University',
    'BL',
    'Yale University',
    'Example Foundation',
    'Sample Press',
  ]
  fc.assert(
    fc.property(
      fc.array(
        fc.constantFrom(...names).chain((name) => fc.tuple(fc.constant(name), disguised(name))),
        { minLength: 1, maxLength: 8 },
      ),
      (picked) => {
        const responses = picked.map(([, spelling], i) => ({
          ...r(`V${i}`, '2024-05-10T10:00:00Z', spelling),
          ingestSeq: i,
        }))
        const s = selectVolunteers(call(responses))
        const keys = s.decisions.filter((d) => d.outcome === 'selected').map((d) => d.institutionKey)
        if (new Set(keys).size !== keys.length || new Set(picked.map(([name]) => name)).size !== keys.length)
          return false
        // Flagged: each disguised spelling whose institution is known, or that reads differently from another spelling in the call.
        const flagged = new Set(s.warnings.filter((w) => w.code === 'confusable-institution').map((w) => w.responseId))
        return picked.every(([name, spelling], i) => {
          const known = !['Example Foundation', 'Sample Press'].includes(name)
          const others = picked.some(
            ([n, sp]) => n === name && visibleInstitutionText(sp) !== visibleInstitutionText(spelling),
          )
          const expected = spelling !== name && (known || others)
          return flagged.has(responses[i]!.id) === expected
        })
      },
    ),
    { numRuns: 300 },
  )
  t.pass('one seat each, every disguise flagged')
})
