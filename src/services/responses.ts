import { personOf, recordAudit } from './audit.js'
import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as queries from '../db/queries/responses.js'
import { AppError, invalid, type FieldProblem } from '../errors.js'
import { compareInstants, formatInstant, type Instant } from '../domain/time.js'
import { normaliseEmail } from '../domain/selection.js'
import { wasEdited } from '../domain/provenance.js'
import { CsvReader, responsesFromCsv, type CsvOptions, type CsvRecords } from '../integrations/csv.js'
import type { ImportBatch, StoredResponse } from '../http/schemas/calls.js'
import { requireCall } from './calls.js'
import { invalidInstant, readInstant } from './instants.js'
import { Pacer, runPaced } from './pace.js'
import { queueAcknowledgements, type AcknowledgeOptions } from './acknowledgements.js'

/**
 * Rows per INSERT. PGlite runs a statement on the event loop, so one statement must stay short
 * (a few milliseconds) for other requests to be answered in between; PostgreSQL hardly minds.
 */
const INSERT_BATCH = 100

/** One response as it arrives, before it is matched against what rota already holds. */
export interface IncomingResponse {
  externalId: string | null
  submittedAt: Instant
  name: string
  email: string
  institution: string | null
  /** The most recent submission when the source knows it (Google Forms' lastSubmittedTime). */
  lastSubmittedAt?: Instant | null
  /** Where it came from, for error messages: `responses[3]` or `line 7`. */
  where: string
}

export interface ImportCounts {
  inserted: number
  updated: number
  unchanged: number
  /** Google Forms only: responses no longer on the form, newly flagged (and kept). */
  deletedUpstream?: number
}

/** Something staff should look at in an import that is otherwise fine; `where` lists the rows (at most 20). */
export interface ImportWarning {
  code: 'outside-window' | 'removed-earlier' | 'missing-fields' | 'no-institution'
  message: string
  where: string[]
}

/** One place in the first-come order a (dry-run) import produces. */
export interface OrderEntry {
  position: number
  /** Null for a response the import would insert (it has no id yet). */
  responseId: string | null
  where: string | null
  submittedAt: string
  name: string
  institution: string | null
  change: 'inserted' | 'updated' | 'unchanged' | 'kept'
}

/** What an import did (or, in a dry run, would do). */
export interface ImportResult extends ImportCounts {
  /** The batch that records it (for GET/DELETE /calls/{id}/imports); null in a dry run, or for a sync that changed nothing. */
  batchId: string | null
  dryRun: boolean
  /** Responses read from the request. */
  rows: number
  /** Responses left out because staff removed them earlier (they stay removed). */
  skipped: number
  warnings: ImportWarning[]
  /** Dry run only: every response that would count, in first-come order. */
  order?: OrderEntry[]
}

export interface ImportOptions {
  /** Google Forms sync: responses of this source missing from `incoming` are flagged deleted upstream. */
  missingAreDeleted?: boolean
  /** Run the whole import and answer what it did, then roll it back: nothing is stored. */
  dryRun?: boolean
  /** Who imports: the staff token's name, or `tick`. */
  by?: string
  /** How the request was read (time zone, date order, columns…), kept with the batch. */
  reading?: Record<string, unknown>
  /** Keep no batch record when the import changed nothing (Google Forms syncs, every few minutes). */
  onlyIfChanged?: boolean
  /**
   * Queue the `acknowledged` email of each response the import inserts while the call is open
   * (src/services/acknowledgements.ts); without it none is (a dry run queues none either).
   */
  acknowledge?: AcknowledgeOptions
}

/** Thrown inside a dry run's transaction so that it rolls back, carrying the answer out. */
class DryRunDone extends Error {
  constructor(readonly result: ImportResult) {
    super('dry run: rolled back')
  }
}

/** At most this many places are listed in one warning. */
const WARNING_PLACES = 20

export type ResponseSource = 'json' | 'csv' | 'google'

export interface JsonResponse {
  externalId?: string
  submittedAt: string
  name: string
  email: string
  institution?: string | null
}

/** Reads a JSON batch; every bad `submittedAt` is reported with its index (400 `invalid-instant`), and nothing is stored. */
export function readJsonBatch(items: JsonResponse[]): IncomingResponse[] {
  const problems: FieldProblem[] = []
  const incoming: IncomingResponse[] = []
  items.forEach((item, index) => {
    const submittedAt = readInstant(item.submittedAt, `body.responses[${index}].submittedAt`, { problems })
    if (submittedAt === null) return
    incoming.push({
      externalId: item.externalId?.trim() || null,
      submittedAt,
      name: item.name.trim(),
      email: item.email.trim(),
      institution: item.institution?.trim() || null,
      where: `responses[${index}]`,
    })
  })
  if (problems.length > 0) throw invalidInstant(problems)
  return incoming
}

