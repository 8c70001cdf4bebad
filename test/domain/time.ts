import t from 'tap'
import fc from 'fast-check'
import {
  InvalidInstantError,
  addCalendarMonths,
  addDays,
  compareInstants,
  epochNanos,
  formatInstant,
  formatInstantDate,
  instantFromDate,
  instantFromEpochNanos,
  instantToDate,
  isInstant,
  parseInstant,
} from '../../src/domain/time.js'
import type { Instant } from '../../src/domain/time.js'

const MIN_NS = epochNanos(parseInstant('0001-01-01T00:00:00Z'))
const MAX_NS = epochNanos(parseInstant('9999-12-31T23:59:59.999999999Z'))
/** Any instant the canonical form can hold. */
const anyInstant = fc.bigInt({ min: MIN_NS, max: MAX_NS }).map(instantFromEpochNanos)
/** Instants in the years a real call happens, where months can be added freely. */
const modernInstant = fc
  .bigInt({
    min: epochNanos(parseInstant('1900-01-01T00:00:00Z')),
    max: epochNanos(parseInstant('2200-01-01T00:00:00Z')),
  })
  .map(instantFromEpochNanos)

t.test('parseInstant accepts RFC 3339 with an explicit offset and converts to UTC exactly', async (t) => {
  const table: [string, string][] = [
    ['2024-05-01T08:00:00Z', '2024-05-01T08:00:00.000000000Z'],
    ['2024-05-01t08:00:00z', '2024-05-01T08:00:00.000000000Z'],
    ['2024-05-01 08:00:00Z', '2024-05-01T08:00:00.000000000Z'],
    ['2024-05-01T08:00:00.1Z', '2024-05-01T08:00:00.100000000Z'],
    ['2024-05-01T08:00:00.123Z', '2024-05-01T08:00:00.123000000Z'],
    ['2024-05-01T08:00:00.123456Z', '2024-05-01T08:00:00.123456000Z'],
    ['2024-05-01T08:00:00.123456789Z', '2024-05-01T08:00:00.123456789Z'],
    ['2024-05-01T09:00:00.000000001+01:00', '2024-05-01T08:00:00.000000001Z'],
    ['2024-05-01T02:30:00-05:30', '2024-05-01T08:00:00.000000000Z'],
    ['2024-05-01T08:00:00-00:00', '2024-05-01T08:00:00.000000000Z'],
    ['2024-01-01T00:30:00+01:00', '2023-12-31T23:30:00.000000000Z'],
    ['2023-12-31T23:30:00-23:59', '2024-01-01T23:29:00.000000000Z'],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000000000Z'],
    ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000000000Z'],
    ['2024-03-01T00:59:59.999999999+01:00', '2024-02-29T23:59:59.999999999Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000000000Z'],
    ['9999-12-31T23:59:59.999999999Z', '9999-12-31T23:59:59.999999999Z'],
  ]
  for (const [text, canonical] of table) {
    t.equal(parseInstant(text), canonical, text)
  }
})

t.test('parseInstant refuses what is not an exact RFC 3339 instant and says why', async (t) => {
  const table: [string, RegExp][] = [
    ['', /is empty/],
    ['2024-05-01T08:00:00', /has no time-zone offset/],
    ['2024-05-01T08:00:00.123', /has no time-zone offset/],
    ['2024-05-01T08:00:00.1234567891Z', /has more than 9 fractional digits/],
    ['2024-05-01T08:00:00.Z', /decimal point with no digits/],
    ['2024-05-01T08:00:00,5Z', /comma/],
    ['2023-02-29T08:00:00Z', /is not a real date/],
    ['2024-02-30T08:00:00Z', /is not a real date/],
    ['1900-02-29T08:00:00Z', /is not a real date/],
    ['2024-04-31T08:00:00Z', /is not a real date/],
    ['2024-13-01T08:00:00Z', /is not a real date: there is no month 13/],
    ['2024-00-10T08:00:00Z', /is not a real date/],
    ['2024-05-00T08:00:00Z', /is not a real date/],
    ['0000-05-01T08:00:00Z', /year 0000/],
    ['2024-05-01T24:00:00Z', /hour 24/],
    ['2024-05-01T08:60:00Z', /minute 60/],
    ['2016-12-31T23:59:60Z', /leap second/],
    ['2024-05-01T08:00:61Z', /second 61/],
    ['2024-05-01T08:00:00+24:00', /out of range/],
    ['2024-05-01T08:00:00+01:60', /out of range/],
    ['2024-05-01T08:00:00+0100', /unreadable time-zone offset/],
    ['2024-05-01T08:00:00+01', /unreadable time-zone offset/],
    ['2024-05-01T08:00:00 UTC', /unreadable time-zone offset/],
    ['2024-05-01', /no time of day/],
    ['2024-05-01X08:00:00Z', /'T' or a single space/],
    ['2024-05-01  08:00:00Z', /HH:MM:SS/],
    ['2024-5-1T08:00:00Z', /YYYY-MM-DD/],
    ['2024/05/01 08:00:00Z', /YYYY-MM-DD/],
    ['2024-05-01T8:00:00Z', /HH:MM:SS/],
    ['2024-05-01T08:00Z', /HH:MM:SS/],
    [' 2024-05-01T08:00:00Z', /spaces before or after/],
    ['0001-01-01T00:30:00+01:00', /outside the years 0001 to 9999/],
    ['9999-12-31T23:30:00-01:00', /outside the years 0001 to 9999/],
    ['yesterday', /YYYY-MM-DD/],
  ]
  for (const [text, message] of table) {
    t.throws(() => parseInstant(text), { code: 'invalid-instant', message, input: text }, JSON.stringify(text))
  }
  const err = (() => {
    try {
      parseInstant('2024-05-01T08:00:00')
    } catch (e) {
      return e
    }
  })()
  t.ok(err instanceof InvalidInstantError && err instanceof Error, 'the error is an InvalidInstantError')
  t.match(err, {
    problem: /^has no time-zone offset/,
    message: /^Timestamp "2024-05-01T08:00:00" has no time-zone offset/,
  })
})

