import { checkInsByMember } from './check-ins.js'
import { personOf, recordAudit } from './audit.js'
import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as queries from '../db/queries/members.js'
import { findInstitutionById, listInstitutions } from '../db/queries/institutions.js'
import { findSelection, listDecisions } from '../db/queries/selections.js'
import { findTeamById, type TeamRow } from '../db/queries/teams.js'
import { findResponses } from '../db/queries/responses.js'
import { AppError, invalid, isUuid, refused } from '../errors.js'
import {
  appointmentFieldProblems,
  appointmentIntoCall,
  decideAppointment,
  slotForAppointment,
} from '../domain/appointment.js'
import {
  buildInstitutionIndex,
  matchInstitution,
  type InstitutionIndex,
  type InstitutionMatch,
} from '../domain/institutions.js'
import { effectiveEnd, remainderOfTerm, servesAt, type RosterMember } from '../domain/roster.js'
import { normaliseEmail, type Category, type Seat, type SeatSlot } from '../domain/selection.js'
import {
  compareInstants,
  formatInstant,
  instantAtSecond,
  instantFromDate,
  instantToDate,
  type Instant,
} from '../domain/time.js'
import type { Member } from '../http/schemas/members.js'
import { requireCall } from './calls.js'
import { requireTeam } from './teams.js'
import { readInstant } from './instants.js'
import { appointmentNotice, noticesAfterStepDown } from '../domain/email-premise.js'
import { humanInstant, queueNotices, SEAT_NAMES, type Notice } from './notices.js'
import { institutionFlags } from '../domain/policy.js'

export type MemberView = Static<typeof Member>

const at = (value: Instant | null) => (value === null ? null : formatInstant(value))

function view({ member, institutionName }: queries.MemberWithInstitution): MemberView {
  return {
    id: member.id,
    name: member.name,
    email: member.email,
    institution: institutionName ?? member.institutionText,
    seat: member.seat,
    termStart: formatInstant(member.termStart),
    termEnd: at(member.termEnd),
    endedAt: at(member.endedAt),
    origin: member.origin,
    callId: member.callId,
    reason: member.reason,
    override: member.override,
  }
}

/** Every member a team has had, with email and where they came from (staff only: personal data). */
export async function listMembers(db: Db, slug: string): Promise<MemberView[]> {
  const team = await requireTeam(db, slug)
  // Check-ins (issue 14): staff see each member's check-in and answer.
  const checkIns = await checkInsByMember(db, team.id)
  return (await queries.listMembers(db, team.id)).map((row) => ({
    ...view(row),
    checkIn: checkIns.get(row.member.id) ?? null,
  }))
}

interface TeamState {
  rows: queries.MemberWithInstitution[]
  roster: Array<RosterMember & { email: string; institutionKey: string | null }>
  index: InstitutionIndex
}

/** The team's members with their institution keys, read in the caller's transaction. */
async function teamState(db: Db, teamId: string): Promise<TeamState> {
  // Sequential: in a transaction both queries share one connection.
  const rows = await queries.listMembers(db, teamId)
  const institutions = await listInstitutions(db)
  const index = buildInstitutionIndex(
    institutions.map((i) => ({
      id: i.id,
      name: i.name,
      aliases: i.aliases,
      consortium: i.consortium,
      flags: i.flags,
    })),
  )
  const byId = new Map(institutions.map((i) => [i.id, i]))
  const roster = rows.map(({ member, institutionName }) => {
    const match = member.institutionId
      ? ({ kind: 'known', key: `id:${member.institutionId}` } as const)
      : matchInstitution(member.institutionText, index)
    const known = member.institutionId
      ? byId.get(member.institutionId)
      : match.kind === 'known' && 'institution' in match
        ? match.institution
        : undefined
    return {
      institutionFlags: known ? [...institutionFlags(known)] : [],
      id: member.id,
      name: member.name,
      email: member.email,
      institution: institutionName ?? member.institutionText,
      institutionKey: match.kind === 'unaffiliated' ? null : match.key,
      seat: member.seat,
      termStart: member.termStart,
      termEnd: member.termEnd,
      endedAt: member.endedAt,
    }
  })
  return { rows, roster, index }
}

/** Where a member's institution is stored: a known institution's id, or the text as given. */
function institutionColumns(match: InstitutionMatch): { institutionId: string | null; institutionText: string | null } {
  if (match.kind === 'known') return { institutionId: match.institution.id, institutionText: null }
  if (match.kind === 'unknown') return { institutionId: null, institutionText: match.text }
  return { institutionId: null, institutionText: null }
}

