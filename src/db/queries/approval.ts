import { and, asc, eq, isNull, sql } from 'drizzle-orm'
import type { Db } from '../client.js'
import { calls, proposals, selections } from '../schema.js'

export type ProposalRow = typeof proposals.$inferSelect
export type NewProposalRow = typeof proposals.$inferInsert

/** A selection's proposals, in the order they were made (those of the close first, then promotions). */
export function listProposals(db: Db, selectionId: string): Promise<ProposalRow[]> {
  return db
    .select()
    .from(proposals)
    .where(eq(proposals.selectionId, selectionId))
    .orderBy(asc(proposals.createdAt), asc(proposals.slot), asc(proposals.responseId))
}

export async function insertProposals(db: Db, rows: NewProposalRow[]): Promise<void> {
  if (rows.length > 0) await db.insert(proposals).values(rows)
}

/** Records the committee's decision on a proposal still waiting; returns the row, or null when it was decided meanwhile. */
export async function decideProposal(
  db: Db,
  selectionId: string,
  responseId: string,
  values: Pick<NewProposalRow, 'status' | 'decidedAt' | 'decidedBy' | 'reason' | 'memberId'>,
): Promise<ProposalRow | null> {
  const [row] = await db
    .update(proposals)
    .set(values)
    .where(
      and(
        eq(proposals.selectionId, selectionId),
        eq(proposals.responseId, responseId),
        eq(proposals.status, 'proposed'),
      ),
    )
    .returning()
  return row ?? null
}

/** How many proposals of a call's current selection still wait for approval. */
export async function waitingProposals(db: Db, callId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(proposals)
    .innerJoin(selections, eq(selections.id, proposals.selectionId))
    .where(and(eq(selections.callId, callId), isNull(selections.supersededAt), eq(proposals.status, 'proposed')))
  return row?.n ?? 0
}

/** The current selections of a team's calls with proposals waiting (for the tick's reminders), oldest first. */
export function selectionsAwaitingApproval(db: Db, teamId: string) {
  return db
    .selectDistinct({ selectionId: selections.id, callId: selections.callId, createdAt: selections.createdAt })
    .from(selections)
    .innerJoin(proposals, eq(proposals.selectionId, selections.id))
    .innerJoin(calls, eq(calls.id, selections.callId))
    .where(and(eq(calls.teamId, teamId), isNull(selections.supersededAt), eq(proposals.status, 'proposed')))
    .orderBy(asc(selections.createdAt))
}
