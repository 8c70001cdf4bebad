import { randomUUID } from 'node:crypto'
import { and, desc, eq, inArray, lt, lte, or, sql } from 'drizzle-orm'
import type { Db } from '../client.js'
import { outbox, teams } from '../schema.js'
import type { OutboxStatus } from '../../domain/notices.js'

export type OutboxRow = typeof outbox.$inferSelect
export type NewOutboxRow = typeof outbox.$inferInsert
export type { OutboxStatus }

/** Queues messages, leaving out any whose key exists; returns those this call inserted. */
export async function insertMessages(db: Db, rows: NewOutboxRow[]): Promise<OutboxRow[]> {
  const inserted: OutboxRow[] = []
  // Chunks keep each statement well under PostgreSQL's 65,535 bind parameters.
  for (let i = 0; i < rows.length; i += 1000) {
    inserted.push(
      ...(await db
        .insert(outbox)
        .values(rows.slice(i, i + 1000))
        .onConflictDoNothing({ target: outbox.key })
        .returning()),
    )
  }
  return inserted
}

/** Keys among `keys` that are already in the outbox. */
export async function existingKeys(db: Db, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set()
  const rows = await db.select({ key: outbox.key }).from(outbox).where(inArray(outbox.key, keys))
  return new Set(rows.map((r) => r.key))
}

export async function listMessages(
  db: Db,
  filter: { status?: OutboxStatus; teamSlug?: string; id?: string; limit: number },
) {
  const conditions = []
  if (filter.id) conditions.push(eq(outbox.id, filter.id))
  if (filter.status) conditions.push(eq(outbox.status, filter.status))
  if (filter.teamSlug) conditions.push(eq(teams.slug, filter.teamSlug))
  return db
    .select({ message: outbox, team: teams.slug })
    .from(outbox)
    .innerJoin(teams, eq(teams.id, outbox.teamId))
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(outbox.createdAt), desc(outbox.id))
    .limit(filter.limit)
}

export async function findMessage(
  db: Db,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<OutboxRow | null> {
  const query = db.select().from(outbox).where(eq(outbox.id, id)).limit(1)
  const [row] = options.forUpdate ? await query.for('update') : await query
  return row ?? null
}

/**
 * Claims the oldest pending message that is due: locked with SKIP LOCKED so that instances never
 * claim the same row, marked `sending` with one more attempt. The caller commits before sending;
 * when the row's `verifyBeforeSend` is set (its last attempt may have reached Gmail), it asks Gmail
 * for the Message-ID first.
 */
export async function claimPending(
  db: Db,
  now: Date,
  channel: OutboxRow['channel'] = 'email',
): Promise<OutboxRow | null> {
  const [candidate] = await db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.status, 'pending'), eq(outbox.channel, channel), lte(outbox.nextAttemptAt, now)))
    .orderBy(outbox.createdAt, outbox.id)
    .limit(1)
    .for('update', { skipLocked: true })
  if (!candidate) return null
  const [row] = await db
    .update(outbox)
    .set({
      status: 'sending',
      attempts: sql`${outbox.attempts} + 1`,
      claimedAt: now,
      claimId: randomUUID(),
      updatedAt: now,
    })
    .where(and(eq(outbox.id, candidate.id), eq(outbox.status, 'pending')))
    .returning()
  return row ?? null
}

/**
 * Claims a message left `sending` longer than the lease (its sender crashed, or could not tell
 * whether Gmail got it): the claim is renewed so that one instance alone checks it.
 */
export async function claimStale(
  db: Db,
  now: Date,
  leaseMs: number,
  channel: OutboxRow['channel'] = 'email',
): Promise<OutboxRow | null> {
  const cutoff = new Date(now.getTime() - leaseMs)
  const [candidate] = await db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.status, 'sending'), eq(outbox.channel, channel), lt(outbox.claimedAt, cutoff)))
    .orderBy(outbox.claimedAt, outbox.id)
    .limit(1)
    .for('update', { skipLocked: true })
  if (!candidate) return null
  const [row] = await db
    .update(outbox)
    .set({ claimedAt: now, claimId: randomUUID(), updatedAt: now })
    .where(and(eq(outbox.id, candidate.id), eq(outbox.status, 'sending'), lt(outbox.claimedAt, cutoff)))
    .returning()
  return row ?? null
}

/**
 * Moves a message on from `from` — a conditional write: nothing happens (null) if another instance
 * moved it first, or, with `claimId`, if the row has been claimed again since (the claim is lost).
 */
export async function transition(
  db: Db,
  id: string,
  from: OutboxStatus | OutboxStatus[],
  values: Partial<
    Pick<
      OutboxRow,
      | 'status'
      | 'sentAt'
      | 'lastError'
      | 'providerId'
      | 'nextAttemptAt'
      | 'claimedAt'
      | 'claimId'
      | 'attempts'
      | 'verifyBeforeSend'
      | 'checkPremise'
    >
  > & { updatedAt: Date },
  claimId?: string | null,
): Promise<OutboxRow | null> {
  const froms = Array.isArray(from) ? from : [from]
  const conditions = [eq(outbox.id, id), inArray(outbox.status, froms)]
  if (claimId) conditions.push(eq(outbox.claimId, claimId))
  const [row] = await db
    .update(outbox)
    .set(values)
    .where(and(...conditions))
    .returning()
  return row ?? null
}

/** A fresh claim id, for re-claiming a row this instance holds. */
export const newClaimId = randomUUID

/** Counts per status (for the tick's report and tests). */
export async function countByStatus(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .select({ status: outbox.status, n: sql<number>`count(*)::int` })
    .from(outbox)
    .groupBy(outbox.status)
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))
}

/** Emails about a call or about some of its members, whatever their kind, oldest first. */
export function messagesFor(db: Db, callId: string, memberIds: string[]): Promise<OutboxRow[]> {
  const about =
    memberIds.length > 0
      ? or(eq(outbox.callId, callId), inArray(outbox.memberId, memberIds))
      : eq(outbox.callId, callId)
  return db.select().from(outbox).where(about).orderBy(outbox.createdAt, outbox.id)
}
