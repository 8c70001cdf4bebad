import t from 'tap'
import {
  appointmentFieldProblems,
  appointmentIntoCall,
  decideAppointment,
  slotForAppointment,
} from '../../src/domain/appointment.js'
import type { AppointmentMember, AppointmentRequest } from '../../src/domain/appointment.js'
import { buildInstitutionIndex, matchInstitution } from '../../src/domain/institutions.js'
import { DEFAULT_POLICY } from '../../src/domain/policy.js'
import type { Seat, SeatSlot } from '../../src/domain/selection.js'
import { epochNanos, instantFromEpochNanos, parseInstant } from '../../src/domain/time.js'
import type { Instant } from '../../src/domain/time.js'

const at = (text: string): Instant => parseInstant(text)
const plusNano = (instant: Instant): Instant => instantFromEpochNanos(epochNanos(instant) + 1n)

const index = buildInstitutionIndex([
  { id: 'ox', name: 'University of Oxford', aliases: ['Oxford'], consortium: true },
  { id: 'st', name: 'Stanford University', aliases: [], consortium: true },
  { id: 'yale', name: 'Yale University', aliases: [], consortium: true },
  { id: 'bl', name: 'British Library', aliases: ['BL'], consortium: true },
  { id: 'getty', name: 'Getty Research Institute', aliases: [], consortium: true },
  { id: 'mu', name: 'Museo Uno', aliases: [], consortium: false },
])
const institution = (text: string | null) => matchInstitution(text, index)

const START = at('2026-03-01T00:00:00Z')
const LONG = at('2028-03-01T00:00:00Z')
const SHORT = at('2027-03-01T00:00:00Z')

function member(
  id: string,
  seat: Seat,
  institutionText: string | null,
  termEnd: Instant | null,
  extra: Partial<AppointmentMember> = {},
): AppointmentMember {
  const match = institution(institutionText)
  return {
    id,
    name: id,
    email: `${id.toLowerCase()}@example.org`,
    institution: match.kind === 'known' ? match.institution.name : institutionText,
    institutionKey: match.kind === 'unaffiliated' ? null : match.key,
    seat,
    termStart: START,
    termEnd,
    endedAt: null,
    ...extra,
  }
}

/** A full team after the inaugural call: staff, 4 consortium seats (2 long, 2 short), 3 of 4 community seats. */
const TEAM: AppointmentMember[] = [
  member('Sam', 'staff', 'University of Oxford', null, { termStart: at('2025-01-01T00:00:00Z') }),
  member('Ann', 'consortium', 'University of Oxford', LONG),
  member('Ben', 'consortium', 'Stanford University', LONG),
  member('Cat', 'consortium', 'Yale University', SHORT),
  member('Dan', 'consortium', 'British Library', SHORT),
  member('Xia', 'community', 'Independent', LONG),
  member('Yul', 'community', 'Museo Uno', LONG),
  member('Zed', 'community', 'Museo Dos', SHORT),
]

function request(
  overrides: Partial<AppointmentRequest> & { institutionText?: string | null } = {},
): AppointmentRequest {
  const { institutionText = 'Museo Tres', ...rest } = overrides
  return {
    email: 'new@example.org',
    seat: 'community',
    institution: institution(institutionText),
    termStart: at('2026-04-01T00:00:00Z'),
    termEnd: undefined,
    slot: null,
    override: false,
    ...rest,
  }
}

const decide = (overrides: Parameters<typeof request>[0] = {}, members: readonly AppointmentMember[] = TEAM) =>
  decideAppointment(request(overrides), DEFAULT_POLICY, members)
const codeOf = (decision: ReturnType<typeof decide>) => (decision.ok ? 'ok' : decision.refusal.code)

t.test('an appointment needs a name, a plain email address and a reason, each named when missing', async (t) => {
  t.same(appointmentFieldProblems({ name: 'Ray', email: 'ray@example.org', reason: 'recruited' }), [])
  t.same(appointmentFieldProblems({ name: '', email: 'ray@example.org', reason: 'recruited' }), [
    { field: 'body.name', message: 'must not be blank' },
  ])
  t.same(appointmentFieldProblems({ name: 'Ray', email: 'ray@example.org', reason: '' }), [
    { field: 'body.reason', message: 'must say why (it is kept on record)' },
  ])
  t.same(appointmentFieldProblems({ name: 'Ray', email: 'Ray <ray@example.org>', reason: 'x' }), [
    { field: 'body.email', message: 'must be an email address: it must not contain spaces' },
  ])
  t.same(
    appointmentFieldProblems({ name: '', email: '', reason: '' }).map((p) => p.field),
    ['body.name', 'body.email', 'body.reason'],
    'every field at fault, in the order of the form',
  )
})