t.test('sub-millisecond differences keep their order', async (t) => {
  const a = parseInstant('2024-05-01T08:00:00.0001Z')
  const b = parseInstant('2024-05-01T08:00:00.0002Z')
  t.equal(compareInstants(a, b), -1)
  t.equal(compareInstants(b, a), 1)
  t.equal(compareInstants(a, parseInstant('2024-05-01T09:00:00.0001+01:00')), 0)
  t.ok(a < b, 'canonical text sorts in time order')
  t.equal(instantToDate(a).getTime(), instantToDate(b).getTime(), 'a JS Date could not tell them apart')
  t.equal(epochNanos(b) - epochNanos(a), 100_000n)
  const nanosApart = [
    '2024-05-01T08:00:00.000000002Z',
    '2024-05-01T08:00:00.000000001Z',
    '2024-05-01T07:59:59.999999999Z',
  ].map(parseInstant)
  t.same([...nanosApart].sort(compareInstants), [...nanosApart].reverse())
})

t.test('formatInstant trims to 0, 3, 6 or 9 fractional digits like Google', async (t) => {
  const table: [string, string][] = [
    ['2024-05-01T08:00:00Z', '2024-05-01T08:00:00Z'],
    ['2024-05-01T08:00:00.12Z', '2024-05-01T08:00:00.120Z'],
    ['2024-05-01T08:00:00.1234Z', '2024-05-01T08:00:00.123400Z'],
    ['2024-05-01T08:00:00.123456Z', '2024-05-01T08:00:00.123456Z'],
    ['2024-05-01T08:00:00.1234567Z', '2024-05-01T08:00:00.123456700Z'],
    ['2024-05-01T08:00:00.000000001Z', '2024-05-01T08:00:00.000000001Z'],
    ['2024-05-01T10:00:00.5+02:00', '2024-05-01T08:00:00.500Z'],
  ]
  for (const [text, formatted] of table) t.equal(formatInstant(parseInstant(text)), formatted, text)
  t.equal(formatInstantDate(parseInstant('2024-05-01T23:30:00-01:00')), '2024-05-02')
})

t.test('addCalendarMonths counts calendar months and clamps to the end of the month', async (t) => {
  const table: [string, number, string][] = [
    ['2024-01-31T10:00:00Z', 1, '2024-02-29T10:00:00Z'],
    ['2023-01-31T10:00:00Z', 1, '2023-02-28T10:00:00Z'],
    ['2024-03-31T10:00:00Z', -1, '2024-02-29T10:00:00Z'],
    ['2024-05-31T10:00:00Z', 1, '2024-06-30T10:00:00Z'],
    ['2024-02-29T00:00:00.000000001Z', 12, '2025-02-28T00:00:00.000000001Z'],
    ['2024-02-29T00:00:00Z', 48, '2028-02-29T00:00:00Z'],
    ['2024-06-01T00:00:00Z', 24, '2026-06-01T00:00:00Z'],
    ['2024-06-01T00:00:00Z', 12, '2025-06-01T00:00:00Z'],
    ['2024-11-15T12:34:56.789Z', 3, '2025-02-15T12:34:56.789Z'],
    ['2025-02-15T12:34:56.789Z', -3, '2024-11-15T12:34:56.789Z'],
    ['2024-01-15T00:00:00Z', -13, '2022-12-15T00:00:00Z'],
    ['2024-01-15T00:00:00Z', 0, '2024-01-15T00:00:00Z'],
  ]
  for (const [start, months, end] of table) {
    t.equal(formatInstant(addCalendarMonths(parseInstant(start), months)), end, `${start} + ${months} months`)
  }
  t.throws(() => addCalendarMonths(parseInstant('2024-01-01T00:00:00Z'), 1.5), RangeError)
  t.throws(() => addCalendarMonths(parseInstant('9999-06-01T00:00:00Z'), 12), { code: 'invalid-instant' })
})

