import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import * as webhooks from '../../services/webhooks.js'
import { errors, staffOnly } from '../schemas/common.js'
import { TeamParams } from '../schemas/teams.js'
import { NewWebhook, Webhook, WebhookCreated, WebhookList, WebhookParams } from '../schemas/webhooks.js'

export function webhookRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.post(
      '/teams/:team/webhooks',
      {
        config: { role: 'admin' },
        schema: {
          tags: ['webhooks'],
          summary: "Register a webhook for the team's events (admin); its signing secret is shown this once",
          security: staffOnly,
          params: TeamParams,
          body: NewWebhook,
          response: { 201: WebhookCreated, ...errors(400, 401, 404) },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(
            await webhooks.createWebhook(
              deps,
              request.params.team,
              request.body,
              request.staff?.name ?? 'staff',
              deps.clock(),
            ),
          ),
    )

    app.get(
      '/teams/:team/webhooks',
      {
        config: { role: 'admin' },
        schema: {
          tags: ['webhooks'],
          summary: "The team's webhooks (admin; never their secrets)",
          security: staffOnly,
          params: TeamParams,
          response: { 200: WebhookList, ...errors(401, 404) },
        },
      },
      async (request) => ({ webhooks: await webhooks.listWebhooks(db, request.params.team) }),
    )

    app.delete(
      '/teams/:team/webhooks/:id',
      {
        config: { role: 'admin' },
        schema: {
          tags: ['webhooks'],
          summary:
            'Delete a webhook (admin): nothing more is sent; its deliveries not yet made are recorded as skipped',
          security: staffOnly,
          params: WebhookParams,
          response: { 200: Webhook, ...errors(401, 404) },
        },
      },
      async (request) =>
        webhooks.deleteWebhook(
          db,
          request.params.team,
          request.params.id,
          request.staff?.name ?? 'staff',
          deps.clock(),
        ),
    )
  }
}
