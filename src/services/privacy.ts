import { deploymentSecret } from './keys.js'
import { listAudit, recordAudit, TICK_ACTOR } from './audit.js'
import { escapeRegExp, needlesOf, replaceMentions } from '../domain/mentions.js'
import { createHash } from 'node:crypto'
import { and, eq, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm'
import type { Database, Db } from '../db/client.js'
import { calls, decisions, members, outbox, responses, selections, teams } from '../db/schema.js'
import { findPersonRef, forgetPersonRef, personRef } from '../db/queries/person-refs.js'
import type { TeamRow } from '../db/queries/teams.js'
import { AppError, invalid } from '../errors.js'
import { emailAddressProblem } from '../domain/email.js'
import { normaliseInstitutionName } from '../domain/institutions.js'
import { emailKey } from '../domain/person-ref.js'
import { retentionOf } from '../domain/policy.js'
import { erasureDue, notAfter, type ErasureFacts } from '../domain/retention.js'
import { effectiveEnd } from '../domain/roster.js'
import { compareInstants, formatInstant, instantFromDate, instantToDate, type Instant } from '../domain/time.js'
import type { Mailer } from '../integrations/mail.js'

/** What an erasure removed: how many rows of each kind, and how many people are now unknown to rota. */
export interface ErasureCounts {
  responses: number
  decisions: number
  members: number
  emails: number
  emlFiles: number
  /** Person references unlinked from their email address (everything about them is gone). */
  people: number
}

const ERASED = '[erased]'

export function noCounts(): ErasureCounts {
  return { responses: 0, decisions: 0, members: 0, emails: 0, emlFiles: 0, people: 0 }
}

export function addCounts(a: ErasureCounts, b: ErasureCounts): ErasureCounts {
  return {
    responses: a.responses + b.responses,
    decisions: a.decisions + b.decisions,
    members: a.members + b.members,
    emails: a.emails + b.emails,
    emlFiles: a.emlFiles + b.emlFiles,
    people: a.people + b.people,
  }
}

/** The deployment's salt for institution hashes: created on first use, stored in the database, never shown. */
export function erasureSalt(db: Db): Promise<string> {
  return deploymentSecret(db, 'erasure-salt')
}

/**
 * What an unknown free-text institution becomes on erasure: `hash:` and 16 hex digits of a salted
 * SHA-256 of its normalised name. The same institution gives the same hash (so a tombstone still shows
 * that two volunteers came from one place); without the salt, no one can test a guess against it.
 */
export function institutionHash(salt: string, text: string): string {
  return `hash:${createHash('sha256')
    .update(`${salt}\n${normaliseInstitutionName(text)}`)
    .digest('hex')
    .slice(0, 16)}`
}

/** `text` with each whole-word occurrence of the names and addresses replaced by `[erased]`. */
export function scrubText(text: string, needles: readonly string[]): string {
  return replaceMentions(text, needles, ERASED)
}

/**
 * Tables and columns the person-wide scrub leaves alone: other people's own data (a name containing
 * the erased one must not be cut), configuration, and what has its own handling. The audit log (issue
 * 13's audit branch) is append-only and names people only by reference.
 */
const SCRUB_SKIP_TABLES = new Set([
  'person_refs',
  'deployment_secrets',
  'institutions',
  'institution_names',
  'teams',
  'templates',
  'call_forms',
  'staff_tokens',
])
const SCRUB_SKIP_COLUMNS = new Set([
  'responses.name',
  'responses.email',
  'responses.institution',
  'responses.first_seen',
  'members.name',
  'members.email',
  'members.institution_text',
  'outbox.to_address',
  'outbox.to_name',
  // Identifiers, never prose: a name must not cut a key such as `…:result:ada@…`.
  'outbox.key',
  'outbox.message_id',
  'outbox.provider_id',
  'outbox.claim_id',
  'responses.external_id',
  'decisions.institution_key',
])

/**
 * Replaces the person's names and addresses in every free-text and JSON column of every table (staff
 * reasons, other volunteers' explanations, selection warnings, emails to the list), found through
 * information_schema so that a column added later is not missed. Whole words only, case-insensitively.
 */
async function scrubEverywhere(db: Db, needles: readonly string[], touched: Set<string>): Promise<void> {
  if (needles.length === 0) return
  const result = await db.execute(sql`
    select table_name, column_name, data_type from information_schema.columns
    where table_schema = current_schema() and data_type in ('text', 'character varying', 'jsonb', 'json')`)
  const rows = (result as unknown as { rows: { table_name: string; column_name: string; data_type: string }[] }).rows
  for (const { table_name: table, column_name: column, data_type: type } of rows) {
    if (SCRUB_SKIP_TABLES.has(table) || table.startsWith('audit') || SCRUB_SKIP_COLUMNS.has(`${table}.${column}`))
      continue
    // One statement per column, every name and address in one pattern (longest first).
    const escaped = needles.map((needle) =>
      escapeRegExp(type.startsWith('json') ? JSON.stringify(needle).slice(1, -1) : needle),
    )
    const pattern = `(^|[^[:alnum:]])(${escaped.join('|')})($|[^[:alnum:]])`
    const target = sql.raw(`"${table}"."${column}"`)
    const asText = type.startsWith('json') ? sql`${target}::text` : target
    const replaced = sql`regexp_replace(${asText}, ${pattern}, ${`\\1${ERASED}\\3`}, 'gi')`
    const result = (await db.execute(
      sql`update ${sql.raw(`"${table}"`)} set ${sql.raw(`"${column}"`)} = ${
        type.startsWith('json') ? sql`${replaced}::${sql.raw(type)}` : replaced
      } where ${asText} ~* ${pattern}`,
    )) as unknown as { rowCount?: number | null; affectedRows?: number }
    // pg says rowCount, PGlite affectedRows: a table with a row rewritten is purged after the commit.
    if ((result.rowCount ?? result.affectedRows ?? 1) > 0) touched.add(table)
  }
}

interface Target {
  responseIds: string[]
  memberIds: string[]
  mailIds: string[]
  /** Email keys of the people concerned: each is forgotten once nothing about them is left. */
  people: string[]
}

/**
 * Erases the given rows in the caller's transaction, leaving tombstones: a response keeps its call,
 * position in the queue and times, its institution becomes a known institution's name or a salted
 * hash; its decisions keep position, outcome, reason, seat and term, their explanation with the name
 * cut out; a member keeps seat, term, institution id and origin; an email keeps kind, status and dates
 * but loses recipient, subject and text (and its .eml file). Then every person left with nothing is
 * scrubbed from all other text and their reference is unlinked (`forgetPersonRef`).
 */
async function eraseRows(
  db: Db,
  mailer: Mailer,
  target: Target,
  now: Date,
  touched: Set<string>,
): Promise<ErasureCounts> {
  const counts = noCounts()
  const salt = await erasureSalt(db)
  // The names and addresses found on each person's rows: scrubbed everywhere once that person is gone.
  const needles = new Map<string, string[]>()
  const remember = (person: string, found: string[]) => needles.set(person, [...(needles.get(person) ?? []), ...found])

  if (target.responseIds.length > 0) {
    const rows = await db
      .select()
      .from(responses)
      .where(and(inArray(responses.id, target.responseIds), isNull(responses.erasedAt)))
    for (const row of rows) {
      const own = needlesOf([row.name, row.email, row.firstSeen?.name, row.firstSeen?.email])
      remember(emailKey(row.email), own)
      const decided = await db.select().from(decisions).where(eq(decisions.responseId, row.id))
      let institution: string | null = row.institution?.trim() ? institutionHash(salt, row.institution) : null
      for (const decision of decided) {
        const unknown = decision.institutionKey?.startsWith('name:') ?? false
        const tomb = unknown ? institutionHash(salt, decision.institutionKey!.slice('name:'.length)) : null
        if (!unknown && decision.institution !== null) institution = decision.institution
        else if (tomb !== null) institution = tomb
        const cut = unknown && decision.institution ? [decision.institution, ...own] : own
        await db
          .update(decisions)
          .set({
            explanation: scrubText(decision.explanation, cut),
            ...(unknown ? { institution: tomb, institutionKey: tomb } : {}),
          })
          .where(and(eq(decisions.selectionId, decision.selectionId), eq(decisions.position, decision.position)))
        counts.decisions++
        touched.add('decisions')
      }
      // Warnings about this response name it (and its institution): the volunteer is cut out of them.
      const cutWarnings = needlesOf([...own, row.institution])
      for (const selection of await db
        .select({ id: selections.id, warnings: selections.warnings })
        .from(selections)
        .where(eq(selections.callId, row.callId))) {
        const warnings = selection.warnings as { responseId: string; message: string; suggestions: string[] }[]
        if (!warnings.some((w) => w.responseId === row.id)) continue
        const next = warnings.map((w) =>
          w.responseId === row.id ? { ...w, message: scrubText(w.message, cutWarnings) } : w,
        )
        await db.update(selections).set({ warnings: next }).where(eq(selections.id, selection.id))
        touched.add('selections')
      }
      await db
        .update(responses)
        .set({
          name: '',
          email: '',
          firstSeen: null,
          institution,
          removalReason: row.removalReason === null ? null : scrubText(row.removalReason, own),
          erasedAt: now,
          updatedAt: now,
        })
        .where(eq(responses.id, row.id))
      counts.responses++
      touched.add('responses')
    }
  }

  if (target.memberIds.length > 0) {
    const rows = await db
      .select()
      .from(members)
      .where(and(inArray(members.id, target.memberIds), isNull(members.erasedAt)))
    for (const row of rows) {
      const own = needlesOf([row.name, row.email])
      remember(emailKey(row.email), own)
      const cut = (text: string | null) => (text === null ? null : scrubText(text, own))
      await db
        .update(members)
        .set({
          name: '',
          email: '',
          institutionText: row.institutionText?.trim() ? institutionHash(salt, row.institutionText) : null,
          reason: cut(row.reason),
          endReason: cut(row.endReason),
          voidReason: cut(row.voidReason),
          erasedAt: now,
        })
        .where(eq(members.id, row.id))
      counts.members++
      touched.add('members')
    }
  }

  const mailIds = new Set(target.mailIds)
  // Everything left about people who now have nothing else: their emails go too.
  const gone: string[] = []
  for (const person of target.people) {
    if (person === '' || (await holdsData(db, person))) continue
    gone.push(person)
    for (const row of await db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(sql`lower(trim(${outbox.toAddress})) = ${person}`, isNull(outbox.erasedAt))))
      mailIds.add(row.id)
  }
  if (mailIds.size > 0) {
    const rows = await db
      .select()
      .from(outbox)
      .where(and(inArray(outbox.id, [...mailIds]), isNull(outbox.erasedAt)))
    for (const row of rows) {
      if (row.toAddress !== null) remember(emailKey(row.toAddress), needlesOf([row.toName]))
      const unsent = row.status === 'pending' || row.status === 'sending'
      await db
        .update(outbox)
        .set({
          // A key holds the recipient's address (`…:result:<email>`): it keeps its shape, with a salted hash.
          key: row.key.includes('@')
            ? `${row.key.slice(0, row.key.lastIndexOf(':') + 1)}${hashKey(salt, row.key)}`
            : row.key,
          toAddress: null,
          toName: null,
          subject: ERASED,
          body: ERASED,
          ...(unsent
            ? { status: 'skipped' as const, lastError: 'skipped: erased before it was sent', claimId: null }
            : {}),
          // An error may quote the address (a refusal naming the recipient).
          lastError: unsent
            ? 'skipped: erased before it was sent'
            : row.lastError === null
              ? null
              : scrubText(row.lastError, needlesOf([row.toAddress, row.toName])),
          erasedAt: now,
          updatedAt: now,
        })
        .where(eq(outbox.id, row.id))
      counts.emails++
      touched.add('outbox')
      if (mailer.forget && (await mailer.forget(row.messageId))) counts.emlFiles++
    }
  }

  for (const person of gone) {
    const ref = await findPersonRef(db, person)
    if (ref !== null && (await forgetPersonRef(db, ref, now))) {
      counts.people++
      touched.add('person_refs')
    }
  }
  if (gone.length > 0)
    await scrubEverywhere(db, needlesOf(gone.flatMap((person) => [person, ...(needles.get(person) ?? [])])), touched)
  return counts
}

