import { personOf, recordAudit } from './audit.js'
import { queueWebhookEvent } from './webhooks.js'
import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import { listInstitutions } from '../db/queries/institutions.js'
import * as memberQueries from '../db/queries/members.js'
import * as responseQueries from '../db/queries/responses.js'
import * as selectionQueries from '../db/queries/selections.js'
import { markClosed } from '../db/queries/calls.js'
import { invalid, refused } from '../errors.js'
import {
  selectVolunteers,
  type MemberInput,
  type Selection,
  type SelectionInput,
  type Warning,
} from '../domain/selection.js'
import { compareInstants, formatInstant, instantFromDate, type Instant } from '../domain/time.js'
import { provenanceWarnings } from '../domain/provenance.js'
import type { Selection as SelectionSchema } from '../http/schemas/calls.js'
import { callStatus, requireCall } from './calls.js'
import { readInstant } from './instants.js'
import type { CallWithTeam } from '../db/queries/calls.js'
import { callValues, queueNotice, queueResultNotices } from './notices.js'
import { closeDecision, closingTermStart, mayCloseCall } from '../domain/lifecycle.js'
import { anonymiseSelection } from '../domain/report.js'
import { deploymentKeys } from './keys.js'
import { volunteerLinks } from './status-links.js'
import { withConsecutiveTerms } from './term-limits.js'
import { approvalView, proposeAtClose } from './approval.js'
import { approvalOf } from '../domain/policy.js'

export type SelectionView = Static<typeof SelectionSchema>
export type DecisionView = SelectionView['decisions'][number]

/** A member as the selection sees them: institution by its current name, effective end of term. */
export function memberInput(row: memberQueries.MemberWithInstitution): MemberInput {
  const { member } = row
  return {
    id: member.id,
    name: member.name,
    email: member.email,
    seat: member.seat,
    institution: row.institutionName ?? member.institutionText,
    termStart: member.termStart,
    endsAt: member.endedAt ?? member.termEnd,
  }
}

/** Fields whose answers differ from what rota first saw (null: first seen already edited, or unknown). */
function changedFields(row: responseQueries.ResponseRow): string[] | null {
  if (!row.firstSeen) return null
  return (['name', 'email', 'institution'] as const).filter(
    (field) => (row.firstSeen![field] ?? null) !== (row[field] ?? null),
  )
}

/** Runs the selection and adds the warnings about edited and deleted responses. */
async function runSelection(
  db: Db,
  found: CallWithTeam,
  closesAt: Instant,
  termStart: Instant = found.call.termStart,
): Promise<{ input: SelectionInput; selection: Selection }> {
  const { input, rows } = await selectionInput(db, found, closesAt, termStart)
  const selection = selectVolunteers(input)
  const flagged = rows.filter((r) => r.lastSubmittedAt !== null || r.deletedUpstreamAt !== null)
  selection.warnings.push(
    ...provenanceWarnings(
      flagged.map((r) => ({
        id: r.id,
        name: r.name,
        submittedAt: r.submittedAt,
        lastSubmittedAt: r.lastSubmittedAt,
        changedFields: changedFields(r),
        deletedUpstream: r.deletedUpstreamAt !== null,
      })),
    ),
  )
  return { input, selection }
}

/**
 * Exact ties are broken by ingestion order, except that responses read from Google Forms are
 * ordered by responseId among themselves, whichever sync first saw them: their ingestion numbers
 * are handed out again in responseId order (other sources keep theirs).
 */
function googleTieBreak(rows: responseQueries.ResponseRow[]): Map<string, number> {
  const google = rows.filter((r) => r.source === 'google')
  const seqs = google.map((r) => r.ingestSeq).sort((a, b) => a - b)
  const byResponseId = [...google].sort((a, b) =>
    a.externalId! < b.externalId! ? -1 : a.externalId! > b.externalId! ? 1 : 0,
  )
  return new Map(byResponseId.map((r, i) => [r.id, seqs[i]!]))
}

