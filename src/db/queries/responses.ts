import { and, asc, desc, eq, inArray, isNotNull, isNull, max, sql } from 'drizzle-orm'
import type { Db } from '../client.js'
import { importBatches, responses } from '../schema.js'

export type ResponseRow = typeof responses.$inferSelect
export type NewResponseRow = typeof responses.$inferInsert
export type BatchRow = typeof importBatches.$inferSelect
export type NewBatchRow = typeof importBatches.$inferInsert

/** A call's responses that count (not removed by staff) in first-come order: exact instant, then ingestion order. */
export function listResponses(db: Db, callId: string): Promise<ResponseRow[]> {
  return db
    .select()
    .from(responses)
    .where(and(eq(responses.callId, callId), isNull(responses.removedAt)))
    .orderBy(asc(responses.submittedAt), asc(responses.ingestSeq))
}

/** A call's responses that staff removed, most recently removed first. */
export function listRemovedResponses(db: Db, callId: string): Promise<ResponseRow[]> {
  return db
    .select()
    .from(responses)
    .where(and(eq(responses.callId, callId), isNotNull(responses.removedAt)))
    .orderBy(desc(responses.removedAt), asc(responses.ingestSeq))
}

/** Responses staff removed one by one (not with their import): later imports leave them out. */
export function listRemovedAlone(db: Db, callId: string): Promise<ResponseRow[]> {
  return db
    .select()
    .from(responses)
    .where(and(eq(responses.callId, callId), isNotNull(responses.removedAt), eq(responses.removedWithBatch, false)))
}

export async function findResponse(db: Db, id: string): Promise<ResponseRow | null> {
  const [row] = await db.select().from(responses).where(eq(responses.id, id))
  return row ?? null
}

/** Marks responses removed (kept, no longer counted), with who, when and why. */
export async function removeResponses(
  db: Db,
  where: { ids: string[] } | { batchId: string },
  removal: { at: Date; by: string; reason: string; withBatch: boolean },
): Promise<number> {
  const target = 'ids' in where ? inArray(responses.id, where.ids) : eq(responses.batchId, where.batchId)
  if ('ids' in where && where.ids.length === 0) return 0
  const rows = await db
    .update(responses)
    .set({
      removedAt: removal.at,
      removedBy: removal.by,
      removalReason: removal.reason,
      removedWithBatch: removal.withBatch,
      updatedAt: removal.at,
    })
    .where(and(target, isNull(responses.removedAt)))
    .returning({ id: responses.id })
  return rows.length
}

export async function insertBatch(db: Db, row: NewBatchRow): Promise<BatchRow> {
  const [inserted] = await db.insert(importBatches).values(row).returning()
  return inserted!
}

export async function setBatchCounts(db: Db, id: string, counts: BatchRow['counts']): Promise<void> {
  await db.update(importBatches).set({ counts }).where(eq(importBatches.id, id))
}

export async function findBatch(db: Db, id: string): Promise<BatchRow | null> {
  const [row] = await db.select().from(importBatches).where(eq(importBatches.id, id))
  return row ?? null
}

/** A call's imports, oldest first, each with how many of its inserted responses still count. */
export async function listBatches(db: Db, callId: string): Promise<Array<BatchRow & { remaining: number }>> {
  const rows = await db
    .select({
      batch: importBatches,
      // Spelled out: drizzle leaves columns unqualified in a select's own SQL, and both tables have "id".
      remaining: sql<number>`(select count(*)::int from responses r where r.batch_id = import_batches.id and r.removed_at is null)`,
    })
    .from(importBatches)
    .where(eq(importBatches.callId, callId))
    .orderBy(asc(importBatches.seq))
  return rows.map((r) => ({ ...r.batch, remaining: Number(r.remaining) }))
}

export async function markBatchRemoved(
  db: Db,
  id: string,
  removal: { at: Date; by: string; reason: string },
): Promise<void> {
  await db
    .update(importBatches)
    .set({ removedAt: removal.at, removedBy: removal.by, removalReason: removal.reason })
    .where(eq(importBatches.id, id))
}

export async function lastIngestSeq(db: Db, callId: string): Promise<number> {
  const [row] = await db
    .select({ last: max(responses.ingestSeq) })
    .from(responses)
    .where(eq(responses.callId, callId))
  return row?.last ?? 0
}

/**
 * Inserts rows (one statement per 1,000). The rows travel as one JSON parameter read back with
 * jsonb_to_recordset: a third of the CPU of one bound parameter per value, which matters on
 * PGlite, where the statement runs on the event loop (a 50,000-row import is written in slices).
 */
export async function insertResponses(db: Db, rows: NewResponseRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const json = JSON.stringify(
      rows.slice(i, i + 1000).map((r) => ({
        call_id: r.callId,
        external_id: r.externalId ?? null,
        ingest_seq: r.ingestSeq,
        submitted_at: r.submittedAt,
        // Through the column, as drizzle would convert it: microseconds, cut (PostgreSQL would round).
        submitted_at_ts: responses.submittedAtTs.mapToDriverValue(r.submittedAtTs),
        name: r.name,
        email: r.email,
        institution: r.institution ?? null,
        source: r.source,
        last_submitted_at: r.lastSubmittedAt ?? null,
        first_seen: r.firstSeen ?? null,
        batch_id: r.batchId ?? null,
      })),
    )
    await db.execute(sql`
      insert into responses (call_id, external_id, ingest_seq, submitted_at, submitted_at_ts, name, email, institution, source, last_submitted_at, first_seen, batch_id)
      select call_id, external_id, ingest_seq, submitted_at, submitted_at_ts, name, email, institution, source, last_submitted_at, first_seen, batch_id
      from jsonb_to_recordset(${json}::jsonb) as r(
        call_id uuid, external_id text, ingest_seq integer, submitted_at text, submitted_at_ts timestamptz,
        name text, email text, institution text, source text, last_submitted_at text, first_seen jsonb, batch_id uuid
      )`)
  }
}

export async function updateResponse(
  db: Db,
  id: string,
  values: Pick<
    ResponseRow,
    | 'submittedAt'
    | 'submittedAtTs'
    | 'name'
    | 'email'
    | 'institution'
    | 'source'
    | 'lastSubmittedAt'
    | 'deletedUpstreamAt'
  > & { updatedAt: Date },
): Promise<void> {
  await db.update(responses).set(values).where(eq(responses.id, id))
}

export async function flagDeletedUpstream(db: Db, id: string, at: Date): Promise<void> {
  await db.update(responses).set({ deletedUpstreamAt: at, updatedAt: at }).where(eq(responses.id, id))
}

export async function countResponses(db: Db, callId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(responses)
    .where(and(eq(responses.callId, callId), isNull(responses.removedAt)))
  return row?.n ?? 0
}

export function findResponses(db: Db, ids: string[]): Promise<ResponseRow[]> {
  return ids.length === 0 ? Promise.resolve([]) : db.select().from(responses).where(inArray(responses.id, ids))
}

/** Drops a batch record that inserted nothing (a Google Forms sync that found nothing new). */
export async function deleteEmptyBatch(db: Db, id: string): Promise<void> {
  await db.delete(importBatches).where(eq(importBatches.id, id))
}
