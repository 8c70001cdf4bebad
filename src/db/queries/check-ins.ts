import { and, eq, isNull } from 'drizzle-orm'
import type { Db } from '../client.js'
import { checkIns } from '../schema.js'

export type CheckInRow = typeof checkIns.$inferSelect
export type NewCheckInRow = typeof checkIns.$inferInsert

/** Inserts a member's check-in unless one exists (another tick made it); returns it only when new. */
export async function insertCheckIn(db: Db, row: NewCheckInRow): Promise<CheckInRow | null> {
  const [inserted] = await db.insert(checkIns).values(row).onConflictDoNothing().returning()
  return inserted ?? null
}

export async function findCheckIn(
  db: Db,
  memberId: string,
  options: { forUpdate?: boolean } = {},
): Promise<CheckInRow | null> {
  const query = db.select().from(checkIns).where(eq(checkIns.memberId, memberId)).limit(1)
  const [row] = options.forUpdate ? await query.for('update') : await query
  return row ?? null
}

/** A team's check-ins. */
export function listCheckIns(db: Db, teamId: string): Promise<CheckInRow[]> {
  return db.select().from(checkIns).where(eq(checkIns.teamId, teamId))
}

/** A team's check-ins still unanswered, staff not yet told. */
export function unansweredCheckIns(db: Db, teamId: string): Promise<CheckInRow[]> {
  return db
    .select()
    .from(checkIns)
    .where(and(eq(checkIns.teamId, teamId), isNull(checkIns.answer), isNull(checkIns.overdueAt)))
}

/** Records the answer, only when none was given yet; returns the row, or null when it was already answered. */
export async function answerCheckIn(
  db: Db,
  memberId: string,
  values: { answer: 'continue' | 'step-down'; answeredAt: Date },
): Promise<CheckInRow | null> {
  const [row] = await db
    .update(checkIns)
    .set(values)
    .where(and(eq(checkIns.memberId, memberId), isNull(checkIns.answer)))
    .returning()
  return row ?? null
}

/** Marks that staff were told, only once; returns the row, or null when already marked. */
export async function markOverdue(db: Db, memberId: string, overdueAt: Date): Promise<CheckInRow | null> {
  const [row] = await db
    .update(checkIns)
    .set({ overdueAt })
    .where(and(eq(checkIns.memberId, memberId), isNull(checkIns.overdueAt)))
    .returning()
  return row ?? null
}