/** Everything the selection of a call depends on, read in the caller's transaction, with the response rows it came from. */
async function selectionInput(
  db: Db,
  { call, team }: CallWithTeam,
  closesAt: Instant,
  termStart: Instant,
): Promise<{ input: SelectionInput; rows: responseQueries.ResponseRow[] }> {
  // One after another: inside a transaction they share one connection (pg refuses overlapping queries on a client).
  const institutions = await listInstitutions(db)
  const members = await memberQueries.listMembers(db, team.id)
  const responses = await responseQueries.listResponses(db, call.id)
  const tieBreak = googleTieBreak(responses)
  const input: SelectionInput = {
    window: { opensAt: call.opensAt, closesAt },
    termStart,
    policy: team.policy,
    teamName: team.name,
    fixedSeats: call.seats ?? null,
    institutions: institutions.map((i) => ({
      id: i.id,
      name: i.name,
      aliases: i.aliases,
      consortium: i.consortium,
      flags: i.flags,
    })),
    members: members.map(memberInput),
    responses: responses.map((r) => ({
      id: r.id,
      externalId: r.externalId,
      submittedAt: r.submittedAt,
      ingestSeq: tieBreak.get(r.id) ?? r.ingestSeq,
      name: r.name,
      email: r.email,
      institution: r.institution,
    })),
  }
  // Term limits (issue 14): each volunteer's consecutive terms up to this term start.
  withConsecutiveTerms(input, members)
  return { input, rows: responses }
}

function view(
  callId: string,
  status: SelectionView['status'],
  input: SelectionInput,
  selection: Selection,
  notes: string[],
  superseded: SelectionView['superseded'],
): SelectionView {
  return {
    callId,
    status,
    seats: selection.seats,
    shortfall: selection.shortfall,
    inputDigest: selection.inputDigest,
    window: { opensAt: formatInstant(input.window.opensAt), closesAt: formatInstant(input.window.closesAt) },
    termStart: formatInstant(input.termStart),
    decisions: selection.decisions.map((d) => ({
      responseId: d.responseId,
      externalId: d.externalId,
      name: d.name,
      institution: d.institution,
      submittedAt: formatInstant(d.submittedAt),
      position: d.position,
      outcome: d.outcome,
      seat: d.seat,
      reason: d.reason,
      termEnd: d.termEnd === null ? null : formatInstant(d.termEnd),
      explanation: d.explanation,
    })),
    warnings: selection.warnings,
    notes,
    superseded,
  }
}

/** A stored selection's decisions as the API shows them. */
async function storedDecisions(db: Db, selectionId: string): Promise<DecisionView[]> {
  const rows = await selectionQueries.listDecisions(db, selectionId)
  return rows.map(({ decision, externalId, name, submittedAt }) => ({
    responseId: decision.responseId,
    externalId,
    name: name.trim(),
    institution: decision.institution,
    submittedAt: formatInstant(submittedAt),
    position: decision.position,
    outcome: decision.outcome,
    seat: decision.seat,
    reason: decision.reason,
    termEnd: decision.termEnd === null ? null : formatInstant(decision.termEnd),
    explanation: decision.explanation,
  }))
}

/** The call's earlier selections, undone by reopens, newest first: kept as history. */
async function supersededHistory(db: Db, callId: string): Promise<SelectionView['superseded']> {
  const history: SelectionView['superseded'] = []
  for (const stored of await selectionQueries.supersededSelections(db, callId)) {
    history.push({
      closedBy: stored.closedBy,
      closedAt: stored.createdAt.toISOString(),
      supersededAt: stored.supersededAt!.toISOString(),
      supersededBy: stored.supersededBy ?? '',
      reason: stored.supersededReason ?? '',
      seats: stored.seats,
      shortfall: stored.shortfall,
      decisions: await storedDecisions(db, stored.id),
    })
  }
  return history
}