function hashKey(salt: string, key: string): string {
  return `erased-${createHash('sha256').update(`${salt}\n${key}`).digest('hex').slice(0, 16)}`
}

/** Whether rota still holds a response or a member with this email key. */
async function holdsData(db: Db, person: string): Promise<boolean> {
  const [response] = await db
    .select({ id: responses.id })
    .from(responses)
    .where(and(sql`lower(trim(${responses.email})) = ${person}`, isNull(responses.erasedAt)))
    .limit(1)
  if (response) return true
  const [member] = await db
    .select({ id: members.id })
    .from(members)
    .where(and(sql`lower(trim(${members.email})) = ${person}`, isNull(members.erasedAt)))
    .limit(1)
  return member !== undefined
}

/** Loads what retention needs to decide about one team: rows not yet erased that may be due at `now`. */
async function erasureFacts(db: Db, team: TeamRow, now: Instant): Promise<ErasureFacts> {
  const retention = retentionOf(team.policy)
  const applicantsBefore = notAfter(retention.applicantsMonths, now)
  const memberRows = await db
    .select()
    .from(members)
    .where(and(eq(members.teamId, team.id), isNull(members.erasedAt)))
  const memberResponses = memberRows.flatMap((m) => (m.responseId === null ? [] : [m.responseId]))
  // Only what may be due: responses whose call closed before the cut-off, and members' responses.
  // (A team's responses in calls closed within the last year are never read by the tick.)
  const closedAt = sql`coalesce(${calls.closedAt}, ${calls.cancelledAt})`
  const mayBeDue = [
    ...(applicantsBefore === null ? [] : [sql`${closedAt} <= ${instantToDate(applicantsBefore).toISOString()}`]),
    ...(memberResponses.length === 0 ? [] : [inArray(responses.id, memberResponses)]),
  ]
  const responseRows =
    mayBeDue.length === 0
      ? []
      : await db
          .select({
            id: responses.id,
            email: responses.email,
            callId: responses.callId,
            closedAt: calls.closedAt,
            cancelledAt: calls.cancelledAt,
          })
          .from(responses)
          .innerJoin(calls, eq(calls.id, responses.callId))
          .where(
            and(
              eq(calls.teamId, team.id),
              isNull(responses.erasedAt),
              or(isNotNull(calls.closedAt), isNotNull(calls.cancelledAt)),
              or(...mayBeDue),
            ),
          )
  const madeMember = new Map<string, string>()
  for (const m of memberRows) if (m.responseId !== null && m.voidedAt === null) madeMember.set(m.responseId, m.id)
  const cutoffs = [retention.mailMonths, retention.applicantsMonths, retention.membersMonthsAfterTerm]
    .map((months) => notAfter(months, now))
    .filter((at): at is Instant => at !== null)
    .sort((a, b) => compareInstants(b, a))
  const mailBefore = cutoffs[0] ?? null
  const mailRows =
    mailBefore === null
      ? []
      : await db
          .select()
          .from(outbox)
          .where(
            and(eq(outbox.teamId, team.id), isNull(outbox.erasedAt), lte(outbox.createdAt, instantToDate(mailBefore))),
          )
  return {
    responses: responseRows.map((r) => {
      const closed = r.closedAt ?? r.cancelledAt!
      return {
        id: r.id,
        person: emailKey(r.email),
        callId: r.callId,
        closedAt: instantFromDate(closed),
        memberId: madeMember.get(r.id) ?? null,
      }
    }),
    members: memberRows.map((m) => ({
      id: m.id,
      person: emailKey(m.email),
      seat: m.seat,
      endsAt: effectiveEnd(m),
      voidedAt: m.voidedAt === null ? null : instantFromDate(m.voidedAt),
    })),
    mail: mailRows.map((m) => ({
      id: m.id,
      person: m.toAddress === null ? null : emailKey(m.toAddress),
      status: m.status,
      createdAt: instantFromDate(m.createdAt),
      callId: m.callId,
      memberId: m.memberId,
    })),
  }
}

