import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as queries from '../db/queries/calls.js'
import { changedFields, recordAudit, type Fields } from './audit.js'
import { AppError, invalid, isUuid, type FieldProblem } from '../errors.js'
import {
  addDays,
  compareInstants,
  epochNanos,
  formatInstant,
  instantFromDate,
  instantFromEpochNanos,
  type Instant,
} from '../domain/time.js'
import { wasAnnounced, type CallStatus } from '../domain/lifecycle.js'
import { classNames, upgradePolicy, type Policy, type SeatCounts } from '../domain/policy.js'
import { termStartFor } from '../domain/terms.js'
import type { Call } from '../http/schemas/calls.js'
import { requireTeam } from './teams.js'
import { invalidInstant, readInstant } from './instants.js'

export type { CallStatus }

export type CallView = Static<typeof Call>

/**
 * A call's status at `now`: cancelled or closed once recorded; otherwise scheduled before it opens,
 * open during its window `[opensAt, closesAt)`, and due once the window is over without a selection.
 */
export function callStatus(call: queries.CallRow, now: Date): CallStatus {
  if (call.cancelledAt) return 'cancelled'
  if (call.closedAt) return 'closed'
  const at = instantFromDate(now)
  if (compareInstants(at, call.opensAt) < 0) return 'scheduled'
  if (compareInstants(at, call.closesAt) < 0) return 'open'
  return 'due'
}

export function callView(call: queries.CallRow, teamSlug: string, now: Date): CallView {
  return {
    id: call.id,
    team: teamSlug,
    opensAt: formatInstant(call.opensAt),
    closesAt: formatInstant(call.closesAt),
    termStart: formatInstant(call.termStart),
    seats: call.seats ?? null,
    status: callStatus(call, now),
    origin: call.origin,
    reopenedAt: call.reopenedAt?.toISOString() ?? null,
  }
}

export function callNotFound(id: string): AppError {
  return new AppError('not-found', 'call-not-found', `There is no call ${id}`)
}

