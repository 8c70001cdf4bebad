import { personOf, recordAudit } from './audit.js'
import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as approvalQueries from '../db/queries/approval.js'
import type { CallRow } from '../db/queries/calls.js'
import { listInstitutions } from '../db/queries/institutions.js'
import * as memberQueries from '../db/queries/members.js'
import { findResponses } from '../db/queries/responses.js'
import * as selectionQueries from '../db/queries/selections.js'
import type { TeamRow } from '../db/queries/teams.js'
import { refused } from '../errors.js'
import {
  approvalNoticesDue,
  approvalPending,
  decideApproval,
  proposalsAtClose,
  type ApprovalAction,
  type ClosingDecision,
  type Proposal,
} from '../domain/approval.js'
import { buildInstitutionIndex, matchInstitution } from '../domain/institutions.js'
import { approvalOf, type SeatCounts } from '../domain/policy.js'
import { servesAt } from '../domain/roster.js'
import { normaliseEmail, type Decision, type Selection } from '../domain/selection.js'
import { formatInstant, instantFromDate } from '../domain/time.js'
import type { ApprovalResult, SelectionApproval } from '../http/schemas/approval.js'
import { requireCall } from './calls.js'
import { deploymentKeys } from './keys.js'
import { callValues, humanInstant, queueNotices, queueResultNotices, SEAT_NAMES, type Notice } from './notices.js'
import { volunteerLinks } from './status.js'
import { requireTeam } from './teams.js'

export type ApprovalView = Static<typeof SelectionApproval>
export type ApprovalResultView = Static<typeof ApprovalResult>

export interface ApprovalOptions {
  /** MAIL_FROM, for the Message-IDs of the emails approval causes. */
  mailFrom: string
  /** PUBLIC_URL: links in the emails (null: paths alone). */
  publicUrl: string | null
}

/** Where the approver decides: the staff console's page of the call (the API: POST /calls/{id}/approve). */
function approveUrl(publicUrl: string | null, callId: string): string {
  return `${publicUrl ?? ''}/console/calls/${callId}`
}

function proposalOf(row: approvalQueries.ProposalRow): Proposal {
  return {
    responseId: row.responseId,
    seat: row.seat,
    slot: row.slot,
    termStart: row.termStart,
    termEnd: row.termEnd,
    status: row.status,
    replaces: row.replacesResponseId,
  }
}

/**
 * Under committee approval, what a close does instead of seating the volunteers it selected: each is
 * recorded as a proposal, and the approver is asked (in the closing transaction). Returns how many
 * were proposed.
 */
export async function proposeAtClose(
  db: Db,
  team: TeamRow,
  call: CallRow,
  selectionId: string,
  selection: Pick<Selection, 'decisions' | 'slots'>,
  now: Date,
  options: ApprovalOptions,
): Promise<number> {
  const proposals = proposalsAtClose(selection.decisions as readonly ClosingDecision[], selection.slots)
  await approvalQueries.insertProposals(
    db,
    proposals.map((p) => ({
      selectionId,
      responseId: p.responseId,
      seat: p.seat,
      slot: p.slot,
      termStart: p.termStart,
      termEnd: p.termEnd,
      status: p.status,
      createdAt: now,
    })),
  )
  await queueApproverNotices(db, team, call, { id: selectionId, createdAt: now }, now, options)
  return proposals.length
}

/**
 * The approver's emails due now about a selection's waiting proposals (`approvalNoticesDue`): the
 * request, then a weekly reminder. Each lists the volunteers still proposed — names, institutions and
 * seats are the committee's to judge — and is queued once, by key.
 */
