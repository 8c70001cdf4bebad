import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as queries from '../db/queries/calls.js'
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
import type { CallStatus } from '../domain/lifecycle.js'
import type { SeatCounts } from '../domain/policy.js'
import { defaultTermStart } from '../domain/terms.js'
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
export async function createCall(db: Db, slug: string, input: NewCall, now: Date): Promise<CallView> {
  return db.transaction(async (tx) => {
    // Locking the team serialises call creation per team, so two overlapping calls cannot both pass the check.
    const team = await requireTeam(tx, slug, true)
    const problems: FieldProblem[] = []
    const boundary = (value: string, field: string) => readInstant(value, field, { microseconds: true, problems })
    const opensAt = boundary(input.opensAt, 'body.opensAt')
    let closesAt = input.closesAt === undefined ? null : boundary(input.closesAt, 'body.closesAt')
    let termStart = input.termStart === undefined ? null : boundary(input.termStart, 'body.termStart')
    if (problems.length > 0 || opensAt === null) throw invalidInstant(problems)
    closesAt ??= addDays(opensAt, team.policy.windowDays)
    const others = await queries.activeCalls(tx, team.id)
    const previous = others.filter((c) => compareInstants(c.opensAt, opensAt) < 0).at(-1)
    termStart ??= defaultTermStart(closesAt, previous?.termStart ?? null, team.policy)
    if (compareInstants(closesAt, opensAt) <= 0)
      problems.push({ field: 'body.closesAt', message: 'must be after opensAt' })
    if (compareInstants(termStart, closesAt) < 0)
      problems.push({
        field: 'body.termStart',
        message: 'must not be before closesAt (terms start once the call has closed)',
      })
    if (problems.length > 0) throw invalid('invalid-call', problems)

    checkNoOverlap(others, opensAt, closesAt)
    const row = await queries.insertCall(tx, {
      teamId: team.id,
      opensAt,
      closesAt,
      termStart,
      seats: input.seats ?? null,
    })
    return callView(row, team.slug, now)
  })
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
 * Changes a call that has not opened yet (a call rota scheduled on the cadence, typically): its
 * window, term start or seats, with the rules of createCall. Once a call is open its announcement
 * has gone out, so its dates stay (409 call-already-open).
 */
export async function editCall(db: Db, id: string, patch: CallPatch, now: Date): Promise<CallView> {
  return db.transaction(async (tx) => {
    const { team: unlocked } = await requireCall(tx, id)
    const team = await requireTeam(tx, unlocked.slug, true)
    const { call } = await requireCall(tx, id, { forUpdate: true })
    const status = callStatus(call, now)
    if (status !== 'scheduled' || call.openedAt !== null) {
      throw new AppError(
        'conflict',
        status === 'cancelled' ? 'call-cancelled' : 'call-already-open',
        `This call is ${status}; only a call that has not opened yet can be changed`,
      )
    }
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
    // Without a new termStart, the current one stays while it still follows the window; else the
    // default follows the new window (as createCall would give it).
    const previous = others.filter((c) => compareInstants(c.opensAt, opensAt) < 0).at(-1)
    const stored = call.termStart
    const termStart =
      givenTermStart ??
      (compareInstants(stored, newClosesAt) >= 0
        ? stored
        : defaultTermStart(newClosesAt, previous?.termStart ?? null, team.policy))
    if (compareInstants(opensAt, instantFromDate(now)) <= 0)
      problems.push({ field: 'body.opensAt', message: 'must be in the future' })
    if (compareInstants(newClosesAt, opensAt) <= 0)
      problems.push({ field: 'body.closesAt', message: 'must be after opensAt' })
    if (compareInstants(termStart, newClosesAt) < 0)
      problems.push({
        field: 'body.termStart',
        message: 'must not be before closesAt (terms start once the call has closed)',
      })
    if (problems.length > 0) throw invalid('invalid-call', problems)
    checkNoOverlap(others, opensAt, newClosesAt)
    const row = await queries.updateCall(tx, id, {
      opensAt,
      closesAt: newClosesAt,
      termStart,
      ...(patch.seats !== undefined ? { seats: patch.seats } : {}),
    })
    return callView(row, team.slug, now)
  })
}

/** Cancels a call that has no selection yet; it takes no responses and is never announced or closed. */
export async function cancelCall(db: Db, id: string, now: Date): Promise<CallView> {
  return db.transaction(async (tx) => {
    const { call, team } = await requireCall(tx, id, { forUpdate: true })
    if (call.cancelledAt) throw new AppError('conflict', 'call-cancelled', 'This call is already cancelled')
    if (call.closedAt) throw new AppError('conflict', 'already-closed', 'This call is closed; its selection is final')
    return callView(await queries.updateCall(tx, id, { cancelledAt: now }), team.slug, now)
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
