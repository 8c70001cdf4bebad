import { deepStrictEqual, ok } from 'node:assert/strict'
import t from 'tap'
import fc from 'fast-check'
import { MAX_LINE_OCTETS, escapeText, foldLine, icsDateTime, scheduleToIcs } from '../../src/integrations/ics.js'
import type { ScheduleIcsInput } from '../../src/integrations/ics.js'
import { planSchedule } from '../../src/domain/schedule.js'
import type { PlannedCall, TermEnd } from '../../src/domain/schedule.js'
import { DEFAULT_POLICY } from '../../src/domain/policy.js'
import { parseInstant } from '../../src/domain/time.js'
import type { Instant } from '../../src/domain/time.js'

const at = (text: string): Instant => parseInstant(text)
const GENERATED = at('2026-06-01T08:15:30.123456789Z')

const LONG_NAME = 'Zoë Ōkubo-Łukasiewicz née Ångström-Þórsdóttir, Ph.D.; “Кириллица” 中文 🎉'

const calls: PlannedCall[] = [
  {
    id: 'c-2026',
    opensAt: at('2026-02-01T00:00:00Z'),
    closesAt: at('2026-03-01T00:00:00Z'),
    termStart: at('2026-03-01T00:00:00Z'),
    status: 'open',
    seatsToFill: { consortium: 2, community: 2 },
  },
  {
    id: null,
    opensAt: at('2027-02-01T00:00:00Z'),
    closesAt: at('2027-03-01T00:00:00Z'),
    termStart: at('2027-03-01T00:00:00Z'),
    status: 'planned',
    seatsToFill: { consortium: 1, community: 0 },
  },
]
const termEnds: TermEnd[] = [
  { memberId: 'm-1', name: 'Ada Lovelace', seat: 'consortium', termEnd: at('2027-03-01T00:00:00Z') },
  { memberId: 'm-2', name: LONG_NAME, seat: 'community', termEnd: at('2027-03-01T00:00:00Z') },
]
const INPUT: ScheduleIcsInput = {
  teamSlug: 'iiif-coc',
  teamName: 'IIIF Code of Conduct Team',
  calls,
  termEnds,
  generatedAt: GENERATED,
}

// ---------------------------------------------------------------------------------------------
// A minimal RFC 5545 reader: unfold, split into lines, group events, unescape TEXT.

interface Property {
  name: string
  params: string
  value: string
}

function unfold(ics: string): string[] {
  return ics
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .slice(0, -1)
}

function parseLine(line: string): Property {
  // Values may hold ':' (times never do before the value); names and params never do here.
  const colon = line.indexOf(':')
  const head = line.slice(0, colon)
  const [name = '', ...params] = head.split(';')
  return { name, params: params.join(';'), value: line.slice(colon + 1) }
}

function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c))
}

function events(ics: string): Map<string, Property>[] {
  const found: Map<string, Property>[] = []
  let current: Map<string, Property> | null = null
  for (const line of unfold(ics)) {
    const property = parseLine(line)
    if (line === 'BEGIN:VEVENT') current = new Map()
    else if (line === 'END:VEVENT') {
      if (current) found.push(current)
      current = null
    } else if (current) current.set(property.name, property)
  }
  return found
}

const text = (event: Map<string, Property>, name: string): string => unescapeText(event.get(name)?.value ?? '')
const octets = (line: string): number => Buffer.byteLength(line, 'utf8')

// ---------------------------------------------------------------------------------------------

