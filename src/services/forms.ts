import { changedFields, recordAudit } from './audit.js'
import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as queries from '../db/queries/forms.js'
import { AppError } from '../errors.js'
import { InvalidInstantError, parseInstant } from '../domain/time.js'
import { emailAddressProblem } from '../domain/email.js'
import { oneLine } from '../domain/text.js'
import type { FormInfo, FormsClient } from '../integrations/google-forms.js'
import type { FormLink } from '../http/schemas/calls.js'
import { callStatus, requireCall } from './calls.js'
import { importResponses, type IncomingResponse } from './responses.js'
import type { AcknowledgeOptions } from './acknowledgements.js'
import {
  checkCloseOptions,
  closeCall,
  closeOrHoldCall,
  type CloseOptions,
  type CloseOutcome,
  type SelectionView,
} from './selection.js'

export interface QuestionTitles {
  name: string
  institution: string
  email?: string
}

export type FormLinkView = Static<typeof FormLink>

function view(row: queries.CallFormRow): FormLinkView {
  return {
    callId: row.callId,
    formId: row.formId,
    formTitle: row.formTitle,
    questions: row.questions,
    questionIds: row.questionIds,
    emailSource: row.questionIds.email === null ? 'respondentEmail' : 'question',
  }
}

const normaliseTitle = (title: string) => title.trim().replace(/\s+/g, ' ').toLowerCase()

/** The one question whose title is `title` (trimmed, case and spacing ignored); none or several is an error naming the field. */
function questionId(form: FormInfo, title: string, field: string): string {
  const matches = form.questions.filter((q) => normaliseTitle(q.title) === normaliseTitle(title))
  if (matches.length === 1) return matches[0]!.questionId
  const known = form.questions.map((q) => `"${q.title}"`).join(', ')
  throw new AppError(
    'unprocessable',
    matches.length === 0 ? 'question-not-found' : 'question-ambiguous',
    matches.length === 0
      ? `${field}: the form has no question titled "${title}" (its questions: ${known})`
      : `${field}: ${matches.length} questions of the form are titled "${title}"; rename them so that one matches`,
    { field, title },
  )
}

/**
 * Links a call to a Google Form: reads the form and maps each question title to its question id,
 * so that later syncs read answers by id. Without an email question the form must collect emails.
 */
export async function linkForm(
  db: Db,
  forms: FormsClient,
  callId: string,
  input: { formId: string; questions: QuestionTitles },
  now: Date,
  by: string,
): Promise<FormLinkView> {
  await requireCall(db, callId)
  const form = await forms.getForm(input.formId)
  const ids = {
    name: questionId(form, input.questions.name, 'body.questions.name'),
    institution: questionId(form, input.questions.institution, 'body.questions.institution'),
    email: input.questions.email === undefined ? null : questionId(form, input.questions.email, 'body.questions.email'),
  }
  if (ids.email === null && !form.collectsEmail) {
    throw new AppError(
      'unprocessable',
      'form-collects-no-email',
      'The form has no email question given and does not collect email addresses: turn on "Collect email addresses" in the form settings, or name the email question in questions.email',
    )
  }
  return db.transaction(async (tx) => {
    const previous = await queries.findCallForm(tx, callId)
    const row = await queries.upsertCallForm(tx, {
      callId,
      formId: input.formId,
      formTitle: oneLine(form.title),
      questions: {
        name: input.questions.name,
        institution: input.questions.institution,
        email: input.questions.email ?? null,
      },
      questionIds: ids,
      updatedAt: now,
    })
    const audited = (link: typeof row | null) => ({
      formId: link?.formId ?? null,
      questions: link?.questions ?? null,
      questionIds: link?.questionIds ?? null,
    })
    await recordAudit(tx, {
      at: now,
      actor: by,
      action: 'call.form-link',
      entity: 'call',
      entityId: callId,
      ...changedFields(audited(previous), audited(row)),
    })
    return view(row)
  })
}

export async function getFormLink(db: Db, callId: string): Promise<FormLinkView> {
  await requireCall(db, callId)
  const row = await queries.findCallForm(db, callId)
  if (!row)
    throw new AppError(
      'not-found',
      'no-form-linked',
      'No Google Form is linked to this call: PUT /calls/{id}/form first',
    )
  return view(row)
}

/** A response that was stored but needs staff to look at it; names the response, never the address. */
export interface SyncWarning {
  responseId: string
  code: 'invalid-email'
  message: string
}

export interface SyncResult {
  /** The import this sync was recorded as; null when it changed nothing. */
  batchId: string | null
  fetched: number
  /** Responses staff removed one by one: a sync does not bring them back. */
  skipped: number
  inserted: number
  updated: number
  unchanged: number
  deletedUpstream: number
  warnings: SyncWarning[]
}

/**
 * The email of a response read from Google: a valid address, or '' when it is not one (kept
 * without it, so the selection excludes it as missing its email and nothing is sent to it).
 */
function checkedEmail(responseId: string, raw: string, warnings: SyncWarning[]): string {
  const email = raw.trim()
  if (email === '') return ''
  const problem = emailAddressProblem(email)
  if (problem === null) return email
  warnings.push({
    responseId,
    code: 'invalid-email',
    message: `Response ${responseId} gave an email address that ${problem}; it is kept without the address, so the selection excludes it and nothing is sent to it. Ask the volunteer to correct it in the form.`,
  })
  return ''
}

