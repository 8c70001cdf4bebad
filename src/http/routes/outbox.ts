import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import * as outbox from '../../services/outbox.js'
import { errors, staffOnly } from '../schemas/common.js'
import { MessageParams, OutboxList, OutboxMessage, OutboxQuery } from '../schemas/outbox.js'

export function outboxRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.get(
      '/outbox',
      {
        schema: {
          tags: ['outbox'],
          summary: 'Emails rota queued, newest first (with addresses: staff only)',
          security: staffOnly,
          querystring: OutboxQuery,
          response: { 200: OutboxList, ...errors(400, 401) },
        },
      },
      async (request) => ({ messages: await outbox.listOutbox(db, request.query) }),
    )

    app.post(
      '/outbox/:id/retry',
      {
        schema: {
          tags: ['outbox'],
          summary: 'Send a failed, unknown or skipped email (again) on the next tick',
          description:
            'For `unknown`, staff have checked that it did not go out. Pending, sending and sent emails are refused (409): retrying them could send twice.',
          security: staffOnly,
          params: MessageParams,
          response: { 200: OutboxMessage, ...errors(401, 404, 409) },
        },
      },
      async (request) => outbox.retryMessage(db, request.params.id, request.staff?.name ?? 'staff', deps.clock()),
    )

    app.post(
      '/outbox/:id/cancel',
      {
        schema: {
          tags: ['outbox'],
          summary: 'Do not send a pending, failed or unknown email (recorded as skipped)',
          security: staffOnly,
          params: MessageParams,
          response: { 200: OutboxMessage, ...errors(401, 404, 409) },
        },
      },
      async (request) => outbox.cancelMessage(db, request.params.id, request.staff?.name ?? 'staff', deps.clock()),
    )
  }
}