export async function queueApproverNotices(
  db: Db,
  team: TeamRow,
  call: CallRow,
  selection: { id: string; createdAt: Date },
  now: Date,
  options: ApprovalOptions,
): Promise<number> {
  const approval = approvalOf(team.policy)
  const due = approvalNoticesDue(selection.id, instantFromDate(selection.createdAt), instantFromDate(now))
  const waiting = (await approvalQueries.listProposals(db, selection.id)).filter((p) => p.status === 'proposed')
  if (waiting.length === 0) return 0
  const decisions = new Map(
    (await selectionQueries.listDecisions(db, selection.id)).map((d) => [d.decision.responseId, d]),
  )
  const proposals = waiting
    .map((p) => {
      const d = decisions.get(p.responseId)
      const institution = d?.decision.institution ? ` (${d.decision.institution})` : ''
      return `- ${d?.name.trim() ?? p.responseId}${institution}, ${SEAT_NAMES[p.seat] ?? p.seat} seat, term to ${humanInstant(p.termEnd)}`
    })
    .join('\n')
  const seats = (await selectionQueries.findSelection(db, call.id))?.seats ?? {}
  const notices: Notice[] = due.map((notice) => ({
    team,
    kind: notice.kind,
    key: notice.key,
    to: approval.mode === 'committee' ? approval.approverEmail : null,
    values: {
      ...callValues(team, call, seats),
      proposals,
      approveUrl: approveUrl(options.publicUrl, call.id),
      waitingSince: humanInstant(instantFromDate(selection.createdAt)),
    },
    callId: call.id,
  }))
  return (await queueNotices(db, options.mailFrom, notices, now)).length
}

/**
 * The tick's part: for every call of the team whose proposals wait, the approver's request if not yet
 * queued and the current week's reminder. Returns the calls whose approver got a new email.
 */
export async function approvalReminders(db: Db, team: TeamRow, now: Date, options: ApprovalOptions): Promise<string[]> {
  const reminded: string[] = []
  for (const waiting of await approvalQueries.selectionsAwaitingApproval(db, team.id)) {
    const queued = await db.transaction(async (tx) => {
      const { call } = await requireCall(tx, waiting.callId)
      return queueApproverNotices(
        tx,
        team,
        call,
        { id: waiting.selectionId, createdAt: waiting.createdAt },
        now,
        options,
      )
    })
    if (queued > 0) reminded.push(waiting.callId)
  }
  return reminded
}

/** A selection's approval as staff see it: null when the close made members at once. */
export async function approvalView(db: Db, selectionId: string): Promise<ApprovalView | null> {
  const rows = await approvalQueries.listProposals(db, selectionId)
  if (rows.length === 0) return null
  const names = new Map(
    (await selectionQueries.listDecisions(db, selectionId)).map((d) => [d.decision.responseId, d.name.trim()]),
  )
  return {
    status: approvalPending(rows) ? 'pending' : 'complete',
    proposals: rows.map((row) => ({
      responseId: row.responseId,
      name: names.get(row.responseId) ?? '',
      seat: row.seat,
      slot: row.slot,
      termStart: formatInstant(row.termStart),
      termEnd: formatInstant(row.termEnd),
      status: row.status,
      replaces: row.replacesResponseId,
      decidedAt: row.decidedAt?.toISOString() ?? null,
      decidedBy: row.decidedBy,
      reason: row.reason,
      memberId: row.memberId,
      explanation: proposalExplanation(row, names),
    })),
  }
}

/** One sentence on where a proposal stands, for staff (it may name the volunteer it replaced). */
function proposalExplanation(row: approvalQueries.ProposalRow, names: ReadonlyMap<string, string>): string {
  const origin =
    row.replacesResponseId === null
      ? 'Proposed by the close'
      : `Proposed in place of ${names.get(row.replacesResponseId) ?? 'a volunteer'}, whose proposal was declined (next eligible alternate for the ${row.seat} seat)`
  if (row.status === 'proposed') return `${origin}; waits for approval.`
  const by = `by ${row.decidedBy ?? 'staff'} at ${row.decidedAt?.toISOString() ?? '?'}`
  return row.status === 'approved'
    ? `${origin}; approved ${by}${row.reason ? `: ${row.reason}` : ''}.`
    : `${origin}; declined ${by}: ${row.reason ?? ''}.`
}

