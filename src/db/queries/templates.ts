import { and, eq } from 'drizzle-orm'
import type { Db } from '../client.js'
import { templates } from '../schema.js'
import type { NoticeKind } from '../../domain/notices.js'

export type TemplateRow = typeof templates.$inferSelect

export async function findTemplate(db: Db, teamId: string, kind: NoticeKind): Promise<TemplateRow | null> {
  const [row] = await db
    .select()
    .from(templates)
    .where(and(eq(templates.teamId, teamId), eq(templates.kind, kind)))
    .limit(1)
  return row ?? null
}

export function listTemplates(db: Db, teamId: string): Promise<TemplateRow[]> {
  return db.select().from(templates).where(eq(templates.teamId, teamId))
}

export async function upsertTemplate(
  db: Db,
  row: typeof templates.$inferInsert & { updatedAt: Date },
): Promise<TemplateRow> {
  const [saved] = await db
    .insert(templates)
    .values(row)
    .onConflictDoUpdate({
      target: [templates.teamId, templates.kind],
      set: { subject: row.subject, body: row.body, updatedBy: row.updatedBy, updatedAt: row.updatedAt },
    })
    .returning()
  return saved!
}

export async function deleteTemplate(db: Db, teamId: string, kind: NoticeKind): Promise<boolean> {
  const rows = await db
    .delete(templates)
    .where(and(eq(templates.teamId, teamId), eq(templates.kind, kind)))
    .returning()
  return rows.length > 0
}