t.test('an appointment into a call is for a volunteer seat', async (t) => {
  t.same(appointmentIntoCall('consortium'), { ok: true, category: 'consortium' })
  t.same(appointmentIntoCall('community'), { ok: true, category: 'community' })
  t.same(appointmentIntoCall('staff'), {
    ok: false,
    refusal: {
      kind: 'invalid',
      code: 'invalid-member',
      problems: [{ field: 'body.callId', message: 'applies to volunteer seats only' }],
    },
  })
})

t.test('the term', async (t) => {
  t.test('a volunteer serves termMonths (24) from the start unless staff say otherwise', async (t) => {
    t.match(decide({ termStart: at('2026-04-01T00:00:00Z') }), {
      ok: true,
      termStart: at('2026-04-01T00:00:00Z'),
      termEnd: at('2028-04-01T00:00:00Z'),
    })
    t.match(decide({ termStart: at('2026-04-01T00:00:00Z'), termEnd: at('2026-10-01T00:00:00Z') }), {
      ok: true,
      termEnd: at('2026-10-01T00:00:00Z'),
    })
    t.match(
      decideAppointment(
        request({ termStart: at('2026-08-31T09:30:00.5Z') }),
        { ...DEFAULT_POLICY, termMonths: 6 },
        TEAM,
      ),
      { ok: true, termEnd: at('2027-02-28T09:30:00.5Z') },
      "another policy's length, clamped at the month's end",
    )
  })

  t.test('a staff member serves without end unless one is given', async (t) => {
    t.match(decide({ seat: 'staff', institutionText: null }), { ok: true, termEnd: null })
    t.match(decide({ seat: 'staff', institutionText: null, termEnd: at('2027-01-01T00:00:00Z') }), {
      ok: true,
      termEnd: at('2027-01-01T00:00:00Z'),
    })
  })

  t.test("into a call's shortfall the appointee takes the empty slot's term, whatever dates were given", async (t) => {
    const slot: SeatSlot = { category: 'community', index: 4, termStart: START, termEnd: SHORT, responseId: null }
    t.match(decide({ slot, termStart: at('2026-04-01T00:00:00Z'), termEnd: at('2030-01-01T00:00:00Z') }), {
      ok: true,
      termStart: START,
      termEnd: SHORT,
    })
  })

  t.test('the end must come after the start, to the nanosecond', async (t) => {
    const start = at('2026-04-01T00:00:00Z')
    t.same(decide({ termStart: start, termEnd: start }), {
      ok: false,
      refusal: {
        kind: 'invalid',
        code: 'invalid-member',
        problems: [{ field: 'body.termEnd', message: 'must be after termStart' }],
      },
    })
    t.same(codeOf(decide({ termStart: start, termEnd: at('2026-03-01T00:00:00Z') })), 'invalid-member')
    t.same(codeOf(decide({ termStart: start, termEnd: plusNano(start) })), 'ok')
    t.same(
      codeOf(decide({ seat: 'staff', institutionText: null, termStart: start, termEnd: start, override: true })),
      'invalid-member',
      'override does not make a term run backwards',
    )
  })
})

t.test("the seat's category follows the institution's IIIF-C membership", async (t) => {
  const full: AppointmentMember[] = []
  t.same(decide({ seat: 'community', institutionText: 'Getty Research Institute' }, full), {
    ok: false,
    refusal: {
      kind: 'conflict',
      code: 'seat-category-mismatch',
      message:
        'Getty Research Institute is an IIIF Consortium member, so its people take consortium seats (override: true to appoint anyway)',
    },
  })
  t.same(decide({ seat: 'consortium', institutionText: 'Museo Uno' }, full), {
    ok: false,
    refusal: {
      kind: 'conflict',
      code: 'seat-category-mismatch',
      message:
        'Museo Uno is not an IIIF Consortium member, so it cannot take a consortium seat (override: true to appoint anyway)',
    },
  })
  t.match(
    decide({ seat: 'consortium', institutionText: 'Museo Nueve' }, full),
    { ok: false, refusal: { code: 'seat-category-mismatch', message: /^This institution is not/ } },
    'an unknown institution',
  )
  t.match(
    decide({ seat: 'consortium', institutionText: null }, full),
    { ok: false, refusal: { code: 'seat-category-mismatch' } },
    'nobody unaffiliated takes a consortium seat',
  )
  t.same(
    codeOf(decide({ seat: 'community', institutionText: 'Independent' }, full)),
    'ok',
    'unaffiliated people take community seats',
  )
  t.same(codeOf(decide({ seat: 'consortium', institutionText: 'Getty Research Institute' }, full)), 'ok')
})

