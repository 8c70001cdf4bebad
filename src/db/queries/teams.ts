import { asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../client.js'
import { calls, members, outbox, teams, templates, webhooks, webhookState } from '../schema.js'
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

/** Adds a team; null when the slug is taken (no error, nothing written). */
export async function insertTeam(
  db: Db,
  values: {
    slug: string
    name: string
    policy: Policy
    mailingList: string | null
    staffEmail: string | null
    formUrl: string | null
    createdAt: Date
  },
): Promise<TeamRow | null> {
  const [row] = await db
    .insert(teams)
    .values({ ...values, updatedAt: values.createdAt })
    .onConflictDoNothing({ target: teams.slug })
    .returning()
  return row ?? null
}

/** What a team holds that deleting it would lose: calls, members (staff included) and emails or deliveries. */
export async function teamUsage(db: Db, id: string): Promise<{ calls: number; members: number; outbox: number }> {
  const count = async (table: typeof calls | typeof members | typeof outbox) => {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(table)
      .where(eq(table.teamId, id))
    return row?.n ?? 0
  }
  return { calls: await count(calls), members: await count(members), outbox: await count(outbox) }
}

/** Deletes a team with its templates, webhooks and webhook state (the caller checked it holds nothing else). */
export async function deleteTeam(db: Db, id: string): Promise<{ templates: number; webhooks: number }> {
  const removedTemplates = await db
    .delete(templates)
    .where(eq(templates.teamId, id))
    .returning({ kind: templates.kind })
  await db.delete(webhookState).where(eq(webhookState.teamId, id))
  const removedWebhooks = await db.delete(webhooks).where(eq(webhooks.teamId, id)).returning({ id: webhooks.id })
  await db.delete(teams).where(eq(teams.id, id))
  return { templates: removedTemplates.length, webhooks: removedWebhooks.length }
}