/** `POST /calls/{id}/approve`: every proposal still waiting is approved. */
export function approveCall(
  db: Db,
  callId: string,
  input: { reason?: string },
  staff: string,
  now: Date,
  options: ApprovalOptions,
): Promise<ApprovalResultView> {
  return applyApproval(db, callId, { type: 'approve-all' }, input.reason?.trim() || null, staff, now, options)
}

/** `POST /calls/{id}/proposals/{responseId}/approve` or `/decline`: one proposal. */
export function decideProposal(
  db: Db,
  callId: string,
  responseId: string,
  verdict: 'approve' | 'decline',
  input: { reason?: string },
  staff: string,
  now: Date,
  options: ApprovalOptions,
): Promise<ApprovalResultView> {
  const reason = input.reason?.trim() ?? ''
  const action: ApprovalAction =
    verdict === 'approve' ? { type: 'approve', responseId } : { type: 'decline', responseId, reason }
  return applyApproval(db, callId, action, reason || null, staff, now, options)
}

/**
 * Applies the committee's decision in one transaction: approved proposals become members (origin
 * `selected`, the seat slot and term the selection gave — the term still starts at the call's term
 * start even if approval comes later) and are told (`selected`); a declined one is kept with its
 * reason and the next eligible alternate proposed; and once nothing waits, the rest of the close's
 * emails go out as a close without approval sends them (the list's results naming the approved
 * members, alternates, not-selected — a declined volunteer among them — and shortfall to staff).
 */
