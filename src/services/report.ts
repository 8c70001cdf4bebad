/**
 * Publishing a closed call's selection report (src/domain/report.ts). The report is anonymised in
 * the closing transaction, from exactly what the close decided, and stored with the selection;
 * publishing only makes it public. A reopen leaves a published report readable, marked superseded:
 * people may already have checked it; the next close's report is published on its own.
 */
import { recordAudit } from './audit.js'
import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as selectionQueries from '../db/queries/selections.js'
import { waitingProposals } from '../db/queries/approval.js'
import type { ReportBody } from '../domain/report.js'
import { AppError } from '../errors.js'
import type { PublicReport } from '../http/schemas/report.js'
import { requireCall } from './calls.js'

export type ReportView = Static<typeof PublicReport>

function view(row: selectionQueries.SelectionRow): ReportView {
  const body = row.report as ReportBody
  return {
    ...body,
    status: row.supersededAt ? 'superseded' : 'published',
    publishedAt: row.publishedAt!.toISOString(),
    supersededAt: row.supersededAt ? row.supersededAt.toISOString() : null,
  }
}

/**
 * Publishes the report of a closed call's selection in force: from then on anyone may read it.
 * Idempotent: publishing again returns the same report, still dated from the first publish.
 * `actor` is the staff token's name (for the audit log).
 */
export async function publishReport(db: Db, callId: string, actor: string, now: Date): Promise<ReportView> {
  return db.transaction(async (tx) => {
    const { call } = await requireCall(tx, callId, { forUpdate: true })
    if (!call.closedAt)
      throw new AppError(
        'conflict',
        'call-not-closed',
        'A call’s selection report is published after its close (POST /calls/{id}/close)',
      )
    const stored = await selectionQueries.findSelectionWithReport(tx, callId)
    if (!stored) throw new Error(`call ${callId} is closed but has no stored selection`)
    if (stored.report === null)
      throw new AppError(
        'conflict',
        'report-unavailable',
        'This call closed before rota kept selection reports; reopen and close it again to make one',
      )
    if (stored.publishedAt) return view(stored)
    // Under committee approval, nothing of the close is public before the committee has decided.
    const waiting = await waitingProposals(tx, callId)
    if (waiting > 0)
      throw new AppError(
        'conflict',
        'approval-pending',
        `${waiting} proposal${waiting === 1 ? '' : 's'} of this call still wait${waiting === 1 ? 's' : ''} for approval (POST /calls/{id}/approve): the report is published after`,
      )
    const published = (await selectionQueries.publishReport(tx, stored.id, { publishedAt: now, publishedBy: actor }))!
    await recordAudit(tx, {
      at: now,
      actor,
      action: 'report.publish',
      entity: 'call',
      entityId: callId,
      after: { publishedAt: now, selection: stored.id },
    })
    return view(published)
  })
}

/** The call's newest published report (public); 404 `report-not-published` before staff publish one. */
export async function getReport(db: Db, callId: string): Promise<ReportView> {
  await requireCall(db, callId)
  const row = await selectionQueries.latestPublished(db, callId)
  if (!row)
    throw new AppError('not-found', 'report-not-published', 'This call’s selection report has not been published')
  return view(row)
}
