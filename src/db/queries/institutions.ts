import { eq, inArray } from 'drizzle-orm'
import type { Db } from '../client.js'
import { institutionNames, institutions } from '../schema.js'

export type InstitutionRow = typeof institutions.$inferSelect

/** Code-unit order, independent of locale and of the database's collation. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Every institution, by name ignoring case, then id. Sorted here rather than in SQL because
 * PostgreSQL's lower() and ordering depend on the database's locale, which differs between PGlite
 * and a PostgreSQL server; the table is small (hundreds of rows).
 */
export async function listInstitutions(db: Db): Promise<InstitutionRow[]> {
  const rows = await db.select().from(institutions)
  return rows.sort((a, b) => compareStrings(a.name.toLowerCase(), b.name.toLowerCase()) || compareStrings(a.id, b.id))
}

export async function findInstitutionById(
  db: Db,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<InstitutionRow | null> {
  const query = db.select().from(institutions).where(eq(institutions.id, id)).limit(1)
  const [row] = options.forUpdate ? await query.for('update') : await query
  return row ?? null
}

/** The institutions that answer to any of the given normalised texts (through institution_names). */
export async function findInstitutionsByNormalisedNames(
  db: Db,
  normalised: readonly string[],
): Promise<InstitutionRow[]> {
  if (normalised.length === 0) return []
  const rows = await db
    .selectDistinct({ institution: institutions })
    .from(institutionNames)
    .innerJoin(institutions, eq(institutions.id, institutionNames.institutionId))
    .where(inArray(institutionNames.normalised, [...normalised]))
  return rows.map((r) => r.institution)
}

export async function insertInstitution(
  db: Db,
  values: { name: string; aliases: string[]; consortium: boolean; flags: string[]; createdAt: Date; updatedAt: Date },
): Promise<InstitutionRow> {
  const [row] = await db.insert(institutions).values(values).returning()
  return row!
}

export async function updateInstitution(
  db: Db,
  id: string,
  values: { name: string; aliases: string[]; consortium: boolean; flags: string[]; updatedAt: Date },
): Promise<InstitutionRow> {
  const [row] = await db.update(institutions).set(values).where(eq(institutions.id, id)).returning()
  return row!
}

/**
 * Makes `normalised` the exact set of texts the institution answers to. The primary key on
 * institution_names refuses a text another institution already holds (PostgreSQL error 23505).
 */
export async function replaceInstitutionNames(
  db: Db,
  institutionId: string,
  normalised: readonly string[],
): Promise<void> {
  await db.delete(institutionNames).where(eq(institutionNames.institutionId, institutionId))
  if (normalised.length === 0) return
  await db.insert(institutionNames).values(normalised.map((text) => ({ normalised: text, institutionId })))
}
