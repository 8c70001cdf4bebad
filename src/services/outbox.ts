import { personOf, recordAudit } from './audit.js'
import type { Static } from '@sinclair/typebox'
import type { Deps } from '../deps.js'
import type { Db } from '../db/client.js'
import * as queries from '../db/queries/outbox.js'
import { AppError, isUuid } from '../errors.js'
import { MailError, type OutgoingMail } from '../integrations/mail.js'
import { findMember, membersOfCallAt } from '../db/queries/members.js'
import {
  emailPremise,
  premiseNeeds,
  type Premise,
  type PremiseFacts,
  type PremiseResponse,
} from '../domain/email-premise.js'
import { findCall } from '../db/queries/calls.js'
import { findResponse } from '../db/queries/responses.js'
import { WITHDRAWN } from './status-links.js'
import { waitingProposals } from '../db/queries/approval.js'
import type { OutboxMessage } from '../http/schemas/outbox.js'
import type { NoticeKind } from '../domain/notices.js'
import { deliverWebhooks } from './webhooks.js'

/** What one delivery pass did. */
export interface DeliveryReport {
  /** Sent now (the provider accepted them). */
  sent: number
  /** Left `sending` after a send that got no answer: checked by Message-ID once the lease passes. */
  uncertain: number
  /** Waiting for another try (429/5xx, or a check by Message-ID that could not answer yet). */
  retrying: number
  failed: number
  /** Found at the provider by Message-ID after an interrupted or unclear send (no answer, 429, 5xx), and marked sent without sending again. */
  confirmed: number
  /** Interrupted sends that had not reached the provider, sent now. */
  resent: number
  unknown: number
  /** Not sent because what they say is no longer true (a `selected` email to someone who stepped down…): kept as skipped, with the reason. */
  skipped: number
}

export type OutboxMessageView = Static<typeof OutboxMessage>

function view(row: queries.OutboxRow, team: string): OutboxMessageView {
  return {
    id: row.id,
    team,
    kind: row.kind,
    channel: row.channel,
    to: row.toAddress,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    sentAt: row.sentAt?.toISOString() ?? null,
    lastError: row.lastError,
    messageId: row.messageId,
    callId: row.callId,
    memberId: row.memberId,
  }
}

function mailOf(row: queries.OutboxRow, from: string): OutgoingMail {
  return {
    messageId: row.messageId,
    from,
    to: row.toAddress!,
    toName: row.toName,
    subject: row.subject,
    body: row.body,
    date: row.createdAt,
  }
}

/** Wait before the next try of a message that has had `attempts`: doubling from the base, Retry-After honoured, at most an hour. */
export function retryDelayMs(attempts: number, baseMs: number, retryAfterMs: number | null): number {
  const backoff = Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempts - 1))
  return Math.min(3_600_000, Math.max(backoff, retryAfterMs ?? 0))
}

/**
 * Sends what is due, one message at a time, each claimed first (`FOR UPDATE SKIP LOCKED`, marked
 * `sending`, committed) so that no two instances ever send the same row. Before that, messages left
 * `sending` past the lease (a crash, or a send with no answer) are resolved by asking the provider
 * whether their Message-ID went out: marked sent, or sent now — never resent blindly; when the
 * provider cannot say, they end as `unknown` for staff. The same check comes first for a pending
 * message whose last attempt got an answer that does not prove a rejection (429, 5xx…): Gmail may
 * have stored it all the same.
 */
