import { eq } from 'drizzle-orm'
import type { Db } from '../client.js'
import { callForms } from '../schema.js'

export type CallFormRow = typeof callForms.$inferSelect

export async function findCallForm(db: Db, callId: string): Promise<CallFormRow | null> {
  const [row] = await db.select().from(callForms).where(eq(callForms.callId, callId)).limit(1)
  return row ?? null
}

export async function upsertCallForm(
  db: Db,
  row: typeof callForms.$inferInsert & { updatedAt: Date },
): Promise<CallFormRow> {
  const [saved] = await db
    .insert(callForms)
    .values(row)
    .onConflictDoUpdate({
      target: callForms.callId,
      set: {
        formId: row.formId,
        questions: row.questions,
        questionIds: row.questionIds,
        formTitle: row.formTitle,
        updatedAt: row.updatedAt,
      },
    })
    .returning()
  return saved!
}

export function listCallForms(db: Db): Promise<CallFormRow[]> {
  return db.select().from(callForms)
}