t.test('nobody serving at the term start may be appointed again', async (t) => {
  t.same(
    decide({ email: ' ANN@Example.org ' }),
    {
      ok: false,
      refusal: { kind: 'conflict', code: 'already-on-team', message: 'Ann already serves on the team with this email' },
    },
    'email compared trimmed and in any case',
  )
  t.same(codeOf(decide({ email: 'sam@example.org' })), 'already-on-team', 'staff included')
  t.same(
    codeOf(decide({ email: 'zed@example.org', termStart: SHORT })),
    'ok',
    'a term that ends at the start (end exclusive) no longer counts',
  )
  const left = TEAM.map((m) => (m.id === 'Xia' ? { ...m, endedAt: at('2026-03-20T00:00:00Z') } : m))
  t.same(
    codeOf(decide({ email: 'xia@example.org' }, left)),
    'ok',
    'someone who stepped down before the start may come back',
  )
})

t.test('an institution holds one volunteer seat at a time', async (t) => {
  const withVacancy = TEAM.filter((m) => m.id !== 'Zed')
  t.same(decide({ institutionText: 'Museo Uno' }, withVacancy), {
    ok: false,
    refusal: {
      kind: 'conflict',
      code: 'institution-on-team',
      message:
        'Yul already holds a volunteer seat for Museo Uno at 2026-04-01T00:00:00Z (override: true to appoint anyway)',
      details: { memberId: 'Yul' },
    },
  })
  t.same(
    codeOf(decide({ institutionText: 'museo  uno' }, withVacancy)),
    'institution-on-team',
    'matched as the selection matches names',
  )
  t.same(
    codeOf(decide({ institutionText: 'Independent' }, withVacancy)),
    'ok',
    'unaffiliated people never block each other (Xia is independent too)',
  )
  const consortiumVacancy = TEAM.filter((m) => m.id !== 'Dan')
  t.same(
    codeOf(decide({ seat: 'consortium', institutionText: 'Oxford', email: 'ola@example.org' }, consortiumVacancy)),
    'institution-on-team',
    'an alias is the same institution',
  )
  const oxfordLeaves = consortiumVacancy.filter((m) => m.id !== 'Ann')
  t.same(
    codeOf(decide({ seat: 'consortium', institutionText: 'University of Oxford' }, oxfordLeaves)),
    'ok',
    "a staff member's institution takes no volunteer seat",
  )
  t.same(
    codeOf(
      decide(
        { seat: 'consortium', institutionText: 'British Library', termStart: SHORT },
        consortiumVacancy.concat([member('Dan', 'consortium', 'British Library', SHORT)]),
      ),
    ),
    'ok',
    "a holder's seat is free once their term has ended",
  )
})

t.test('a volunteer seat needs a vacancy in its category at the term start', async (t) => {
  t.same(decide({ seat: 'consortium', institutionText: 'Getty Research Institute' }), {
    ok: false,
    refusal: {
      kind: 'conflict',
      code: 'no-vacancy',
      message:
        'No consortium seat is empty throughout the term from 2026-04-01T00:00:00Z (override: true to appoint anyway)',
    },
  })
  t.same(codeOf(decide({ seat: 'community' })), 'ok', 'the fourth community seat is empty')
  t.same(codeOf(decide({ seat: 'community' }, [...TEAM, member('Quin', 'community', null, LONG)])), 'no-vacancy')
  t.same(
    codeOf(decide({ seat: 'consortium', institutionText: 'Getty Research Institute', termStart: SHORT })),
    'ok',
    'two short terms end on 1 March 2027: seats free then',
  )
  const departed = TEAM.map((m) => (m.id === 'Ben' ? { ...m, endedAt: at('2026-09-01T00:00:00Z') } : m))
  t.same(
    codeOf(
      decide(
        { seat: 'consortium', institutionText: 'Getty Research Institute', termStart: at('2026-09-01T00:00:00Z') },
        departed,
      ),
    ),
    'ok',
    'a departure frees the seat from its effective end',
  )
  t.same(
    codeOf(
      decide(
        {
          seat: 'consortium',
          institutionText: 'Getty Research Institute',
          termStart: at('2026-08-31T23:59:59.999999999Z'),
        },
        departed,
      ),
    ),
    'no-vacancy',
    'not a nanosecond before',
  )
  t.same(codeOf(decide({ seat: 'staff', institutionText: null })), 'ok', 'staff seats are not counted')
})

