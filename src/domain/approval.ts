/**
 * The approval step (issue 14): a team whose policy has `approval: { mode: 'committee' }` — IIIF
 * 2025: "two advisors … approved by the IIIF Coordinating Committee" — does not seat the volunteers
 * a close selects. The close records each as a *proposal*; a proposal becomes a member only when
 * the committee approves it, and a declined proposal hands its seat to the next eligible alternate,
 * who is proposed in turn. Nobody joins the team, and no volunteer hears anything, before approval.
 *
 * Pure: the service reads the facts, asks `decideApproval`, and applies the answer in one transaction.
 * A decision's `seat` is an opaque string here (whatever the policy's seat classes are called).
 */
import { conflict, invalidRequest, type Decided } from './refusal.js'
import { addDays, compareInstants, type Instant } from './time.js'

export const PROPOSAL_STATUSES = ['proposed', 'approved', 'declined'] as const
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number]

/** A volunteer proposed for a seat, awaiting (or past) the committee's decision. */
export interface Proposal {
  responseId: string
  seat: string
  /** The seat slot of the call (1-based within its seat), null when the selection recorded none. */
  slot: number | null
  termStart: Instant
  termEnd: Instant
  status: ProposalStatus
  /** The declined proposal (its response) whose seat this one took over; null for those the close made. */
  replaces: string | null
}

/** What a close decided about a response, as far as proposals go. */
export interface ClosingDecision {
  responseId: string
  outcome: 'selected' | 'alternate' | 'excluded'
  seat: string | null
  termStart: Instant | null
  termEnd: Instant | null
}

/** With a committee, each volunteer the close selected is proposed for the seat and term the selection gave them. */
export function proposalsAtClose(
  decisions: readonly ClosingDecision[],
  slots: ReadonlyArray<{ responseId: string | null; index: number }>,
): Proposal[] {
  return decisions
    .filter((d) => d.outcome === 'selected')
    .map((d) => ({
      responseId: d.responseId,
      seat: d.seat!,
      slot: slots.find((s) => s.responseId === d.responseId)?.index ?? null,
      termStart: d.termStart!,
      termEnd: d.termEnd!,
      status: 'proposed' as const,
      replaces: null,
    }))
}

/** A response that may be proposed in a declined proposal's place, in first-come order. */
export interface Alternate {
  responseId: string
  seat: string | null
  /** Normalised address; `institutionKey` as the selection matched it (null: unaffiliated). */
  email: string
  institutionKey: string | null
}

export interface ApprovalFacts {
  proposals: readonly Proposal[]
  /** Normalised address and institution key of every response proposed so far. */
  people: ReadonlyMap<string, { email: string; institutionKey: string | null }>
  /** The call's alternates, in first-come order. */
  alternates: readonly Alternate[]
  /** Members of the team serving at the proposals' term start (other than those made by approving this call). */
  serving: { emails: ReadonlySet<string>; institutionKeys: ReadonlySet<string> }
}

export type ApprovalAction =
  | { type: 'approve-all' }
  | { type: 'approve'; responseId: string }
  | { type: 'decline'; responseId: string; reason: string }

export interface ApprovalOutcome {
  /** Every proposal after the action (the promoted one appended). */
  proposals: Proposal[]
  /** The proposals this action approved: they join the team now. */
  approved: Proposal[]
  declined: Proposal | null
  /** The alternate proposed in the declined proposal's place; null when none is eligible (the seat stays empty). */
  promoted: Proposal | null
  /** No proposal waits any more: the call's outcome is final and may be announced. */
  complete: boolean
}

/** Whether a call's proposals still wait for the committee. */
export function approvalPending(proposals: readonly Pick<Proposal, 'status'>[]): boolean {
  return proposals.some((p) => p.status === 'proposed')
}

/**
 * The committee's decision on a call's proposals. `approve-all` approves every proposal still
 * waiting (declined ones stay declined); `approve` one; `decline` one, with a reason (kept on
 * record), which proposes the first alternate of the same seat still eligible — not proposed
 * before, not already on the team or proposed by address, and from an institution neither on the
 * team nor proposed — for the same seat slot and term. Only proposals still waiting can be decided.
 */
