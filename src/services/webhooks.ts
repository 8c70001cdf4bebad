import { recordAudit } from './audit.js'
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto'
import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import type { Deps } from '../deps.js'
import { listMembers } from '../db/queries/members.js'
import * as outboxQueries from '../db/queries/outbox.js'
import * as queries from '../db/queries/webhooks.js'
import { listTeams, type TeamRow } from '../db/queries/teams.js'
import { AppError, invalid, isUuid } from '../errors.js'
import { rosterAt, type RosterMember } from '../domain/roster.js'
import { compareInstants, formatInstant, instantFromDate, type Instant } from '../domain/time.js'
import {
  boundariesCrossed,
  deliveryBody,
  deliveryOutcome,
  signedContent,
  type WebhookEvent,
  type WebhookFormat,
} from '../domain/webhooks.js'
import {
  isLocalName,
  isPublicAddress,
  literalAddress,
  postWebhook,
  WebhookRequestError,
} from '../integrations/webhook-http.js'
import type { NewWebhook, Webhook, WebhookCreated } from '../http/schemas/webhooks.js'
import { retryDelayMs, type DeliveryReport } from './outbox.js'
import { requireTeam } from './teams.js'

export type WebhookView = Static<typeof Webhook>
export type WebhookCreatedView = Static<typeof WebhookCreated>

function view(row: queries.WebhookRow, team: string): WebhookView {
  return {
    id: row.id,
    team,
    url: row.url,
    events: row.events,
    format: row.format,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
  }
}

/**
 * A webhook URL rota will POST to: `https://`, or `http://` only for this machine or a private
 * address and only with WEBHOOK_ALLOW_PRIVATE=on; never with credentials in it (they would be shown
 * to every staff member and logged by proxies: authenticate with the signature instead); never a
 * loopback, private or link-local address unless allowed.
 */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): URL {
  const bad = (message: string) => invalid('invalid-webhook-url', [{ field: 'body.url', message }])
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw bad('is not a URL')
  }
  if (url.username !== '' || url.password !== '')
    throw bad('must not carry credentials (user:password@): receivers check the X-Rota-Signature instead')
  if (url.hash !== '') throw bad('must not have a #fragment')
  const literal = literalAddress(url.hostname)
  const local = isLocalName(url.hostname) || (literal !== null && !isPublicAddress(literal))
  if (local && !allowPrivate)
    throw bad('points at this machine or a private network; rota allows that only with WEBHOOK_ALLOW_PRIVATE=on')
  if (url.protocol === 'http:') {
    if (!local) throw bad('must use https:// (plain http:// only for local or private addresses)')
  } else if (url.protocol !== 'https:') throw bad('must be an https:// URL')
  return url
}

/** Registers a webhook; the answer carries its signing secret, which is never shown again. */
export async function createWebhook(
  deps: Pick<Deps, 'database' | 'config'>,
  slug: string,
  body: Static<typeof NewWebhook>,
  staff: string,
  now: Date,
): Promise<WebhookCreatedView> {
  const url = checkWebhookUrl(body.url, deps.config.webhooks.allowPrivate)
  const events = [...new Set(body.events)]
  const secret = `whsec_${randomBytes(32).toString('base64url')}`
  return deps.database.db.transaction(async (tx) => {
    const team = await requireTeam(tx, slug)
    // From now on, the tick announces this team's changes and boundaries (not those before).
    await queries.lockState(tx, team.id, {
      boundariesUntil: instantFromDate(now),
      rosterDigest: rosterDigest(await teamMembers(tx, team.id), instantFromDate(now)),
      updatedAt: now,
    })
    const row = await queries.insertWebhook(tx, {
      teamId: team.id,
      url: url.href,
      events,
      format: (body.format ?? 'rota') as WebhookFormat,
      secret,
      createdBy: staff,
      createdAt: now,
    })
    // The host only: a URL's path or query may hold a receiver's token.
    await recordAudit(tx, {
      at: now,
      actor: staff,
      action: 'webhook.create',
      entity: 'webhook',
      entityId: row.id,
      after: { team: team.slug, host: url.host, events, format: row.format },
    })
    return { ...view(row, team.slug), secret }
  })
}

