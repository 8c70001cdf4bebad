import { and, asc, eq, isNull, or, sql } from 'drizzle-orm'
import type { Db } from '../client.js'
import { calls, teams } from '../schema.js'
import type { Instant } from '../../domain/time.js'

export type CallRow = typeof calls.$inferSelect
export interface CallWithTeam {
  call: CallRow
  team: typeof teams.$inferSelect
}

export async function findCall(
  db: Db,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<CallWithTeam | null> {
  const query = db
    .select({ call: calls, team: teams })
    .from(calls)
    .innerJoin(teams, eq(teams.id, calls.teamId))
    .where(eq(calls.id, id))
    .limit(1)
  const [row] = options.forUpdate ? await query.for('update', { of: calls }) : await query
  return row ?? null
}

export function listCalls(db: Db, teamId: string): Promise<CallRow[]> {
  return db.select().from(calls).where(eq(calls.teamId, teamId)).orderBy(asc(calls.opensAt), asc(calls.id))
}

export function activeCalls(db: Db, teamId: string): Promise<CallRow[]> {
  return db
    .select()
    .from(calls)
    .where(and(eq(calls.teamId, teamId), isNull(calls.cancelledAt)))
    .orderBy(asc(calls.opensAt))
}

export async function insertCall(db: Db, values: typeof calls.$inferInsert): Promise<CallRow> {
  const [row] = await db.insert(calls).values(values).returning()
  return row!
}

export async function markClosed(
  db: Db,
  id: string,
  values: { closedAt: Date; closesAt?: Instant; closedEarlyFrom?: Instant; termStart?: Instant },
): Promise<void> {
  await db.update(calls).set(values).where(eq(calls.id, id))
}

/** Calls of a team the tick may still have to act on: not cancelled, and not yet opened or not yet closed. */
export function callsInFlight(db: Db, teamId: string): Promise<CallRow[]> {
  return db
    .select()
    .from(calls)
    .where(and(eq(calls.teamId, teamId), isNull(calls.cancelledAt), or(isNull(calls.openedAt), isNull(calls.closedAt))))
    .orderBy(asc(calls.opensAt), asc(calls.id))
}

/** Marks a call open; only the first caller gets the row back (a conditional write). */
export async function markOpened(db: Db, id: string, at: Instant): Promise<CallRow | null> {
  const [row] = await db
    .update(calls)
    .set({ openedAt: at })
    .where(and(eq(calls.id, id), isNull(calls.openedAt), isNull(calls.cancelledAt)))
    .returning()
  return row ?? null
}

/** Records the reminder decision; only the first caller gets the row back. */
export async function markReminded(db: Db, id: string, at: Instant): Promise<CallRow | null> {
  const [row] = await db
    .update(calls)
    .set({ remindedAt: at })
    .where(and(eq(calls.id, id), isNull(calls.remindedAt), isNull(calls.closedAt), isNull(calls.cancelledAt)))
    .returning()
  return row ?? null
}

/** Inserts a cadence call unless one was already created for that cadence date (even if since cancelled). */
export async function insertPlannedCall(db: Db, values: typeof calls.$inferInsert): Promise<CallRow | null> {
  const [row] = await db
    .insert(calls)
    .values(values)
    .onConflictDoNothing({
      target: [calls.teamId, calls.plannedOpensAt],
      where: sql`${calls.plannedOpensAt} is not null`,
    })
    .returning()
  return row ?? null
}

export async function updateCall(
  db: Db,
  id: string,
  values: Partial<
    Pick<
      CallRow,
      | 'opensAt'
      | 'closesAt'
      | 'termStart'
      | 'termStartExplicit'
      | 'seats'
      | 'cancelledAt'
      | 'closedAt'
      | 'closedEarlyFrom'
      | 'reopenedAt'
      | 'reopenedBy'
      | 'reopenReason'
      | 'openedAt'
      | 'remindedAt'
    >
  >,
): Promise<CallRow> {
  const [row] = await db.update(calls).set(values).where(eq(calls.id, id)).returning()
  return row!
}
