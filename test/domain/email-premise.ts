import t from 'tap'
import fc from 'fast-check'
import { appointmentNotice, emailPremise, noticesAfterStepDown, premiseNeeds } from '../../src/domain/email-premise.js'
import {
  DEFAULT_TEMPLATES,
  NOTICE_KINDS,
  NOTICE_SPECS,
  renderTemplate,
  SAMPLE_VALUES,
  volunteerExplanation,
} from '../../src/domain/notices.js'
import { selectVolunteers, type MemberInput, type ResponseInput } from '../../src/domain/selection.js'
import type { Institution } from '../../src/domain/institutions.js'
import { instantFromEpochNanos, parseInstant, type Instant } from '../../src/domain/time.js'

const at = (text: string): Instant => parseInstant(text)

t.test('a selected email goes only to someone still on the team', async (t) => {
  t.same(emailPremise('selected', { atAddress: [{ origin: 'selected', endedAt: null }] }), { holds: true })
  t.same(emailPremise('selected', { atAddress: [] }), {
    holds: false,
    reason: 'the volunteer is no longer on the team',
  })
  t.same(emailPremise('selected', { atAddress: [{ origin: 'selected', endedAt: at('2027-03-01T00:00:00Z') }] }), {
    holds: false,
    reason: 'the volunteer stepped down (effective 2027-03-01T00:00:00Z) before this email went out',
  })
})

t.test('an alternate email is not sent to someone since promoted or appointed from that call', async (t) => {
  t.same(emailPremise('alternate', { atAddress: [] }), { holds: true })
  t.match(emailPremise('alternate', { atAddress: [{ origin: 'replacement', endedAt: null }] }), {
    holds: false,
    reason: /since joined the team \(promoted\)/,
  })
  t.match(emailPremise('alternate', { atAddress: [{ origin: 'appointed', endedAt: null }] }), {
    holds: false,
    reason: /\(appointed\)/,
  })
})

t.test('emails about a member hold while the member serves', async (t) => {
  for (const kind of ['replacement-selected', 'appointed', 'term-ending', 'member-joined'] as const) {
    t.same(premiseNeeds(kind), { member: true, atAddress: false, response: false }, kind)
    t.same(emailPremise(kind, { member: { origin: 'appointed', endedAt: null } }), { holds: true }, kind)
    t.match(emailPremise(kind, { member: null }), { holds: false, reason: /no longer on the team/ }, kind)
    t.match(
      emailPremise(kind, { member: { origin: 'replacement', endedAt: at('2027-05-01T00:00:00Z') } }),
      { holds: false, reason: /stepped down \(effective 2027-05-01T00:00:00Z\)/ },
      kind,
    )
  }
  // Thanks for stepping down, announcements, staff notices: nothing about them can become untrue.
  for (const kind of ['stepped-down', 'call-opened', 'call-results', 'not-selected', 'shortfall'] as const)
    t.same(emailPremise(kind, {}), { holds: true }, kind)
})

t.test('an acknowledgement goes only while its response counts and its call is open', async (t) => {
  t.same(premiseNeeds('acknowledged'), { member: false, atAddress: false, response: true })
  const call = {
    opensAt: at('2027-02-01T00:00:00Z'),
    closesAt: at('2027-03-01T00:00:00Z'),
    closed: false,
    cancelled: false,
  }
  const response = { submittedAt: at('2027-02-03T10:00:00Z'), removed: null, erased: false, call }
  t.same(emailPremise('acknowledged', { response }), { holds: true })
  const table: Array<[string, Parameters<typeof emailPremise>[1]['response'], RegExp]> = [
    ['gone', null, /no longer on record/],
    ['erased', { ...response, erased: true }, /data was erased/],
    ['withdrawn', { ...response, removed: 'withdrawn' }, /^the volunteer withdrew the response/],
    ['removed by staff', { ...response, removed: 'by-staff' }, /^staff removed the response/],
    ['call cancelled', { ...response, call: { ...call, cancelled: true } }, /call was cancelled/],
    ['call closed', { ...response, call: { ...call, closed: true } }, /call closed .* the result email tells/],
    [
      'window moved',
      { ...response, call: { ...call, opensAt: at('2027-02-04T00:00:00Z') } },
      /outside the call's window/,
    ],
  ]
  for (const [what, facts, reason] of table)
    t.match(emailPremise('acknowledged', { response: facts }), { holds: false, reason }, what)
})