/**
 * Reads a Google Forms CSV export (as read from the upload by readCsvStream, or its whole text); a
 * bad row fails the whole file with its line named (CsvImportError). Paced: other requests are
 * answered while a large file is read.
 */
export async function readCsvBatch(csv: CsvRecords | string, options: CsvOptions): Promise<IncomingResponse[]> {
  let records: CsvRecords
  if (typeof csv === 'string') {
    const reader = new CsvReader()
    reader.push(csv)
    records = reader.end()
  } else records = csv
  const rows = await runPaced(responsesFromCsv(records, options))
  return rows.map((row) => ({
    externalId: null,
    submittedAt: row.submittedAt,
    name: row.name,
    email: row.email,
    institution: row.institution,
    where: `line ${row.line}`,
  }))
}

/** The identity of a response: its external id, or its email and exact submission instant. */
function keyOf(r: { externalId: string | null; email: string; submittedAt: string }): string {
  return r.externalId !== null ? `id\u0000${r.externalId}` : `at\u0000${normaliseEmail(r.email)}\u0000${r.submittedAt}`
}

/** Refuses a batch that holds one response twice (same identity), naming both places. */
async function refuseRepeats(incoming: IncomingResponse[], pacer: Pacer): Promise<void> {
  const seen = new Map<string, IncomingResponse>()
  for (const response of incoming) {
    if (pacer.due()) await pacer.pause()
    const key = keyOf(response)
    const earlier = seen.get(key)
    if (earlier) {
      const what =
        response.externalId !== null
          ? `externalId "${response.externalId}"`
          : `email and submittedAt ${formatInstant(response.submittedAt)}`
      throw new AppError(
        'invalid',
        'duplicate-in-batch',
        `${response.where} has the same ${what} as ${earlier.where}`,
        {
          problems: [{ field: response.where, message: `repeats ${earlier.where}` }],
        },
      )
    }
    seen.set(key, response)
  }
}

/**
 * Imports responses into a call, all or nothing: each is matched to a stored one by external id
 * (or by email and exact submission instant) and inserted, updated or left unchanged. New ones get
 * the next ingestion numbers in batch order, the tie-breaker for equal instants. Refused once the
 * call's selection is final, so a decided selection never changes underneath its decisions.
 * The import is recorded as a batch that its inserted responses point to, so staff can remove it
 * before the close. A response staff removed on its own stays removed: an import that holds it again
 * skips it (with a warning). With `dryRun`, the very same import runs and is rolled back, answering
 * also the first-come order it would produce.
 * Large batches are written a few hundred rows at a time, in the one transaction, handing the event
 * loop back in between so that other requests are still answered.
 */