/**
 * The tick's erasure for one team: whatever its retention policy says is due at `now`
 * (`erasureDue`), erased in one transaction. Idempotent: erased rows are not loaded again. The tables
 * it rewrote are added to `touched`, for the caller to purge once every team is done (purgeErased).
 */
export async function eraseDue(
  db: Db,
  mailer: Mailer,
  team: TeamRow,
  now: Date,
  touched: Set<string> = new Set(),
): Promise<ErasureCounts> {
  const at = instantFromDate(now)
  const facts = await erasureFacts(db, team, at)
  const due = erasureDue(facts, retentionOf(team.policy), at)
  if (due.responses.length + due.members.length + due.mail.length === 0) return noCounts()
  const people = new Set<string>()
  const responseIds = new Set(due.responses)
  const memberIds = new Set(due.members)
  for (const r of facts.responses) if (responseIds.has(r.id)) people.add(r.person)
  for (const m of facts.members) if (memberIds.has(m.id)) people.add(m.person)
  return db.transaction(async (tx) => {
    // The references of the people concerned, read before erasure unlinks them: the audit row names them.
    const refs = (await Promise.all([...people].map((p) => findPersonRef(tx, p)))).filter((r) => r !== null)
    const counts = await eraseRows(
      tx,
      mailer,
      { responseIds: due.responses, memberIds: due.members, mailIds: due.mail, people: [...people] },
      now,
      touched,
    )
    await recordAudit(tx, {
      at: now,
      actor: TICK_ACTOR,
      action: 'retention.erase',
      entity: 'team',
      entityId: team.slug,
      after: { ...counts, people: refs },
    })
    return counts
  })
}