/** When the selected volunteers of a closed call join the roster, if that is after `now`. */
function termStartNote(termStart: Instant, selected: number, now: Date): string[] {
  if (selected === 0 || compareInstants(termStart, instantFromDate(now)) <= 0) return []
  return [
    `The selected volunteers' terms start at ${formatInstant(termStart)} (the call's termStart): until then GET /teams/{team}/roster lists them under incoming, not as members. To start terms at once, close with { "termStart": "<now>" } (reopen first if needed).`,
  ]
}

/** What a preview is of, for staff reading it: a call not yet open, still open, or due. */
function previewNote(call: CallWithTeam['call'], now: Date): string {
  const status = callStatus(call, now)
  const window = `[${formatInstant(call.opensAt)}, ${formatInstant(call.closesAt)})`
  if (status === 'scheduled')
    return `Preview of a call not yet open: as if it closed at ${formatInstant(call.closesAt)}, counting responses submitted within its window ${window}.`
  if (status === 'open')
    return `Preview of a call still open: as if it closed at ${formatInstant(call.closesAt)}, counting responses submitted within its window ${window}; responses may still come.`
  return `Preview of a call whose window ${window} is over: the selection its close will make, unless responses change.`
}

/**
 * The final selection once a call is closed; before that, a preview of the selection its close will
 * make: the call's whole window `[opensAt, closesAt)`, whenever it is asked (an early close, which
 * ends the window at the close, shows its own result).
 */
export async function getSelection(db: Db, callId: string, now: Date): Promise<SelectionView> {
  const found = await requireCall(db, callId)
  if (found.call.closedAt) return finalSelection(db, found, now)
  const { input, selection } = await runSelection(db, found, found.call.closesAt)
  return view(callId, 'preview', input, selection, [previewNote(found.call, now)], await supersededHistory(db, callId))
}

async function finalSelection(db: Db, { call }: CallWithTeam, now: Date): Promise<SelectionView> {
  const stored = await selectionQueries.findSelection(db, call.id)
  if (!stored) throw new Error(`call ${call.id} is closed but has no stored selection`)
  const decisions = await storedDecisions(db, stored.id)
  const approval = await approvalView(db, stored.id)
  const selected = approval ? 0 : decisions.filter((d) => d.outcome === 'selected').length
  return {
    callId: call.id,
    status: 'final',
    seats: stored.seats,
    shortfall: stored.shortfall,
    inputDigest: stored.inputDigest,
    window: { opensAt: formatInstant(call.opensAt), closesAt: formatInstant(call.closesAt) },
    termStart: formatInstant(call.termStart),
    decisions,
    warnings: stored.warnings as Warning[],
    notes: [
      ...termStartNote(call.termStart, selected, now),
      ...(approval?.status === 'pending' ? [APPROVAL_NOTE] : []),
    ],
    superseded: await supersededHistory(db, call.id),
    ...(approval ? { approval } : {}),
  }
}

/** What staff read while a call's proposals wait for the committee. */
const APPROVAL_NOTE =
  "The team's policy asks a committee to approve the selection: the selected volunteers are proposed (approval.proposals), not members, and nobody has been told. Approve all (POST /calls/{id}/approve) or each (POST /calls/{id}/proposals/{responseId}/approve | decline)."

export interface CloseOptions {
  /** Close before closesAt (the window then ends now). */
  early: boolean
  /** Who closed it (a staff token's name, or the tick). */
  staff: string
  /** MAIL_FROM: the domain of the result emails' Message-IDs. */
  mailFrom: string
  /** Staff's term start for the selected volunteers (RFC 3339), instead of the call's. */
  termStart?: string
  /** The terms start at the close itself (after an early close: now, by the server's clock). Not with `termStart` (`checkCloseOptions`). */
  startTermsAtClose?: boolean
  /** PUBLIC_URL: where the status links in the result emails point (null: the path alone). */
  publicUrl?: string | null
}

/** What `closeOrHoldCall` did: closed the call, or left it open for staff and told them (once). */
export type CloseOutcome =
  | { held: false; selection: SelectionView }
  | {
      held: true
      /** Warnings that ask for review (`closeDecision`). */
      review: number
      /** The needs-review email this attempt queued (`skipped` without a staffEmail); null when an earlier one was. */
      notice: { status: 'queued' | 'skipped'; reason: string | null } | null
    }