export async function importResponses(
  db: Db,
  callId: string,
  incoming: IncomingResponse[],
  source: ResponseSource,
  now: Date,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const pacer = new Pacer()
  await refuseRepeats(incoming, pacer)

  try {
    return await db.transaction(async (tx) => {
      // Locking the call serialises imports and closing, so a response can never slip in after the selection.
      const found = await requireCall(tx, callId, { forUpdate: true })
      const { call } = found
      if (call.cancelledAt)
        throw new AppError('conflict', 'call-cancelled', 'This call was cancelled; it takes no responses')
      if (call.closedAt)
        throw new AppError('conflict', 'call-closed', 'The selection of this call is final; it takes no more responses')

      const existing = new Map<string, queries.ResponseRow>()
      for (const row of await queries.listResponses(tx, callId)) existing.set(keyOf(row), row)
      const removedAlone = new Map<string, queries.ResponseRow>()
      for (const row of await queries.listRemovedAlone(tx, callId)) removedAlone.set(keyOf(row), row)

      const batch = await queries.insertBatch(tx, {
        callId,
        source,
        importedBy: options.by ?? 'staff',
        counts: { rows: incoming.length, inserted: 0, updated: 0, unchanged: 0, skipped: 0 },
        options: options.reading ?? {},
        createdAt: now,
      })
      const counts: ImportCounts = { inserted: 0, updated: 0, unchanged: 0 }
      let skipped = 0
      const warnings = new Warnings()
      const changes = new Map<string, 'updated' | 'unchanged'>()
      const places = new Map<string, string>()
      // Written as they fill, so a large import holds a batch of rows at a time, not all of them.
      let inserts: queries.NewResponseRow[] = []
      const flush = async (): Promise<void> => {
        if (inserts.length === 0) return
        await queries.insertResponses(tx, inserts)
        inserts = []
        await pacer.pause()
      }
      let seq = await queries.lastIngestSeq(tx, callId)
      for (const response of incoming) {
        if (pacer.due()) await pacer.pause()
        const key = keyOf(response)
        const stored = existing.get(key)
        const removed = stored ? undefined : removedAlone.get(key)
        if (removed) {
          skipped++
          warnings.add('removed-earlier', response.where)
          continue
        }
        if (
          compareInstants(response.submittedAt, call.opensAt) < 0 ||
          compareInstants(response.submittedAt, call.closesAt) >= 0
        )
          warnings.add('outside-window', response.where)
        if (response.name === '' || response.email === '') warnings.add('missing-fields', response.where)
        const values = {
          submittedAt: response.submittedAt,
          submittedAtTs: response.submittedAt,
          name: response.name,
          email: response.email,
          institution: response.institution,
          lastSubmittedAt: response.lastSubmittedAt ?? null,
          source,
        }
        if (!stored) {
          // Answers first seen after an edit are not the original ones: nothing to compare later edits with.
          const firstSeen = wasEdited(values.submittedAt, values.lastSubmittedAt)
            ? null
            : { name: values.name, email: values.email, institution: values.institution }
          inserts.push({
            callId,
            externalId: response.externalId,
            ingestSeq: ++seq,
            firstSeen,
            batchId: batch.id,
            ...values,
          })
          if (options.dryRun) places.set(`${seq}`, response.where)
          counts.inserted++
          if (inserts.length >= INSERT_BATCH) await flush()
        } else if (
          stored.submittedAt === values.submittedAt &&
          stored.name === values.name &&
          stored.email === values.email &&
          stored.institution === values.institution &&
          stored.lastSubmittedAt === values.lastSubmittedAt &&
          stored.deletedUpstreamAt === null
        ) {
          counts.unchanged++
          if (options.dryRun) {
            changes.set(stored.id, 'unchanged')
            places.set(stored.id, response.where)
          }
        } else {
          await queries.updateResponse(tx, stored.id, { ...values, deletedUpstreamAt: null, updatedAt: now })
          counts.updated++
          if (options.dryRun) {
            changes.set(stored.id, 'updated')
            places.set(stored.id, response.where)
          }
        }
      }
      await flush()
      if (options.missingAreDeleted) {
        // Kept, never dropped: a response gone from the form is flagged for staff to look at.
        const present = new Set(incoming.map((r) => r.externalId))
        const gone = [...existing.values()].filter(
          (row) => row.source === source && row.deletedUpstreamAt === null && !present.has(row.externalId),
        )
        for (const row of gone) {
          await queries.flagDeletedUpstream(tx, row.id, now)
          if (pacer.due()) await pacer.pause()
        }
        counts.deletedUpstream = gone.length
      }
      // In the transaction that stores the responses: stored means acknowledged (once: keyed by response).
      if (options.acknowledge && !options.dryRun && counts.inserted > 0)
        await queueAcknowledgements(tx, found, batch.id, now, options.acknowledge, pacer)
      if (options.reading?.institution === 'none' && incoming.length > 0)
        warnings.add('no-institution', ...incoming.slice(0, WARNING_PLACES).map((r) => r.where))

      const changed = counts.inserted + counts.updated + (counts.deletedUpstream ?? 0) > 0
      let batchId: string | null = batch.id
      if (options.onlyIfChanged && !changed && !options.dryRun) {
        await queries.deleteEmptyBatch(tx, batch.id)
        batchId = null
      } else {
        await queries.setBatchCounts(tx, batch.id, { rows: incoming.length, ...pick(counts), skipped })
        // Counts only, never the responses: the rows themselves point back at the batch.
        if (!options.dryRun)
          await recordAudit(tx, {
            at: now,
            actor: options.by ?? 'staff',
            action: source === 'google' ? 'call.sync' : 'responses.import',
            entity: 'call',
            entityId: callId,
            after: {
              batchId: batch.id,
              source,
              rows: incoming.length,
              ...pick(counts),
              skipped,
              ...(counts.deletedUpstream !== undefined ? { deletedUpstream: counts.deletedUpstream } : {}),
            },
          })
      }
      const result: ImportResult = {
        batchId: options.dryRun ? null : batchId,
        dryRun: options.dryRun === true,
        rows: incoming.length,
        ...counts,
        skipped,
        warnings: warnings.list(call, incoming.length),
      }
      if (!options.dryRun) return result
      // Paced like the writes: a 50,000-row preview must not hold the event loop either.
      const order: OrderEntry[] = []
      for (const row of await queries.listResponses(tx, callId)) {
        if (pacer.due()) await pacer.pause()
        const inserted = row.batchId === batch.id
        order.push({
          position: order.length + 1,
          responseId: inserted ? null : row.id,
          where: (inserted ? places.get(`${row.ingestSeq}`) : places.get(row.id)) ?? null,
          submittedAt: formatInstant(row.submittedAt),
          name: row.name,
          institution: row.institution,
          change: inserted ? 'inserted' : (changes.get(row.id) ?? 'kept'),
        })
      }
      throw new DryRunDone({ ...result, order })
    })
  } catch (error) {
    if (error instanceof DryRunDone) return error.result
    throw error
  }
}

