/**
 * Exact instants and calendar arithmetic.
 *
 * The Code of Conduct selects volunteers "first-come, first-served … with timestamp", and Google
 * Forms records those timestamps with up to nanosecond precision. A JS `Date` keeps milliseconds
 * only, so two volunteers a few microseconds apart would tie. rota therefore carries instants as
 * canonical UTC strings with exactly nine fractional digits (`2024-05-01T08:00:00.123456789Z`):
 * for years 0001–9999 they sort lexicographically in time order and lose nothing.
 *
 * All calendar arithmetic (term lengths in months, window lengths in days) lives here, in UTC.
 */

/** A point in time, kept as canonical UTC text with nine fractional digits (nanoseconds). */
export type Instant = string & { readonly __instant: unique symbol }

/** Thrown when text is not an acceptable RFC 3339 timestamp or an instant falls outside years 0001–9999. */
export class InvalidInstantError extends Error {
  readonly code = 'invalid-instant' as const
  /** The offending text, as given (may be shortened in `message`). */
  readonly input: string
  /** What is wrong, in plain words, without the input: "has no time-zone offset". */
  readonly problem: string

  constructor(input: string, problem: string) {
    super(`Timestamp ${quote(input)} ${problem}`)
    this.name = 'InvalidInstantError'
    this.input = input
    this.problem = problem
  }
}

const SECONDS_PER_DAY = 86_400
const NANOS_PER_SECOND = 1_000_000_000n
/** Epoch seconds of 0001-01-01T00:00:00Z and of 9999-12-31T23:59:59Z: the range canonical text can hold. */
const MIN_EPOCH_SECONDS = daysFromCivil(1, 1, 1) * SECONDS_PER_DAY
const MAX_EPOCH_SECONDS = daysFromCivil(9999, 12, 31) * SECONDS_PER_DAY + SECONDS_PER_DAY - 1

const CANONICAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{9})Z$/

interface Parts {
  /** Whole seconds since 1970-01-01T00:00:00Z (may be negative). */
  seconds: number
  /** Nine digits: the nanoseconds within that second. */
  nanos: string
}

/**
 * Parses an RFC 3339 date-time with an explicit offset into an exact UTC instant, because a
 * volunteer's place in the first-come order ("with timestamp") must never depend on the reader's
 * time zone or on rounding.
 *
 * Accepts `T`, `t` or one space between date and time, 0–9 fractional digits, and `Z`, `z` or
 * `±HH:MM` (`-00:00` is read as UTC). Leap seconds (`:60`) are refused: neither Google Forms nor
 * PostgreSQL produces them, and mapping them would silently reorder volunteers.
 */
export function parseInstant(text: string): Instant {
  if (typeof text !== 'string') throw new InvalidInstantError(String(text), 'is not text')
  const fail = (problem: string): never => {
    throw new InvalidInstantError(text, problem)
  }
  if (text.trim() === '') fail('is empty')
  if (text !== text.trim()) fail('has spaces before or after it')

  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(text)
  if (!date) fail('does not start with a date written as YYYY-MM-DD')
  const [, ys, mos, ds] = date as RegExpExecArray
  let rest = text.slice(10)
  if (rest === '') fail('has a date but no time of day')
  const separator = rest[0]
  if (separator !== 'T' && separator !== 't' && separator !== ' ') {
    fail("must separate the date and the time with 'T' or a single space")
  }
  rest = rest.slice(1)

  const time = /^(\d{2}):(\d{2}):(\d{2})/.exec(rest)
  if (!time) fail('does not have a time of day written as HH:MM:SS')
  const [, hs, mis, ss] = time as RegExpExecArray
  rest = rest.slice(8)

  let fraction = ''
  if (rest.startsWith('.') || rest.startsWith(',')) {
    const digits = /^[.,](\d*)/.exec(rest)?.[1] ?? ''
    if (rest[0] === ',') fail('uses a comma before the fractional seconds; use a full stop')
    if (digits === '') fail('has a decimal point with no digits after it')
    if (digits.length > 9) fail('has more than 9 fractional digits (nanoseconds are the finest precision accepted)')
    fraction = digits
    rest = rest.slice(1 + digits.length)
  }

  let offsetMinutes: number
  if (rest === '') fail('has no time-zone offset (add Z for UTC, or an offset such as +01:00)')
  if (rest === 'Z' || rest === 'z') {
    offsetMinutes = 0
  } else {
    const offset = /^([+-])(\d{2}):(\d{2})$/.exec(rest)
    if (!offset) fail(`has an unreadable time-zone offset ${quote(rest)} (expected Z or ±HH:MM)`)
    const [, sign, ohs, oms] = offset as RegExpExecArray
    const oh = Number(ohs)
    const om = Number(oms)
    if (oh > 23 || om > 59) fail(`has a time-zone offset ${quote(rest)} out of range (at most ±23:59)`)
    offsetMinutes = (sign === '-' ? -1 : 1) * (oh * 60 + om)
  }

  const y = Number(ys)
  const mo = Number(mos)
  const d = Number(ds)
  const h = Number(hs)
  const mi = Number(mis)
  const s = Number(ss)
  if (y < 1) fail('has year 0000; years run from 0001 to 9999')
  if (mo < 1 || mo > 12) fail(`is not a real date: there is no month ${mos}`)
  if (d < 1 || d > daysInMonth(y, mo)) fail(`is not a real date: ${ys}-${mos} has no day ${ds}`)
  if (h > 23) fail(`has hour ${hs}; hours run from 00 to 23`)
  if (mi > 59) fail(`has minute ${mis}; minutes run from 00 to 59`)
  if (s === 60) fail('has a leap second (:60), which is not accepted')
  if (s > 59) fail(`has second ${ss}; seconds run from 00 to 59`)

  const seconds = daysFromCivil(y, mo, d) * SECONDS_PER_DAY + h * 3600 + mi * 60 + s - offsetMinutes * 60
  if (seconds < MIN_EPOCH_SECONDS || seconds > MAX_EPOCH_SECONDS) {
    fail('falls outside the years 0001 to 9999 once converted to UTC')
  }
  return fromParts({ seconds, nanos: fraction.padEnd(9, '0') })
}