t.test(
  'after a step-down: thanks to the member; a replacement hears at once, the list at her term start',
  async (t) => {
    t.same(noticesAfterStepDown(null), [{ kind: 'stepped-down', to: 'member', notBefore: null }], 'no list email')
    const termStart = at('2027-04-01T00:00:00Z')
    t.same(noticesAfterStepDown({ termStart }), [
      { kind: 'stepped-down', to: 'member', notBefore: null },
      { kind: 'replacement-selected', to: 'replacement', notBefore: null },
      { kind: 'member-joined', to: 'mailing-list', notBefore: termStart },
    ])
  },
)

t.test('an appointment is told unless the term it records had already ended', async (t) => {
  const now = at('2027-01-01T00:00:00Z')
  t.same(appointmentNotice({ termEnd: null }, now), { send: true }, 'staff, no term end')
  t.same(appointmentNotice({ termEnd: at('2027-01-01T00:00:01Z') }, now), { send: true })
  t.same(appointmentNotice({ termEnd: now }, now), {
    send: false,
    reason: 'the term had already ended (2027-01-01T00:00:00Z) when it was recorded',
  })
})

t.test(
  'every new kind has a default template using only its placeholders; the list is never told who left',
  async (t) => {
    for (const kind of ['replacement-selected', 'appointed', 'stepped-down', 'member-joined'] as const) {
      t.ok(NOTICE_KINDS.includes(kind))
      const values = Object.fromEntries(NOTICE_SPECS[kind].placeholders.map((p) => [p, SAMPLE_VALUES[p] ?? 'x']))
      const rendered = renderTemplate(DEFAULT_TEMPLATES[kind], values)
      t.notMatch(rendered.body + rendered.subject, /\{\{|\}\}/, `${kind}: every placeholder filled`)
    }
    t.notOk(NOTICE_SPECS['member-joined'].placeholders.includes('endedAt'))
    t.match(
      renderTemplate(DEFAULT_TEMPLATES['replacement-selected'], SAMPLE_VALUES).body,
      /from 2027-03-01 00:00 UTC to 2029-03-01 00:00 UTC/,
      'the replacement hears her term start and end',
    )
  },
)

t.test('a blank name gives a neutral greeting, never "Dear ,"', async (t) => {
  for (const kind of NOTICE_KINDS) {
    if (!NOTICE_SPECS[kind].placeholders.includes('name')) continue
    for (const blank of ['', '   ']) {
      const body = renderTemplate(DEFAULT_TEMPLATES[kind], { ...SAMPLE_VALUES, name: blank }).body
      t.notMatch(body, /Dear\s*,/, kind)
      if (DEFAULT_TEMPLATES[kind].body.startsWith('Dear {{name}},')) t.match(body, /^Hello,\n/, kind)
    }
  }
  const custom = { subject: 'Hi {{name}}', body: 'Hi {{name}}!\nThanks, {{name}}, for volunteering.\nDear {{ name }},' }
  t.same(renderTemplate(custom, { name: '' }), {
    subject: 'Hi volunteer',
    body: 'Hello!\nThanks, volunteer, for volunteering.\nHello,',
  })
  t.equal(
    renderTemplate(custom, { name: 'Ada' }).body,
    'Hi Ada!\nThanks, Ada, for volunteering.\nDear Ada,',
    'a name is used as given',
  )
})

// Privacy: an email to a volunteer never names another volunteer or member. Names are unique
// markers (V<n>Q, M<n>Q) so that any one of them showing up in someone else's sentence is caught.
const institutions: Institution[] = [
  { id: 'a', name: 'Alpha University', aliases: [], consortium: true },
  { id: 'b', name: 'Beta Library', aliases: [], consortium: true },
  { id: 'c', name: 'Gamma Museum', aliases: [], consortium: false },
]
const INSTITUTIONS = ['Alpha University', 'Beta Library', 'Gamma Museum', 'Delta Works', 'Independent', null]
const OPENS = at('2027-02-01T00:00:00Z')
const CLOSES = at('2027-03-01T00:00:00Z')
const MARKER = /\b[VM]\d+Q\b/g