/**
 * Closes a call: runs the selection once, in one transaction, stores every decision, and makes a
 * team member of each selected volunteer. Before `closesAt` only with `early` (the window then ends
 * now); a second close, even a concurrent one, is refused because the call row is locked first.
 */
/**
 * Refuses close options that contradict each other, before anything is read or synced: a term start
 * given both as an instant and as "at the close".
 */
export function checkCloseOptions(options: Pick<CloseOptions, 'termStart' | 'startTermsAtClose'>): void {
  if (options.startTermsAtClose && options.termStart !== undefined)
    throw invalid('invalid-close', [
      { field: 'body.startTermsAtClose', message: 'cannot be sent with termStart: send one or the other' },
    ])
}

export async function closeCall(db: Db, callId: string, options: CloseOptions, now: Date): Promise<SelectionView> {
  const outcome = await closeOrHold(db, callId, options, now, false)
  if (outcome.held) throw new Error('unreachable: a staff close is never held')
  return outcome.selection
}

/**
 * Closes a call as `closeCall` does — unless its selection has warnings that ask for review
 * (`closeDecision`: look-alike institution names); then the call stays open (`due`), nothing is
 * stored, and staff get one `needs-review` email (keyed by the call, so queued once) to review the
 * preview and close it themselves. The tick closes calls this way.
 */
export async function closeOrHoldCall(db: Db, callId: string, options: CloseOptions, now: Date): Promise<CloseOutcome> {
  return closeOrHold(db, callId, options, now, true)
}