export async function listWebhooks(db: Db, slug: string): Promise<WebhookView[]> {
  const team = await requireTeam(db, slug)
  return (await queries.activeWebhooks(db, team.id)).map((row) => view(row, team.slug))
}

/** Deletes a webhook: nothing more is sent to it; its deliveries not yet made are recorded as skipped. */
export async function deleteWebhook(db: Db, slug: string, id: string, staff: string, now: Date): Promise<WebhookView> {
  return db.transaction(async (tx) => {
    const team = await requireTeam(tx, slug)
    const row = isUuid(id) ? await queries.findWebhook(tx, id) : null
    if (!row || row.teamId !== team.id || row.deletedAt !== null)
      throw new AppError('not-found', 'webhook-not-found', `Team "${slug}" has no webhook ${id}`)
    const deleted = await queries.deleteWebhook(tx, id, staff, now)
    if (!deleted) throw new AppError('not-found', 'webhook-not-found', `Team "${slug}" has no webhook ${id}`)
    await queries.skipUndelivered(tx, id, `webhook deleted by ${staff}`, now)
    await recordAudit(tx, {
      at: now,
      actor: staff,
      action: 'webhook.delete',
      entity: 'webhook',
      entityId: id,
      before: { deletedAt: null },
      after: { deletedAt: now },
    })
    return view(deleted, team.slug)
  })
}

/** The roster feeds of a team, absolute when PUBLIC_URL is set. */
export function rosterLinks(publicUrl: string | null, slug: string): Record<'json' | 'yml' | 'md' | 'html', string> {
  const base = `${publicUrl ?? ''}/teams/${encodeURIComponent(slug)}/roster`
  return { json: `${base}.json`, yml: `${base}.yml`, md: `${base}.md`, html: `${base}.html` }
}

/** What a webhook event says: the team, the event, when, and public facts only (never a person's data). */
export interface WebhookEventFacts {
  /** Unique per event and team: a webhook receives each key once (`term.boundary:<instant>`…). */
  key: string
  occurredAt: Instant
  /** The public roster's links (roster events), and any public fact the event adds (a call's window). */
  data?: Record<string, unknown>
  /** Only webhooks registered at or before this instant receive the event (term boundaries: those registered by then). */
  registeredBy?: Instant
}

/**
 * Queues an event for every webhook of the team that subscribes to it, in the caller's transaction
 * (so the event is announced if and only if what it announces is committed). Each delivery is an
 * outbox row keyed by webhook and event: queued once, whoever queues it.
 */
export async function queueWebhookEvent(
  db: Db,
  team: Pick<TeamRow, 'id' | 'slug'>,
  event: WebhookEvent,
  facts: WebhookEventFacts,
  now: Date,
): Promise<number> {
  const hooks = (await queries.activeWebhooks(db, team.id)).filter(
    (hook) =>
      hook.events.includes(event) &&
      (facts.registeredBy === undefined || compareInstants(instantFromDate(hook.createdAt), facts.registeredBy) <= 0),
  )
  if (hooks.length === 0) return 0
  const payload = { event, team: team.slug, occurred_at: formatInstant(facts.occurredAt), ...facts.data }
  const inserted = await outboxQueries.insertMessages(
    db,
    hooks.map((hook) => ({
      teamId: team.id,
      kind: event,
      channel: 'webhook' as const,
      webhookId: hook.id,
      key: `webhook:${hook.id}:${facts.key}`,
      // The X-Rota-Delivery id: stored, so every redelivery carries the same one.
      messageId: randomUUID(),
      toAddress: hook.url,
      subject: `${event} (${team.slug})`,
      body: deliveryBody(hook.format, payload),
      status: 'pending' as const,
      nextAttemptAt: now,
      checkPremise: false,
      createdAt: now,
      updatedAt: now,
    })),
  )
  return inserted.length
}

