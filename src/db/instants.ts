import { parseInstant, type Instant } from '../domain/time.js'

/**
 * Reads a timestamptz as PostgreSQL prints it in ISO DateStyle (`2024-05-01 08:00:00.123456+00`,
 * offsets `+05:30` or `-08`) into an exact instant.
 */
export function instantFromPg(value: string): Instant {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(value)
  if (!match) return parseInstant(value)
  const [, date, time, hours, minutes = '00'] = match
  return parseInstant(`${date}T${time}${hours}:${minutes}`)
}

/** The optional variant for nullable columns. */
export function maybeInstantFromPg(value: string | null): Instant | null {
  return value === null ? null : instantFromPg(value)
}

/** An instant as text PostgreSQL reads into a timestamptz (microseconds: callers refuse finer boundaries). */
export function instantToPg(instant: Instant): string {
  return instant.replace(/(\.\d{6})\d{3}Z$/, '$1Z')
}
