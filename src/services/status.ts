/**
 * A volunteer's private status link (`/status/<token>`): signed per response with the deployment's
 * status-link key, valid until the retention period ends (STATUS_LINK_MONTHS after the call's
 * close). It shows that volunteer's own record — never anyone else's — and lets them withdraw
 * before the close or step down once selected. Every use names its actor (`volunteer:<responseId>`),
 * for the audit log.
 */
import { recordAudit } from './audit.js'
import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as memberQueries from '../db/queries/members.js'
import * as responseQueries from '../db/queries/responses.js'
import * as selectionQueries from '../db/queries/selections.js'
import { volunteerExplanation } from '../domain/notices.js'
import type { ReportBody } from '../domain/report.js'
import { compareResponses, type Decision } from '../domain/selection.js'
import { compareInstants, formatInstant, instantFromDate } from '../domain/time.js'
import { effectiveEnd } from '../domain/roster.js'
import { AppError } from '../errors.js'
import type { VolunteerStatus } from '../http/schemas/status.js'
import { callStatus, requireCall } from './calls.js'
import { deploymentKeys } from './keys.js'
import { stepDown } from './members.js'
import { removeResponse } from './responses.js'

export type StatusView = Static<typeof VolunteerStatus>

import { WITHDRAWN } from './status-links.js'
export { STATUS_LINK_MONTHS, statusLinkExpiry, volunteerLinks, WITHDRAWN } from './status-links.js'

/** The actor a status link's uses are recorded as. */
export function volunteerActor(responseId: string): string {
  return `volunteer:${responseId}`
}

/**
 * The response a status token opens: 404 `status-link-not-found` for a token rota did not sign (or
 * whose response is gone), 410 `status-link-expired` once it expired; neither says more.
 */
export async function resolveStatusToken(db: Db, token: string, now: Date): Promise<string> {
  const keys = await deploymentKeys(db)
  const read = keys.readStatusToken(token, now)
  if (!read.ok) {
    if (read.why === 'expired') throw new AppError('gone', 'status-link-expired', 'This status link has expired')
    throw notFound()
  }
  if (!(await responseQueries.findResponse(db, read.responseId))) throw notFound()
  return read.responseId
}

function notFound(): AppError {
  return new AppError('not-found', 'status-link-not-found', 'There is no such status link')
}

/** A volunteer's own record: received at, position, category, outcome and its plain explanation, and what they may still do. */
/** What the volunteer sees when they open their link: each opening is audited (`status.view`). */
export async function openVolunteerStatus(db: Db, responseId: string, now: Date): Promise<StatusView> {
  await recordAudit(db, {
    at: now,
    actor: volunteerActor(responseId),
    action: 'status.view',
    entity: 'response',
    entityId: responseId,
  })
  return volunteerStatus(db, responseId, now)
}

export async function volunteerStatus(db: Db, responseId: string, now: Date): Promise<StatusView> {
  const response = (await responseQueries.findResponse(db, responseId))!
  const { call, team } = await requireCall(db, response.callId)
  const status = callStatus(call, now)
  const base = {
    team: team.name,
    call: {
      status,
      opensAt: formatInstant(call.opensAt),
      closesAt: formatInstant(call.closesAt),
      termStart: formatInstant(call.termStart),
    },
    receivedAt: response.submittedAt,
    receiptHash: (await deploymentKeys(db)).anonymiser(call.id).receiptHash(responseId),
  }
  if (response.removedAt) {
    const withdrawn = response.removalReason === WITHDRAWN
    return {
      ...base,
      position: null,
      category: null,
      outcome: withdrawn ? 'withdrawn' : 'removed',
      explanation: withdrawn
        ? `You withdrew this response on ${formatInstant(instantFromDate(response.removedAt))}; it no longer counts.`
        : 'Staff removed this response before the call closed, so it does not count. Ask the team’s staff if you think this is wrong.',
      termStart: null,
      termEnd: null,
      canWithdraw: false,
      canStepDown: false,
    }
  }
  const stored = call.closedAt ? await selectionQueries.findSelectionWithReport(db, call.id) : null
  if (!stored) {
    // Before the close: the place so far among the responses that count; the selection is made at the close.
    const rows = await responseQueries.listResponses(db, call.id)
    const ordered = rows.sort(compareResponses)
    const position = ordered.findIndex((r) => r.id === responseId) + 1
    const open = status !== 'cancelled'
    return {
      ...base,
      position: position > 0 ? position : null,
      category: null,
      outcome: status === 'cancelled' ? 'cancelled' : 'pending',
      explanation:
        status === 'cancelled'
          ? 'This call was cancelled; no one is selected from it.'
          : `Your response was received at ${formatInstant(response.submittedAt)}, number ${position} so far in first-come order. Volunteers are selected when the call closes, at ${formatInstant(call.closesAt)}.`,
      termStart: null,
      termEnd: null,
      canWithdraw: open,
      canStepDown: false,
    }
  }
  const rows = await selectionQueries.listDecisions(db, stored.id)
  const decisions = rows.map(
    ({ decision, submittedAt }) => ({ ...decision, submittedAt, name: '', externalId: null }) as unknown as Decision,
  )
  const mine = decisions.find((d) => d.responseId === responseId)
  if (!mine) throw notFound()
  const line = (stored.report as ReportBody | null)?.responses[mine.position - 1]
  const member = (await memberQueries.membersOfCall(db, call.id)).find((m) => m.responseId === responseId) ?? null
  const end = member ? effectiveEnd(member) : null
  const serving =
    member !== null && member.endedAt === null && (end === null || compareInstants(instantFromDate(now), end) < 0)
  return {
    ...base,
    position: mine.position,
    category: line?.category ?? mine.seat ?? null,
    outcome: member?.endedAt ? 'stepped-down' : mine.outcome,
    explanation: member?.endedAt
      ? `You stepped down; your service ends ${formatInstant(member.endedAt)}.`
      : volunteerExplanation(mine, decisions, team.name),
    termStart: member ? formatInstant(member.termStart) : null,
    termEnd: member?.termEnd ? formatInstant(member.termEnd) : null,
    canWithdraw: false,
    canStepDown: serving,
  }
}

/** The volunteer withdraws their response before the close: it is kept, marked removed "withdrawn by the volunteer" (409 once closed). */
export async function withdrawResponse(db: Db, responseId: string, actor: string, now: Date): Promise<StatusView> {
  const response = (await responseQueries.findResponse(db, responseId))!
  await removeResponse(db, response.callId, responseId, { reason: WITHDRAWN, by: actor }, now)
  return volunteerStatus(db, responseId, now)
}

/**
 * A selected volunteer steps down through their link, with the staff route's rules (stepDown): the
 * next alternate of the same call and category, if still eligible, serves the remainder of the term.
 */
export async function stepDownVolunteer(
  db: Db,
  responseId: string,
  actor: string,
  now: Date,
  options: { mailFrom: string },
): Promise<StatusView> {
  const response = (await responseQueries.findResponse(db, responseId))!
  const member = (await memberQueries.membersOfCall(db, response.callId)).find((m) => m.responseId === responseId)
  if (!member)
    throw new AppError('conflict', 'not-a-member', 'This response did not make its volunteer a member of the team')
  await stepDown(
    db,
    member.id,
    { reason: 'stepped down by the volunteer through their status link', replacement: 'next-alternate' },
    now,
    { ...options, by: actor },
  )
  return volunteerStatus(db, responseId, now)
}
