/**
 * rota's own keys, per deployment: one random root secret stored in the database (made on first
 * use), and from it, by HMAC-SHA256, one key per purpose — volunteers' receipt codes, each call's
 * report salt, and the status links. Single-purpose: a receipt code is no status link, and no key
 * of one call's report opens another's.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { deploymentSecrets } from '../db/schema.js'
import type { Anonymiser } from '../domain/report.js'

const ROOT = 'keys'

/**
 * A secret of this deployment, by name (`deployment_secrets`): 32 random bytes (base64url) made the
 * first time it is needed, never published; concurrent first uses agree on one.
 */
export async function deploymentSecret(db: Db, name: string): Promise<string> {
  const read = async () =>
    (await db.select().from(deploymentSecrets).where(eq(deploymentSecrets.name, name)).limit(1))[0]
  let row = await read()
  if (!row) {
    await db
      .insert(deploymentSecrets)
      .values({ name, secret: randomBytes(32).toString('base64url') })
      .onConflictDoNothing({ target: deploymentSecrets.name })
    row = await read()
  }
  return row!.secret
}

/** The deployment's root secret, from which each purpose's key is derived. */
async function rootSecret(db: Db): Promise<Buffer> {
  return Buffer.from(await deploymentSecret(db, ROOT), 'base64url')
}

const hmac = (key: Buffer | string, text: string): Buffer => createHmac('sha256', key).update(text, 'utf8').digest()

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** 20 base32 characters (100 bits), in four groups of five: short enough to copy, too many to guess. */
function receiptText(bytes: Buffer): string {
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5 && out.length < 20) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    value &= (1 << bits) - 1
    if (out.length === 20) break
  }
  return out.match(/.{5}/g)!.join('-')
}

/** sha256 (hex) of a receipt code as printed: what the public report lists. */
export function receiptHash(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex')
}

/** Where a status token stands once read: whose it is, or why it opens nothing. */
export type StatusTokenCheck = { ok: true; responseId: string } | { ok: false; why: 'invalid' | 'expired' }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export interface Keys {
  /** The receipt code of a response (the same every time it is asked). */
  receipt(responseId: string): string
  /** The salted hashes of one call's report. */
  anonymiser(callId: string): Anonymiser
  /** A status link token for one response, valid until `expiresAt`. */
  statusToken(responseId: string, expiresAt: Date): string
  /** Reads a status token: its signature checked in constant time, then its expiry. */
  readStatusToken(token: string, now: Date): StatusTokenCheck
  /** Check-ins (issue 14): a check-in link token for one member, valid until `expiresAt`; signed with its own key, so a status token never opens a check-in, nor the reverse. */
  checkInToken(memberId: string, expiresAt: Date): string
  /** Reads a check-in token as `readStatusToken` does a status token (`responseId` is then the member's id). */
  readCheckInToken(token: string, now: Date): StatusTokenCheck
}

/** The deployment's keys (reads, or on first use makes, the root secret in `db`, which may be a transaction). */
export async function deploymentKeys(db: Db): Promise<Keys> {
  const root = await rootSecret(db)
  const receiptKey = hmac(root, 'rota/receipt/1')
  const reportKey = hmac(root, 'rota/report-salt/1')
  const statusKey = hmac(root, 'rota/status-link/1')
  const receipt = (responseId: string) => receiptText(hmac(receiptKey, responseId))
  const statusMac = (payload: string) => hmac(statusKey, payload).subarray(0, 24).toString('base64url')
  const checkInKey = hmac(root, 'rota/check-in-link/1')
  const checkInMac = (payload: string) => hmac(checkInKey, payload).subarray(0, 24).toString('base64url')
  return {
    receipt,
    anonymiser(callId) {
      // The salt of one call: never published, derived again whenever needed, different for every call.
      const salt = hmac(reportKey, callId)
      // Many volunteers name the same institution: hash each key once.
      const institutions = new Map<string, string>()
      return {
        institution: (key) => {
          let hash = institutions.get(key)
          if (hash === undefined) institutions.set(key, (hash = hmac(salt, `institution:${key}`).toString('hex')))
          return hash
        },
        person: (email) => hmac(salt, `person:${email}`).toString('hex'),
        receiptHash: (responseId) => receiptHash(receipt(responseId)),
      }
    },
    statusToken: (responseId, expiresAt) => signToken(statusMac, responseId, expiresAt),
    readStatusToken: (token, now) => readToken(statusMac, token, now),
    checkInToken: (memberId, expiresAt) => signToken(checkInMac, memberId, expiresAt),
    readCheckInToken: (token, now) => readToken(checkInMac, token, now),
  }
}

/** `<uuid>.<expiry, base-36 seconds>.<mac>`: one shape for every signed link, each purpose its own key. */
function signToken(mac: (payload: string) => string, id: string, expiresAt: Date): string {
  const payload = `${id}.${Math.floor(expiresAt.getTime() / 1000).toString(36)}`
  return `${payload}.${mac(payload)}`
}

function readToken(mac: (payload: string) => string, token: string, now: Date): StatusTokenCheck {
  const parts = token.split('.')
  if (parts.length !== 3 || !UUID.test(parts[0]!) || !/^[0-9a-z]{1,12}$/.test(parts[1]!))
    return { ok: false, why: 'invalid' }
  const payload = `${parts[0]}.${parts[1]}`
  const given = Buffer.from(parts[2]!, 'utf8')
  const expected = Buffer.from(mac(payload), 'utf8')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, why: 'invalid' }
  if (parseInt(parts[1]!, 36) * 1000 <= now.getTime()) return { ok: false, why: 'expired' }
  return { ok: true, responseId: parts[0]! }
}