t.test('addDays adds 24-hour days in UTC', async (t) => {
  t.equal(formatInstant(addDays(parseInstant('2024-05-01T08:00:00.000000007Z'), 28)), '2024-05-29T08:00:00.000000007Z')
  t.equal(formatInstant(addDays(parseInstant('2024-03-01T00:00:00Z'), -1)), '2024-02-29T00:00:00Z')
  t.equal(formatInstant(addDays(parseInstant('2024-12-31T23:00:00Z'), 1)), '2025-01-01T23:00:00Z')
  t.throws(() => addDays(parseInstant('0001-01-01T00:00:00Z'), -1), { code: 'invalid-instant' })
  t.throws(() => addDays(parseInstant('2024-01-01T00:00:00Z'), 0.5), RangeError)
})

t.test('Dates convert to instants and back at millisecond precision', async (t) => {
  const date = new Date(Date.UTC(2024, 4, 1, 8, 0, 0, 123))
  t.equal(instantFromDate(date), '2024-05-01T08:00:00.123000000Z')
  t.equal(instantToDate(parseInstant('2024-05-01T08:00:00.123999999Z')).toISOString(), '2024-05-01T08:00:00.123Z')
  t.equal(instantFromDate(new Date(-1)), '1969-12-31T23:59:59.999000000Z')
  t.throws(() => instantFromDate(new Date(Number.NaN)), { code: 'invalid-instant' })
  t.throws(() => instantFromDate(new Date(Date.UTC(10000, 0, 1))), { code: 'invalid-instant' })
})

t.test('isInstant recognises canonical text only', async (t) => {
  t.ok(isInstant('2024-05-01T08:00:00.000000000Z'))
  t.notOk(isInstant('2024-05-01T08:00:00Z'))
  t.notOk(isInstant('2023-02-29T08:00:00.000000000Z'))
  t.notOk(isInstant('0000-01-01T00:00:00.000000000Z'))
  t.notOk(isInstant(42))
})

t.test('properties', async (t) => {
  t.test('format and parse round-trip every instant exactly', async (t) => {
    fc.assert(
      fc.property(anyInstant, (i) => {
        const formatted = formatInstant(i)
        return parseInstant(formatted) === i && parseInstant(i) === i && isInstant(i)
      }),
    )
    t.pass('round-trips')
  })

  t.test('text order, compareInstants and nanosecond arithmetic agree', async (t) => {
    fc.assert(
      fc.property(anyInstant, anyInstant, (a, b) => {
        const byNanos = epochNanos(a) < epochNanos(b) ? -1 : epochNanos(a) > epochNanos(b) ? 1 : 0
        const byText = a < b ? -1 : a > b ? 1 : 0
        return compareInstants(a, b) === byNanos && byText === byNanos
      }),
    )
    t.pass('agree')
  })

  t.test('the same instant written in any offset parses to the same UTC instant', async (t) => {
    const offset = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 })
    fc.assert(
      fc.property(modernInstant, offset, fc.constantFrom('T', 't', ' '), (i, minutes, sep) => {
        const local = instantFromEpochNanos(epochNanos(i) + BigInt(minutes) * 60_000_000_000n)
        const sign = minutes < 0 ? '-' : '+'
        const abs = Math.abs(minutes)
        const suffix = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
        const text = `${local.slice(0, 10)}${sep}${local.slice(11, 29)}${suffix}`
        return parseInstant(text) === i
      }),
    )
    t.pass('offsets convert exactly')
  })

  t.test('adding months keeps the time of day and never overshoots the month', async (t) => {
    fc.assert(
      fc.property(modernInstant, fc.integer({ min: -240, max: 240 }), (i, months) => {
        const r = addCalendarMonths(i, months)
        const [y, m, d] = i.slice(0, 10).split('-').map(Number) as [number, number, number]
        const [ry, rm, rd] = r.slice(0, 10).split('-').map(Number) as [number, number, number]
        return (
          r.slice(10) === i.slice(10) &&
          ry * 12 + rm - (y * 12 + m) === months &&
          (rd === d || (rd < d && addDays(r, 1).slice(8, 10) === '01'))
        )
      }),
    )
    t.pass('calendar months')
  })

  t.test('adding days moves exactly 24 hours per day', async (t) => {
    fc.assert(
      fc.property(modernInstant, fc.integer({ min: -10_000, max: 10_000 }), (i, days) => {
        return epochNanos(addDays(i, days)) - epochNanos(i) === BigInt(days) * 86_400_000_000_000n
      }),
    )
    t.pass('24-hour days')
  })

  t.test('Dates round-trip through instants', async (t) => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), (ms) => {
        const date = new Date(ms)
        return (
          instantToDate(instantFromDate(date)).getTime() === ms &&
          instantFromDate(date).slice(0, 23) === date.toISOString().slice(0, 23)
        )
      }),
    )
    t.pass('Date round-trip')
  })
})

// Guard: the canonical type really is a plain string at run time.
const sample: Instant = parseInstant('2024-05-01T08:00:00Z')
t.equal(typeof sample, 'string')