/** The call and its team, or a 404 (an id that is not a UUID names no call either). */
export async function requireCall(
  db: Db,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<queries.CallWithTeam> {
  const found = isUuid(id) ? await queries.findCall(db, id, options) : null
  if (!found) throw callNotFound(id)
  return found
}

export interface NewCall {
  opensAt: string
  closesAt?: string
  termStart?: string
  seats?: SeatCounts
}

/**
 * Creates a call for a team. Defaults: it closes `windowDays` after opening (the Code of Conduct:
 * "open for one month (4 weeks)") and terms start when it closes. Two calls of a team never overlap.
 */
export async function createCall(db: Db, slug: string, input: NewCall, now: Date, by: string): Promise<CallView> {
  return db.transaction(async (tx) => {
    // Locking the team serialises call creation per team, so two overlapping calls cannot both pass the check.
    const team = await requireTeam(tx, slug, true)
    const problems: FieldProblem[] = []
    const boundary = (value: string, field: string) => readInstant(value, field, { microseconds: true, problems })
    const opensAt = boundary(input.opensAt, 'body.opensAt')
    let closesAt = input.closesAt === undefined ? null : boundary(input.closesAt, 'body.closesAt')
    const termStart = input.termStart === undefined ? null : boundary(input.termStart, 'body.termStart')
    if (problems.length > 0 || opensAt === null) throw invalidInstant(problems)
    closesAt ??= addDays(opensAt, team.policy.windowDays)
    const others = await queries.activeCalls(tx, team.id)
    const previous = others.filter((c) => compareInstants(c.opensAt, opensAt) < 0).at(-1)
    const term = termStartFor({ closesAt }, termStart, null, previous?.termStart ?? null, team.policy)
    if (compareInstants(closesAt, opensAt) <= 0)
      problems.push({ field: 'body.closesAt', message: 'must be after opensAt' })
    if (term.problem !== null) problems.push({ field: 'body.termStart', message: term.problem })
    problems.push(...fixedSeatProblems(team.policy, input.seats))
    if (problems.length > 0) throw invalid('invalid-call', problems)

    checkNoOverlap(others, opensAt, closesAt)
    const row = await queries.insertCall(tx, {
      teamId: team.id,
      opensAt,
      closesAt,
      termStart: term.termStart,
      termStartExplicit: term.explicit,
      seats: input.seats ? inPolicyOrder(team.policy, input.seats) : null,
      // rota's clock, not the database's: the tick compares it with the window (tickMayClose).
      createdAt: now,
    })
    await recordAudit(tx, {
      at: now,
      actor: by,
      action: 'call.create',
      entity: 'call',
      entityId: row.id,
      after: { team: team.slug, ...auditedCall(row) },
    })
    return callView(row, team.slug, now)
  })
}

/** The fields of a call its audit rows compare. */
export function auditedCall(call: queries.CallRow): Fields {
  return {
    opensAt: call.opensAt,
    closesAt: call.closesAt,
    termStart: call.termStart,
    termStartExplicit: call.termStartExplicit,
    seats: call.seats,
  }
}

/** Two calls of a team never overlap: a 409 naming the call in the way. */
function checkNoOverlap(others: readonly queries.CallRow[], opensAt: Instant, closesAt: Instant): void {
  for (const other of others) {
    const { opensAt: otherOpens, closesAt: otherCloses } = other
    if (compareInstants(otherOpens, closesAt) < 0 && compareInstants(opensAt, otherCloses) < 0) {
      throw new AppError(
        'conflict',
        'overlapping-call',
        `The window overlaps call ${other.id} (${formatInstant(otherOpens)} to ${formatInstant(otherCloses)})`,
        { callId: other.id, opensAt: formatInstant(otherOpens), closesAt: formatInstant(otherCloses) },
      )
    }
  }
}

export interface CallPatch {
  opensAt?: string
  closesAt?: string
  termStart?: string
  seats?: SeatCounts | null
}

/**
 * Changes a call that has not been announced yet — a call rota scheduled on the cadence, or one
 * staff create after the fact to import a form that has closed — with the rules of createCall: its
 * window may go anywhere that overlaps no other call of the team (the past included), a term start
 * left to its default follows the window, and one staff set stays. Once the tick has announced the
 * call (`wasAnnounced`) its dates stay (409 call-already-open); a closed call is reopened first.
 */
export async function editCall(db: Db, id: string, patch: CallPatch, now: Date, by: string): Promise<CallView> {
  return db.transaction(async (tx) => {
    const { team: unlocked } = await requireCall(tx, id)
    const team = await requireTeam(tx, unlocked.slug, true)
    const { call } = await requireCall(tx, id, { forUpdate: true })
    const status = callStatus(call, now)
    if (status === 'cancelled')
      throw new AppError('conflict', 'call-cancelled', 'This call is cancelled; it cannot be changed')
    if (status === 'closed')
      throw new AppError(
        'conflict',
        'already-closed',
        'This call is closed; reopen it (POST /calls/{id}/reopen) to change it',
      )
    if (wasAnnounced(call))
      throw new AppError(
        'conflict',
        'call-already-open',
        `This call is ${status} and rota announced it while it was open; only a call not yet announced can be changed`,
      )
    const problems: FieldProblem[] = []
    const boundary = (value: string, field: string) => readInstant(value, field, { microseconds: true, problems })
    const opensAt = patch.opensAt === undefined ? call.opensAt : boundary(patch.opensAt, 'body.opensAt')
    const closesAt = patch.closesAt === undefined ? null : boundary(patch.closesAt, 'body.closesAt')
    const givenTermStart = patch.termStart === undefined ? null : boundary(patch.termStart, 'body.termStart')
    if (problems.length > 0 || opensAt === null) throw invalidInstant(problems)
    // Moving the opening without a new closing keeps the window's length.
    const length = epochNanos(call.closesAt) - epochNanos(call.opensAt)
    const newClosesAt = closesAt ?? instantFromEpochNanos(epochNanos(opensAt) + length)
    const others = (await queries.activeCalls(tx, team.id)).filter((c) => c.id !== id)
    const previous = others.filter((c) => compareInstants(c.opensAt, opensAt) < 0).at(-1)
    const term = termStartFor(
      { closesAt: newClosesAt },
      givenTermStart,
      { termStart: call.termStart, explicit: call.termStartExplicit },
      previous?.termStart ?? null,
      team.policy,
    )
    if (compareInstants(newClosesAt, opensAt) <= 0)
      problems.push({ field: 'body.closesAt', message: 'must be after opensAt' })
    if (term.problem !== null) problems.push({ field: 'body.termStart', message: term.problem })
    problems.push(...fixedSeatProblems(team.policy, patch.seats))
    if (problems.length > 0) throw invalid('invalid-call', problems)
    checkNoOverlap(others, opensAt, newClosesAt)
    // Moved into the future, a call the tick met only after its window (and so never announced)
    // becomes a live call again: the tick announces and reminds as for any other.
    const live = compareInstants(opensAt, instantFromDate(now)) > 0
    const row = await queries.updateCall(tx, id, {
      opensAt,
      closesAt: newClosesAt,
      termStart: term.termStart,
      termStartExplicit: term.explicit,
      ...(live ? { openedAt: null, remindedAt: null } : {}),
      ...(patch.seats !== undefined ? { seats: patch.seats && inPolicyOrder(team.policy, patch.seats) } : {}),
    })
    await recordAudit(tx, {
      at: now,
      actor: by,
      action: 'call.patch',
      entity: 'call',
      entityId: id,
      ...changedFields(auditedCall(call), auditedCall(row)),
    })
    return callView(row, team.slug, now)
  })
}

/** Cancels a call that has no selection yet; it takes no responses and is never announced or closed. */
export async function cancelCall(db: Db, id: string, now: Date, by: string): Promise<CallView> {
  return db.transaction(async (tx) => {
    const { call, team } = await requireCall(tx, id, { forUpdate: true })
    if (call.cancelledAt) throw new AppError('conflict', 'call-cancelled', 'This call is already cancelled')
    if (call.closedAt)
      throw new AppError(
        'conflict',
        'already-closed',
        'This call is closed; to undo its close, reopen it (POST /calls/{id}/reopen) first',
      )
    const row = await queries.updateCall(tx, id, { cancelledAt: now })
    await recordAudit(tx, {
      at: now,
      actor: by,
      action: 'call.cancel',
      entity: 'call',
      entityId: id,
      before: { cancelledAt: null },
      after: { cancelledAt: now },
    })
    return callView(row, team.slug, now)
  })
}

export async function listCalls(db: Db, slug: string, now: Date): Promise<CallView[]> {
  const team = await requireTeam(db, slug)
  return (await queries.listCalls(db, team.id)).map((call) => callView(call, team.slug, now))
}

export async function getCall(db: Db, id: string, now: Date): Promise<CallView> {
  const { call, team } = await requireCall(db, id)
  return callView(call, team.slug, now)
}

/** Seats staff fix on a call name classes of the team's policy only. */
function fixedSeatProblems(policy: Policy, seats: SeatCounts | null | undefined): FieldProblem[] {
  if (!seats) return []
  const classes = classNames(upgradePolicy(policy))
  return Object.keys(seats)
    .filter((c) => !classes.includes(c))
    .map((c) => ({
      field: `body.seats.${c}`,
      message: `is not a seat class of the team's policy (${classes.join(', ')})`,
    }))
}

/** Fixed seats with every class of the policy, in policy order (a class left out: 0). */
function inPolicyOrder(policy: Policy, seats: SeatCounts): SeatCounts {
  const out: SeatCounts = {}
  for (const c of classNames(upgradePolicy(policy))) out[c] = seats[c] ?? 0
  return out
}
