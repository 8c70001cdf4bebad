/**
 * The team's schedule as an iCalendar feed (RFC 5545), for `GET /teams/{team}/schedule.ics`.
 *
 * Anyone can subscribe to it in a calendar app, so it carries only what the public schedule does:
 * call windows with the seats they fill, and term ends with the member's name and seat — never an
 * email address or anything else personal. Pure serialisation: no clock (`generatedAt` comes in),
 * no I/O.
 *
 * What calendar apps rely on, and RFC 5545 requires: CRLF line endings, content lines folded at 75
 * octets (never inside a UTF-8 character), TEXT values escaped, UTC times written `YYYYMMDDTHHMMSSZ`,
 * and a UID per event that stays the same every time the feed is regenerated, so a subscribed
 * calendar updates events instead of duplicating them.
 */
import type { PlannedCall, TermEnd } from '../domain/schedule.js'
import { totalSeats, type SeatCounts } from '../domain/policy.js'
import { addDays } from '../domain/time.js'
import type { Instant } from '../domain/time.js'

export interface ScheduleIcsInput {
  teamSlug: string
  teamName: string
  /** Existing and planned calls, as `planSchedule` returns them. */
  calls: readonly PlannedCall[]
  termEnds: readonly TermEnd[]
  /** When the feed was generated: every event's DTSTAMP. */
  generatedAt: Instant
  /** The domain part of every UID (`…@host`); defaults to `rota`. */
  host?: string
}

/** The longest content line RFC 5545 allows, in octets, not counting the CRLF (section 3.1). */
export const MAX_LINE_OCTETS = 75

/**
 * Writes the schedule as an RFC 5545 VCALENDAR: one VEVENT per call window (`[opensAt, closesAt)`,
 * tentative while only planned) and one all-day VEVENT on the UTC date of each term end, with UIDs
 * derived from the team and call id (planned calls: the team and opening time) or member id, so
 * they survive regeneration — names and seats only, no other personal data.
 */
