import { and, asc, eq, isNull } from 'drizzle-orm'
import type { Db } from '../client.js'
import { calls, teams } from '../schema.js'

export type CallRow = typeof calls.$inferSelect
export interface CallWithTeam {
  call: CallRow
  team: typeof teams.$inferSelect
}

export async function findCall(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<CallWithTeam | null> {
  const query = db.select({ call: calls, team: teams }).from(calls).innerJoin(teams, eq(teams.id, calls.teamId)).where(eq(calls.id, id)).limit(1)
  const [row] = options.forUpdate ? await query.for('update', { of: calls }) : await query
  return row ?? null
}

export function listCalls(db: Db, teamId: string): Promise<CallRow[]> {
  return db.select().from(calls).where(eq(calls.teamId, teamId)).orderBy(asc(calls.opensAt), asc(calls.id))
}

export function activeCalls(db: Db, teamId: string): Promise<CallRow[]> {
  return db.select().from(calls).where(and(eq(calls.teamId, teamId), isNull(calls.cancelledAt))).orderBy(asc(calls.opensAt))
}

export async function insertCall(db: Db, values: typeof calls.$inferInsert): Promise<CallRow> {
  const [row] = await db.insert(calls).values(values).returning()
  return row!
}

export async function markClosed(db: Db, id: string, values: { closedAt: Date; closesAt?: string }): Promise<void> {
  await db.update(calls).set(values).where(eq(calls.id, id))
}