export async function deliverOutbox(
  deps: Pick<Deps, 'database' | 'mailer' | 'config' | 'clock'>,
  options: { limit?: number } = {},
): Promise<DeliveryReport> {
  const { db } = deps.database
  const mail = deps.config.mail
  const report: DeliveryReport = {
    sent: 0,
    uncertain: 0,
    retrying: 0,
    failed: 0,
    confirmed: 0,
    resent: 0,
    unknown: 0,
    skipped: 0,
  }
  const limit = options.limit ?? mail.batchSize
  // Set-up (loading googleapis, fetching or refreshing a token) happens before each claim, never
  // between a claim and its send; if it fails, the send fails the same way and records why.
  const prepare = () => deps.mailer.prepare().catch(() => {})

  for (let checked = 0; checked < limit; checked++) {
    await prepare()
    const row = await db.transaction((tx) => queries.claimStale(tx, deps.clock(), mail.sendingLeaseMs))
    if (!row) break
    let sentBefore: boolean
    try {
      sentBefore = await deps.mailer.wasSent(row.messageId)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      const giveUp = (error instanceof MailError && error.kind === 'permanent') || row.attempts >= mail.maxAttempts
      if (giveUp) {
        const moved = await queries.transition(
          db,
          row.id,
          'sending',
          {
            status: 'unknown',
            lastError: `rota cannot tell whether this email went out: ${reason}`,
            updatedAt: deps.clock(),
          },
          row.claimId,
        )
        if (moved) report.unknown++
      } else {
        await queries.transition(
          db,
          row.id,
          'sending',
          {
            lastError: `could not check yet whether this email went out: ${reason}`,
            attempts: row.attempts + 1,
            updatedAt: deps.clock(),
          },
          row.claimId,
        )
      }
      continue
    }
    if (sentBefore) {
      const now = deps.clock()
      if (
        await queries.transition(
          db,
          row.id,
          'sending',
          { status: 'sent', sentAt: now, lastError: null, updatedAt: now },
          row.claimId,
        )
      )
        report.confirmed++
      continue
    }
    // Not at the provider: send it under a fresh claim — unless another instance claimed it while
    // this one was asking (then that one decides).
    const now = deps.clock()
    const claimed = await queries.transition(
      db,
      row.id,
      'sending',
      { attempts: row.attempts + 1, claimedAt: now, claimId: queries.newClaimId(), updatedAt: now },
      row.claimId,
    )
    if (!claimed) continue
    await sendClaimed(deps, claimed, report, 'resent')
  }

  for (let sent = 0; sent < limit; sent++) {
    await prepare()
    const row = await db.transaction((tx) => queries.claimPending(tx, deps.clock()))
    if (!row) break
    if (row.verifyBeforeSend && !(await absentAtProvider(deps, row, report))) continue
    await sendClaimed(deps, row, report)
  }
  // Webhook deliveries: the same rows, claims, fencing and statuses; their own sender.
  await deliverWebhooks(deps, report, { limit })
  return report
}

/**
 * For a claimed message whose last attempt may have reached the provider: asks for its Message-ID.
 * True when it is not there (send it now). Otherwise records what was found — `sent`, without
 * sending again — or, when the provider cannot say, counts the attempt and waits (back to
 * `pending`, the check still owed) or, after MAIL_MAX_ATTEMPTS or a permanent refusal, ends as
 * `unknown` for staff; and returns false.
 */
async function absentAtProvider(
  deps: Pick<Deps, 'database' | 'mailer' | 'config' | 'clock'>,
  row: queries.OutboxRow,
  report: DeliveryReport,
): Promise<boolean> {
  const { db } = deps.database
  const mail = deps.config.mail
  let found: boolean
  try {
    found = await deps.mailer.wasSent(row.messageId)
  } catch (error) {
    const failure =
      error instanceof MailError
        ? error
        : new MailError('retryable', error instanceof Error ? error.message : String(error))
    const now = deps.clock()
    if (failure.kind === 'permanent' || row.attempts >= mail.maxAttempts) {
      const moved = await queries.transition(
        db,
        row.id,
        'sending',
        {
          status: 'unknown',
          lastError: `rota cannot tell whether this email went out: ${failure.message}`,
          updatedAt: now,
        },
        row.claimId,
      )
      if (moved) report.unknown++
    } else {
      const nextAttemptAt = new Date(now.getTime() + retryDelayMs(row.attempts, mail.retryBaseMs, failure.retryAfterMs))
      const moved = await queries.transition(
        db,
        row.id,
        'sending',
        {
          status: 'pending',
          nextAttemptAt,
          lastError: `could not check yet whether this email went out: ${failure.message}`,
          updatedAt: now,
        },
        row.claimId,
      )
      if (moved) report.retrying++
    }
    return false
  }
  if (!found) return true
  const now = deps.clock()
  // The claim counted an attempt; none was made: `attempts` counts sends.
  const moved = await queries.transition(
    db,
    row.id,
    'sending',
    {
      status: 'sent',
      sentAt: now,
      attempts: row.attempts - 1,
      verifyBeforeSend: false,
      lastError: null,
      updatedAt: now,
    },
    row.claimId,
  )
  if (moved) report.confirmed++
  return false
}

