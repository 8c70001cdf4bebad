import { and, asc, eq, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm'
import type { Db } from '../client.js'
import { institutions, members } from '../schema.js'
import type { Instant } from '../../domain/time.js'

export type MemberRow = typeof members.$inferSelect
export type NewMemberRow = typeof members.$inferInsert

export interface MemberWithInstitution {
  member: MemberRow
  /** The known institution's current name, when the member's institution is a known one. */
  institutionName: string | null
}

/** A team's members, with their institution's current name, by term start; members voided by a reopen are left out. */
export async function listMembers(db: Db, teamId: string): Promise<MemberWithInstitution[]> {
  const rows = await db
    .select({ member: members, institutionName: institutions.name })
    .from(members)
    .leftJoin(institutions, eq(institutions.id, members.institutionId))
    .where(and(eq(members.teamId, teamId), isNull(members.voidedAt)))
    .orderBy(asc(members.termStart), asc(members.name), asc(members.id))
  return rows
}

/** Every member linked to a call (voided ones left out): those its close made and those appointed into it. */
export function membersOfCall(db: Db, callId: string): Promise<MemberRow[]> {
  return db
    .select()
    .from(members)
    .where(and(eq(members.callId, callId), isNull(members.voidedAt)))
    .orderBy(asc(members.termStart), asc(members.name), asc(members.id))
}

/** Marks members as never having served (their call was reopened); returns them. */
export function voidMembers(
  db: Db,
  ids: string[],
  values: { voidedAt: Date; voidReason: string },
): Promise<MemberRow[]> {
  if (ids.length === 0) return Promise.resolve([])
  return db
    .update(members)
    .set(values)
    .where(and(inArray(members.id, ids), isNull(members.voidedAt)))
    .returning()
}

export async function insertMembers(db: Db, rows: NewMemberRow[]): Promise<void> {
  if (rows.length > 0) await db.insert(members).values(rows)
}

export async function insertMember(db: Db, row: NewMemberRow): Promise<MemberRow> {
  const [inserted] = await db.insert(members).values(row).returning()
  return inserted!
}

export async function findMember(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<MemberRow | null> {
  const query = db.select().from(members).where(eq(members.id, id)).limit(1)
  const [row] = options.forUpdate ? await query.for('update') : await query
  return row ?? null
}

export async function endMember(
  db: Db,
  id: string,
  values: { endedAt: Instant; endReason: string },
): Promise<MemberRow> {
  const [row] = await db.update(members).set(values).where(eq(members.id, id)).returning()
  return row!
}

/** Volunteers of a team with a term end and no early end, who have no term-ending notice yet. */
export async function membersAwaitingTermNotice(db: Db, teamId: string) {
  return db
    .select({ member: members })
    .from(members)
    .where(
      and(
        eq(members.teamId, teamId),
        isNotNull(members.termEnd),
        isNull(members.endedAt),
        isNull(members.voidedAt),
        ne(members.seat, 'staff'),
        // A member's term end never changes (an early end is recorded apart), so one notice per member.
        sql`not exists (select 1 from outbox o where o.key = 'term-ending:' || ${members.id}::text)`,
      ),
    )
}

/**
 * The members a call brought in (selected, promoted or appointed into it) whose address is
 * `address` (case and surrounding spaces aside): what a volunteer's outcome email is checked against.
 */
export async function membersOfCallAt(db: Db, teamId: string, callId: string, address: string) {
  return db
    .select({ origin: members.origin, endedAt: members.endedAt })
    .from(members)
    .where(
      and(
        eq(members.teamId, teamId),
        eq(members.callId, callId),
        sql`lower(trim(${members.email})) = ${address.trim().toLowerCase()}`,
      ),
    )
}