t.test('volunteer explanations name no one else, for any selection (property)', async (t) => {
  let staffNamedSomeoneElse = 0
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          offsetMinutes: fc.integer({ min: -60, max: 28 * 24 * 60 + 60 }),
          institution: fc.constantFrom(...INSTITUTIONS),
          person: fc.integer({ min: 0, max: 12 }),
        }),
        { maxLength: 30 },
      ),
      fc.array(fc.record({ institution: fc.constantFrom(...INSTITUTIONS), person: fc.integer({ min: 0, max: 12 }) }), {
        maxLength: 3,
      }),
      fc.record({ consortium: fc.integer({ min: 0, max: 3 }), community: fc.integer({ min: 0, max: 3 }) }),
      (rows, memberRows, seats) => {
        const responses: ResponseInput[] = rows.map((row, i) => ({
          id: `r${i}`,
          externalId: null,
          submittedAt: instantFromEpochNanos(
            BigInt(Date.parse('2027-02-01T00:00:00Z') + row.offsetMinutes * 60_000) * 1_000_000n + 123_456_789n,
          ),
          ingestSeq: i,
          name: `V${row.person}Q`,
          email: `v${row.person}@example.org`,
          institution: row.institution,
        }))
        const members: MemberInput[] = memberRows.map((row, i) => ({
          id: `m${i}`,
          name: `M${i}Q`,
          email: i === 0 ? 'v0@example.org' : `m${i}@example.org`,
          seat: 'consortium',
          institution: row.institution,
          termStart: at('2026-01-01T00:00:00Z'),
          endsAt: at('2028-01-01T00:00:00Z'),
        }))
        const selection = selectVolunteers({
          window: { opensAt: OPENS, closesAt: CLOSES },
          termStart: CLOSES,
          policy: { seats, termMonths: 24, inauguralStagger: false },
          fixedSeats: seats,
          institutions,
          members,
          responses,
        })
        for (const decision of selection.decisions) {
          const others = (text: string) => (text.match(MARKER) ?? []).filter((name) => name !== decision.name)
          if (others(decision.explanation).length > 0) staffNamedSomeoneElse++
          const sentence = volunteerExplanation(decision, selection.decisions)
          if (others(sentence).length > 0) throw new Error(`${decision.name} would read: ${sentence}`)
          if (/@/.test(sentence.replace(decision.name, ''))) throw new Error(`an address in: ${sentence}`)
          if (decision.reason === 'institution-already-selected')
            if (!/^Another volunteer from .+ answered earlier \(at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)/.test(sentence))
              throw new Error(sentence)
        }
      },
    ),
    { numRuns: 300 },
  )
  t.ok(staffNamedSomeoneElse > 0, 'the staff sentences do name others (so the property is not vacuous)')
})

t.test("Tom hears that another volunteer answered earlier, and when; staff keep Jane's name", async (t) => {
  const selection = selectVolunteers({
    window: { opensAt: OPENS, closesAt: CLOSES },
    termStart: CLOSES,
    policy: { seats: { consortium: 2, community: 2 }, termMonths: 24, inauguralStagger: false },
    fixedSeats: null,
    institutions,
    members: [],
    responses: [
      {
        id: 'jane',
        externalId: null,
        submittedAt: at('2027-02-03T10:15:42.5Z'),
        ingestSeq: 0,
        name: 'Jane Marsh',
        email: 'jane@example.org',
        institution: 'Alpha University',
      },
      {
        id: 'tom',
        externalId: null,
        submittedAt: at('2027-02-03T11:00:00Z'),
        ingestSeq: 1,
        name: 'Tom Quill',
        email: 'tom@example.org',
        institution: 'Alpha University',
      },
    ],
  })
  const tom = selection.decisions.find((d) => d.responseId === 'tom')!
  t.match(tom.explanation, /Jane Marsh/, 'the staff view keeps the full explanation')
  t.equal(
    volunteerExplanation(tom, selection.decisions),
    'Another volunteer from Alpha University answered earlier (at 2027-02-03 10:15:42 UTC) and was selected, and only the first volunteer from an institution is selected.',
  )
})