/** Tells whether text is already a canonical instant (UTC, nine fractional digits, a real date), so stored values can be trusted without re-parsing. */
export function isInstant(text: unknown): text is Instant {
  if (typeof text !== 'string') return false
  const m = CANONICAL.exec(text)
  if (!m) return false
  const [, ys, mos, ds, hs, mis, ss] = m
  const y = Number(ys)
  const mo = Number(mos)
  return (
    y >= 1 &&
    mo >= 1 &&
    mo <= 12 &&
    Number(ds) >= 1 &&
    Number(ds) <= daysInMonth(y, mo) &&
    Number(hs) <= 23 &&
    Number(mis) <= 59 &&
    Number(ss) <= 59
  )
}

/** Converts a JS Date (millisecond precision) into an instant, for times that come from clocks and databases rather than from volunteers' form timestamps. */
export function instantFromDate(date: Date): Instant {
  const ms = date.getTime()
  if (!Number.isFinite(ms)) throw new InvalidInstantError(String(date), 'is not a valid date')
  const seconds = Math.floor(ms / 1000)
  const millis = ms - seconds * 1000
  if (seconds < MIN_EPOCH_SECONDS || seconds > MAX_EPOCH_SECONDS) {
    throw new InvalidInstantError(date.toISOString(), 'falls outside the years 0001 to 9999')
  }
  return fromParts({ seconds, nanos: String(millis).padStart(3, '0') + '000000' })
}

/**
 * The start of the second `date` falls in: when a staff change made "now" takes effect. The roster
 * now is the roster at the current whole second, so a step-down or an appointment dated to the
 * millisecond would not show in it until the next second.
 */
export function instantAtSecond(date: Date): Instant {
  return instantFromDate(new Date(Math.floor(date.getTime() / 1000) * 1000))
}

/** Converts an instant into a JS Date, truncating below the millisecond — so never order volunteers by the result. */
export function instantToDate(instant: Instant): Date {
  const { seconds, nanos } = toParts(instant)
  return new Date(seconds * 1000 + Math.floor(Number(nanos) / 1_000_000))
}

/** Orders two instants exactly (to the nanosecond), which is what "first-come" means for volunteers' timestamps. */
export function compareInstants(a: Instant, b: Instant): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Writes an instant as RFC 3339 UTC with the shortest of 0, 3, 6 or 9 fractional digits that loses nothing, as Google Forms does. */
export function formatInstant(instant: Instant): string {
  const body = instant.slice(0, 19)
  const nanos = instant.slice(20, 29)
  if (nanos === '000000000') return `${body}Z`
  if (nanos.endsWith('000000')) return `${body}.${nanos.slice(0, 3)}Z`
  if (nanos.endsWith('000')) return `${body}.${nanos.slice(0, 6)}Z`
  return `${body}.${nanos}Z`
}

/** The calendar date (YYYY-MM-DD, UTC) of an instant, for plain-language explanations. */
export function formatInstantDate(instant: Instant): string {
  return instant.slice(0, 10)
}