/** Whether what a message says about its recipient is still true now (src/domain/email-premise.ts). */
async function premiseOf(db: Db, row: queries.OutboxRow): Promise<Premise> {
  // Only emails are claimed here: their kind is a notice kind.
  const kind = row.kind as NoticeKind
  const needs = premiseNeeds(kind)
  const facts: PremiseFacts = {}
  if (needs.member && row.memberId !== null) facts.member = await findMember(db, row.memberId)
  if (needs.atAddress && row.callId !== null && row.toAddress !== null)
    facts.atAddress = await membersOfCallAt(db, row.teamId, row.callId, row.toAddress)
  if (needs.response && row.responseId !== null) facts.response = await premiseResponse(db, row.responseId)
  if (needs.waiting && row.callId !== null) facts.waiting = await waitingProposals(db, row.callId)
  return emailPremise(kind, facts)
}

/** A response and its call as an acknowledgement's premise needs them (null: not on record). */
async function premiseResponse(db: Db, responseId: string): Promise<PremiseResponse | null> {
  const response = await findResponse(db, responseId)
  if (!response) return null
  const found = await findCall(db, response.callId)
  if (!found) return null
  const { call } = found
  return {
    submittedAt: response.submittedAt,
    removed: response.removedAt === null ? null : response.removalReason === WITHDRAWN ? 'withdrawn' : 'by-staff',
    erased: response.erasedAt !== null,
    call: {
      opensAt: call.opensAt,
      closesAt: call.closesAt,
      closed: call.closedAt !== null,
      cancelled: call.cancelledAt !== null,
    },
  }
}

/**
 * Sends a message this instance has claimed (`sending`) and records what happened. First, unless
 * staff chose to send it all the same, it checks that what the message says is still true: if not,
 * it is recorded as skipped with the reason (nothing was sent; staff may still retry it). Every write is
 * fenced by the claim: if the row was claimed again meanwhile, this instance changes nothing. And a
 * claim too old to finish its send inside the lease is given back instead of sent: after the lease
 * another instance may be checking it, and the two must never both send.
 */
async function sendClaimed(
  deps: Pick<Deps, 'database' | 'mailer' | 'config' | 'clock'>,
  row: queries.OutboxRow,
  report: DeliveryReport,
  counter: 'sent' | 'resent' = 'sent',
): Promise<void> {
  const { db } = deps.database
  const mail = deps.config.mail
  if (row.checkPremise) {
    const premise = await premiseOf(db, row)
    if (!premise.holds) {
      const now = deps.clock()
      const moved = await queries.transition(
        db,
        row.id,
        'sending',
        // The claim counted an attempt; none was made.
        { status: 'skipped', attempts: row.attempts - 1, lastError: `skipped: ${premise.reason}`, updatedAt: now },
        row.claimId,
      )
      if (moved) report.skipped++
      return
    }
  }
  const age = deps.clock().getTime() - (row.claimedAt?.getTime() ?? 0)
  if (age > mail.sendingLeaseMs - mail.sendTimeoutMs) {
    const now = deps.clock()
    await queries.transition(
      db,
      row.id,
      'sending',
      {
        status: 'pending',
        attempts: row.attempts - 1,
        nextAttemptAt: row.nextAttemptAt ?? now,
        lastError: 'claimed too long before it could be sent; given back',
        updatedAt: now,
      },
      row.claimId,
    )
    return
  }
  try {
    const { providerId } = await deps.mailer.send(mailOf(row, mail.from))
    const now = deps.clock()
    await queries.transition(
      db,
      row.id,
      'sending',
      { status: 'sent', sentAt: now, providerId, lastError: null, verifyBeforeSend: false, updatedAt: now },
      row.claimId,
    )
    report[counter]++
  } catch (error) {
    const now = deps.clock()
    const failure =
      error instanceof MailError
        ? error
        : new MailError('retryable', error instanceof Error ? error.message : String(error))
    if (failure.kind === 'ambiguous') {
      // It may have gone out: leave it `sending`; once the lease passes, a Message-ID search decides.
      await queries.transition(db, row.id, 'sending', { lastError: failure.message, updatedAt: now }, row.claimId)
      report.uncertain++
    } else if (failure.kind === 'retryable' && row.attempts < mail.maxAttempts) {
      // 429/5xx: Gmail may have stored it all the same, so the next attempt asks before it sends.
      const nextAttemptAt = new Date(now.getTime() + retryDelayMs(row.attempts, mail.retryBaseMs, failure.retryAfterMs))
      await queries.transition(
        db,
        row.id,
        'sending',
        {
          status: 'pending',
          nextAttemptAt,
          lastError: failure.message,
          verifyBeforeSend: failure.mayHaveGone,
          updatedAt: now,
        },
        row.claimId,
      )
      report.retrying++
    } else {
      // A staff retry of a message whose last answer was unclear still checks before it sends.
      const verifyBeforeSend = failure.kind === 'retryable' && failure.mayHaveGone
      const lastError = verifyBeforeSend
        ? `${failure.message} (it may have gone out all the same: a retry first checks its Message-ID and sends only if it is not there)`
        : failure.message
      await queries.transition(
        db,
        row.id,
        'sending',
        { status: 'failed', lastError, verifyBeforeSend, updatedAt: now },
        row.claimId,
      )
      report.failed++
    }
  }
}

