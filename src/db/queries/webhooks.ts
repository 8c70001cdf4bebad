import { and, asc, eq, isNull, sql } from 'drizzle-orm'
import type { Db } from '../client.js'
import { outbox, webhooks, webhookState } from '../schema.js'

export type WebhookRow = typeof webhooks.$inferSelect
export type NewWebhookRow = typeof webhooks.$inferInsert
export type WebhookStateRow = typeof webhookState.$inferSelect

export async function insertWebhook(db: Db, row: NewWebhookRow): Promise<WebhookRow> {
  const [inserted] = await db.insert(webhooks).values(row).returning()
  return inserted!
}

/** A team's webhooks that are not deleted, oldest first. */
export function activeWebhooks(db: Db, teamId: string): Promise<WebhookRow[]> {
  return db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.teamId, teamId), isNull(webhooks.deletedAt)))
    .orderBy(asc(webhooks.createdAt), asc(webhooks.id))
}

export async function findWebhook(db: Db, id: string): Promise<WebhookRow | null> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id)).limit(1)
  return row ?? null
}

/** Marks a webhook deleted (once); null when it was already. */
export async function deleteWebhook(db: Db, id: string, by: string, at: Date): Promise<WebhookRow | null> {
  const [row] = await db
    .update(webhooks)
    .set({ deletedAt: at, deletedBy: by })
    .where(and(eq(webhooks.id, id), isNull(webhooks.deletedAt)))
    .returning()
  return row ?? null
}

/** Deliveries to a webhook that have not gone yet (pending, or failed/unknown waiting for staff) become skipped. */
export async function skipUndelivered(db: Db, webhookId: string, reason: string, at: Date): Promise<number> {
  const rows = await db
    .update(outbox)
    .set({ status: 'skipped', lastError: reason, updatedAt: at })
    .where(and(eq(outbox.webhookId, webhookId), sql`${outbox.status} in ('pending', 'failed', 'unknown')`))
    .returning({ id: outbox.id })
  return rows.length
}

/**
 * A team's webhook state, locked for the caller's transaction: created with `initial` when the team
 * has none yet (by whichever instance comes first; the others then wait on the lock and read it).
 */
export async function lockState(
  db: Db,
  teamId: string,
  initial: Omit<WebhookStateRow, 'teamId' | 'rosterVersion'>,
): Promise<{ state: WebhookStateRow; created: boolean }> {
  const created = await db
    .insert(webhookState)
    .values({ teamId, ...initial })
    .onConflictDoNothing({ target: webhookState.teamId })
    .returning()
  if (created.length > 0) return { state: created[0]!, created: true }
  const [state] = await db.select().from(webhookState).where(eq(webhookState.teamId, teamId)).for('update')
  return { state: state!, created: false }
}

export async function updateState(
  db: Db,
  teamId: string,
  values: Partial<Omit<WebhookStateRow, 'teamId'>> & { updatedAt: Date },
): Promise<void> {
  await db.update(webhookState).set(values).where(eq(webhookState.teamId, teamId))
}
