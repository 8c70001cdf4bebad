/**
 * Whether staff may appoint a person to a seat, and for which term: the pure half of
 * `appointMember` (src/services/members.ts), which reads the team in its transaction, asks these
 * functions, and inserts the member or throws the refusal (docs/rules.md#d12).
 *
 * The Code of Conduct: "If after one month there are less than the allotted amount of volunteers,
 * IIIF staff will reach out to specific individuals to recruit", and "a replacement will be
 * appointed by IIIF staff". Staff may step outside the seat rules with `override` — an interim
 * cover during a complaint, say — and the reason is kept on record.
 */
import { emailAddressProblem } from './email.js'
import type { InstitutionMatch } from './institutions.js'
import { CONSORTIUM_FLAG, institutionFlags, isEligible, seatCountsOf, type Policy } from './policy.js'
import { conflict, invalidRequest, type Decided, type FieldProblem } from './refusal.js'
import { servesAt, vacanciesDuring, type RosterMember } from './roster.js'
import { normaliseEmail, type Category, type Seat, type SeatSlot } from './selection.js'
import { addCalendarMonths, compareInstants, formatInstant, type Instant } from './time.js'

/**
 * What an appointment must carry, checked before anything is looked up: a name, a plain email
 * address (`emailAddressProblem`) and a reason, since every appointment is kept on record with why.
 * Takes the trimmed values.
 */
export function appointmentFieldProblems(fields: { name: string; email: string; reason: string }): FieldProblem[] {
  const emailProblem = emailAddressProblem(fields.email)
  return [
    fields.name === '' ? { field: 'body.name', message: 'must not be blank' } : null,
    emailProblem !== null ? { field: 'body.email', message: `must be an email address: it ${emailProblem}` } : null,
    fields.reason === '' ? { field: 'body.reason', message: 'must say why (it is kept on record)' } : null,
  ].filter((p) => p !== null)
}

/** An appointment into a call fills one of that call's empty volunteer seats, so it is for a volunteer category: a staff seat comes from no call. */
export function appointmentIntoCall(seat: Seat): Decided<{ category: Category }> {
  if (seat === 'staff')
    return invalidRequest('invalid-member', [{ field: 'body.callId', message: 'applies to volunteer seats only' }])
  return { ok: true, category: seat }
}

/**
 * The seat slot an appointment into a call takes: its next empty one in the category. With none
 * left the call has no vacancy for it: 409 `no-vacancy`, unless staff override (the appointment is
 * then recorded against the call without a slot, with the reason).
 */
export function slotForAppointment(
  empty: SeatSlot | null,
  category: Category,
  override: boolean,
): Decided<{ slot: SeatSlot | null }> {
  if (empty !== null) return { ok: true, slot: empty }
  if (override) return { ok: true, slot: null }
  return conflict(
    'no-vacancy',
    `Every ${category} seat of this call is filled (override: true, with the reason, to appoint anyway)`,
  )
}

/** A team member as the appointment rules see them: when they serve, their email and institution key (null: unaffiliated). */
export interface AppointmentMember extends RosterMember {
  email: string
  institutionKey: string | null
  /** Their institution's flags (the policy's `flagCaps` count volunteers by them); none when unknown. */
  institutionFlags?: readonly string[]
}

export interface AppointmentRequest {
  /** The trimmed email address. */
  email: string
  seat: Seat
  /** The institution as matched against the known ones. */
  institution: InstitutionMatch
  /** The term start staff gave, else now. */
  termStart: Instant
  /** The term end staff gave: null for no end, undefined for the default. */
  termEnd: Instant | null | undefined
  /** The empty seat slot of a closed call the appointee takes (its term replaces any given); null when not into a call. */
  slot: SeatSlot | null
  override: boolean
}