async function applyApproval(
  db: Db,
  callId: string,
  action: ApprovalAction,
  reason: string | null,
  staff: string,
  now: Date,
  options: ApprovalOptions,
): Promise<ApprovalResultView> {
  return db.transaction(async (tx) => {
    const { team: unlocked } = await requireCall(tx, callId)
    // The team row lock serialises approval with step-downs, appointments and reopens.
    const team = await requireTeam(tx, unlocked.slug, true)
    const { call } = await requireCall(tx, callId, { forUpdate: true })
    const selection = await selectionQueries.findSelection(tx, callId)
    const rows = selection ? await approvalQueries.listProposals(tx, selection.id) : []
    const decisionRows = selection ? await selectionQueries.listDecisions(tx, selection.id) : []
    const responses = await findResponses(
      tx,
      decisionRows.map((d) => d.decision.responseId),
    )
    const emailOf = new Map(responses.map((r) => [r.id, r.email.trim()]))
    const people = new Map(
      decisionRows.map((d) => [
        d.decision.responseId,
        { email: normaliseEmail(emailOf.get(d.decision.responseId) ?? ''), institutionKey: d.decision.institutionKey },
      ]),
    )

    // Who serves at the call's term start outside this call's proposals, by address and institution.
    const index = buildInstitutionIndex(
      (await listInstitutions(tx)).map((i) => ({
        id: i.id,
        name: i.name,
        aliases: i.aliases,
        consortium: i.consortium,
      })),
    )
    const serving = (await memberQueries.listMembers(tx, team.id))
      .map((r) => r.member)
      .filter((m) => servesAt(m, call.termStart))
    const servingKeys = serving
      .filter((m) => m.seat !== 'staff')
      .map((m) => (m.institutionId ? `id:${m.institutionId}` : matchInstitution(m.institutionText, index)))
      .map((k) => (typeof k === 'string' ? k : k.kind === 'unaffiliated' ? null : k.key))
      .filter((k): k is string => k !== null)

    const decided = decideApproval(
      {
        proposals: rows.map(proposalOf),
        people,
        alternates: decisionRows
          .filter((d) => d.decision.outcome === 'alternate')
          .map((d) => ({
            responseId: d.decision.responseId,
            seat: d.decision.seat,
            email: people.get(d.decision.responseId)!.email,
            institutionKey: d.decision.institutionKey,
          })),
        serving: {
          emails: new Set(serving.map((m) => normaliseEmail(m.email))),
          institutionKeys: new Set(servingKeys),
        },
      },
      action,
    )
    if (!decided.ok) throw refused(decided.refusal)
    const selectionId = selection!.id
    const byResponse = new Map(decisionRows.map((d) => [d.decision.responseId, d]))

    const joined: Array<{ memberId: string; responseId: string }> = []
    for (const p of decided.approved) {
      const d = byResponse.get(p.responseId)!
      const key = d.decision.institutionKey
      const member = await memberQueries.insertMember(tx, {
        teamId: team.id,
        name: d.name.trim(),
        email: emailOf.get(p.responseId)!,
        institutionId: key?.startsWith('id:') ? key.slice(3) : null,
        institutionText: key?.startsWith('name:') ? d.decision.institution : null,
        seat: p.seat,
        termStart: p.termStart,
        termEnd: p.termEnd,
        origin: 'selected',
        callId,
        responseId: p.responseId,
        slot: p.slot,
      })
      await approvalQueries.decideProposal(tx, selectionId, p.responseId, {
        status: 'approved',
        decidedAt: now,
        decidedBy: staff,
        reason,
        memberId: member.id,
      })
      joined.push({ memberId: member.id, responseId: p.responseId })
    }
    if (decided.declined)
      await approvalQueries.decideProposal(tx, selectionId, decided.declined.responseId, {
        status: 'declined',
        decidedAt: now,
        decidedBy: staff,
        reason,
        memberId: null,
      })
    if (decided.promoted)
      await approvalQueries.insertProposals(tx, [
        {
          selectionId,
          responseId: decided.promoted.responseId,
          seat: decided.promoted.seat,
          slot: decided.promoted.slot,
          termStart: decided.promoted.termStart,
          termEnd: decided.promoted.termEnd,
          status: 'proposed',
          replacesResponseId: decided.promoted.replaces,
          createdAt: now,
        },
      ])

    const refOf = async (responseId: string) => personOf(tx, emailOf.get(responseId))
    const mentioned = [
      ...decided.approved.map((p) => p.responseId),
      ...(decided.declined ? [decided.declined.responseId] : []),
      ...(decided.promoted ? [decided.promoted.responseId] : []),
    ]
    const mentions = []
    for (const id of mentioned)
      mentions.push({ ref: await refOf(id), names: [byResponse.get(id)!.name.trim()], email: emailOf.get(id)! })
    await recordAudit(tx, {
      at: now,
      actor: staff,
      action:
        action.type === 'approve-all'
          ? 'call.approve'
          : action.type === 'approve'
            ? 'proposal.approve'
            : 'proposal.decline',
      entity: 'call',
      entityId: callId,
      reason,
      mentions,
      before: { waiting: rows.filter((r) => r.status === 'proposed').length },
      after: {
        selectionId,
        approved: await Promise.all(
          joined.map(async (j) => ({ memberId: j.memberId, person: await refOf(j.responseId) })),
        ),
        ...(decided.declined ? { declined: await refOf(decided.declined.responseId) } : {}),
        ...(decided.promoted ? { promoted: await refOf(decided.promoted.responseId) } : {}),
        waiting: decided.proposals.filter((p) => p.status === 'proposed').length,
      },
    })

    // The emails: each approved volunteer hears now; once nothing waits, everyone else and the list.
    const keys = await deploymentKeys(tx)
    const round = (await selectionQueries.supersededSelections(tx, callId)).length
    const outcome = finalOutcome(
      decisionRows.map((d) => storedDecision(d)),
      decided.proposals,
      selection!.shortfall as Record<string, number>,
    )
    const approvedNow = new Set(decided.approved.map((p) => p.responseId))
    const emails = new Map([...emailOf].map(([id, email]) => [id, email]))
    const personal = (responseId: string) => volunteerLinks(keys, responseId, call.closesAt, options.publicUrl)
    await queueResultNotices(
      tx,
      options.mailFrom,
      team,
      call,
      { ...outcome, seats: selection!.seats },
      emails,
      now,
      round,
      personal,
      decided.complete
        ? undefined
        : (notice) => notice.kind === 'selected' && [...approvedNow].some((id) => emails.get(id) === notice.to),
    )
    const view = await approvalView(tx, selectionId)
    return {
      callId,
      approval: view!,
      joined: joined.map((j) => j.memberId),
      notes: notesFor(decided, byResponse),
    }
  })
}