export async function listOutbox(
  db: Db,
  filter: { status?: queries.OutboxStatus; team?: string; limit?: number },
): Promise<OutboxMessageView[]> {
  const rows = await queries.listMessages(db, {
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.team ? { teamSlug: filter.team } : {}),
    limit: filter.limit ?? 500,
  })
  return rows.map((r) => view(r.message, r.team))
}

async function requireMessage(db: Db, id: string): Promise<queries.OutboxRow> {
  const row = isUuid(id) ? await queries.findMessage(db, id, { forUpdate: true }) : null
  if (!row) throw new AppError('not-found', 'message-not-found', `There is no outbox message ${id}`)
  return row
}

async function teamSlugOf(db: Db, id: string): Promise<string> {
  const [row] = await queries.listMessages(db, { limit: 1, id })
  return row?.team ?? ''
}

/**
 * Staff decide that a failed, unknown or skipped message should go (again): it becomes `pending`
 * and is sent on the next tick. A message that is pending, being sent or sent is left alone (409):
 * retrying those could only send it twice.
 */
export async function retryMessage(db: Db, id: string, staff: string, now: Date): Promise<OutboxMessageView> {
  const row = await db.transaction(async (tx) => {
    const row = await requireMessage(tx, id)
    if (!['failed', 'unknown', 'skipped'].includes(row.status)) {
      throw new AppError(
        'conflict',
        `message-${row.status}`,
        `This message is ${row.status}; only failed, unknown or skipped messages can be retried`,
      )
    }
    if (row.toAddress === null)
      throw new AppError(
        'conflict',
        'message-has-no-recipient',
        `This message has no recipient (${row.lastError ?? 'no address'}); set the address and let rota queue it again`,
      )
    // For `unknown`, staff have checked that it did not go out: no check before this send (one
    // that could not answer is what made it unknown). A `failed` one keeps its owed check.
    const verifyBeforeSend = row.status === 'unknown' ? false : row.verifyBeforeSend
    await auditOutbox(tx, 'outbox.retry', row, 'pending', staff, now)
    return (await queries.transition(tx, id, row.status, {
      status: 'pending',
      nextAttemptAt: now,
      lastError: `retry requested by ${staff}`,
      verifyBeforeSend,
      // Staff decided it should go, knowing why it was skipped: its premise is not checked again.
      checkPremise: row.status === 'skipped' ? false : row.checkPremise,
      updatedAt: now,
    }))!
  })
  return view(row, await teamSlugOf(db, row.id))
}

/** The audit row of a staff decision about one message: its status, and whom it is to (a reference). */
async function auditOutbox(
  tx: Db,
  action: string,
  row: queries.OutboxRow,
  status: string,
  staff: string,
  now: Date,
): Promise<void> {
  await recordAudit(tx, {
    at: now,
    actor: staff,
    action,
    entity: 'outbox',
    entityId: row.id,
    before: { status: row.status },
    after: { status, kind: row.kind, to: await personOf(tx, row.toAddress) },
  })
}

/** Staff decide that a pending, failed or unknown message should not go: it is recorded as skipped. */
export async function cancelMessage(db: Db, id: string, staff: string, now: Date): Promise<OutboxMessageView> {
  const row = await db.transaction(async (tx) => {
    const row = await requireMessage(tx, id)
    if (!['pending', 'failed', 'unknown'].includes(row.status)) {
      throw new AppError(
        'conflict',
        `message-${row.status}`,
        `This message is ${row.status}; only pending, failed or unknown messages can be cancelled`,
      )
    }
    await auditOutbox(tx, 'outbox.cancel', row, 'skipped', staff, now)
    return (await queries.transition(tx, id, row.status, {
      status: 'skipped',
      lastError: `cancelled by ${staff}`,
      updatedAt: now,
    }))!
  })
  return view(row, await teamSlugOf(db, row.id))
}
