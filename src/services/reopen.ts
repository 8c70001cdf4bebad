import { recordAudit } from './audit.js'
import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as callQueries from '../db/queries/calls.js'
import * as memberQueries from '../db/queries/members.js'
import * as outboxQueries from '../db/queries/outbox.js'
import { supersedeSelection } from '../db/queries/selections.js'
import { refused } from '../errors.js'
import { mayReopenCall } from '../domain/lifecycle.js'
import { compareInstants, formatInstant, type Instant } from '../domain/time.js'
import type { ReopenResult } from '../http/schemas/calls.js'
import { callStatus, callView, requireCall } from './calls.js'
import { requireTeam } from './teams.js'

export type ReopenView = Static<typeof ReopenResult>

/** Statuses of an email that has not gone and can still be stopped. */
const CANCELLABLE: outboxQueries.OutboxStatus[] = ['pending', 'failed']
/** Statuses of an email that has gone, or may have (rota cannot call it back). */
const GONE: readonly string[] = ['sent', 'sending', 'unknown']

function emailView(row: outboxQueries.OutboxRow): ReopenView['sentEmails'][number] {
  return {
    id: row.id,
    kind: row.kind,
    to: row.toAddress,
    subject: row.subject,
    status: row.status,
    sentAt: row.sentAt?.toISOString() ?? null,
  }
}

/**
 * Staff undo a call's close (`mayReopenCall` says when they may): the selection is kept as
 * superseded history with who, when and why; the members the close made are voided (kept on
 * record, never served, off every roster); the call is no longer closed — `open` or `due` by its
 * window, an early close's window given back unless another call now uses it; and the emails about
 * the call (or its voided members) not sent yet are cancelled (marked skipped with the reason, never
 * deleted), while those already sent are listed for staff to correct by hand.
 */
export async function reopenCall(
  db: Db,
  id: string,
  input: { reason: string },
  staff: string,
  now: Date,
): Promise<ReopenView> {
  return db.transaction(async (tx) => {
    const { team: unlocked } = await requireCall(tx, id)
    // The team row lock serialises this with call creation, appointments and step-downs.
    const team = await requireTeam(tx, unlocked.slug, true)
    const { call } = await requireCall(tx, id, { forUpdate: true })
    const reason = input.reason.trim()
    const others = (await callQueries.activeCalls(tx, team.id)).filter((c) => c.id !== id)
    const later = others.find((c) => c.closedAt !== null && compareInstants(c.opensAt, call.opensAt) > 0)
    const linked = await memberQueries.membersOfCall(tx, id)
    const created = linked.filter((m) => m.origin === 'selected')
    const replaced = new Set(linked.map((m) => m.replacesMemberId).filter((x) => x !== null))
    const decision = mayReopenCall(
      { closed: call.closedAt !== null, cancelled: call.cancelledAt !== null },
      {
        laterClosed: later ? { id: later.id, opensAt: later.opensAt } : null,
        departed: created.filter((m) => m.endedAt !== null || replaced.has(m.id)),
        appointees: linked.filter((m) => m.origin === 'appointed' && m.endedAt === null),
      },
      reason,
    )
    if (!decision.ok) throw refused(decision.refusal)

    const record = `call reopened by ${staff}: ${reason}`
    await supersedeSelection(tx, id, { supersededAt: now, supersededBy: staff, supersededReason: reason })
    const voided = await memberQueries.voidMembers(
      tx,
      created.map((m) => m.id),
      { voidedAt: now, voidReason: record },
    )

    // An early close ended the window at the close: give the original end back, unless a call
    // created since uses that time.
    const notes: string[] = []
    let closesAt: Instant = call.closesAt
    if (call.closedEarlyFrom !== null) {
      const original = call.closedEarlyFrom
      const inTheWay = others.find(
        (c) => compareInstants(c.opensAt, original) < 0 && compareInstants(call.opensAt, c.closesAt) < 0,
      )
      if (inTheWay)
        notes.push(
          `The call was closed early; its original end ${formatInstant(original)} is not restored because call ${inTheWay.id} now uses that time.`,
        )
      else {
        closesAt = original
        notes.push(`The call was closed early; its window runs to ${formatInstant(original)} again.`)
      }
    }
    const updated = await callQueries.updateCall(tx, id, {
      closedAt: null,
      closedEarlyFrom: null,
      closesAt,
      reopenedAt: now,
      reopenedBy: staff,
      reopenReason: reason,
    })
    const status = callStatus(updated, now)
    notes.push(
      status === 'open'
        ? `The call is open until ${formatInstant(closesAt)}; the tick closes it then, or close it yourself (POST /calls/{id}/close, { "early": true } before then).`
        : 'The call is due: the tick leaves a call reopened after its window to staff. Import or correct its responses, check GET /calls/{id}/selection, and close it (POST /calls/{id}/close).',
    )

    const cancelled: outboxQueries.OutboxRow[] = []
    const gone: outboxQueries.OutboxRow[] = []
    const closedAt = call.closedAt!
    const voidedIds = voided.map((m) => m.id)
    for (const row of await outboxQueries.messagesFor(tx, id, voidedIds)) {
      if (CANCELLABLE.includes(row.status)) {
        const moved = await outboxQueries.transition(tx, row.id, CANCELLABLE, {
          status: 'skipped',
          lastError: `cancelled: ${record}`,
          updatedAt: now,
        })
        if (moved) cancelled.push(moved)
        else gone.push(row)
      } else if (
        GONE.includes(row.status) &&
        (row.createdAt.getTime() >= closedAt.getTime() || (row.memberId !== null && voidedIds.includes(row.memberId)))
      ) {
        gone.push(row)
      }
    }
    if (gone.length > 0)
      notes.push(
        `${gone.length} email${gone.length === 1 ? '' : 's'} of the close had already gone (sentEmails): correct them by hand.`,
      )

    await recordAudit(tx, {
      at: now,
      actor: staff,
      action: 'call.reopen',
      entity: 'call',
      entityId: id,
      reason,
      before: { closedAt: call.closedAt, ...(closesAt !== call.closesAt ? { closesAt: call.closesAt } : {}) },
      after: {
        closedAt: null,
        ...(closesAt !== call.closesAt ? { closesAt } : {}),
        voidedMembers: voidedIds,
        cancelledEmails: cancelled.length,
      },
    })
    return {
      call: callView(updated, team.slug, now),
      removedMembers: voided.map((m) => ({
        id: m.id,
        name: m.name,
        seat: m.seat,
        termStart: formatInstant(m.termStart),
      })),
      cancelledEmails: cancelled.map(emailView),
      sentEmails: gone.map(emailView),
      notes,
    }
  })
}