export function scheduleToIcs(input: ScheduleIcsInput): string {
  const host = input.host ?? 'rota'
  const stamp = icsDateTime(input.generatedAt)
  const lines: string[] = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//rota//Code of Conduct Team schedule//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(`${input.teamName} schedule`)}`,
    `X-WR-CALDESC:${escapeText(`Calls for volunteers and term ends of ${input.teamName}`)}`,
    // The schedule changes a few times a year; ask subscribers to look twice a day.
    'REFRESH-INTERVAL;VALUE=DURATION:PT12H',
    'X-PUBLISHED-TTL:PT12H',
  ]

  for (const call of input.calls) {
    const planned = call.id === null || call.status === 'planned'
    const key = call.id === null ? `planned-${icsDateTime(call.opensAt)}` : `call-${call.id}`
    lines.push(
      'BEGIN:VEVENT',
      `UID:${escapeText(uid(key, input.teamSlug, host))}`,
      `DTSTAMP:${stamp}`,
      `DTSTART:${icsDateTime(call.opensAt)}`,
      `DTEND:${icsDateTime(call.closesAt)}`,
      `SUMMARY:${escapeText(callSummary(call))}`,
      `DESCRIPTION:${escapeText(callDescription(input.teamName, call))}`,
      `STATUS:${planned ? 'TENTATIVE' : 'CONFIRMED'}`,
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    )
  }

  for (const end of input.termEnds) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${escapeText(uid(`term-end-${end.memberId}`, input.teamSlug, host))}`,
      `DTSTAMP:${stamp}`,
      `DTSTART;VALUE=DATE:${icsDate(end.termEnd)}`,
      `DTEND;VALUE=DATE:${icsDate(addDays(end.termEnd, 1))}`,
      `SUMMARY:${escapeText(`Term ends: ${end.name} (${end.seat} seat)`)}`,
      `DESCRIPTION:${escapeText(`${end.name}'s term in a ${end.seat} seat on ${input.teamName} ends at ${isoUtc(end.termEnd)}.`)}`,
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    )
  }

  lines.push('END:VCALENDAR')
  return lines.map(foldLine).join('\r\n') + '\r\n'
}

/** Escapes a TEXT value (RFC 5545 section 3.3.11): backslash, semicolon and comma get a backslash, any line break becomes `\n`, and other control characters, which TEXT may not hold, become spaces. */
export function escapeText(value: string): string {
  return (
    value
      .replace(/\\/g, '\\\\')
      .replace(/;/g, '\\;')
      .replace(/,/g, '\\,')
      .replace(/\r\n|\r|\n/g, '\\n')
      // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
      .replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ' ')
  )
}

/** Folds a content line so no physical line exceeds 75 octets (RFC 5545 section 3.1): each continuation starts with one space, and a break never falls inside a UTF-8 character. */
export function foldLine(line: string): string {
  const parts: string[] = []
  let current = ''
  let octets = 0
  let limit = MAX_LINE_OCTETS
  for (const char of line) {
    const size = utf8Length(char)
    if (octets + size > limit) {
      parts.push(current)
      current = ''
      octets = 0
      limit = MAX_LINE_OCTETS - 1 // the leading space counts
    }
    current += char
    octets += size
  }
  parts.push(current)
  return parts.join('\r\n ')
}

/** Writes an instant as an RFC 5545 UTC date-time, `YYYYMMDDTHHMMSSZ` (whole seconds: the format has no fractions). */
export function icsDateTime(instant: Instant): string {
  return `${instant.slice(0, 4)}${instant.slice(5, 7)}${instant.slice(8, 10)}T${instant.slice(11, 13)}${instant.slice(14, 16)}${instant.slice(17, 19)}Z`
}

// ---------------------------------------------------------------------------------------------

function icsDate(instant: Instant): string {
  return `${instant.slice(0, 4)}${instant.slice(5, 7)}${instant.slice(8, 10)}`
}

function isoUtc(instant: Instant): string {
  return `${instant.slice(0, 10)} ${instant.slice(11, 16)} UTC`
}

/** A UID from an event key and the team slug, with every byte but `A–Z a–z 0–9 - _` percent-encoded so the `.` between them is unambiguous and no two pairs collide. */
function uid(key: string, teamSlug: string, host: string): string {
  return `${safe(key)}.${safe(teamSlug)}@${host}`
}

function safe(text: string): string {
  return Array.from(new TextEncoder().encode(text), (byte) => {
    const c = String.fromCharCode(byte)
    return /[A-Za-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }).join('')
}

function utf8Length(char: string): number {
  const cp = char.codePointAt(0) ?? 0
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
}

function callSummary(call: PlannedCall): string {
  const state =
    call.status === 'planned'
      ? 'planned'
      : call.status === 'closed'
        ? 'closed'
        : call.status === 'cancelled'
          ? 'cancelled'
          : 'open'
  return `Call for volunteers ${state} (${seatPhrase(call.seatsToFill)})`
}

function callDescription(teamName: string, call: PlannedCall): string {
  const when = `Open from ${isoUtc(call.opensAt)} until ${isoUtc(call.closesAt)}; terms start ${isoUtc(call.termStart)}.`
  const what =
    call.status === 'planned'
      ? `A call for volunteers to ${teamName}, planned on the team's cadence but not yet created: dates and seats may still change.`
      : `A call for volunteers to ${teamName} (${call.status}).`
  return `${what}\n${when}\nSeats to fill: ${seatPhrase(call.seatsToFill)}.`
}

/** "2 consortium, 2 community seats", "1 consortium seat", "no seats to fill". */
function seatPhrase(seats: SeatCounts): string {
  const parts: string[] = []
  for (const [c, n] of Object.entries(seats)) if (n > 0) parts.push(`${n} ${c}`)
  if (parts.length === 0) return 'no seats to fill'
  return `${parts.join(', ')} ${totalSeats(seats) === 1 ? 'seat' : 'seats'}`
}
