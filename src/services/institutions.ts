import { changedFields, recordAudit } from './audit.js'
import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as queries from '../db/queries/institutions.js'
import { AppError, invalid, isUuid, type FieldProblem } from '../errors.js'
import {
  findInstitutionNameCollision,
  isUnaffiliated,
  normaliseInstitutionName,
  type InstitutionNameCollision,
} from '../domain/institutions.js'
import type { Institution } from '../http/schemas/institutions.js'
import { CONSORTIUM_FLAG } from '../domain/policy.js'

export type InstitutionView = Static<typeof Institution>

export interface InstitutionInput {
  name: string
  aliases?: string[]
  consortium: boolean
  flags?: string[]
}

export interface InstitutionPatch {
  name?: string
  aliases?: string[]
  consortium?: boolean
  flags?: string[]
}

/** All of an institution's flags, `consortium` among them when it is a member, sorted. */
export function allFlags(row: { consortium: boolean; flags: readonly string[] }): string[] {
  return [...new Set([...(row.consortium ? [CONSORTIUM_FLAG] : []), ...row.flags])].sort()
}

function view(row: queries.InstitutionRow): InstitutionView {
  return { id: row.id, name: row.name, aliases: row.aliases, consortium: row.consortium, flags: allFlags(row) }
}

/**
 * The stored `consortium` and other flags from a request's `consortium` and `flags`: `flags`
 * replaces the whole list, `consortium` in it or `consortium: true` sets the consortium flag; the
 * two must not contradict each other.
 */
function storedFlags(
  consortium: boolean | undefined,
  flags: readonly string[] | undefined,
  current: { consortium: boolean; flags: string[] },
): { consortium: boolean; flags: string[] } {
  if (flags === undefined) return { consortium: consortium ?? current.consortium, flags: current.flags }
  const flagged = flags.includes(CONSORTIUM_FLAG)
  if (consortium !== undefined && consortium !== flagged)
    throw invalid('invalid-institution', [
      {
        field: 'body.flags',
        message: `${flagged ? 'holds' : 'lacks'} consortium while body.consortium is ${consortium}: give one of them, or both alike`,
      },
    ])
  return { consortium: flagged, flags: [...new Set(flags.filter((f) => f !== CONSORTIUM_FLAG))].sort() }
}

export function institutionNotFound(id: string): AppError {
  return new AppError('not-found', 'institution-not-found', `There is no institution "${id}"`)
}

/** A name and aliases ready to store, with the normalised texts the institution will answer to. */
interface CheckedNames {
  name: string
  aliases: string[]
  /** Normalised name first, then each kept alias's, all distinct. */
  normalised: string[]
  /** Normalised text → the field and spelling it came from, to explain a collision. */
  sources: Map<string, { field: string; text: string }>
}

/**
 * Trims the name and aliases and drops blank aliases and aliases that read the same as the name or
 * an earlier alias (the first spelling is kept). A name or alias with no letters or digits, or one
 * that means "no institution" (none, n/a, independent…), is refused: volunteers who write it are
 * unaffiliated, so no institution may answer to it.
 */
function checkNames(rawName: string, rawAliases: readonly string[]): CheckedNames {
  const problems: FieldProblem[] = []
  const sources = new Map<string, { field: string; text: string }>()
  const aliases: string[] = []
  const check = (raw: string, field: string): string | null => {
    const text = raw.trim()
    const normalised = normaliseInstitutionName(text)
    if (normalised === '') {
      problems.push({ field, message: 'must contain a letter or a digit' })
      return null
    }
    if (isUnaffiliated(text)) {
      problems.push({
        field,
        message: `"${text}" means "no institution" (volunteers who write it count as unaffiliated), so it cannot name one`,
      })
      return null
    }
    if (sources.has(normalised)) return null
    sources.set(normalised, { field, text })
    return text
  }
  const name = check(rawName, 'body.name') ?? rawName.trim()
  rawAliases.forEach((raw, i) => {
    if (raw.trim() === '') return
    const alias = check(raw, `body.aliases[${i}]`)
    if (alias !== null) aliases.push(alias)
  })
  if (problems.length > 0) throw invalid('invalid-institution', problems)
  return { name, aliases, normalised: [...sources.keys()], sources }
}

function duplicateInstitution(collision: InstitutionNameCollision, names: CheckedNames): AppError {
  const source = names.sources.get(collision.normalised)
  const what = source ? `${source.field} "${source.text}"` : `"${collision.normalised}"`
  return new AppError(
    'conflict',
    'duplicate-institution',
    `${what} collides with the institution "${collision.institution.name}", which already answers to "${collision.normalised}"`,
    { institutionId: collision.institution.id, name: collision.institution.name, normalised: collision.normalised },
  )
}

