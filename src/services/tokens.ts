import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { and, eq, gt, isNull, lt, or } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { staffTokens } from '../db/schema.js'
import { STAFF_ROLES, type StaffRole } from '../domain/roles.js'
import { AppError, invalid } from '../errors.js'
import { ENV_STAFF_NAME, RESERVED_ACTOR_NAMES, recordAudit } from './audit.js'

/** SHA-256 of a token, hex: tokens are 256 random bits, so a fast hash is enough to make a stolen table useless. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** A new random token: `rota_` and 43 base64url characters (256 bits). */
export function generateToken(): string {
  return `rota_${randomBytes(32).toString('base64url')}`
}

export interface Staff {
  /** The token's name, or `STAFF_TOKEN` (recorded as `env` in the audit log). */
  name: string
  role: StaffRole
}

/** The longest a token may live: ten years. */
export const MAX_EXPIRY_DAYS = 3650

const DAY_MS = 24 * 60 * 60 * 1000

export interface NewToken {
  name: string
  role: StaffRole
  /** Days until it expires; undefined: it never expires. */
  expiresInDays?: number
}

export interface TokenView {
  name: string
  role: StaffRole
  createdAt: string
  expiresAt: string | null
  lastUsedAt: string | null
  revokedAt: string | null
}

function tokenView(row: typeof staffTokens.$inferSelect): TokenView {
  return {
    name: row.name,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  }
}

/**
 * Creates a staff token under `name` with a role (and an expiry), stores its hash only, records it
 * in the audit log as done by `by`, and returns the token (shown once) with what was stored.
 */
export async function createStaffToken(
  db: Db,
  input: NewToken,
  by: string,
  now: Date,
): Promise<{ token: string; view: TokenView }> {
  const trimmed = input.name.trim()
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,99}$/u.test(trimmed))
    throw invalid('invalid-token-name', [
      { field: 'body.name', message: 'must be 1–100 letters, digits, spaces, ".", "_", "@" or "-"' },
    ])
  if (RESERVED_ACTOR_NAMES.includes(trimmed.toLowerCase()))
    throw invalid('invalid-token-name', [
      {
        field: 'body.name',
        message: `"${trimmed}" is how the audit log names rota itself (${RESERVED_ACTOR_NAMES.join(', ')}); choose another name`,
      },
    ])
  if (!STAFF_ROLES.includes(input.role))
    throw invalid('invalid-role', [{ field: 'body.role', message: `must be one of ${STAFF_ROLES.join(', ')}` }])
  const days = input.expiresInDays
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS))
    throw invalid('invalid-expiry', [
      { field: 'body.expiresInDays', message: `must be a whole number of days from 1 to ${MAX_EXPIRY_DAYS}` },
    ])
  const token = generateToken()
  const expiresAt = days === undefined ? null : new Date(now.getTime() + days * DAY_MS)
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(staffTokens)
      .values({ name: trimmed, tokenHash: hashToken(token), role: input.role, expiresAt, createdAt: now })
      .onConflictDoNothing()
      .returning()
    if (!row)
      throw new AppError(
        'conflict',
        'token-name-taken',
        `a live token named "${trimmed}" already exists; revoke it first`,
      )
    await recordAudit(tx, {
      at: now,
      actor: by,
      action: 'token.create',
      entity: 'token',
      entityId: trimmed,
      after: { role: row.role, expiresAt: row.expiresAt },
    })
    return { token, view: tokenView(row) }
  })
}

/** Revokes the live token called `name` (recorded in the audit log as done by `by`); null when there is none. */
export async function revokeStaffToken(db: Db, name: string, by: string, now: Date): Promise<TokenView | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(staffTokens)
      .set({ revokedAt: now })
      .where(and(eq(staffTokens.name, name.trim()), isNull(staffTokens.revokedAt)))
      .returning()
    if (!row) return null
    await recordAudit(tx, {
      at: now,
      actor: by,
      action: 'token.revoke',
      entity: 'token',
      entityId: row.name,
      before: { revokedAt: null },
      after: { revokedAt: now },
    })
    return tokenView(row)
  })
}

/** Every token ever made, oldest first (revoked ones too: they are history). */
export async function listStaffTokens(db: Db): Promise<TokenView[]> {
  return (await db.select().from(staffTokens).orderBy(staffTokens.createdAt)).map(tokenView)
}

/** How often, at most, a token's lastUsedAt is written: once a minute. */
const LAST_USED_EVERY_MS = 60_000

export type Authentication = { staff: Staff } | { expired: string } | null

/**
 * Who a bearer token belongs to: the STAFF_TOKEN from the environment (compared in constant time;
 * role admin) or a live token whose hash is stored; `expired` for a stored token past its expiry;
 * null otherwise. Records the token's last use, writing at most once a minute per token.
 */
export async function authenticateStaff(
  db: Db,
  token: string,
  envToken: string | null,
  now: Date,
  lastWrites: Map<string, number> = new Map(),
): Promise<Authentication> {
  const hash = hashToken(token)
  if (envToken !== null) {
    const expected = Buffer.from(hashToken(envToken), 'hex')
    if (timingSafeEqual(Buffer.from(hash, 'hex'), expected)) return { staff: { name: ENV_STAFF_NAME, role: 'admin' } }
  }
  const [row] = await db
    .select({ id: staffTokens.id, name: staffTokens.name, role: staffTokens.role, expiresAt: staffTokens.expiresAt })
    .from(staffTokens)
    .where(and(eq(staffTokens.tokenHash, hash), isNull(staffTokens.revokedAt)))
    .limit(1)
  if (!row) return null
  if (row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime()) return { expired: row.name }
  const last = lastWrites.get(row.id)
  if (last === undefined || now.getTime() - last >= LAST_USED_EVERY_MS || now.getTime() < last) {
    lastWrites.set(row.id, now.getTime())
    // Conditional, so that several instances write it about once a minute too.
    await db
      .update(staffTokens)
      .set({ lastUsedAt: now })
      .where(
        and(
          eq(staffTokens.id, row.id),
          or(
            isNull(staffTokens.lastUsedAt),
            lt(staffTokens.lastUsedAt, new Date(now.getTime() - LAST_USED_EVERY_MS)),
            // A clock set back (tests, a corrected host clock) must not freeze it.
            gt(staffTokens.lastUsedAt, now),
          ),
        ),
      )
  }
  return { staff: { name: row.name, role: row.role } }
}
