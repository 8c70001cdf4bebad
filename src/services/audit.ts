import { needlesOf, replaceMentions } from '../domain/mentions.js'
import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as queries from '../db/queries/audit.js'
import { personRef } from '../db/queries/person-refs.js'
import { emailKey, isPersonRef } from '../domain/person-ref.js'
import { AppError, invalid } from '../errors.js'
import type { AuditEntryView, AuditQuery } from '../http/schemas/audit.js'

/** The audit actor of the scheduler, and of `npm run token`. */
export const TICK_ACTOR = 'tick'
export const CLI_ACTOR = 'cli'
/** The name services record for STAFF_TOKEN (closedBy, importedBy…); the audit log says `env`. */
export const ENV_STAFF_NAME = 'STAFF_TOKEN'
export const ENV_ACTOR = 'env'

/** Token names that would pass for another actor in the audit log: refused when a token is created. */
export const RESERVED_ACTOR_NAMES = [ENV_ACTOR, TICK_ACTOR, CLI_ACTOR, ENV_STAFF_NAME, 'staff'].map((n) =>
  n.toLowerCase(),
)

/** The changed fields of one record, before and after; people only as person references. */
export type Fields = Record<string, unknown>

export interface AuditEntry {
  /** rota's clock. */
  at: Date
  /** The staff token's name (`STAFF_TOKEN` is recorded as `env`), `tick` or `cli`. */
  actor: string
  /** `entity.verb`, e.g. `call.close`. */
  action: string
  entity: string
  entityId: string
  reason?: string | null
  /**
   * The people the change is about, by reference with their name and address: where the free-text
   * reason names them, the log keeps their reference instead (`[person_…]`), so it outlives erasure.
   */
  mentions?: ReadonlyArray<{
    ref: string | null
    names: ReadonlyArray<string | null | undefined>
    /** Their address: every name given with it is looked for too. */
    email?: string | null
  }>
  before?: Fields | null
  after?: Fields | null
}

/** The audit actor for who a service was told acted: STAFF_TOKEN is `env`, the tick `tick`. */
export function auditActor(by: string): string {
  if (by === ENV_STAFF_NAME) return ENV_ACTOR
  if (by === 'rota (tick)') return TICK_ACTOR
  return by
}

/** Dates as ISO strings, undefined left out: what goes into the row's JSON. */
function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, plain(v)]),
    )
  return value
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(plain(a)) === JSON.stringify(plain(b))
}

/**
 * The fields that differ between two versions of a record (keys of `after`), each side holding only
 * those: the compact before/after of an audit row. Nested objects named in `nested` (a team's
 * policy) are compared key by key in turn.
 */
export function changedFields(
  before: Fields,
  after: Fields,
  nested: readonly string[] = [],
): { before: Fields; after: Fields } {
  const out = { before: {} as Fields, after: {} as Fields }
  for (const key of Object.keys(after)) {
    if (same(before[key], after[key])) continue
    if (nested.includes(key) && isObject(before[key]) && isObject(after[key])) {
      const inner = changedFields(before[key], after[key])
      out.before[key] = inner.before
      out.after[key] = inner.after
    } else {
      out.before[key] = before[key] ?? null
      out.after[key] = after[key] ?? null
    }
  }
  return out
}

function isObject(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** The person reference of an email address for an audit row (null for a blank address). */
export async function personOf(db: Db, email: string | null | undefined): Promise<string | null> {
  if (email === null || email === undefined || email.trim() === '') return null
  return personRef(db, email)
}

/**
 * The reason with every name and address the people it is about ever gave rota (in any response or
 * membership, not only the row at hand: staff write the name they know) replaced by their reference.
 */
async function withoutMentions(db: Db, reason: string, mentions: NonNullable<AuditEntry['mentions']>): Promise<string> {
  let out = reason
  for (const { ref, names, email } of mentions) {
    const known = email ? await queries.namesGivenBy(db, emailKey(email)) : []
    out = replaceMentions(out, needlesOf([...names, email, ...known]), `[${ref ?? 'person'}]`)
  }
  return out
}

/**
 * Appends one row to the audit log. Call it inside the transaction of the change it records, so
 * that the row exists exactly when the change does. Never pass an email or a person's name: use
 * `personOf` (the log must outlive erasures).
 */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await queries.insertAudit(db, {
    at: entry.at,
    actor: auditActor(entry.actor),
    action: entry.action,
    entity: entry.entity,
    entityId: entry.entityId,
    reason:
      entry.reason === null || entry.reason === undefined
        ? null
        : await withoutMentions(db, entry.reason, entry.mentions ?? []),
    before: entry.before ? (plain(entry.before) as Fields) : null,
    after: entry.after ? (plain(entry.after) as Fields) : null,
  })
}

const CURSOR_PREFIX = 'audit:'

function encodeCursor(id: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`, 'utf8').toString('base64url')
}

function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : ''
  const match = /^audit:([1-9][0-9]{0,15})$/.exec(text)
  if (!match || !Number.isSafeInteger(Number(match[1])))
    throw invalid('invalid-cursor', [
      { field: 'querystring.cursor', message: 'is not a cursor from an earlier answer (nextCursor)' },
    ])
  return Number(match[1])
}

export type AuditQueryInput = Static<typeof AuditQuery>
export type AuditEntryRecord = Static<typeof AuditEntryView>

/** The audit log, newest first, a page at a time: `nextCursor` continues where the page ended. */
export async function listAudit(
  db: Db,
  query: AuditQueryInput,
): Promise<{ entries: AuditEntryRecord[]; nextCursor: string | null }> {
  const limit = query.limit ?? 100
  let since: Date | undefined
  if (query.since !== undefined) {
    since = new Date(query.since)
    if (Number.isNaN(since.getTime()))
      throw invalid('invalid-since', [{ field: 'querystring.since', message: 'must be an ISO 8601 date-time' }])
  }
  if (query.person !== undefined && !isPersonRef(query.person))
    throw new AppError('invalid', 'invalid-person-ref', 'querystring.person must be a person reference', {
      problems: [{ field: 'querystring.person', message: 'must be a person reference such as person_3k9v2q7x1m4t' }],
    })
  const rows = await queries.listAudit(
    db,
    {
      ...(query.entity !== undefined ? { entity: query.entity } : {}),
      ...(query.entityId !== undefined ? { entityId: query.entityId } : {}),
      ...(query.action !== undefined ? { action: query.action } : {}),
      ...(query.actor !== undefined ? { actor: query.actor } : {}),
      ...(query.person !== undefined ? { person: query.person } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(query.cursor !== undefined ? { beforeId: decodeCursor(query.cursor) } : {}),
    },
    limit + 1,
  )
  const page = rows.slice(0, limit)
  return {
    entries: page.map((row) => ({
      id: String(row.id),
      at: row.at.toISOString(),
      actor: row.actor,
      action: row.action,
      entity: row.entity,
      entityId: row.entityId,
      reason: row.reason,
      before: row.before,
      after: row.after,
    })),
    nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!.id) : null,
  }
}
