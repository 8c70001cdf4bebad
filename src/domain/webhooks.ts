/**
 * Webhooks: what rota tells a team's subscribers, and when a term boundary has been crossed. Pure:
 * no I/O, time comes in as an argument.
 */
import { effectiveEnd, type RosterMember } from './roster.js'
import { compareInstants, type Instant } from './time.js'

/** The events a webhook may subscribe to. */
export const WEBHOOK_EVENTS = ['roster.changed', 'call.opened', 'call.closed', 'term.boundary'] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

/**
 * How a delivery's body is shaped: `rota` (rota's own JSON) or `github-dispatch` (GitHub's
 * `repository_dispatch` body, `{ event_type, client_payload }`, so the URL may be GitHub's API).
 */
export const WEBHOOK_FORMATS = ['rota', 'github-dispatch'] as const
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number]

/** Where an outbox row goes: an email, or a webhook delivery. */
export const OUTBOX_CHANNELS = ['email', 'webhook'] as const
export type OutboxChannel = (typeof OUTBOX_CHANNELS)[number]

export function isWebhookEvent(value: string): value is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(value)
}

/**
 * The instants in `(after, upTo]` at which someone's term starts or ends (the effective end: an early
 * end is an end), each once, in order: the term boundaries a tick at `upTo` has crossed since the
 * tick that checked up to `after`. A member who leaves as they start makes no boundary of their own.
 */
export function boundariesCrossed(members: readonly RosterMember[], after: Instant, upTo: Instant): Instant[] {
  const found = new Set<Instant>()
  for (const member of members) {
    const end = effectiveEnd(member)
    if (end !== null && compareInstants(end, member.termStart) <= 0) continue
    for (const boundary of [member.termStart, end]) {
      if (boundary !== null && compareInstants(boundary, after) > 0 && compareInstants(boundary, upTo) <= 0)
        found.add(boundary)
    }
  }
  return [...found].sort(compareInstants)
}

/** The body a webhook receives for an event in its format (rota's payload as is, or mapped for GitHub). */
export function deliveryBody(format: WebhookFormat, payload: Record<string, unknown> & { event: string }): string {
  if (format === 'github-dispatch') {
    // GitHub: event_type at most 100 characters; client_payload at most 10 top-level properties.
    return JSON.stringify({ event_type: `rota.${payload.event}`, client_payload: payload })
  }
  return JSON.stringify(payload)
}

/** HMAC input: `<timestamp>.<body>`, so that a captured body cannot be replayed with another timestamp. */
export function signedContent(timestamp: string, body: string): string {
  return `${timestamp}.${body}`
}

/** Whether an HTTP status of a delivery means: delivered, retry later, or refused for good. */
export function deliveryOutcome(status: number): 'delivered' | 'retry' | 'refused' {
  if (status >= 200 && status < 300) return 'delivered'
  if (status === 408 || status === 429 || status >= 500) return 'retry'
  return 'refused'
}
