import { asc, eq } from 'drizzle-orm'
import type { Db } from '../client.js'
import { institutions, members } from '../schema.js'

export type MemberRow = typeof members.$inferSelect
export type NewMemberRow = typeof members.$inferInsert

export interface MemberWithInstitution {
  member: MemberRow
  /** The known institution's current name, when the member's institution is a known one. */
  institutionName: string | null
}

/** A team's members, with their institution's current name, by term start. */
export async function listMembers(db: Db, teamId: string): Promise<MemberWithInstitution[]> {
  const rows = await db
    .select({ member: members, institutionName: institutions.name })
    .from(members)
    .leftJoin(institutions, eq(institutions.id, members.institutionId))
    .where(eq(members.teamId, teamId))
    .orderBy(asc(members.termStart), asc(members.name), asc(members.id))
  return rows
}

export async function insertMembers(db: Db, rows: NewMemberRow[]): Promise<void> {
  if (rows.length > 0) await db.insert(members).values(rows)
}