/** Refuses a name or alias that another institution (not `exceptId`) already answers to. */
async function assertNoCollision(db: Db, names: CheckedNames, exceptId?: string): Promise<void> {
  const owners = (await queries.findInstitutionsByNormalisedNames(db, names.normalised)).map(view)
  const collision = findInstitutionNameCollision(names, owners, exceptId)
  if (collision) throw duplicateInstitution(collision, names)
}

/** PostgreSQL's unique_violation, raw (pg, PGlite) or wrapped by drizzle in `cause`. */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null
  return typeof e === 'object' && e !== null && (e.code === '23505' || e.cause?.code === '23505')
}

const NAME_RACE_ATTEMPTS = 3

/**
 * Runs a use case that writes institution_names. When a concurrent request commits one of the same
 * names between our check and our insert, the primary key refuses ours (23505) and the transaction
 * rolls back; running the use case again then sees the other institution and refuses with the usual
 * explained 409.
 */
async function retryOnNameRace<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      if (attempt >= NAME_RACE_ATTEMPTS) {
        throw new AppError(
          'conflict',
          'duplicate-institution',
          'Another institution took one of these names at the same moment; nothing was saved',
        )
      }
    }
  }
}

export async function listInstitutions(db: Db): Promise<InstitutionView[]> {
  return (await queries.listInstitutions(db)).map(view)
}

export async function getInstitution(db: Db, id: string): Promise<InstitutionView> {
  // A malformed id names no institution; checked here so PostgreSQL never sees an invalid uuid.
  if (!isUuid(id)) throw institutionNotFound(id)
  const row = await queries.findInstitutionById(db, id)
  if (!row) throw institutionNotFound(id)
  return view(row)
}

/** The fields of an institution its audit rows compare (institutions are not people: named in full). */
function audited(row: { name: string; aliases: string[]; consortium: boolean; flags: string[] }) {
  // Other flags only once there are any: audit rows of institutions without them read as before.
  return row.flags.length > 0
    ? { name: row.name, aliases: row.aliases, consortium: row.consortium, flags: row.flags }
    : { name: row.name, aliases: row.aliases, consortium: row.consortium }
}

/** Adds an institution with its aliases; refused when any of its names is another institution's. */
export async function createInstitution(
  db: Db,
  input: InstitutionInput,
  now: Date,
  by: string,
): Promise<InstitutionView> {
  const names = checkNames(input.name, input.aliases ?? [])
  return retryOnNameRace(() =>
    db.transaction(async (tx) => {
      await assertNoCollision(tx, names)
      const row = await queries.insertInstitution(tx, {
        name: names.name,
        aliases: names.aliases,
        ...storedFlags(input.consortium, input.flags, { consortium: false, flags: [] }),
        createdAt: now,
        updatedAt: now,
      })
      await queries.replaceInstitutionNames(tx, row.id, names.normalised)
      await recordAudit(tx, {
        at: now,
        actor: by,
        action: 'institution.create',
        entity: 'institution',
        entityId: row.id,
        after: audited(row),
      })
      return view(row)
    }),
  )
}

/**
 * Renames an institution, replaces its aliases or changes its consortium membership; names it gives
 * up are free for other institutions at once. Refused when a new name is another institution's.
 */
export async function updateInstitution(
  db: Db,
  id: string,
  patch: InstitutionPatch,
  now: Date,
  by: string,
): Promise<InstitutionView> {
  if (!isUuid(id)) throw institutionNotFound(id)
  return retryOnNameRace(() =>
    db.transaction(async (tx) => {
      const row = await queries.findInstitutionById(tx, id, { forUpdate: true })
      if (!row) throw institutionNotFound(id)
      const names = checkNames(patch.name ?? row.name, patch.aliases ?? row.aliases)
      await assertNoCollision(tx, names, id)
      const updated = await queries.updateInstitution(tx, id, {
        name: names.name,
        aliases: names.aliases,
        ...storedFlags(patch.consortium, patch.flags, row),
        updatedAt: now,
      })
      await queries.replaceInstitutionNames(tx, id, names.normalised)
      await recordAudit(tx, {
        at: now,
        actor: by,
        action: 'institution.update',
        entity: 'institution',
        entityId: id,
        ...changedFields(audited(row), audited(updated)),
      })
      return view(updated)
    }),
  )
}
