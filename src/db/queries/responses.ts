import { asc, eq, inArray, max, sql } from 'drizzle-orm'
import type { Db } from '../client.js'
import { responses } from '../schema.js'

export type ResponseRow = typeof responses.$inferSelect
export type NewResponseRow = typeof responses.$inferInsert

/** A call's responses in first-come order: exact instant, then ingestion order. */
export function listResponses(db: Db, callId: string): Promise<ResponseRow[]> {
  return db.select().from(responses).where(eq(responses.callId, callId)).orderBy(asc(responses.submittedAt), asc(responses.ingestSeq))
}

export async function lastIngestSeq(db: Db, callId: string): Promise<number> {
  const [row] = await db.select({ last: max(responses.ingestSeq) }).from(responses).where(eq(responses.callId, callId))
  return row?.last ?? 0
}

/** Inserts in chunks that stay well below PostgreSQL's 65,535 parameters per statement. */
export async function insertResponses(db: Db, rows: NewResponseRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    await db.insert(responses).values(rows.slice(i, i + 2000))
  }
}

export async function updateResponse(
  db: Db,
  id: string,
  values: Pick<ResponseRow, 'submittedAt' | 'submittedAtTs' | 'name' | 'email' | 'institution' | 'source' | 'lastSubmittedAt' | 'deletedUpstreamAt'> & { updatedAt: Date },
): Promise<void> {
  await db.update(responses).set(values).where(eq(responses.id, id))
}

export async function flagDeletedUpstream(db: Db, id: string, at: Date): Promise<void> {
  await db.update(responses).set({ deletedUpstreamAt: at, updatedAt: at }).where(eq(responses.id, id))
}

export async function countResponses(db: Db, callId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(responses).where(eq(responses.callId, callId))
  return row?.n ?? 0
}

export function findResponses(db: Db, ids: string[]): Promise<ResponseRow[]> {
  return ids.length === 0 ? Promise.resolve([]) : db.select().from(responses).where(inArray(responses.id, ids))
}
