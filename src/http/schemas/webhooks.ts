import { Type } from '@sinclair/typebox'
import { WEBHOOK_EVENTS, WEBHOOK_FORMATS } from '../../domain/webhooks.js'
import { LiteralUnion, Slug } from './common.js'
import { Uuid } from './text.js'

const Events = Type.Array(
  LiteralUnion(WEBHOOK_EVENTS, {
    description:
      '`roster.changed` (who serves now changed: a close, an appointment, a step-down, a term boundary), `call.opened`, `call.closed`, `term.boundary` (a term started or ended, with no one writing anything).',
  }),
  { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true },
)

export const NewWebhook = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2000,
      description:
        'Where rota POSTs each event: `https://`, without credentials. `http://` and loopback or private addresses only with `WEBHOOK_ALLOW_PRIVATE=on`.',
    }),
    events: Events,
    format: Type.Optional(
      LiteralUnion(WEBHOOK_FORMATS, {
        default: 'rota',
        description:
          "`rota`: rota's JSON (`event`, `team`, `occurred_at`, …). `github-dispatch`: the body GitHub's `POST /repos/{owner}/{repo}/dispatches` takes, `{ event_type: \"rota.<event>\", client_payload: <rota's JSON> }` (GitHub then needs a token: see README, Publishing the roster).",
      }),
    ),
  },
  { additionalProperties: false },
)

export const Webhook = Type.Object({
  id: Type.String(),
  team: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  format: Type.String(),
  createdAt: Type.String(),
  createdBy: Type.String(),
})

export const WebhookCreated = Type.Object({
  ...Webhook.properties,
  secret: Type.String({
    description:
      'The signing secret, shown this once: receivers check `X-Rota-Signature: sha256=<hex HMAC-SHA256 of "<X-Rota-Timestamp>.<body>">` with it.',
  }),
})

export const WebhookList = Type.Object({ webhooks: Type.Array(Webhook) })

export const WebhookParams = Type.Object({ team: Slug, id: Uuid('Webhook id (UUID).') })