export function decideApproval(facts: ApprovalFacts, action: ApprovalAction): Decided<ApprovalOutcome> {
  const waiting = facts.proposals.filter((p) => p.status === 'proposed')
  if (action.type === 'approve-all') {
    if (waiting.length === 0)
      return conflict('no-pending-proposals', 'No proposal of this call waits for approval', {
        proposals: facts.proposals.length,
      })
    const proposals = facts.proposals.map((p) => (p.status === 'proposed' ? { ...p, status: 'approved' as const } : p))
    return {
      ok: true,
      proposals,
      approved: waiting.map((p) => ({ ...p, status: 'approved' as const })),
      declined: null,
      promoted: null,
      complete: true,
    }
  }
  if (action.type === 'decline' && action.reason.trim() === '')
    return invalidRequest('invalid-decline', [
      { field: 'body.reason', message: 'must say why the proposal is declined (it is kept on record)' },
    ])
  const target = facts.proposals.find((p) => p.responseId === action.responseId)
  if (!target || target.status !== 'proposed')
    return conflict(
      'not-proposed',
      target
        ? `That proposal was already ${target.status}`
        : 'That response is not proposed for a seat in this call (see GET /calls/{id}/selection)',
      { responseId: action.responseId, status: target?.status ?? null },
    )
  if (action.type === 'approve') {
    const approved = { ...target, status: 'approved' as const }
    const proposals = facts.proposals.map((p) => (p === target ? approved : p))
    return {
      ok: true,
      proposals,
      approved: [approved],
      declined: null,
      promoted: null,
      complete: !approvalPending(proposals),
    }
  }
  const declined = { ...target, status: 'declined' as const }
  const live = facts.proposals.filter((p) => p !== target && p.status !== 'declined')
  const liveEmails = new Set(live.map((p) => facts.people.get(p.responseId)?.email).filter((e) => e !== undefined))
  const liveInstitutions = new Set(
    live.map((p) => facts.people.get(p.responseId)?.institutionKey ?? null).filter((k) => k !== null),
  )
  const proposedBefore = new Set(facts.proposals.map((p) => p.responseId))
  const next = facts.alternates.find(
    (a) =>
      a.seat === target.seat &&
      !proposedBefore.has(a.responseId) &&
      !facts.serving.emails.has(a.email) &&
      !liveEmails.has(a.email) &&
      (a.institutionKey === null ||
        (!facts.serving.institutionKeys.has(a.institutionKey) && !liveInstitutions.has(a.institutionKey))),
  )
  const promoted: Proposal | null = next
    ? {
        responseId: next.responseId,
        seat: target.seat,
        slot: target.slot,
        termStart: target.termStart,
        termEnd: target.termEnd,
        status: 'proposed',
        replaces: target.responseId,
      }
    : null
  const proposals = [...facts.proposals.map((p) => (p === target ? declined : p)), ...(promoted ? [promoted] : [])]
  return { ok: true, proposals, approved: [], declined, promoted, complete: !approvalPending(proposals) }
}

/** An email to the approver about waiting proposals: the first request, or the reminder of week `week`. */
export type ApprovalNotice = { kind: 'approval-requested'; key: string } | { kind: 'approval-reminder'; key: string }

/**
 * The approver's emails due at `now` for proposals waiting since `since` (the close): the request
 * at once, then one reminder a week — only the current week's, so a tick after downtime sends one
 * reminder, not a backlog. Keyed by the selection, so each is queued once across ticks and instances.
 */
export function approvalNoticesDue(selectionId: string, since: Instant, now: Instant): ApprovalNotice[] {
  const notices: ApprovalNotice[] = [{ kind: 'approval-requested', key: `approval:${selectionId}:requested` }]
  let week = 0
  while (compareInstants(addDays(since, 7 * (week + 1)), now) <= 0) week++
  if (week > 0) notices.push({ kind: 'approval-reminder', key: `approval:${selectionId}:reminder-${week}` })
  return notices
}