async function closeOrHold(
  db: Db,
  callId: string,
  options: CloseOptions,
  now: Date,
  holdForReview: boolean,
): Promise<CloseOutcome> {
  return db.transaction(async (tx): Promise<CloseOutcome> => {
    const found = await requireCall(tx, callId, { forUpdate: true })
    const { call, team } = found
    const closing = mayCloseCall(
      {
        opensAt: call.opensAt,
        closesAt: call.closesAt,
        closed: Boolean(call.closedAt),
        cancelled: Boolean(call.cancelledAt),
      },
      instantFromDate(now),
      options.early,
    )
    if (!closing.ok) throw refused(closing.refusal)
    const { closesAt, early } = closing
    const given = options.startTermsAtClose
      ? closesAt
      : options.termStart === undefined
        ? null
        : readInstant(options.termStart, 'body.termStart', { microseconds: true })
    const term = closingTermStart(given, call.termStart, closesAt)
    if (!term.ok) throw refused(term.refusal)
    const { termStart } = term
    const { input, selection } = await runSelection(tx, found, closesAt, termStart)
    const decision = closeDecision(selection.warnings)
    if (holdForReview && !decision.close) {
      const queued = await queueNotice(
        tx,
        options.mailFrom,
        {
          team,
          kind: 'needs-review',
          key: `call:${callId}:needs-review`,
          to: team.staffEmail,
          // The count only: volunteers' names and addresses stay in the preview, behind a staff token.
          values: { ...callValues(team, call, selection.seats), warningCount: String(decision.review) },
          callId,
        },
        now,
      )
      const notice = queued
        ? {
            status: queued.status === 'skipped' ? ('skipped' as const) : ('queued' as const),
            reason: queued.status === 'skipped' ? (queued.lastError ?? '').replace(/^skipped: /, '') : null,
          }
        : null
      return { held: true, review: decision.review, notice }
    }

    // Earlier closes undone by reopens: this close's emails are keyed apart from theirs.
    const history = await supersededHistory(tx, callId)
    // The public report, anonymised now from exactly what this close decided (published later by staff).
    const keys = await deploymentKeys(tx)
    const report = anonymiseSelection(callId, input, selection, keys.anonymiser(callId))
    const stored = await selectionQueries.insertSelection(tx, {
      report,
      callId,
      inputDigest: selection.inputDigest,
      seats: selection.seats,
      shortfall: selection.shortfall,
      inaugural: selection.inaugural,
      slots: selection.slots,
      warnings: selection.warnings,
      closedBy: options.staff,
      // The close's instant on rota's clock (as the call's closedAt), not the database's now().
      createdAt: now,
    })
    await selectionQueries.insertDecisions(
      tx,
      selection.decisions.map((d) => ({
        selectionId: stored.id,
        responseId: d.responseId,
        position: d.position,
        outcome: d.outcome,
        seat: d.seat,
        reason: d.reason,
        institution: d.institution,
        institutionKey: d.institutionKey,
        termStart: d.termStart,
        termEnd: d.termEnd,
        explanation: d.explanation,
      })),
    )
    const emails = new Map(input.responses.map((r) => [r.id, r.email]))
    // Under committee approval the close proposes: nobody joins, and no volunteer hears, until approved.
    // (A close that selected nobody has nothing to approve: its results go out at once.)
    const committee =
      approvalOf(team.policy).mode === 'committee' && selection.decisions.some((d) => d.outcome === 'selected')
    if (!committee)
      await memberQueries.insertMembers(
        tx,
        selection.decisions
          .filter((d) => d.outcome === 'selected')
          .map((d) => ({
            teamId: team.id,
            name: d.name,
            email: emails.get(d.responseId)!.trim(),
            institutionId: d.institutionKey?.startsWith('id:') ? d.institutionKey.slice(3) : null,
            institutionText: d.institutionKey?.startsWith('name:') ? d.institution : null,
            seat: d.seat!,
            termStart: d.termStart!,
            termEnd: d.termEnd!,
            origin: 'selected',
            callId,
            responseId: d.responseId,
            slot: selection.slots.find((slot) => slot.responseId === d.responseId)?.index ?? null,
          })),
      )
    await markClosed(tx, callId, {
      closedAt: now,
      termStart,
      ...(early ? { closesAt, closedEarlyFrom: call.closesAt } : {}),
    })
    const selectedPeople: string[] = []
    for (const d of selection.decisions)
      if (d.outcome === 'selected') selectedPeople.push((await personOf(tx, emails.get(d.responseId)))!)
    await recordAudit(tx, {
      at: now,
      actor: options.staff,
      action: 'call.close',
      entity: 'call',
      entityId: callId,
      before: { closedAt: null, ...(early ? { closesAt: call.closesAt } : {}) },
      after: {
        closedAt: now,
        ...(early ? { closesAt } : {}),
        termStart,
        selectionId: stored.id,
        inputDigest: selection.inputDigest,
        selected: selectedPeople,
        decisions: selection.decisions.length,
        shortfall: selection.shortfall,
        ...(committee ? { approval: 'pending' } : {}),
      },
    })
    const closed = { ...call, closesAt, termStart }
    if (committee)
      await proposeAtClose(tx, team, closed, stored.id, selection, now, {
        mailFrom: options.mailFrom,
        publicUrl: options.publicUrl ?? null,
      })
    // The emails the close causes are queued in the same transaction: closed means announced.
    else
      await queueResultNotices(
        tx,
        options.mailFrom,
        team,
        { ...call, closesAt, termStart },
        selection,
        emails,
        now,
        history.length,
        (responseId) => volunteerLinks(keys, responseId, closesAt, options.publicUrl ?? null),
      )
    await queueWebhookEvent(
      tx,
      team,
      'call.closed',
      {
        key: `call.closed:${callId}:${stored.id}`,
        occurredAt: instantFromDate(now),
        data: { call: { id: callId, opens_at: call.opensAt, closes_at: closesAt, term_start: termStart } },
      },
      now,
    )
    const selected = committee ? 0 : selection.decisions.filter((d) => d.outcome === 'selected').length
    const result = view(callId, 'final', input, selection, termStartNote(termStart, selected, now), history)
    if (committee) {
      result.approval = (await approvalView(tx, stored.id)) ?? undefined
      result.notes.push(APPROVAL_NOTE)
    }
    return { held: false, selection: result }
  })
}