/**
 * Adds calendar months in UTC, clamping the day to the end of a shorter month (31 January + 1 month
 * = 28 or 29 February) and keeping the time of day to the nanosecond, because terms are stated in
 * months: "Volunteer terms are expected to last for two years (24 months)".
 */
export function addCalendarMonths(instant: Instant, months: number): Instant {
  if (!Number.isInteger(months)) throw new RangeError(`months must be a whole number, got ${months}`)
  const { seconds, nanos } = toParts(instant)
  const days = Math.floor(seconds / SECONDS_PER_DAY)
  const timeOfDay = seconds - days * SECONDS_PER_DAY
  const [y, m, d] = civilFromDays(days)
  const monthIndex = y * 12 + (m - 1) + months
  const ny = Math.floor(monthIndex / 12)
  const nm = monthIndex - ny * 12 + 1
  if (ny < 1 || ny > 9999) {
    throw new InvalidInstantError(instant, `plus ${months} months falls outside the years 0001 to 9999`)
  }
  const nd = Math.min(d, daysInMonth(ny, nm))
  return fromParts({ seconds: daysFromCivil(ny, nm, nd) * SECONDS_PER_DAY + timeOfDay, nanos })
}

/** Adds whole days of exactly 24 hours in UTC, as used for a call's window ("open for one month (4 weeks)"). */
export function addDays(instant: Instant, days: number): Instant {
  if (!Number.isInteger(days)) throw new RangeError(`days must be a whole number, got ${days}`)
  const { seconds, nanos } = toParts(instant)
  const next = seconds + days * SECONDS_PER_DAY
  if (next < MIN_EPOCH_SECONDS || next > MAX_EPOCH_SECONDS) {
    throw new InvalidInstantError(instant, `plus ${days} days falls outside the years 0001 to 9999`)
  }
  return fromParts({ seconds: next, nanos })
}

/** Nanoseconds since 1970-01-01T00:00:00Z, exact, for arithmetic finer than a millisecond. */
export function epochNanos(instant: Instant): bigint {
  const { seconds, nanos } = toParts(instant)
  return BigInt(seconds) * NANOS_PER_SECOND + BigInt(nanos)
}

/** The instant a given number of nanoseconds after 1970-01-01T00:00:00Z, for exact arithmetic and tests; refuses years outside 0001–9999. */
export function instantFromEpochNanos(nanosSinceEpoch: bigint): Instant {
  let seconds = nanosSinceEpoch / NANOS_PER_SECOND
  let nanos = nanosSinceEpoch - seconds * NANOS_PER_SECOND
  if (nanos < 0n) {
    seconds -= 1n
    nanos += NANOS_PER_SECOND
  }
  if (seconds < BigInt(MIN_EPOCH_SECONDS) || seconds > BigInt(MAX_EPOCH_SECONDS)) {
    throw new InvalidInstantError(`${nanosSinceEpoch}ns`, 'falls outside the years 0001 to 9999')
  }
  return fromParts({ seconds: Number(seconds), nanos: String(nanos).padStart(9, '0') })
}

// ---------------------------------------------------------------------------------------------
// Internals: proleptic Gregorian calendar (Howard Hinnant's days-from-civil algorithms).

function fromParts({ seconds, nanos }: Parts): Instant {
  const days = Math.floor(seconds / SECONDS_PER_DAY)
  let rest = seconds - days * SECONDS_PER_DAY
  const [y, m, d] = civilFromDays(days)
  const h = Math.floor(rest / 3600)
  rest -= h * 3600
  const mi = Math.floor(rest / 60)
  const s = rest - mi * 60
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${nanos}Z` as Instant
}

function toParts(instant: Instant): Parts {
  const m = CANONICAL.exec(instant)
  if (!m) throw new InvalidInstantError(instant, 'is not a canonical instant (use parseInstant first)')
  const [, ys, mos, ds, hs, mis, ss, nanos] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ]
  const seconds =
    daysFromCivil(Number(ys), Number(mos), Number(ds)) * SECONDS_PER_DAY +
    Number(hs) * 3600 +
    Number(mis) * 60 +
    Number(ss)
  return { seconds, nanos }
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
}

/** Days since 1970-01-01 of a proleptic Gregorian date. */
function daysFromCivil(year: number, m: number, d: number): number {
  const y = m <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const mp = (m + 9) % 12
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146_097 + doe - 719_468
}

/** The proleptic Gregorian date of a day count since 1970-01-01. */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d]
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

function quote(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text
  return JSON.stringify(shown)
}
