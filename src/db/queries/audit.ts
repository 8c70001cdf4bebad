import { and, desc, eq, gte, lt, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../client.js'
import { auditLog } from '../schema.js'

export type AuditRow = typeof auditLog.$inferSelect
export type NewAuditRow = typeof auditLog.$inferInsert

export async function insertAudit(db: Db, row: NewAuditRow): Promise<void> {
  await db.insert(auditLog).values(row)
}

export interface AuditFilter {
  entity?: string
  entityId?: string
  action?: string
  actor?: string
  since?: Date
  /** A person reference (validated by the caller): rows whose before or after mention it. */
  person?: string
  /** Rows appended before this one (the cursor). */
  beforeId?: number
}

/** Audit rows matching every given filter, newest first. */
export async function listAudit(db: Db, filter: AuditFilter, limit: number): Promise<AuditRow[]> {
  const where: SQL[] = []
  if (filter.entity !== undefined) where.push(eq(auditLog.entity, filter.entity))
  if (filter.entityId !== undefined) where.push(eq(auditLog.entityId, filter.entityId))
  if (filter.action !== undefined) where.push(eq(auditLog.action, filter.action))
  if (filter.actor !== undefined) where.push(eq(auditLog.actor, filter.actor))
  if (filter.since !== undefined) where.push(gte(auditLog.at, filter.since))
  if (filter.beforeId !== undefined) where.push(lt(auditLog.id, filter.beforeId))
  if (filter.person !== undefined) {
    // A reference is `person_` and 12 letters or digits: no LIKE wildcard can be in it.
    const pattern = `%"${filter.person}"%`
    where.push(or(sql`${auditLog.before}::text like ${pattern}`, sql`${auditLog.after}::text like ${pattern}`)!)
  }
  return db
    .select()
    .from(auditLog)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(limit)
}

/** Every name given with this email address (its key, lower-cased) in responses and memberships. */
export async function namesGivenBy(db: Db, key: string): Promise<string[]> {
  const result = await db.execute(sql`
    select name from responses where lower(trim(email)) = ${key}
    union select first_seen->>'name' from responses where lower(trim(email)) = ${key} and first_seen is not null
    union select name from members where lower(trim(email)) = ${key}`)
  return (result as unknown as { rows: { name: string | null }[] }).rows.flatMap((r) => (r.name ? [r.name] : []))
}