t.test('a calendar with one event per call window and per term end', async (t) => {
  const ics = scheduleToIcs(INPUT)
  const lines = unfold(ics)
  t.same(lines.slice(0, 6), [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//rota//Code of Conduct Team schedule//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'X-WR-CALNAME:IIIF Code of Conduct Team schedule',
  ])
  t.equal(lines.at(-1), 'END:VCALENDAR')
  t.equal(lines.filter((l) => l === 'BEGIN:VEVENT').length, 4)
  t.equal(lines.filter((l) => l === 'END:VEVENT').length, 4)

  const [open, planned, ada, zoe] = events(ics)
  t.ok(open && planned && ada && zoe)
  t.equal(text(open!, 'SUMMARY'), 'Call for volunteers open (2 consortium, 2 community seats)')
  t.equal(open!.get('DTSTART')?.value, '20260201T000000Z')
  t.equal(open!.get('DTEND')?.value, '20260301T000000Z')
  t.equal(open!.get('STATUS')?.value, 'CONFIRMED')
  t.equal(open!.get('DTSTAMP')?.value, '20260601T081530Z', 'DTSTAMP is generatedAt, in whole seconds')
  t.equal(text(planned!, 'SUMMARY'), 'Call for volunteers planned (1 consortium seat)')
  t.equal(planned!.get('STATUS')?.value, 'TENTATIVE', 'a planned call may still move')
  t.match(text(planned!, 'DESCRIPTION'), /not yet created/)

  t.equal(text(ada!, 'SUMMARY'), 'Term ends: Ada Lovelace (consortium seat)')
  t.same(
    ada!.get('DTSTART'),
    { name: 'DTSTART', params: 'VALUE=DATE', value: '20270301' },
    'an all-day event on the UTC date',
  )
  t.same(ada!.get('DTEND'), { name: 'DTEND', params: 'VALUE=DATE', value: '20270302' })
  t.equal(
    text(zoe!, 'SUMMARY'),
    `Term ends: ${LONG_NAME} (community seat)`,
    'a long non-ASCII name survives folding and escaping',
  )

  for (const event of [open, planned, ada, zoe]) {
    t.match(event!.get('UID')?.value, /@rota$/)
    t.equal(event!.get('DTSTAMP')?.value, '20260601T081530Z')
  }
})

t.test('names only: no email or other personal data', async (t) => {
  const ics = scheduleToIcs(INPUT)
  t.notMatch(ics, /@(?!rota\b)/, 'the only @ is in UIDs')
  t.notMatch(ics, /ATTENDEE|ORGANIZER|mailto/i)
})

t.test('UIDs are stable across regenerations and distinct per event', async (t) => {
  const first = events(scheduleToIcs(INPUT)).map((e) => e.get('UID')?.value)
  const later = events(
    scheduleToIcs({
      ...INPUT,
      generatedAt: at('2026-09-01T00:00:00Z'),
      calls: calls.map((c) => ({ ...c, seatsToFill: { consortium: 3, community: 3 } })),
      termEnds: termEnds.map((e) => ({ ...e, termEnd: at('2026-12-01T00:00:00Z') })),
    }),
  ).map((e) => e.get('UID')?.value)
  t.same(later, first, 'seats, dates of term ends and generation time do not change UIDs')
  t.equal(new Set(first).size, first.length)
  t.same(first, [
    'call-c-2026.iiif-coc@rota',
    'planned-20270201T000000Z.iiif-coc@rota',
    'term-end-m-1.iiif-coc@rota',
    'term-end-m-2.iiif-coc@rota',
  ])
  const other = events(scheduleToIcs({ ...INPUT, teamSlug: 'other', host: 'rota.example.org' })).map(
    (e) => e.get('UID')?.value,
  )
  t.equal(other[0], 'call-c-2026.other@rota.example.org', 'UIDs name the team and the host')
  const tricky = events(scheduleToIcs({ ...INPUT, calls: [{ ...calls[0]!, id: 'a.b,c' }], termEnds: [] })).map(
    (e) => e.get('UID')?.value,
  )
  t.same(tricky, ['call-a%2Eb%2Cc.iiif-coc@rota'], 'ids are encoded, so the separator stays unambiguous')
})

t.test('TEXT values are escaped and read back exactly', async (t) => {
  t.equal(escapeText('a\\b;c,d\ne\r\nf\rg'), 'a\\\\b\\;c\\,d\\ne\\nf\\ng')
  t.equal(escapeText('tab\tok, bell\u0007 gone'), 'tab\tok\\, bell  gone')
  const name = 'Back\\slash; Semi, Comma\nNewline'
  const ics = scheduleToIcs({ ...INPUT, teamName: 'Team; with, marks', termEnds: [{ ...termEnds[0]!, name }] })
  const calendar = unfold(ics).find((l) => l.startsWith('X-WR-CALNAME:'))
  t.equal(calendar, 'X-WR-CALNAME:Team\\; with\\, marks schedule')
  const ends = events(ics).filter((e) => text(e, 'SUMMARY').startsWith('Term ends'))
  t.equal(text(ends[0]!, 'SUMMARY'), `Term ends: ${name} (consortium seat)`)
})