/**
 * Reads every response of the call's form and upserts them by responseId, in one transaction:
 * `createTime` (the first submission, full precision) is the place in line, `lastSubmittedTime`
 * records edits, and responses gone from the form are flagged, never dropped. New responses are
 * numbered in responseId order, the tie-break for identical instants. A failure changes nothing.
 * An email address that fails the one email check is not stored (see checkedEmail): a warning names
 * the response. A sync that changes something is recorded as an import (`by` did it), which staff may
 * remove before the close; a response staff removed on its own is not brought back. Each new
 * response is acknowledged to its volunteer while the call is open (`acknowledge`: see
 * src/services/acknowledgements.ts).
 */
export async function syncCall(
  db: Db,
  forms: FormsClient,
  callId: string,
  now: Date,
  by: string,
  acknowledge: AcknowledgeOptions,
): Promise<SyncResult> {
  const link = await getFormLink(db, callId)
  const fetched = await forms.listResponses(link.formId)
  const ids = link.questionIds
  const warnings: SyncWarning[] = []
  const incoming: IncomingResponse[] = [...fetched]
    .sort((a, b) => (a.responseId < b.responseId ? -1 : a.responseId > b.responseId ? 1 : 0))
    .map((r) => {
      try {
        return {
          externalId: r.responseId,
          submittedAt: parseInstant(r.createTime),
          lastSubmittedAt: r.lastSubmittedTime === null ? null : parseInstant(r.lastSubmittedTime),
          // Google's text is stored as one line of valid Unicode: a NUL would fail the whole sync.
          name: oneLine(r.answers[ids.name] ?? ''),
          email: checkedEmail(
            r.responseId,
            (ids.email === null ? r.respondentEmail : r.answers[ids.email]) ?? '',
            warnings,
          ),
          institution: oneLine(r.answers[ids.institution] ?? '') || null,
          where: `response ${r.responseId}`,
        }
      } catch (error) {
        if (error instanceof InvalidInstantError)
          throw new AppError(
            'upstream',
            'google-unavailable',
            `Google Forms sent an unreadable timestamp for response ${r.responseId}: ${error.message}`,
          )
        throw error
      }
    })
  const counts = await importResponses(db, callId, incoming, 'google', now, {
    missingAreDeleted: true,
    by,
    reading: { formId: link.formId },
    onlyIfChanged: true,
    acknowledge,
  })
  return {
    batchId: counts.batchId,
    fetched: fetched.length,
    skipped: counts.skipped,
    inserted: counts.inserted,
    updated: counts.updated,
    unchanged: counts.unchanged,
    deletedUpstream: counts.deletedUpstream ?? 0,
    warnings,
  }
}

/** Whether a call reads its responses from a Google Form. */
export async function hasForm(db: Db, callId: string): Promise<boolean> {
  return (await queries.findCallForm(db, callId)) !== null
}

/**
 * Syncs every call that is open at `now` and has a linked form, one by one; a failure of one call
 * is reported and does not stop the others (the next tick tries again).
 */
export async function syncOpenCalls(
  db: Db,
  forms: FormsClient,
  now: Date,
  acknowledge: AcknowledgeOptions,
): Promise<Array<{ callId: string; counts: SyncResult } | { callId: string; error: unknown }>> {
  const results: Array<{ callId: string; counts: SyncResult } | { callId: string; error: unknown }> = []
  for (const link of await queries.listCallForms(db)) {
    const { call } = await requireCall(db, link.callId)
    if (callStatus(call, now) !== 'open') continue
    try {
      results.push({ callId: link.callId, counts: await syncCall(db, forms, link.callId, now, 'tick', acknowledge) })
    } catch (error) {
      results.push({ callId: link.callId, error })
    }
  }
  return results
}

/**
 * Closes a call as `closeCall` does, after syncing its linked form once more so that the selection
 * sees every response; if Google fails, nothing is closed and staff see why.
 */
export async function closeCallAfterSync(
  db: Db,
  forms: FormsClient,
  callId: string,
  options: CloseOptions,
  clock: () => Date,
): Promise<SelectionView> {
  checkCloseOptions(options)
  await syncBeforeClose(db, forms, callId, options, clock)
  return closeCall(db, callId, options, clock())
}

/** As `closeCallAfterSync`, for the tick: a call whose selection needs review is held for staff (`closeOrHoldCall`). */
export async function closeOrHoldAfterSync(
  db: Db,
  forms: FormsClient,
  callId: string,
  options: CloseOptions,
  clock: () => Date,
): Promise<CloseOutcome> {
  await syncBeforeClose(db, forms, callId, options, clock)
  return closeOrHoldCall(db, callId, options, clock())
}

async function syncBeforeClose(
  db: Db,
  forms: FormsClient,
  callId: string,
  options: CloseOptions,
  clock: () => Date,
): Promise<void> {
  const { call } = await requireCall(db, callId)
  if (!call.closedAt && !call.cancelledAt && (await hasForm(db, callId))) {
    const status = callStatus(call, clock())
    if (status === 'due' || (status === 'open' && options.early))
      await syncCall(db, forms, callId, clock(), options.staff, {
        mailFrom: options.mailFrom,
        publicUrl: options.publicUrl ?? null,
      })
  }
}
