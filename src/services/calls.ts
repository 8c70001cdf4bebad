import type { Db } from '../db/client.js'
import * as queries from '../db/queries/calls.js'
import { instantFromPg, instantToPg } from '../db/instants.js'
import { AppError, invalid, isUuid, type FieldProblem } from '../errors.js'
import { addDays, compareInstants, formatInstant, instantFromDate } from '../domain/time.js'
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

export async function listCalls(db: Db, slug: string, now: Date): Promise<CallView[]> {
  const team = await requireTeam(db, slug)
  return (await queries.listCalls(db, team.id)).map((call) => callView(call, team.slug, now))
}

export async function getCall(db: Db, id: string, now: Date): Promise<CallView> {
  const { call, team } = await requireCall(db, id)
  return callView(call, team.slug, now)
}
