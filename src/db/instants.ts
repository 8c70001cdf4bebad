import { customType } from 'drizzle-orm/pg-core'
import {
  epochNanos,
  instantFromEpochNanos,
  isInstant,
  InvalidInstantError,
  parseInstant,
  type Instant,
} from '../domain/time.js'

/** A timestamptz as a UTC session prints it: `2024-05-01 08:00:00.123456+00`. */
const UTC_OUTPUT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/

/**
 * Reads a timestamptz as PostgreSQL prints it in ISO DateStyle (`2024-05-01 08:00:00.123456+00`,
 * offsets `+05:30`, `-08` or, for old local times, `+00:01:15`) or inside JSON
 * (`2024-05-01T08:00:00.123456+00:00`) into an exact instant. Both drivers hand drizzle that text:
 * drizzle gives pg and PGlite a text parser for timestamptz on every query it runs, and the
 * session's DateStyle is ISO (src/db/client.ts). A Date here would already have lost the
 * microseconds, so it is refused rather than read.
 */
export function instantFromPg(value: string): Instant {
  if (typeof value !== 'string') {
    throw new TypeError(
      `a timestamptz must reach rota as text, not ${value === null ? 'null' : typeof value} (a driver parsed it; see src/db/instants.ts)`,
    )
  }
  // The common case, a UTC session's own output, is rewritten without parsing: PostgreSQL only prints
  // real dates, and a call of 50,000 responses reads 50,000 of these.
  const utc = UTC_OUTPUT.exec(value)
  if (utc) return `${utc[1]}T${utc[2]}.${(utc[3] ?? '').padEnd(9, '0')}Z` as Instant
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(
    value,
  )
  if (!match) return parseInstant(value)
  const [, date, time, sign, hours, minutes = '00', seconds = '00'] = match
  const instant = parseInstant(`${date}T${time}${sign}${hours}:${minutes}`)
  if (seconds === '00') return instant
  // An offset with seconds (a zone's local mean time before 1900): RFC 3339 has none, so subtract them here.
  const offsetNanos = BigInt(seconds) * 1_000_000_000n * (sign === '-' ? -1n : 1n)
  return instantFromEpochNanos(epochNanos(instant) - offsetNanos)
}

/**
 * An instant as text PostgreSQL reads into a timestamptz: microseconds, which is all PostgreSQL
 * keeps (finer digits are cut, never rounded up into the next microsecond; inputs that are stored
 * as boundaries refuse finer instants before they get here).
 */
export function instantToPg(instant: Instant): string {
  if (!isInstant(instant))
    throw new InvalidInstantError(String(instant), 'is not a canonical instant (use parseInstant first)')
  return `${instant.slice(0, 26)}Z`
}

/**
 * A `timestamp(6) with time zone` column whose values are exact instants: queries return `Instant`
 * and take `Instant` (in `set`, `values` and comparisons such as `eq(column, instant)`), converted
 * once here instead of in every service. Raw `sql` that writes such a column must convert through
 * the column too (`column.mapToDriverValue(instant)`).
 */
export const instant = customType<{ data: Instant; driverData: string }>({
  dataType: () => 'timestamp(6) with time zone',
  fromDriver: instantFromPg,
  toDriver: instantToPg,
})
