import { randomBytes } from 'node:crypto'
import { and, eq, isNull } from 'drizzle-orm'
import type { Db } from '../client.js'
import { personRefs } from '../schema.js'
import { emailKey } from '../../domain/person-ref.js'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

function newRef(): string {
  const bytes = randomBytes(12)
  let out = 'person_'
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length]
  return out
}

/**
 * The stable reference of the person with this email address, created on first use. Safe under
 * concurrency: two transactions asking at once get the same reference.
 */
export async function personRef(db: Db, email: string): Promise<string> {
  const key = emailKey(email)
  const inserted = await db
    .insert(personRefs)
    .values({ ref: newRef(), emailKey: key })
    .onConflictDoNothing({ target: personRefs.emailKey })
    .returning({ ref: personRefs.ref })
  if (inserted[0]) return inserted[0].ref
  const [row] = await db.select({ ref: personRefs.ref }).from(personRefs).where(eq(personRefs.emailKey, key))
  if (!row) throw new Error('person reference vanished while it was being read')
  return row.ref
}

/** The reference of this email address if rota has one (and it was not erased), or null. */
export async function findPersonRef(db: Db, email: string): Promise<string | null> {
  const [row] = await db
    .select({ ref: personRefs.ref })
    .from(personRefs)
    .where(eq(personRefs.emailKey, emailKey(email)))
  return row?.ref ?? null
}

/**
 * Cuts the link between a reference and the email address it stood for (erasure): the reference
 * stays, pointing at nobody. Returns whether there was a link to cut.
 */
export async function forgetPersonRef(db: Db, ref: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(personRefs)
    .set({ emailKey: null, erasedAt: now })
    .where(and(eq(personRefs.ref, ref), isNull(personRefs.erasedAt)))
    .returning({ ref: personRefs.ref })
  return rows.length > 0
}
