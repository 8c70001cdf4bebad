import { Type } from '@sinclair/typebox'
import { OUTBOX_STATUSES } from '../../domain/notices.js'
import { OUTBOX_CHANNELS } from '../../domain/webhooks.js'
import { LiteralUnion, Slug } from './common.js'
import { Uuid } from './text.js'

export const OutboxStatus = LiteralUnion(OUTBOX_STATUSES, {
  description:
    'pending (queued), sending (claimed; checked by Message-ID if it stays), sent, failed (Google refused: lastError), unknown (rota cannot tell whether it went out: staff decide), skipped (stale, no address, or cancelled).',
})

export const OutboxMessage = Type.Object({
  id: Type.String(),
  team: Type.String(),
  kind: Type.String({ description: "An email's kind, or a webhook delivery's event (`roster.changed`…)." }),
  channel: LiteralUnion(OUTBOX_CHANNELS, {
    description:
      '`email`, or `webhook`: a signed POST to `to` (the webhook URL), `messageId` being its `X-Rota-Delivery` id.',
  }),
  to: Type.Union([Type.String(), Type.Null()]),
  subject: Type.String(),
  status: OutboxStatus,
  attempts: Type.Integer(),
  createdAt: Type.String(),
  sentAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  messageId: Type.String({ description: 'The Message-ID header, derived from the message key.' }),
  callId: Type.Union([Type.String(), Type.Null()]),
  memberId: Type.Union([Type.String(), Type.Null()]),
})

export const OutboxList = Type.Object({ messages: Type.Array(OutboxMessage) })

export const OutboxQuery = Type.Object({
  status: Type.Optional(OutboxStatus),
  team: Type.Optional(Slug),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 500 })),
})

export const MessageParams = Type.Object({ id: Uuid('Outbox message id (UUID).') })

const Counts = {
  sent: Type.Integer(),
  uncertain: Type.Integer(),
  retrying: Type.Integer(),
  failed: Type.Integer(),
  confirmed: Type.Integer(),
  resent: Type.Integer(),
  unknown: Type.Integer(),
  skipped: Type.Integer({
    description: 'Not sent because what they say is no longer true (e.g. `selected` to someone who stepped down).',
  }),
}

export const TickReport = Type.Object({
  at: Type.String(),
  actions: Type.Array(
    Type.Object({
      type: Type.String({
        description:
          'call-scheduled, call-opened, call-reminder, call-closed, needs-review, close-failed, term-ending, check-in, check-in-overdue, approval-reminder.',
      }),
      team: Type.String(),
      callId: Type.Optional(Type.String()),
      memberId: Type.Optional(Type.String()),
      notice: Type.Optional(Type.Union([Type.Literal('queued'), Type.Literal('skipped')])),
      reason: Type.Optional(Type.String()),
      selected: Type.Optional(Type.Integer({ description: 'call-closed: volunteers selected.' })),
      decisions: Type.Optional(Type.Integer({ description: 'call-closed: responses decided.' })),
      warnings: Type.Optional(
        Type.Integer({
          description: 'needs-review: warnings staff should review before closing the call (it stays due).',
        }),
      ),
      error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
    }),
  ),
  outbox: Type.Object(Counts, { description: 'What the delivery pass did.' }),
  erased: Type.Object(
    {
      responses: Type.Integer(),
      decisions: Type.Integer(),
      members: Type.Integer(),
      emails: Type.Integer(),
      emlFiles: Type.Integer(),
      people: Type.Integer(),
    },
    { description: "What the teams' retention policies made due and the tick erased (counts only)." },
  ),
  purged: Type.Optional(
    Type.Boolean({
      description:
        "Present when the tick erased something: true once the old versions of the erased rows were vacuumed out of the database's files (on the embedded database, its WAL too); false if that failed after the erasure had committed (logged as an error): the erasure stands.",
    }),
  ),
})