/** Every team's due erasure, then the purge of what it rewrote: see eraseDue. */
export async function eraseAllDue(database: Database, mailer: Mailer, now: Date): Promise<ErasureCounts> {
  let total = noCounts()
  const touched = new Set<string>()
  for (const team of await database.db.select().from(teams))
    total = addCounts(total, await eraseDue(database.db, mailer, team, now, touched))
  await purgeErased(database, touched)
  return total
}

/**
 * After an erasure has committed, the old versions of the rows it rewrote are purged from the
 * database's files (`Database.purge`: VACUUM FULL, then the WAL, on the embedded database; a plain
 * VACUUM on PostgreSQL). Only the tables it rewrote, and only when it rewrote something. Answers
 * whether that worked: the erasure stands either way.
 */
export async function purgeErased(database: Database, touched: ReadonlySet<string>): Promise<boolean> {
  if (touched.size === 0) return true
  try {
    await database.purge([...touched])
    return true
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------------
// One person, on request (GDPR art. 15 and 17).

function checkedEmail(email: string, field: string): string {
  const trimmed = email.trim()
  const problem = emailAddressProblem(trimmed)
  if (problem !== null) throw invalid('invalid-email', [{ field, message: `must be an email address: it ${problem}` }])
  return emailKey(trimmed)
}

function personNotFound(): AppError {
  return new AppError(
    'not-found',
    'person-not-found',
    'rota holds no data about this email address (it never did, or it was erased)',
  )
}

async function personRows(db: Db, person: string) {
  const responseRows = await db
    .select({ response: responses, team: teams.slug, closedAt: calls.closedAt })
    .from(responses)
    .innerJoin(calls, eq(calls.id, responses.callId))
    .innerJoin(teams, eq(teams.id, calls.teamId))
    .where(and(sql`lower(trim(${responses.email})) = ${person}`, isNull(responses.erasedAt)))
  const decisionRows =
    responseRows.length === 0
      ? []
      : await db
          .select({ decision: decisions, selection: selections })
          .from(decisions)
          .innerJoin(selections, eq(selections.id, decisions.selectionId))
          .where(
            inArray(
              decisions.responseId,
              responseRows.map((r) => r.response.id),
            ),
          )
  const memberRows = await db
    .select({ member: members, team: teams.slug })
    .from(members)
    .innerJoin(teams, eq(teams.id, members.teamId))
    .where(and(sql`lower(trim(${members.email})) = ${person}`, isNull(members.erasedAt)))
  const memberIds = memberRows.map((m) => m.member.id)
  const mailRows = await db
    .select({ message: outbox, team: teams.slug })
    .from(outbox)
    .innerJoin(teams, eq(teams.id, outbox.teamId))
    .where(
      and(
        isNull(outbox.erasedAt),
        memberIds.length === 0
          ? sql`lower(trim(${outbox.toAddress})) = ${person}`
          : or(sql`lower(trim(${outbox.toAddress})) = ${person}`, inArray(outbox.memberId, memberIds)),
      ),
    )
  return { responseRows, decisionRows, memberRows, mailRows }
}

const iso = (date: Date | null) => (date === null ? null : date.toISOString())
const instantText = (instant: Instant | null) => (instant === null ? null : formatInstant(instant))

/** Everything rota holds about the person with this email address (GDPR art. 15), for staff. */
export async function exportPerson(db: Db, email: string) {
  const person = checkedEmail(email, 'querystring.email')
  const ref = await findPersonRef(db, person)
  const { responseRows, decisionRows, memberRows, mailRows } = await personRows(db, person)
  if (ref === null && responseRows.length + memberRows.length + mailRows.length === 0) throw personNotFound()
  return {
    email: person,
    ref,
    audit: ref === null ? [] : (await listAudit(db, { person: ref, limit: 500 })).entries,
    responses: responseRows.map(({ response: r, team }) => ({
      id: r.id,
      team,
      callId: r.callId,
      name: r.name,
      email: r.email,
      institution: r.institution,
      submittedAt: formatInstant(r.submittedAt),
      source: r.source,
      externalId: r.externalId,
      firstSeen: r.firstSeen,
      removedAt: iso(r.removedAt),
      removalReason: r.removalReason,
      createdAt: r.createdAt.toISOString(),
    })),
    decisions: decisionRows.map(({ decision: d, selection: s }) => ({
      callId: s.callId,
      responseId: d.responseId,
      position: d.position,
      outcome: d.outcome,
      seat: d.seat,
      reason: d.reason,
      institution: d.institution,
      termEnd: d.termEnd,
      explanation: d.explanation,
      closedAt: s.createdAt.toISOString(),
      superseded: s.supersededAt !== null,
    })),
    memberships: memberRows.map(({ member: m, team }) => ({
      id: m.id,
      team,
      name: m.name,
      email: m.email,
      seat: m.seat,
      institutionId: m.institutionId,
      institutionText: m.institutionText,
      termStart: formatInstant(m.termStart),
      termEnd: instantText(m.termEnd),
      endedAt: instantText(m.endedAt),
      origin: m.origin,
      callId: m.callId,
      reason: m.reason,
      endReason: m.endReason,
      voided: m.voidedAt !== null,
    })),
    emails: mailRows.map(({ message: o, team }) => ({
      id: o.id,
      team,
      kind: o.kind,
      to: o.toAddress,
      toName: o.toName,
      subject: o.subject,
      body: o.body,
      status: o.status,
      createdAt: o.createdAt.toISOString(),
      sentAt: iso(o.sentAt),
      callId: o.callId,
      memberId: o.memberId,
    })),
  }
}

export type PersonExport = Awaited<ReturnType<typeof exportPerson>>

/**
 * Erases everything about one person now (GDPR art. 17), leaving tombstones (see eraseRows): their
 * responses and decisions, their memberships once ended, every email to them and its .eml file; then
 * unlinks their reference. A member serving now or later must step down first (409
 * `person-still-serving`). `staff` and `reason` are for the audit log (wired by the audit branch).
 */
export async function erasePerson(
  database: Database,
  mailer: Mailer,
  input: { email: string; reason: string; staff: string },
  now: Date,
): Promise<ErasureCounts & { ref: string | null; purged: boolean }> {
  const person = checkedEmail(input.email, 'body.email')
  if (input.reason.trim() === '')
    throw invalid('invalid-erasure', [{ field: 'body.reason', message: 'must not be blank' }])
  const touched = new Set<string>()
  const erased = await database.db.transaction(async (tx) => {
    const known = await findPersonRef(tx, person)
    const { responseRows, memberRows, mailRows } = await personRows(tx, person)
    if (known === null && responseRows.length + memberRows.length + mailRows.length === 0) throw personNotFound()
    // The reference the audit row of this erasure names (made now if nothing referred to them yet).
    const ref = known ?? (await personRef(tx, person))
    const at = instantFromDate(now)
    const serving = memberRows.filter(({ member: m }) => {
      if (m.voidedAt !== null) return false
      const end = effectiveEnd(m)
      return end === null || compareInstants(end, at) > 0
    })
    if (serving.length > 0)
      throw new AppError(
        'conflict',
        'person-still-serving',
        'This person is a member of a team now or from a later date: they must step down first (POST /members/{id}/step-down), then their data can be erased',
        { members: serving.map(({ member: m, team }) => ({ id: m.id, team, termEnd: instantText(effectiveEnd(m)) })) },
      )
    const counts = await eraseRows(
      tx,
      mailer,
      {
        responseIds: responseRows.map((r) => r.response.id),
        memberIds: memberRows.map((m) => m.member.id),
        mailIds: mailRows.map((m) => m.message.id),
        people: [person],
      },
      now,
      touched,
    )
    // Known to rota only by reference (an audit row, say): the link is cut all the same.
    if (counts.people === 0 && ref !== null && (await forgetPersonRef(tx, ref, now))) {
      counts.people++
      touched.add('person_refs')
    }
    await recordAudit(tx, {
      at: now,
      actor: input.staff,
      action: 'person.erase',
      entity: 'person',
      entityId: ref,
      reason: input.reason.trim(),
      mentions: [
        {
          ref,
          names: [
            person,
            ...responseRows.flatMap(({ response: r }) => [r.name, r.email, r.firstSeen?.name]),
            ...memberRows.flatMap(({ member: m }) => [m.name, m.email]),
          ],
        },
      ],
      after: { ...counts },
    })
    return { ...counts, ref }
  })
  // Committed: now out of the database's files too (the answer waits for it; see README, Personal data).
  return { ...erased, purged: await purgeErased(database, touched) }
}
