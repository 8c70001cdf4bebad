import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { and, eq, isNull } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { staffTokens } from '../db/schema.js'
import { AppError } from '../errors.js'

/** SHA-256 of a token, hex: tokens are 256 random bits, so a fast hash is enough to make a stolen table useless. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** A new random token: `rota_` and 43 base64url characters (256 bits). */
export function generateToken(): string {
  return `rota_${randomBytes(32).toString('base64url')}`
}

export interface Staff {
  name: string
}

/** Creates a staff token under `name`, stores its hash only, and returns the token (shown once). */
export async function createStaffToken(db: Db, name: string): Promise<string> {
  const trimmed = name.trim()
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,99}$/u.test(trimmed)) {
    throw new AppError(
      'invalid',
      'invalid-token-name',
      'a token name is 1–100 letters, digits, spaces, ".", "_", "@" or "-"',
    )
  }
  const token = generateToken()
  const inserted = await db
    .insert(staffTokens)
    .values({ name: trimmed, tokenHash: hashToken(token) })
    .onConflictDoNothing()
    .returning({ id: staffTokens.id })
  if (inserted.length === 0) {
    throw new AppError(
      'conflict',
      'token-name-taken',
      `a live token named "${trimmed}" already exists; revoke it first`,
    )
  }
  return token
}

/** Revokes the live token called `name`; false when there is none. */
export async function revokeStaffToken(db: Db, name: string, now: Date): Promise<boolean> {
  const revoked = await db
    .update(staffTokens)
    .set({ revokedAt: now })
    .where(and(eq(staffTokens.name, name.trim()), isNull(staffTokens.revokedAt)))
    .returning({ id: staffTokens.id })
  return revoked.length > 0
}

export async function listStaffTokens(db: Db) {
  return db
    .select({ name: staffTokens.name, createdAt: staffTokens.createdAt, revokedAt: staffTokens.revokedAt })
    .from(staffTokens)
    .orderBy(staffTokens.createdAt)
}

/**
 * Who a bearer token belongs to, or null: the STAFF_TOKEN from the environment (compared in constant
 * time) or a live token whose hash is stored.
 */
export async function authenticateStaff(db: Db, token: string, envToken: string | null): Promise<Staff | null> {
  const hash = hashToken(token)
  if (envToken !== null) {
    const expected = Buffer.from(hashToken(envToken), 'hex')
    if (timingSafeEqual(Buffer.from(hash, 'hex'), expected)) return { name: 'STAFF_TOKEN' }
  }
  const [row] = await db
    .select({ name: staffTokens.name })
    .from(staffTokens)
    .where(and(eq(staffTokens.tokenHash, hash), isNull(staffTokens.revokedAt)))
    .limit(1)
  return row ? { name: row.name } : null
}