/** An optional instant from the request body (stored: no finer than a microsecond), or a 400 naming the field. */
function instantField(value: string | undefined, field: string): Instant | undefined {
  return value === undefined ? undefined : readInstant(value, field, { microseconds: true })
}

export interface Appointment {
  name: string
  email: string
  institution?: string | null
  seat: Seat
  termStart?: string
  termEnd?: string | null
  callId?: string
  reason: string
  override?: boolean
}

/**
 * Staff appoint a member ("IIIF staff will reach out to specific individuals to recruit"). A volunteer
 * seat needs a vacancy at the term start, an institution not already holding a volunteer seat, and
 * an institution whose IIIF-C membership matches the seat — unless staff override, which is
 * recorded with the reason. Into a call's shortfall, the appointee takes the call's next empty seat
 * slot and its term, so the stagger holds.
 */
export async function appointMember(
  db: Db,
  slug: string,
  input: Appointment,
  now: Date,
  options: { mailFrom: string; by: string },
): Promise<MemberView> {
  return db.transaction(async (tx) => {
    // The team row lock serialises appointments and step-downs, so two cannot take one vacancy.
    const team = await requireTeam(tx, slug, true)
    const name = input.name.trim()
    const email = input.email.trim()
    const reason = input.reason.trim()
    const problems = appointmentFieldProblems({ name, email, reason })
    if (problems.length > 0) throw invalid('invalid-member', problems)

    const state = await teamState(tx, team.id)
    const match = matchInstitution(input.institution ?? null, state.index)
    const givenStart = instantField(input.termStart, 'body.termStart')
    let termStart = givenStart ?? instantAtSecond(now)
    const termEnd: Instant | null | undefined =
      input.termEnd === null ? null : instantField(input.termEnd, 'body.termEnd')
    let slot: SeatSlot | null = null
    if (input.callId !== undefined) {
      const into = appointmentIntoCall(input.seat)
      if (!into.ok) throw refused(into.refusal)
      const empty = await nextEmptySlot(tx, team, input.callId, into.category, state.rows)
      const taken = slotForAppointment(empty.slot, into.category, input.override ?? false)
      if (!taken.ok) throw refused(taken.refusal)
      slot = taken.slot
      // Past the call's seats (override): its terms' start unless staff gave one.
      if (slot === null && givenStart === undefined) termStart = empty.termStart
    }
    const decision = decideAppointment(
      { email, seat: input.seat, institution: match, termStart, termEnd, slot, override: input.override ?? false },
      team.policy,
      state.roster,
    )
    if (!decision.ok) throw refused(decision.refusal)

    const row = await queries.insertMember(tx, {
      teamId: team.id,
      name,
      email,
      ...institutionColumns(match),
      seat: input.seat,
      termStart: decision.termStart,
      termEnd: decision.termEnd,
      origin: input.seat === 'staff' ? 'staff' : 'appointed',
      callId: input.callId ?? null,
      slot: slot?.index ?? null,
      reason,
      override: input.override ?? false,
    })
    await recordAudit(tx, {
      at: now,
      actor: options.by,
      action: 'member.appoint',
      entity: 'member',
      entityId: row.id,
      reason,
      mentions: [{ ref: await personOf(tx, row.email), names: [row.name], email: row.email }],
      after: { team: team.slug, person: await personOf(tx, row.email), ...auditedMember(row) },
    })
    const institutionName = match.kind === 'known' ? match.institution.name : null
    // The appointee hears of it, in the same transaction: appointed means told.
    const told = appointmentNotice(row, instantFromDate(now))
    await queueNotices(
      tx,
      options.mailFrom,
      [{ ...memberNotice(team, 'appointed', row), skip: told.send ? null : told.reason }],
      now,
    )
    return view({ member: row, institutionName })
  })
}

/** A member's audit fields: never the name or email (see personOf), nor a free-text institution. */
function auditedMember(row: queries.MemberRow) {
  return {
    seat: row.seat,
    termStart: row.termStart,
    termEnd: row.termEnd,
    origin: row.origin,
    institutionId: row.institutionId,
    callId: row.callId,
    slot: row.slot,
    override: row.override,
  }
}