/**
 * Decides an appointment. The term: a call's empty slot gives its own (so the stagger holds),
 * else the given dates, a volunteer's end defaulting to `termMonths` after the start ("two years
 * (24 months)") and a staff member's to none; the end must come after the start. A volunteer seat
 * then needs, unless staff override: an institution whose IIIF-C membership matches the seat
 * ("four representatives from different IIIF Consortium (IIIF-C) member institutions, and four
 * individuals from across the IIIF community (not from IIIF-Consortium institutions)"), nobody
 * serving at the term start with that email, no volunteer of that institution serving then ("If
 * more than one individual from a single institution volunteers, the first volunteer will be
 * selected"), and an empty seat of its category then; and, with the policy's `flagCaps`, fewer
 * volunteers serving then from institutions with a capped flag than the cap.
 */
export function decideAppointment(
  request: AppointmentRequest,
  policy: Pick<Policy, 'termMonths' | 'seats' | 'maxPerInstitution' | 'flagCaps'>,
  members: readonly AppointmentMember[],
): Decided<{ termStart: Instant; termEnd: Instant | null }> {
  const { seat, institution: match } = request
  const termStart = request.slot?.termStart ?? request.termStart
  const given = request.slot ? request.slot.termEnd : request.termEnd
  const termEnd =
    given !== undefined ? given : seat === 'staff' ? null : addCalendarMonths(termStart, policy.termMonths)
  if (termEnd !== null && compareInstants(termEnd, termStart) <= 0)
    return invalidRequest('invalid-member', [{ field: 'body.termEnd', message: 'must be after termStart' }])

  const seatClass = policy.seats.find((c) => c.class === seat)
  if (seat !== 'staff' && !seatClass)
    return invalidRequest('invalid-member', [
      {
        field: 'body.seat',
        message: `must be staff or a seat class of the team's policy (${policy.seats.map((c) => c.class).join(', ')})`,
      },
    ])
  if (seat !== 'staff' && seatClass && !request.override) {
    const serving = members.filter((m) => servesAt(m, termStart))
    const flags = match.kind === 'known' ? institutionFlags(match.institution) : new Set<string>()
    if (!isEligible(seatClass.eligible, flags)) {
      const name = match.kind === 'known' ? match.institution.name : 'This institution'
      // The IIIF 2017 classes keep their own words.
      const message =
        seat === 'consortium'
          ? `${name} is not an IIIF Consortium member, so it cannot take a consortium seat`
          : seat === 'community' && flags.has(CONSORTIUM_FLAG)
            ? `${name} is an IIIF Consortium member, so its people take consortium seats`
            : `${name} is not eligible for ${seat} seats`
      return conflict('seat-category-mismatch', `${message} (override: true to appoint anyway)`)
    }
    const sameEmail = serving.find((m) => normaliseEmail(m.email) === normaliseEmail(request.email))
    if (sameEmail) return conflict('already-on-team', `${sameEmail.name} already serves on the team with this email`)
    const key = match.kind === 'unaffiliated' ? null : match.key
    const holders = key === null ? [] : serving.filter((m) => m.seat !== 'staff' && m.institutionKey === key)
    const holder = holders[0]
    if (holder && holders.length >= policy.maxPerInstitution) {
      return conflict(
        'institution-on-team',
        `${holder.name} already holds a volunteer seat for ${holder.institution} at ${formatInstant(termStart)} (override: true to appoint anyway)`,
        {
          memberId: holder.id,
        },
      )
    }
    // At most `max` volunteers from institutions carrying a capped flag, as the selection counts them.
    for (const cap of policy.flagCaps) {
      if (!flags.has(cap.flag)) continue
      const held = serving.filter((m) => m.seat !== 'staff' && (m.institutionFlags ?? []).includes(cap.flag)).length
      if (held >= cap.max)
        return conflict(
          'flag-cap',
          `${held === 1 ? 'A volunteer' : `${held} volunteers`} from institutions marked ${cap.flag} already serve at ${formatInstant(termStart)}, and the team takes at most ${cap.max} from them (override: true to appoint anyway)`,
        )
    }
    // The seat must stay free for the whole term: a later appointment may already hold it from some date on.
    if (vacanciesDuring(seatCountsOf(policy), members, termStart, termEnd)[seat] === 0) {
      return conflict(
        'no-vacancy',
        `No ${seat} seat is empty throughout the term from ${formatInstant(termStart)} (override: true to appoint anyway)`,
      )
    }
  }
  return { ok: true, termStart, termEnd }
}