function pick(counts: ImportCounts): { inserted: number; updated: number; unchanged: number } {
  return { inserted: counts.inserted, updated: counts.updated, unchanged: counts.unchanged }
}

/** An import's warnings, gathered row by row: one per code, with the count and the first places. */
class Warnings {
  private readonly found = new Map<ImportWarning['code'], { count: number; where: string[] }>()

  add(code: ImportWarning['code'], ...where: string[]): void {
    const entry = this.found.get(code) ?? { count: 0, where: [] }
    entry.count += where.length
    for (const place of where) if (entry.where.length < WARNING_PLACES) entry.where.push(place)
    this.found.set(code, entry)
  }

  list(call: { opensAt: Instant; closesAt: Instant }, rows: number): ImportWarning[] {
    const message = (code: ImportWarning['code'], count: number): string => {
      const one = count === 1
      const n = `${count} ${one ? 'response' : 'responses'}`
      switch (code) {
        case 'outside-window':
          return `${n} ${one ? 'was' : 'were'} submitted outside the call's window (${formatInstant(call.opensAt)} to ${formatInstant(call.closesAt)}): the selection leaves them out. If they were on time, the timestamps may be read in the wrong time zone (?timezone=) or date order (?dateOrder=).`
        case 'removed-earlier':
          return `${n} had been removed by staff one by one: ${one ? 'it stays' : 'they stay'} removed and were skipped (see GET /calls/{id}/responses?removed=true).`
        case 'missing-fields':
          return `${n} ${one ? 'has' : 'have'} a blank name or email: ${one ? 'it is' : 'they are'} kept, and the selection excludes ${one ? 'it' : 'them'} as missing fields.`
        case 'no-institution':
          return `Imported with ?institution=none: all ${rows} responses are unaffiliated, so one-seat-per-institution does not apply to them.`
      }
    }
    return [...this.found].map(([code, { count, where }]) => ({ code, message: message(code, count), where }))
  }
}

export type ResponseView = Static<typeof StoredResponse>
export type BatchView = Static<typeof ImportBatch>

function responseView(row: queries.ResponseRow): ResponseView {
  return {
    id: row.id,
    externalId: row.externalId,
    submittedAt: formatInstant(row.submittedAt),
    name: row.name,
    email: row.email,
    institution: row.institution,
    source: row.source,
    batchId: row.batchId,
    removed:
      row.removedAt === null
        ? null
        : {
            at: row.removedAt.toISOString(),
            by: row.removedBy ?? '',
            reason: row.removalReason ?? '',
            withImport: row.removedWithBatch,
          },
  }
}

/**
 * A call's responses in first-come order, for staff (they include emails); with `removed`, the ones
 * staff removed instead, most recently removed first.
 */
export async function listResponses(
  db: Db,
  callId: string,
  options: { removed?: boolean } = {},
): Promise<ResponseView[]> {
  await requireCall(db, callId)
  const rows = options.removed
    ? await queries.listRemovedResponses(db, callId)
    : await queries.listResponses(db, callId)
  return rows.map(responseView)
}

function batchView(row: queries.BatchRow & { remaining: number }): BatchView {
  return {
    id: row.id,
    source: row.source as ResponseSource,
    importedAt: row.createdAt.toISOString(),
    importedBy: row.importedBy,
    rows: row.counts.rows,
    inserted: row.counts.inserted,
    updated: row.counts.updated,
    unchanged: row.counts.unchanged,
    skipped: row.counts.skipped,
    remaining: row.remaining,
    options: row.options,
    removed:
      row.removedAt === null
        ? null
        : { at: row.removedAt.toISOString(), by: row.removedBy ?? '', reason: row.removalReason ?? '' },
  }
}