function notesFor(
  decided: { declined: Proposal | null; promoted: Proposal | null; complete: boolean },
  byResponse: ReadonlyMap<string, { name: string }>,
): string[] {
  const notes: string[] = []
  if (decided.declined && decided.promoted)
    notes.push(
      `${byResponse.get(decided.promoted.responseId)!.name.trim()}, the next eligible alternate for the ${decided.promoted.seat} seat, is proposed in place of ${byResponse.get(decided.declined.responseId)!.name.trim()}.`,
    )
  if (decided.declined && !decided.promoted)
    notes.push(
      `No eligible alternate is left for the ${decided.declined.seat} seat: it stays empty, and staff are told with the results (shortfall) — appoint someone into the call (POST /teams/{team}/members with callId).`,
    )
  if (decided.complete)
    notes.push('Nothing waits for approval any more: the results went to the volunteers and the mailing list.')
  return notes
}

/** A stored decision as the domain's Decision (for the result emails). */
function storedDecision(row: Awaited<ReturnType<typeof selectionQueries.listDecisions>>[number]): Decision {
  const d = row.decision
  return {
    responseId: d.responseId,
    externalId: row.externalId,
    name: row.name.trim(),
    institution: d.institution,
    institutionKey: d.institutionKey,
    submittedAt: row.submittedAt,
    position: d.position,
    outcome: d.outcome,
    seat: d.seat,
    reason: d.reason,
    termStart: d.termStart,
    termEnd: d.termEnd,
    explanation: d.explanation,
  }
}

/**
 * The call's outcome after approval, as the result emails tell it: approved proposals are selected
 * (with the seat and term they were proposed for), declined ones not selected, alternates never
 * proposed stay alternates; a seat declined with no alternate left adds to the shortfall.
 */
export function finalOutcome(
  decisions: readonly Decision[],
  proposals: readonly Proposal[],
  shortfall: SeatCounts,
): { decisions: Decision[]; shortfall: SeatCounts } {
  const byResponse = new Map(proposals.map((p) => [p.responseId, p]))
  const empty: SeatCounts = { ...shortfall }
  const replaced = new Set(proposals.map((p) => p.replaces).filter((r) => r !== null))
  for (const p of proposals)
    if (p.status === 'declined' && !replaced.has(p.responseId)) empty[p.seat] = (empty[p.seat] ?? 0) + 1
  const out = decisions.map((d): Decision => {
    const p = byResponse.get(d.responseId)
    if (!p) return d
    if (p.status === 'declined')
      return {
        ...d,
        outcome: 'excluded',
        seat: null,
        reason: null,
        termStart: null,
        termEnd: null,
        explanation:
          "The team's approving committee did not approve your selection, so you will not join the team this time.",
      }
    return {
      ...d,
      outcome: 'selected',
      seat: p.seat,
      reason: null,
      termStart: p.termStart,
      termEnd: p.termEnd,
      // Never who was declined: an email to a volunteer names no other volunteer.
      ...(p.replaces === null
        ? {}
        : {
            explanation:
              'A seat became free when an earlier proposal was not approved, and you were the next eligible volunteer waiting for it.',
          }),
    }
  })
  return { decisions: out, shortfall: empty }
}
