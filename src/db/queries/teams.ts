import { asc, eq } from 'drizzle-orm'
import type { Db } from '../client.js'
import { teams } from '../schema.js'
import type { Policy } from '../../domain/policy.js'

export type TeamRow = typeof teams.$inferSelect

export function listTeams(db: Db): Promise<TeamRow[]> {
  return db.select().from(teams).orderBy(asc(teams.slug))
}

export async function findTeamBySlug(
  db: Db,
  slug: string,
  options: { forUpdate?: boolean } = {},
): Promise<TeamRow | null> {
  const query = db.select().from(teams).where(eq(teams.slug, slug)).limit(1)
  const [row] = options.forUpdate ? await query.for('update') : await query
  return row ?? null
}

export async function updateTeam(
  db: Db,
  id: string,
  values: {
    name: string
    policy: Policy
    mailingList: string | null
    staffEmail: string | null
    formUrl: string | null
    updatedAt: Date
  },
): Promise<TeamRow> {
  const [row] = await db.update(teams).set(values).where(eq(teams.id, id)).returning()
  return row!
}

export async function findTeamById(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<TeamRow | null> {
  const query = db.select().from(teams).where(eq(teams.id, id)).limit(1)
  const [row] = options.forUpdate ? await query.for('update') : await query
  return row ?? null
}
