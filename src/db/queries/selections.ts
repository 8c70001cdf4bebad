import { and, asc, desc, eq, getTableColumns, isNotNull, isNull } from 'drizzle-orm'
import type { Db } from '../client.js'
import { decisions, responses, selections } from '../schema.js'

export type SelectionRow = typeof selections.$inferSelect
export type NewDecisionRow = typeof decisions.$inferInsert

export async function insertSelection(db: Db, values: typeof selections.$inferInsert): Promise<SelectionRow> {
  const [row] = await db.insert(selections).values(values).returning()
  return row!
}

export async function insertDecisions(db: Db, rows: NewDecisionRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) await db.insert(decisions).values(rows.slice(i, i + 2000))
}

const inForce = (callId: string) => and(eq(selections.callId, callId), isNull(selections.supersededAt))

/**
 * Every column but the public report, which can be large (one line per response) and is read only by
 * the report and the volunteers' status pages (findSelectionWithReport, latestPublished).
 */
const { report: _report, ...withoutReport } = getTableColumns(selections)

/** The selection in force for a call (none while it is not closed; a reopen supersedes the last). */
export async function findSelection(db: Db, callId: string): Promise<Omit<SelectionRow, 'report'> | null> {
  const [row] = await db.select(withoutReport).from(selections).where(inForce(callId)).limit(1)
  return row ?? null
}

/** The selection in force for a call, with its public report. */
export async function findSelectionWithReport(db: Db, callId: string): Promise<SelectionRow | null> {
  const [row] = await db.select().from(selections).where(inForce(callId)).limit(1)
  return row ?? null
}

/** A call's superseded selections (each undone by a reopen), newest first. */
export function supersededSelections(db: Db, callId: string): Promise<Omit<SelectionRow, 'report'>[]> {
  return db
    .select(withoutReport)
    .from(selections)
    .where(and(eq(selections.callId, callId), isNotNull(selections.supersededAt)))
    .orderBy(desc(selections.supersededAt), desc(selections.createdAt))
}

/** Marks the selection in force superseded (a reopen); returns it, or null when there was none. */
export async function supersedeSelection(
  db: Db,
  callId: string,
  values: { supersededAt: Date; supersededBy: string; supersededReason: string },
): Promise<SelectionRow | null> {
  const [row] = await db
    .update(selections)
    .set(values)
    .where(and(eq(selections.callId, callId), isNull(selections.supersededAt)))
    .returning()
  return row ?? null
}

/** A final selection's decisions in first-come order, with the response each is about. */
export function listDecisions(db: Db, selectionId: string) {
  return db
    .select({
      decision: decisions,
      externalId: responses.externalId,
      name: responses.name,
      submittedAt: responses.submittedAt,
    })
    .from(decisions)
    .innerJoin(responses, eq(responses.id, decisions.responseId))
    .where(eq(decisions.selectionId, selectionId))
    .orderBy(asc(decisions.position))
}

/** Marks a selection's report published (once: a second publish changes nothing); returns the row. */
export async function publishReport(
  db: Db,
  selectionId: string,
  values: { publishedAt: Date; publishedBy: string },
): Promise<SelectionRow | null> {
  const [row] = await db
    .update(selections)
    .set(values)
    .where(and(eq(selections.id, selectionId), isNull(selections.publishedAt)))
    .returning()
  return row ?? null
}

/** A call's newest published selection (in force or superseded since), or null. */
export async function latestPublished(db: Db, callId: string): Promise<SelectionRow | null> {
  const [row] = await db
    .select()
    .from(selections)
    .where(and(eq(selections.callId, callId), isNotNull(selections.publishedAt)))
    .orderBy(desc(selections.createdAt))
    .limit(1)
  return row ?? null
}