t.test('lines: CRLF only, at most 75 octets, folded between characters', async (t) => {
  const ics = scheduleToIcs(INPUT)
  t.ok(ics.endsWith('\r\n'))
  t.notMatch(ics.replace(/\r\n/g, ''), /[\r\n]/, 'no bare CR or LF')
  const physical = ics.split('\r\n').slice(0, -1)
  for (const line of physical) t.ok(octets(line) <= MAX_LINE_OCTETS, `${octets(line)} octets: ${line}`)
  t.ok(
    physical.some((l) => l.startsWith(' ')),
    'the long name was folded',
  )
  t.notOk(
    physical.some((l) => l.includes('\uFFFD')),
    'no character was split',
  )

  t.test('a fold lands exactly at 75 octets and never inside a character', async (t) => {
    t.equal(foldLine('x'.repeat(75)), 'x'.repeat(75))
    t.equal(foldLine('x'.repeat(76)), `${'x'.repeat(75)}\r\n x`)
    // 74 ASCII + a 2-octet ë would make 76: the ë moves to the next line whole.
    t.equal(foldLine(`${'x'.repeat(74)}ë`), `${'x'.repeat(74)}\r\n ë`)
    t.equal(foldLine(`${'x'.repeat(73)}ë`), `${'x'.repeat(73)}ë`)
    // Continuations hold 74 octets after their space.
    t.equal(foldLine('y'.repeat(75 + 74 + 1)), `${'y'.repeat(75)}\r\n ${'y'.repeat(74)}\r\n y`)
    t.equal(
      foldLine(`${'x'.repeat(72)}🎉`),
      `${'x'.repeat(72)}\r\n 🎉`,
      'a 4-octet emoji (a surrogate pair) stays whole',
    )
  })
})

t.test('property: any line folds into ≤ 75-octet lines that unfold to the original', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (value) => {
      const line = `SUMMARY:${escapeText(value)}`
      const folded = foldLine(line)
      const physical = folded.split('\r\n')
      for (const [i, p] of physical.entries()) {
        ok(octets(p) <= MAX_LINE_OCTETS)
        if (i > 0) ok(p.startsWith(' '))
        // A lone surrogate would mean a character was split.
        ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(p))
      }
      deepStrictEqual(folded.replace(/\r\n /g, ''), line)
      deepStrictEqual(
        unescapeText(parseLine(line).value),
        value.replace(/\r\n|\r/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' '),
      )
    }),
    { numRuns: 500 },
  )
  t.pass('held for 500 random strings')
})

t.test('round trip: a real schedule, every event found again', async (t) => {
  const schedule = planSchedule({
    policy: DEFAULT_POLICY,
    calls: [],
    members: [
      {
        id: 'm-a',
        name: LONG_NAME,
        seat: 'consortium',
        termStart: at('2025-03-01T00:00:00Z'),
        endsAt: at('2027-03-01T00:00:00Z'),
      },
      {
        id: 'm-b',
        name: 'Bob, "the" Builder; Jr.',
        seat: 'community',
        termStart: at('2025-03-01T00:00:00Z'),
        endsAt: at('2026-09-01T00:00:00Z'),
      },
      { id: 'm-s', name: 'Staff Person', seat: 'staff', termStart: at('2020-01-01T00:00:00Z'), endsAt: null },
    ],
    now: at('2026-06-01T00:00:00Z'),
    years: 10,
  })
  const ics = scheduleToIcs({ teamSlug: 'iiif', teamName: 'IIIF CoC Team', ...schedule, generatedAt: GENERATED })
  const found = events(ics)
  t.equal(found.length, schedule.calls.length + schedule.termEnds.length)
  t.equal(schedule.calls.length, 10)
  const callEvents = found.slice(0, schedule.calls.length)
  for (const [i, call] of schedule.calls.entries()) {
    t.equal(callEvents[i]!.get('DTSTART')?.value, icsDateTime(call.opensAt))
    t.equal(callEvents[i]!.get('DTEND')?.value, icsDateTime(call.closesAt))
  }
  const names = found.slice(schedule.calls.length).map((e) => text(e, 'SUMMARY'))
  t.same(names, ['Term ends: Bob, "the" Builder; Jr. (community seat)', `Term ends: ${LONG_NAME} (consortium seat)`])
  for (const event of found)
    for (const required of ['UID', 'DTSTAMP', 'DTSTART', 'SUMMARY']) t.ok(event.has(required), required)
})

t.test('an empty schedule is still a valid calendar', async (t) => {
  const ics = scheduleToIcs({ ...INPUT, calls: [], termEnds: [] })
  t.same(events(ics), [])
  t.ok(ics.startsWith('BEGIN:VCALENDAR\r\n'))
  t.ok(ics.endsWith('END:VCALENDAR\r\n'))
})

t.test('icsDateTime writes UTC in basic format, dropping fractions', async (t) => {
  t.equal(icsDateTime(at('2028-02-29T23:59:59.999999999Z')), '20280229T235959Z')
  t.equal(icsDateTime(at('2026-06-01T10:00:00+02:00')), '20260601T080000Z')
})
