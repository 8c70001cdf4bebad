import type { Db } from '../db/client.js'
import * as queries from '../db/queries/calls.js'
import { instantFromPg, instantToPg } from '../db/instants.js'
import { AppError, invalid, isUuid, type FieldProblem } from '../errors.js'
import { addDays, compareInstants, epochNanos, formatInstant, instantFromDate, instantFromEpochNanos, type Instant } from '../domain/time.js'
import type { SeatCounts } from '../domain/policy.js'
import { defaultTermStart } from '../domain/terms.js'
import { requireTeam } from './teams.js'
import { readBoundary } from './instants.js'

export type CallStatus = 'scheduled' | 'open' | 'due' | 'closed' | 'cancelled'

export interface CallView {
  id: string
  team: string
  opensAt: string
  closesAt: string
  termStart: string
  seats: SeatCounts | null
  status: CallStatus
  /** `staff`, or `auto` when the tick created it on the cadence. */
  origin: 'staff' | 'auto'
}

/**
 * A call's status at `now`: cancelled or closed once recorded; otherwise scheduled before it opens,
 * open during its window `[opensAt, closesAt)`, and due once the window is over without a selection.
 */
export function callStatus(call: queries.CallRow, now: Date): CallStatus {
  if (call.cancelledAt) return 'cancelled'
  if (call.closedAt) return 'closed'
  const at = instantFromDate(now)
  if (compareInstants(at, instantFromPg(call.opensAt)) < 0) return 'scheduled'
  if (compareInstants(at, instantFromPg(call.closesAt)) < 0) return 'open'
  return 'due'
}

export function callView(call: queries.CallRow, teamSlug: string, now: Date): CallView {
  return {
    id: call.id,
    team: teamSlug,
    opensAt: formatInstant(instantFromPg(call.opensAt)),
    closesAt: formatInstant(instantFromPg(call.closesAt)),
    termStart: formatInstant(instantFromPg(call.termStart)),
    seats: call.seats ?? null,
    status: callStatus(call, now),
    origin: call.origin === 'auto' ? 'auto' : 'staff',
  }
}

export function callNotFound(id: string): AppError {
  return new AppError('not-found', 'call-not-found', `There is no call ${id}`)
}


/** The call and its team, or a 404 (an id that is not a UUID names no call either). */
export async function requireCall(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<queries.CallWithTeam> {
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
    const opensAt = readBoundary(input.opensAt, 'body.opensAt', problems)
    let closesAt = input.closesAt === undefined ? null : readBoundary(input.closesAt, 'body.closesAt', problems)
    let termStart = input.termStart === undefined ? null : readBoundary(input.termStart, 'body.termStart', problems)
    if (problems.length > 0 || opensAt === null) throw invalid('invalid-call', problems)
    closesAt ??= addDays(opensAt, team.policy.windowDays)
    const others = await queries.activeCalls(tx, team.id)
    const previous = others.filter((c) => compareInstants(instantFromPg(c.opensAt), opensAt) < 0).at(-1)
    termStart ??= defaultTermStart(closesAt, previous ? instantFromPg(previous.termStart) : null, team.policy)
    if (compareInstants(closesAt, opensAt) <= 0) problems.push({ field: 'body.closesAt', message: 'must be after opensAt' })
    if (compareInstants(termStart, closesAt) < 0) problems.push({ field: 'body.termStart', message: 'must not be before closesAt (terms start once the call has closed)' })
    if (problems.length > 0) throw invalid('invalid-call', problems)

    checkNoOverlap(others, opensAt, closesAt)
    const row = await queries.insertCall(tx, {
      teamId: team.id,
      opensAt: instantToPg(opensAt),
      closesAt: instantToPg(closesAt),
      termStart: instantToPg(termStart),
      seats: input.seats ?? null,
    })
    return callView(row, team.slug, now)
  })
}

/** Two calls of a team never overlap: a 409 naming the call in the way. */
function checkNoOverlap(others: readonly queries.CallRow[], opensAt: Instant, closesAt: Instant): void {
  for (const other of others) {
    const otherOpens = instantFromPg(other.opensAt)
    const otherCloses = instantFromPg(other.closesAt)
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
      throw new AppError('conflict', status === 'cancelled' ? 'call-cancelled' : 'call-already-open', `This call is ${status}; only a call that has not opened yet can be changed`)
    }
    const problems: FieldProblem[] = []
    const opensAt = patch.opensAt === undefined ? instantFromPg(call.opensAt) : readBoundary(patch.opensAt, 'body.opensAt', problems)
    const closesAt = patch.closesAt === undefined ? null : readBoundary(patch.closesAt, 'body.closesAt', problems)
    const givenTermStart = patch.termStart === undefined ? null : readBoundary(patch.termStart, 'body.termStart', problems)
    if (problems.length > 0 || opensAt === null) throw invalid('invalid-call', problems)
    // Moving the opening without a new closing keeps the window's length.
    const length = epochNanos(instantFromPg(call.closesAt)) - epochNanos(instantFromPg(call.opensAt))
    const newClosesAt = closesAt ?? instantFromEpochNanos(epochNanos(opensAt) + length)
    const others = (await queries.activeCalls(tx, team.id)).filter((c) => c.id !== id)
    // Without a new termStart, the current one stays while it still follows the window; else the
    // default follows the new window (as createCall would give it).
    const previous = others.filter((c) => compareInstants(instantFromPg(c.opensAt), opensAt) < 0).at(-1)
    const stored = instantFromPg(call.termStart)
    const termStart =
      givenTermStart ??
      (compareInstants(stored, newClosesAt) >= 0 ? stored : defaultTermStart(newClosesAt, previous ? instantFromPg(previous.termStart) : null, team.policy))
    if (compareInstants(opensAt, instantFromDate(now)) <= 0) problems.push({ field: 'body.opensAt', message: 'must be in the future' })
    if (compareInstants(newClosesAt, opensAt) <= 0) problems.push({ field: 'body.closesAt', message: 'must be after opensAt' })
    if (compareInstants(termStart, newClosesAt) < 0) problems.push({ field: 'body.termStart', message: 'must not be before closesAt (terms start once the call has closed)' })
    if (problems.length > 0) throw invalid('invalid-call', problems)
    checkNoOverlap(others, opensAt, newClosesAt)
    const row = await queries.updateCall(tx, id, {
      opensAt: instantToPg(opensAt),
      closesAt: instantToPg(newClosesAt),
      termStart: instantToPg(termStart),
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
