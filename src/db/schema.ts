import { jsonb, pgTable, text, timestamp, uuid, uniqueIndex } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'
import type { Policy } from '../domain/policy.js'

/** A team whose volunteers rota selects and rotates (the IIIF Code of Conduct Team is the default). */
export const teams = pgTable('teams', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  policy: jsonb('policy').$type<Policy>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

/** Staff bearer tokens; only a SHA-256 hash of each token is stored. */
export const staffTokens = pgTable(
  'staff_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('staff_tokens_token_hash_key').on(table.tokenHash),
    // One live token per name, so that `token revoke <name>` is unambiguous.
    uniqueIndex('staff_tokens_active_name_key').on(table.name).where(sql`${table.revokedAt} is null`),
  ],
)