async function teamMembers(db: Db, teamId: string): Promise<RosterMember[]> {
  return (await listMembers(db, teamId)).map(({ member }) => ({
    id: member.id,
    name: member.name,
    institution: null,
    seat: member.seat as RosterMember['seat'],
    termStart: member.termStart,
    termEnd: member.termEnd,
    endedAt: member.endedAt,
  }))
}

/** Who serves at `t`, as a digest: equal digests, same people on the roster. */
function rosterDigest(members: readonly RosterMember[], t: Instant): string {
  const ids = rosterAt(members, t)
    .map((m) => m.id)
    .sort()
  return createHash('sha256').update(ids.join(',')).digest('base64url').slice(0, 32)
}

/**
 * Tells a team's webhooks what changed on its own by `now`: every term boundary crossed since the
 * last check (`term.boundary`, once per boundary, in order), and a change of who serves now
 * (`roster.changed`, once per change seen). The team's state row is locked for the check, so ticks
 * racing each other, or a tick and a write, announce each boundary and each change once; missed
 * ticks lose nothing, as the next one covers the whole span since the last check.
 */
export async function announceTeamChanges(
  db: Db,
  publicUrl: string | null,
  team: Pick<TeamRow, 'id' | 'slug'>,
  now: Date,
): Promise<{ boundaries: number; rosterChanged: boolean }> {
  return db.transaction(async (tx) => {
    const at = instantFromDate(now)
    const members = await teamMembers(tx, team.id)
    const digest = rosterDigest(members, at)
    const { state, created } = await queries.lockState(tx, team.id, {
      boundariesUntil: at,
      rosterDigest: digest,
      updatedAt: now,
    })
    if (created) return { boundaries: 0, rosterChanged: false }
    const roster = { roster: rosterLinks(publicUrl, team.slug) }
    const boundaries = boundariesCrossed(members, state.boundariesUntil, at)
    for (const boundary of boundaries) {
      await queueWebhookEvent(
        tx,
        team,
        'term.boundary',
        { key: `term.boundary:${boundary}`, occurredAt: boundary, registeredBy: boundary, data: roster },
        now,
      )
    }
    const changed = digest !== state.rosterDigest
    const version = changed ? state.rosterVersion + 1 : state.rosterVersion
    if (changed)
      await queueWebhookEvent(
        tx,
        team,
        'roster.changed',
        { key: `roster.changed:${version}`, occurredAt: at, data: roster },
        now,
      )
    const later = compareInstants(at, state.boundariesUntil) > 0
    if (later || changed)
      await queries.updateState(tx, team.id, {
        ...(later ? { boundariesUntil: at } : {}),
        ...(changed ? { rosterDigest: digest, rosterVersion: version } : {}),
        updatedAt: now,
      })
    return { boundaries: boundaries.length, rosterChanged: changed }
  })
}

/** The headers a delivery carries; the signature is HMAC-SHA256 over `<timestamp>.<body>` with the webhook's secret. */
export function deliveryHeaders(
  event: string,
  deliveryId: string,
  secret: string,
  body: string,
  timestamp: string,
): Record<string, string> {
  const signature = createHmac('sha256', secret).update(signedContent(timestamp, body)).digest('hex')
  return {
    'content-type': 'application/json',
    'user-agent': 'rota-webhooks',
    'x-rota-event': event,
    'x-rota-delivery': deliveryId,
    'x-rota-timestamp': timestamp,
    'x-rota-signature': `sha256=${signature}`,
  }
}

/**
 * Delivers due webhook events, each claimed first (fenced by its claim id, as emails are). A
 * delivery left `sending` past the lease (its sender died after or before its POST) is delivered
 * again with the same X-Rota-Delivery id: receivers drop what they have seen (at-least-once, never
 * lost). 2xx: sent; 408, 429, 5xx, a timeout or no connection: retried with back-off, then failed;
 * any other status (4xx, a redirect): failed at once, for staff to see and retry.
 */