t.test('override: staff may appoint past the seat rules, never past the term rules', async (t) => {
  for (const [what, overrides] of [
    ['no vacancy', { seat: 'consortium', institutionText: 'Getty Research Institute' }],
    ['institution on the team', { institutionText: 'Museo Uno' }],
    ['category mismatch', { seat: 'consortium', institutionText: 'Museo Tres' }],
    ['already on the team', { email: 'ann@example.org' }],
  ] as const) {
    t.same(
      codeOf(decide(overrides)),
      what === 'no vacancy'
        ? 'no-vacancy'
        : what === 'institution on the team'
          ? 'institution-on-team'
          : what === 'category mismatch'
            ? 'seat-category-mismatch'
            : 'already-on-team',
      `${what}: refused`,
    )
    t.same(codeOf(decide({ ...overrides, override: true })), 'ok', `${what}: appointed with override`)
  }
})

t.test('the checks come in a fixed order, so the refusal a client sees does not depend on the team', async (t) => {
  // Wrong category, already serving, institution held and no vacancy all at once: the category is reported.
  t.same(
    codeOf(decide({ seat: 'consortium', institutionText: 'Museo Uno', email: 'yul@example.org' })),
    'seat-category-mismatch',
  )
  // Already serving and institution held: the person is reported.
  t.same(codeOf(decide({ institutionText: 'Museo Uno', email: 'yul@example.org' })), 'already-on-team')
  // Institution held and no vacancy: the institution is reported.
  t.same(
    codeOf(decide({ institutionText: 'Museo Uno' }, [...TEAM, member('Quin', 'community', null, LONG)])),
    'institution-on-team',
  )
})

// Issue 12: an appointment into a call's slots made a fifth community member while the roster
// showed no vacancy, because the seat was checked at the slot's term start only, before someone
// appointed directly (from a later date) took it.
t.test('the seat must stay empty for the whole term, not only at its start', async (t) => {
  const later = at('2026-06-01T00:00:00Z')
  const team = [...TEAM, member('Quin', 'community', 'Museo Cuatro', LONG, { termStart: later })]
  t.same(
    codeOf(decide({ seat: 'community', termStart: START }, team)),
    'no-vacancy',
    'the fourth community seat is empty on 1 March but Quin takes it from 1 June',
  )
  t.same(
    codeOf(decide({ seat: 'community', termStart: START, termEnd: later }, team)),
    'ok',
    'a term that ends when Quin starts fits',
  )
  t.same(
    codeOf(decide({ seat: 'community', termStart: START, override: true }, team)),
    'ok',
    'staff may override, with the reason on record',
  )
})

t.test('an appointment into a call takes an empty slot, else no-vacancy unless override', async (t) => {
  const slot: SeatSlot = {
    index: 4,
    category: 'community',
    termStart: START,
    termEnd: SHORT,
    responseId: null,
  }
  t.same(slotForAppointment(slot, 'community', false), { ok: true, slot })
  const none = slotForAppointment(null, 'community', false)
  t.equal(none.ok, false)
  if (!none.ok) t.match(none.refusal, { kind: 'conflict', code: 'no-vacancy', message: /community seat of this call/ })
  t.same(slotForAppointment(null, 'community', true), { ok: true, slot: null }, 'override: appointed without a slot')
})

t.test("a flag cap of the policy holds for appointments as for the selection (conda's steering council)", async (t) => {
  const policy = { ...DEFAULT_POLICY, flagCaps: [{ flag: 'consortium', max: 3 }] }
  // Dan's seat is empty: three consortium volunteers serve, and Sam (staff, Oxford) does not count.
  const flagged = TEAM.filter((m) => m.id !== 'Dan').map((m) =>
    m.seat !== 'community' ? { ...m, institutionFlags: ['consortium'] } : m,
  )
  const getty = request({ seat: 'consortium', institutionText: 'Getty Research Institute' })
  t.same(decideAppointment(getty, policy, flagged), {
    ok: false,
    refusal: {
      kind: 'conflict',
      code: 'flag-cap',
      message:
        '3 volunteers from institutions marked consortium already serve at 2026-04-01T00:00:00Z, and the team takes at most 3 from them (override: true to appoint anyway)',
    },
  })
  t.equal(codeOf(decideAppointment({ ...getty, override: true }, policy, flagged)), 'ok', 'staff may override it')
  t.equal(
    codeOf(decideAppointment(getty, { ...policy, flagCaps: [{ flag: 'consortium', max: 4 }] }, flagged)),
    'ok',
    'under the cap',
  )
  t.equal(
    codeOf(decideAppointment(request({ seat: 'community', institutionText: 'Museo Tres' }), policy, flagged)),
    'ok',
    'an institution without the flag is not capped',
  )
})
