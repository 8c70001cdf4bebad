import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as queries from '../db/queries/responses.js'
import { AppError, type FieldProblem } from '../errors.js'
import { formatInstant, type Instant } from '../domain/time.js'
import { normaliseEmail } from '../domain/selection.js'
import { wasEdited } from '../domain/provenance.js'
import { CsvReader, responsesFromCsv, type CsvOptions, type CsvRecords } from '../integrations/csv.js'
import type { StoredResponse } from '../http/schemas/calls.js'
import { requireCall } from './calls.js'
import { invalidInstant, readInstant } from './instants.js'
import { Pacer, runPaced } from './pace.js'

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
 * Large batches are written a few hundred rows at a time, in the one transaction, handing the event
 * loop back in between so that other requests are still answered.
 */
export async function importResponses(
  db: Db,
  callId: string,
  incoming: IncomingResponse[],
  source: ResponseSource,
  now: Date,
  options: { missingAreDeleted?: boolean } = {},
): Promise<ImportCounts> {
  const pacer = new Pacer()
  await refuseRepeats(incoming, pacer)

  return db.transaction(async (tx) => {
    // Locking the call serialises imports and closing, so a response can never slip in after the selection.
    const { call } = await requireCall(tx, callId, { forUpdate: true })
    if (call.cancelledAt)
      throw new AppError('conflict', 'call-cancelled', 'This call was cancelled; it takes no responses')
    if (call.closedAt)
      throw new AppError('conflict', 'call-closed', 'The selection of this call is final; it takes no more responses')

    const existing = new Map<string, queries.ResponseRow>()
    for (const row of await queries.listResponses(tx, callId)) existing.set(keyOf(row), row)

    const counts: ImportCounts = { inserted: 0, updated: 0, unchanged: 0 }
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
      const stored = existing.get(keyOf(response))
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
        inserts.push({ callId, externalId: response.externalId, ingestSeq: ++seq, firstSeen, ...values })
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
      } else {
        await queries.updateResponse(tx, stored.id, { ...values, deletedUpstreamAt: null, updatedAt: now })
        counts.updated++
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
    return counts
  })
}

export type ResponseView = Static<typeof StoredResponse>

/** A call's responses in first-come order, for staff (they include emails). */
export async function listResponses(db: Db, callId: string): Promise<ResponseView[]> {
  await requireCall(db, callId)
  return (await queries.listResponses(db, callId)).map((row) => ({
    id: row.id,
    externalId: row.externalId,
    submittedAt: formatInstant(row.submittedAt),
    name: row.name,
    email: row.email,
    institution: row.institution,
    source: row.source,
  }))
}