export async function deliverWebhooks(
  deps: Pick<Deps, 'database' | 'config' | 'clock'>,
  report: DeliveryReport,
  options: { limit?: number } = {},
): Promise<void> {
  const { db } = deps.database
  const config = deps.config.webhooks
  const limit = options.limit ?? deps.config.mail.batchSize
  for (let done = 0; done < limit; done++) {
    let row = await db.transaction((tx) => outboxQueries.claimStale(tx, deps.clock(), config.leaseMs, 'webhook'))
    if (row) {
      // Its sender died mid-way: this redelivery counts as an attempt of its own.
      const now = deps.clock()
      row = await outboxQueries.transition(
        db,
        row.id,
        'sending',
        { attempts: row.attempts + 1, claimedAt: now, claimId: outboxQueries.newClaimId(), updatedAt: now },
        row.claimId,
      )
      if (!row) continue
    } else {
      row = await db.transaction((tx) => outboxQueries.claimPending(tx, deps.clock(), 'webhook'))
      if (!row) break
    }
    await deliverClaimed(deps, row, report)
  }
}

async function deliverClaimed(
  deps: Pick<Deps, 'database' | 'config' | 'clock'>,
  row: outboxQueries.OutboxRow,
  report: DeliveryReport,
): Promise<void> {
  const { db } = deps.database
  const config = deps.config.webhooks
  const hook = row.webhookId === null ? null : await queries.findWebhook(db, row.webhookId)
  if (!hook || hook.deletedAt !== null) {
    const moved = await outboxQueries.transition(
      db,
      row.id,
      'sending',
      { status: 'skipped', lastError: 'skipped: the webhook was deleted', updatedAt: deps.clock() },
      row.claimId,
    )
    if (moved) report.skipped++
    return
  }
  const timestamp = String(Math.floor(deps.clock().getTime() / 1000))
  const headers = deliveryHeaders(row.kind, row.messageId, hook.secret, row.body, timestamp)
  let failure: string | null = null
  let outcome: 'delivered' | 'retry' | 'refused'
  try {
    const status = await postWebhook(new URL(hook.url), headers, row.body, {
      timeoutMs: config.timeoutMs,
      allowPrivate: config.allowPrivate,
    })
    outcome = deliveryOutcome(status)
    if (outcome !== 'delivered') failure = `the receiver answered ${status}`
  } catch (error) {
    outcome = 'retry'
    failure = error instanceof WebhookRequestError ? error.message : String(error)
  }
  const now = deps.clock()
  if (outcome === 'delivered') {
    const moved = await outboxQueries.transition(
      db,
      row.id,
      'sending',
      { status: 'sent', sentAt: now, lastError: null, updatedAt: now },
      row.claimId,
    )
    if (moved) report.sent++
  } else if (outcome === 'retry' && row.attempts < config.maxAttempts) {
    const nextAttemptAt = new Date(now.getTime() + retryDelayMs(row.attempts, config.retryBaseMs, null))
    const moved = await outboxQueries.transition(
      db,
      row.id,
      'sending',
      { status: 'pending', nextAttemptAt, lastError: failure, updatedAt: now },
      row.claimId,
    )
    if (moved) report.retrying++
  } else {
    const moved = await outboxQueries.transition(
      db,
      row.id,
      'sending',
      { status: 'failed', lastError: failure, updatedAt: now },
      row.claimId,
    )
    if (moved) report.failed++
  }
}

/**
 * After a write (an appointment, a step-down, a close, a reopen): announces what it changed for every
 * team at once, rather than waiting for the next tick (which would announce it all the same).
 */
export async function announceChanges(deps: Pick<Deps, 'database' | 'config'>, now: Date): Promise<void> {
  for (const team of await listTeams(deps.database.db))
    await announceTeamChanges(deps.database.db, deps.config.publicUrl, team, now)
}