/** An email to a member about their own seat and term (`appointed`, `replacement-selected`, `stepped-down`). */
function memberNotice(
  team: TeamRow,
  kind: 'appointed' | 'replacement-selected' | 'stepped-down',
  member: queries.MemberRow,
): Notice {
  return {
    team,
    kind,
    key: `member:${member.id}:${kind}`,
    to: member.email,
    toName: member.name,
    values: {
      team: team.name,
      name: member.name,
      seat: SEAT_NAMES[member.seat] ?? member.seat,
      termStart: humanInstant(member.termStart),
      termEnd: member.termEnd === null ? 'no set end' : humanInstant(member.termEnd),
      endedAt: member.endedAt === null ? '' : humanInstant(member.endedAt),
    },
    memberId: member.id,
  }
}

/** The lowest seat slot of a closed call, in `seat`'s category, that nobody was selected or appointed into (null: none), and the call's term start. */
async function nextEmptySlot(
  db: Db,
  team: TeamRow,
  callId: string,
  seat: Category,
  rows: queries.MemberWithInstitution[],
): Promise<{ slot: SeatSlot | null; termStart: Instant }> {
  const { call } = await requireCall(db, callId)
  if (call.teamId !== team.id)
    throw invalid('invalid-member', [{ field: 'body.callId', message: `is a call of another team` }])
  const selection = await findSelection(db, callId)
  if (!selection)
    throw new AppError(
      'conflict',
      'call-not-closed',
      'Appointments into a call fill its shortfall, which is known once the call is closed',
    )
  const takenByMembers = new Set(
    rows
      .filter((r) => r.member.callId === callId && r.member.seat === seat && r.member.slot !== null)
      .map((r) => r.member.slot),
  )
  const slot = (selection.slots as SeatSlot[]).find(
    (s) => s.category === seat && s.responseId === null && !takenByMembers.has(s.index),
  )
  return { slot: slot ?? null, termStart: call.termStart }
}

export interface StepDown {
  effective?: string
  reason: string
  replacement?: 'next-alternate' | 'none'
}

/**
 * A member leaves early: the effective end is recorded and the original term end kept. With
 * `next-alternate`, the first alternate of the same category from the call that selected the member
 * who is still eligible then (not on the team, institution not on the team) serves the remainder
 * of the term ("they are asked to help find a volunteer replacement").
 */
export async function stepDown(
  db: Db,
  memberId: string,
  input: StepDown,
  now: Date,
  options: { mailFrom: string; by: string },
): Promise<{ member: MemberView; replacement: MemberView | null; vacancy: boolean }> {
  return db.transaction(async (tx) => {
    const found = isUuid(memberId) ? await queries.findMember(tx, memberId) : null
    if (!found) throw new AppError('not-found', 'member-not-found', `There is no member ${memberId}`)
    // The team row lock serialises step-downs and appointments (see appointMember).
    const team = (await findTeamById(tx, found.teamId, { forUpdate: true }))!
    const member = (await queries.findMember(tx, memberId, { forUpdate: true }))!
    const reason = input.reason.trim()
    if (reason === '')
      throw invalid('invalid-step-down', [{ field: 'body.reason', message: 'must say why (it is kept on record)' }])
    const requested =
      input.effective === undefined ? instantAtSecond(now) : instantField(input.effective, 'body.effective')!
    if (member.voidedAt !== null)
      throw new AppError(
        'conflict',
        'member-voided',
        `${member.name} never served: the close that made them a member was undone (${member.voidReason ?? 'call reopened'})`,
      )
    const departing = { termStart: member.termStart, termEnd: member.termEnd, endedAt: member.endedAt }
    if (departing.endedAt !== null) {
      throw new AppError(
        'conflict',
        'already-stepped-down',
        `${member.name} already stepped down (effective ${formatInstant(departing.endedAt)})`,
      )
    }
    const end = effectiveEnd(departing)
    if (end !== null && compareInstants(requested, end) >= 0) {
      throw new AppError('conflict', 'not-serving', `${member.name}'s service already ends at ${formatInstant(end)}`)
    }
    // Someone who leaves before their term starts never serves.
    const effective = compareInstants(requested, departing.termStart) < 0 ? departing.termStart : requested
    const ended = await queries.endMember(tx, member.id, { endedAt: effective, endReason: reason })

    let replacement: { row: queries.MemberRow; view: MemberView } | null = null
    if (input.replacement === 'next-alternate' && member.seat !== 'staff') {
      if (!member.callId)
        throw new AppError(
          'conflict',
          'no-alternates',
          `${member.name} was not selected by a call, so there are no alternates to promote`,
        )
      replacement = await promoteAlternate(tx, team, member, departing, effective, reason)
    }
    await recordAudit(tx, {
      at: now,
      actor: options.by,
      action: 'member.step-down',
      entity: 'member',
      entityId: member.id,
      reason,
      mentions: [
        { ref: await personOf(tx, member.email), names: [member.name], email: member.email },
        ...(replacement
          ? [
              {
                ref: await personOf(tx, replacement.row.email),
                names: [replacement.row.name],
                email: replacement.row.email,
              },
            ]
          : []),
      ],
      before: { endedAt: null },
      after: {
        endedAt: effective,
        person: await personOf(tx, member.email),
        ...(replacement
          ? {
              replacement: {
                memberId: replacement.row.id,
                person: await personOf(tx, replacement.row.email),
                ...auditedMember(replacement.row),
              },
            }
          : {}),
      },
    })
    const institutionName = ended.institutionId
      ? ((await findInstitutionById(tx, ended.institutionId))?.name ?? null)
      : null
    // Thanks to the member; the replacement's news to her, and to the list only when her term starts.
    const notices = noticesAfterStepDown(replacement && { termStart: replacement.row.termStart }).map(
      (notice): Notice => {
        if (notice.to === 'member') return memberNotice(team, 'stepped-down', ended)
        const promoted = replacement!.row
        if (notice.to === 'replacement') return memberNotice(team, 'replacement-selected', promoted)
        return {
          team,
          kind: 'member-joined',
          key: `member:${promoted.id}:member-joined`,
          to: team.mailingList,
          values: {
            team: team.name,
            // Name and institution only, as `call-results` names new members.
            newMember: `${promoted.name}${replacement!.view.institution ? ` (${replacement!.view.institution})` : ''}`,
            termStart: humanInstant(promoted.termStart),
          },
          memberId: promoted.id,
          notBefore: notice.notBefore === null ? null : instantToDate(notice.notBefore),
        }
      },
    )
    await queueNotices(tx, options.mailFrom, notices, now)
    return {
      member: view({ member: ended, institutionName }),
      replacement: replacement?.view ?? null,
      vacancy: member.seat !== 'staff' && replacement === null,
    }
  })
}