/** A call's imports, oldest first, each with how many of the responses it inserted still count. */
export async function listBatches(db: Db, callId: string): Promise<BatchView[]> {
  await requireCall(db, callId)
  return (await queries.listBatches(db, callId)).map(batchView)
}

export interface Removal {
  reason: string
  /** The staff token's name. */
  by: string
}

/** Removal is an edit of the responses: refused when the call takes none (closed or cancelled). */
async function lockForRemoval(tx: Db, callId: string): Promise<void> {
  const { call } = await requireCall(tx, callId, { forUpdate: true })
  if (call.cancelledAt)
    throw new AppError('conflict', 'call-cancelled', 'This call was cancelled; its responses no longer change')
  if (call.closedAt)
    throw new AppError(
      'conflict',
      'call-closed',
      'The selection of this call is final; its responses can no longer be removed',
    )
}

function readReason(reason: string): string {
  const text = reason.trim()
  if (text === '')
    throw invalid('invalid-reason', [{ field: 'body.reason', message: 'must say why (it is kept with the removal)' }])
  return text
}

/**
 * Removes what an import inserted, before the close: its responses are kept, marked removed with
 * the reason, and no longer count (preview, close). Responses the import only updated keep their
 * updated answers (an import does not record what it overwrote): the answer counts them in
 * `updated`. An import of the same responses later inserts them again (e.g. a file read in the
 * wrong time zone, removed and imported again with the right one).
 */
export async function removeBatch(
  db: Db,
  callId: string,
  batchId: string,
  removal: Removal,
  now: Date,
): Promise<BatchView & { removedResponses: number }> {
  const reason = readReason(removal.reason)
  return db.transaction(async (tx) => {
    await lockForRemoval(tx, callId)
    const batch = await queries.findBatch(tx, batchId)
    if (!batch || batch.callId !== callId)
      throw new AppError(
        'not-found',
        'import-not-found',
        `This call has no import ${batchId} (see GET /calls/${callId}/imports)`,
      )
    if (batch.removedAt)
      throw new AppError(
        'conflict',
        'import-already-removed',
        `This import was already removed on ${batch.removedAt.toISOString()} by ${batch.removedBy}: ${batch.removalReason}`,
      )
    const at = { at: now, by: removal.by, reason }
    const removedResponses = await queries.removeResponses(tx, { batchId }, { ...at, withBatch: true })
    await queries.markBatchRemoved(tx, batchId, at)
    await recordAudit(tx, {
      at: now,
      actor: removal.by,
      action: 'import.remove',
      entity: 'import',
      entityId: batchId,
      reason,
      before: { removedAt: null },
      after: { removedAt: now, callId, removedResponses },
    })
    const view = (await queries.listBatches(tx, callId)).find((b) => b.id === batchId)!
    return { ...batchView(view), removedResponses }
  })
}

/**
 * Removes one response before the close: it is kept, marked removed with the reason, and no longer
 * counts. Unlike a response removed with its import, it stays removed when a later import (or
 * Google Forms sync) holds it again.
 */
export async function removeResponse(
  db: Db,
  callId: string,
  responseId: string,
  removal: Removal,
  now: Date,
): Promise<ResponseView> {
  const reason = readReason(removal.reason)
  return db.transaction(async (tx) => {
    await lockForRemoval(tx, callId)
    const row = await queries.findResponse(tx, responseId)
    if (!row || row.callId !== callId)
      throw new AppError('not-found', 'response-not-found', `This call has no response ${responseId}`)
    if (row.removedAt)
      throw new AppError(
        'conflict',
        'response-already-removed',
        `This response was already removed on ${row.removedAt.toISOString()} by ${row.removedBy}: ${row.removalReason}`,
      )
    await queries.removeResponses(tx, { ids: [responseId] }, { at: now, by: removal.by, reason, withBatch: false })
    const person = await personOf(tx, row.email)
    await recordAudit(tx, {
      at: now,
      actor: removal.by,
      action: 'response.remove',
      entity: 'response',
      entityId: responseId,
      reason,
      mentions: [{ ref: person, names: [row.name], email: row.email }],
      before: { removedAt: null },
      after: { removedAt: now, callId, person },
    })
    return responseView((await queries.findResponse(tx, responseId))!)
  })
}