async function promoteAlternate(
  db: Db,
  team: TeamRow,
  member: queries.MemberRow,
  departing: { termStart: Instant; termEnd: Instant | null },
  effective: Instant,
  reason: string,
): Promise<{ row: queries.MemberRow; view: MemberView } | null> {
  const selection = await findSelection(db, member.callId!)
  if (!selection) return null
  const state = await teamState(db, team.id)
  const term = remainderOfTerm(departing, effective)
  const serving = state.roster.filter((m) => m.id !== member.id && servesAt(m, term.termStart))
  const alreadyMembers = new Set(state.rows.map((r) => r.member.responseId).filter((id) => id !== null))
  const emails = new Set(serving.map((m) => normaliseEmail(m.email)))
  const institutionsHeld = new Set(
    serving.filter((m) => m.seat !== 'staff' && m.institutionKey !== null).map((m) => m.institutionKey),
  )
  const alternates = (await listDecisions(db, selection.id)).filter(
    (d) => d.decision.outcome === 'alternate' && d.decision.seat === member.seat,
  )
  if (alternates.length === 0) return null
  const contacts = await findResponses(
    db,
    alternates.map((a) => a.decision.responseId),
  )
  const byId = new Map(contacts.map((c) => [c.id, c]))
  for (const alternate of alternates) {
    const contact = byId.get(alternate.decision.responseId)!
    if (alreadyMembers.has(alternate.decision.responseId) || emails.has(normaliseEmail(contact.email))) continue
    if (alternate.decision.institutionKey !== null && institutionsHeld.has(alternate.decision.institutionKey)) continue
    const match = matchInstitution(contact.institution, state.index)
    const row = await queries.insertMember(db, {
      teamId: team.id,
      name: alternate.name.trim(),
      email: contact.email.trim(),
      ...institutionColumns(match),
      seat: member.seat,
      termStart: term.termStart,
      termEnd: term.termEnd,
      origin: 'replacement',
      callId: member.callId,
      responseId: alternate.decision.responseId,
      slot: member.slot,
      reason: `Replaces ${member.name}: ${reason}`,
      replacesMemberId: member.id,
    })
    return { row, view: view({ member: row, institutionName: match.kind === 'known' ? match.institution.name : null }) }
  }
  return null
}
