/**
 * The fake Forms API v1 state: forms, their responses, and the two read endpoints rota uses
 * (`forms.get`, `forms.responses.list`), answered as ../shared/reference/google-apis.md says
 * Google answers them.
 */
import { randomBytes } from 'node:crypto'
import {
  type FailureScript,
  googleError,
  requireGoogleTimestamp,
  type SeededRandom,
  timestampNanos,
  type Failure,
  type Operation,
} from './google-common.js'

// ---------------------------------------------------------------------------------------------
// Shapes, as the API returns them (forms/v1.d.ts; unused fields kept loose)

export interface Question {
  /** Short hex, e.g. `1e9b0ead`; filled in by `addForm` when absent. */
  questionId?: string
  required?: boolean
  /** A short-text question is `{}` (defaults are omitted) [U, proto3 JSON]. */
  textQuestion?: { paragraph?: boolean }
  choiceQuestion?: {
    type: 'RADIO' | 'CHECKBOX' | 'DROP_DOWN'
    options: Array<{ value?: string; isOther?: boolean; goToAction?: string; goToSectionId?: string }>
    shuffle?: boolean
  }
  scaleQuestion?: Record<string, unknown>
  dateQuestion?: Record<string, unknown>
  timeQuestion?: Record<string, unknown>
  fileUploadQuestion?: Record<string, unknown>
  ratingQuestion?: Record<string, unknown>
  /** Set on each row of a `questionGroupItem`; the row label is its `title`. */
  rowQuestion?: { title: string }
  grading?: Record<string, unknown>
}

export interface FormItem {
  /** Filled in by `addForm` when absent; a different value from the questionId. */
  itemId?: string
  title?: string
  description?: string
  questionItem?: { question: Question; image?: Record<string, unknown> }
  questionGroupItem?: { questions: Question[]; grid?: Record<string, unknown>; image?: Record<string, unknown> }
  pageBreakItem?: Record<string, never>
  textItem?: Record<string, never>
  imageItem?: Record<string, unknown>
  videoItem?: Record<string, unknown>
}

export type EmailCollectionType = 'DO_NOT_COLLECT' | 'VERIFIED' | 'RESPONDER_INPUT'

export interface Form {
  formId: string
  info: { title: string; documentTitle?: string; description?: string }
  settings?: { emailCollectionType?: EmailCollectionType; quizSettings?: { isQuiz?: boolean } }
  revisionId?: string
  responderUri?: string
  publishSettings?: { publishState?: { isPublished?: boolean; isAcceptingResponses?: boolean } }
  items: FormItem[]
}

/** What `addForm` takes: a Form whose ids and defaults may be left out. */
export type FormInput = Omit<Form, 'formId'> & { formId?: string }

export interface Answer {
  questionId: string
  textAnswers?: { answers: Array<{ value: string }> }
  fileUploadAnswers?: { answers: Array<{ fileId: string; fileName: string; mimeType: string }> }
  grade?: { score?: number; correct?: boolean; feedback?: Record<string, unknown> }
}

export interface FormResponse {
  responseId: string
  createTime: string
  lastSubmittedTime: string
  respondentEmail?: string
  answers?: Record<string, Answer>
  totalScore?: number
}

/**
 * An answer as tests write it: a string (one text answer), several strings (checkboxes), or a
 * whole `Answer` (file uploads, grades). `''` and `[]` mean "not answered": the key is left out,
 * as Google does for unanswered optional questions [U].
 */
export type AnswerInput = string | readonly string[] | Omit<Answer, 'questionId'>

export interface ResponseInput {
  /** Opaque and long like Google's (`ACYDBN…`); generated when absent. */
  responseId?: string
  /** Kept byte for byte: 0, 3, 6 or 9 fractional digits. */
  createTime: string
  /**
   * Kept byte for byte. When absent, Google's habit is imitated: the same instant as
   * `createTime` but with microsecond digits (`…58.146Z` → `…58.146607Z`), so an unedited
   * response's `lastSubmittedTime !== createTime`, as the reference warns.
   */
  lastSubmittedTime?: string
  respondentEmail?: string
  answers: Record<string, AnswerInput>
  totalScore?: number
}

// ---------------------------------------------------------------------------------------------
// Item helpers

function randomHex(digits: number): string {
  return randomBytes(Math.ceil(digits / 2))
    .toString('hex')
    .slice(0, digits)
}

/** A short-text question item, as `forms.get` returns one. */
export function textItem(
  title: string,
  questionId: string = randomHex(8),
  options: { required?: boolean; paragraph?: boolean } = {},
): FormItem {
  const question: Question = { questionId }
  if (options.required) question.required = true
  question.textQuestion = options.paragraph ? { paragraph: true } : {}
  return { itemId: randomHex(8), title, questionItem: { question } }
}

/** A radio / checkbox / drop-down question item; `other: true` adds the "Other" option. */
export function choiceItem(
  title: string,
  values: readonly string[],
  options: { questionId?: string; type?: 'RADIO' | 'CHECKBOX' | 'DROP_DOWN'; other?: boolean; required?: boolean } = {},
): FormItem {
  const question: Question = { questionId: options.questionId ?? randomHex(8) }
  if (options.required) question.required = true
  question.choiceQuestion = {
    type: options.type ?? 'RADIO',
    options: [...values.map((value) => ({ value })), ...(options.other ? [{ isOther: true }] : [])],
  }
  return { itemId: randomHex(8), title, questionItem: { question } }
}

/** A section break: an item with no question. */
export function pageBreakItem(title: string): FormItem {
  return { itemId: randomHex(8), title, pageBreakItem: {} }
}

/** A grid: one question per row, each with its own questionId; the row label is `rowQuestion.title`. */
export function questionGroupItem(
  title: string,
  rows: ReadonlyArray<string | { title: string; questionId: string }>,
  columns: readonly string[],
): FormItem {
  return {
    itemId: randomHex(8),
    title,
    questionGroupItem: {
      questions: rows.map((row) =>
        typeof row === 'string'
          ? { questionId: randomHex(8), rowQuestion: { title: row } }
          : { questionId: row.questionId, rowQuestion: { title: row.title } },
      ),
      grid: { columns: { type: 'RADIO', options: columns.map((value) => ({ value })) } },
    },
  }
}

/** Every questionId of a form's items (question items and grid rows). */
export function questionIdsOf(items: readonly FormItem[]): string[] {
  const ids: string[] = []
  for (const item of items) {
    if (item.questionItem?.question.questionId) ids.push(item.questionItem.question.questionId)
    for (const row of item.questionGroupItem?.questions ?? []) if (row.questionId) ids.push(row.questionId)
  }
  return ids
}

// ---------------------------------------------------------------------------------------------
// State

/** Which timestamp `filter=timestamp > N` compares; the docs don't say, so it is configurable. */
export type FilterField = 'lastSubmittedTime' | 'createTime'

interface StoredForm {
  form: Form
  responses: Map<string, FormResponse>
}

interface Filter {
  text: string
  operator: '>' | '>='
  nanos: bigint
}

interface Cursor {
  formId: string
  filter: string
  ids: readonly string[]
  offset: number
}

const MAX_PAGE_SIZE = 5000

function clone<T>(value: T): T {
  return structuredClone(value)
}

export class FakeForms {
  /** Which field `timestamp` filters compare (default `lastSubmittedTime`, see the reference). */
  filterField: FilterField = 'lastSubmittedTime'
  /**
   * When true, each page holds a random number (1…pageSize) of responses while still carrying
   * `nextPageToken` — Google says "the service may return fewer". Default false.
   */
  partialPages = false
  /** The page size used when `pageSize` is unset or 0 (Google: at most 5000). */
  pageSizeDefault: number

  private readonly forms = new Map<string, StoredForm>()
  private readonly cursors = new Map<string, Cursor>()

  constructor(
    private readonly random: SeededRandom,
    private readonly failures: FailureScript,
    options: { pageSizeDefault?: number } = {},
  ) {
    this.pageSizeDefault = Math.min(options.pageSizeDefault ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE)
  }

  // ----- scripting ----------------------------------------------------------------------------

  /** Adds a form; fills in ids and the defaults Google shows (documentTitle, revisionId, …). */
  addForm(input: FormInput): Form {
    const formId = input.formId ?? `1${this.random.base64url(43)}`
    if (this.forms.has(formId)) throw new Error(`fake Google: form ${formId} already exists`)
    const form: Form = {
      formId,
      info: { ...input.info, documentTitle: input.info.documentTitle ?? input.info.title },
      settings: input.settings ? clone(input.settings) : { emailCollectionType: 'DO_NOT_COLLECT' },
      revisionId: input.revisionId ?? '00000001',
      responderUri:
        input.responderUri ?? `https://docs.google.com/forms/d/e/1FAIpQLS${this.random.base64url(48)}/viewform`,
      publishSettings: input.publishSettings
        ? clone(input.publishSettings)
        : { publishState: { isPublished: true, isAcceptingResponses: true } },
      items: this.completeItems(input.items),
    }
    this.forms.set(formId, { form, responses: new Map() })
    return clone(form)
  }

  /** Replaces a form's items (a question renamed, deleted, duplicated…); bumps revisionId. */
  setItems(formId: string, items: FormItem[]): Form {
    const stored = this.stored(formId)
    stored.form.items = this.completeItems(items)
    const revision = Number.parseInt(stored.form.revisionId ?? '0', 10) + 1
    stored.form.revisionId = String(revision).padStart(8, '0')
    return clone(stored.form)
  }

  /** Stores a response exactly as Google returns it and returns it. */
  addResponse(formId: string, input: ResponseInput): FormResponse {
    const stored = this.stored(formId)
    const responseId = input.responseId ?? `ACYDBN${this.random.base64url(66)}`
    if (stored.responses.has(responseId))
      throw new Error(`fake Google: response ${responseId} already exists in form ${formId}`)
    const createTime = requireGoogleTimestamp(input.createTime, 'createTime')
    const lastSubmittedTime =
      input.lastSubmittedTime === undefined
        ? this.unEditedLastSubmittedTime(createTime)
        : requireGoogleTimestamp(input.lastSubmittedTime, 'lastSubmittedTime')
    if ((timestampNanos(lastSubmittedTime) ?? 0n) < (timestampNanos(createTime) ?? 0n)) {
      throw new Error(`fake Google: lastSubmittedTime ${lastSubmittedTime} is before createTime ${createTime}`)
    }
    const response: FormResponse = { responseId, createTime, lastSubmittedTime }
    if (input.respondentEmail !== undefined) {
      if (
        stored.form.settings?.emailCollectionType === 'DO_NOT_COLLECT' ||
        stored.form.settings?.emailCollectionType === undefined
      ) {
        throw new Error(
          `fake Google: form ${formId} does not collect emails, so Google would not return respondentEmail; add the form with settings: { emailCollectionType: 'VERIFIED' } (or 'RESPONDER_INPUT')`,
        )
      }
      response.respondentEmail = input.respondentEmail
    }
    const answers = this.buildAnswers(stored.form, input.answers)
    if (answers) response.answers = answers
    if (input.totalScore !== undefined) response.totalScore = input.totalScore
    stored.responses.set(responseId, response)
    return clone(response)
  }

  /**
   * A respondent edits their response: same responseId and createTime, answers replaced (no
   * history), lastSubmittedTime moves forward.
   */
  editResponse(
    formId: string,
    responseId: string,
    answers: Record<string, AnswerInput>,
    lastSubmittedTime: string,
  ): FormResponse {
    const stored = this.stored(formId)
    const response = stored.responses.get(responseId)
    if (!response) throw new Error(`fake Google: form ${formId} has no response ${responseId}`)
    requireGoogleTimestamp(lastSubmittedTime, 'lastSubmittedTime')
    if ((timestampNanos(lastSubmittedTime) ?? 0n) <= (timestampNanos(response.lastSubmittedTime) ?? 0n)) {
      throw new Error(
        `fake Google: an edit's lastSubmittedTime (${lastSubmittedTime}) must be after the previous one (${response.lastSubmittedTime})`,
      )
    }
    const built = this.buildAnswers(stored.form, answers)
    const edited: FormResponse = { responseId, createTime: response.createTime, lastSubmittedTime }
    if (response.respondentEmail !== undefined) edited.respondentEmail = response.respondentEmail
    if (built) edited.answers = built
    if (response.totalScore !== undefined) edited.totalScore = response.totalScore
    stored.responses.set(responseId, edited)
    return clone(edited)
  }

  /** The form owner deletes a response: it disappears from every later list. */
  deleteResponse(formId: string, responseId: string): void {
    const stored = this.stored(formId)
    if (!stored.responses.delete(responseId))
      throw new Error(`fake Google: form ${formId} has no response ${responseId}`)
  }

  /** The form as stored (what forms.get returns). */
  form(formId: string): Form {
    return clone(this.stored(formId).form)
  }

  /** The form's responses in insertion order (the API itself returns them in no order). */
  responses(formId: string): FormResponse[] {
    return [...this.stored(formId).responses.values()].map(clone)
  }

  formIds(): string[] {
    return [...this.forms.keys()]
  }

  /** Scripted errors for the next requests of an operation (see `Failure`). */
  failNext(operation: Operation, failures: readonly Failure[]): void {
    this.failures.next(operation, failures)
  }

  failAlways(operation: Operation, failure: Failure): void {
    this.failures.setAlways(operation, failure)
  }

  clearFailures(operation?: Operation): void {
    this.failures.clear(operation)
  }

  // ----- endpoints ----------------------------------------------------------------------------

  /** GET /v1/forms/{formId} */
  handleGet(formId: string): Form {
    const stored = this.forms.get(formId)
    if (!stored) throw googleError('forms', 404)
    return clone(stored.form)
  }

  /** GET /v1/forms/{formId}/responses?filter=&pageSize=&pageToken= */
  handleList(formId: string, query: Record<string, string>): { responses?: FormResponse[]; nextPageToken?: string } {
    const stored = this.forms.get(formId)
    if (!stored) throw googleError('forms', 404)
    const pageSize = this.parsePageSize(query['pageSize'])
    const filterText = query['filter'] ?? ''
    const filter = filterText === '' ? undefined : parseFilter(filterText)
    const token = query['pageToken'] ?? ''
    let cursor: Cursor
    if (token === '') {
      const matching = [...stored.responses.values()]
        .filter((response) => this.matches(response, filter))
        .map((r) => r.responseId)
      cursor = { formId, filter: filterText, ids: this.random.shuffle(matching), offset: 0 }
    } else {
      const found = this.cursors.get(token)
      // Google: "the form and filter must be the same as in the original request".
      if (!found || found.formId !== formId || found.filter !== filterText) throw googleError('forms', 400)
      cursor = found
    }
    const size = this.partialPages ? 1 + this.random.int(pageSize) : pageSize
    const page: FormResponse[] = []
    let offset = cursor.offset
    // The snapshot of ids is taken at the first page; later pages show the current state of
    // those responses (deleted ones are skipped, so a page can come back short).
    while (offset < cursor.ids.length && page.length < size) {
      const id = cursor.ids[offset++] as string
      const response = stored.responses.get(id)
      if (response && this.matches(response, filter)) page.push(clone(response))
    }
    const body: { responses?: FormResponse[]; nextPageToken?: string } = {}
    if (page.length > 0) body.responses = this.random.shuffle(page)
    if (offset < cursor.ids.length) {
      const next = `ACYDBN${this.random.base64url(40)}`
      this.cursors.set(next, { ...cursor, offset })
      body.nextPageToken = next
    }
    return body
  }

  // ----- internals ----------------------------------------------------------------------------

  private stored(formId: string): StoredForm {
    const stored = this.forms.get(formId)
    if (!stored) throw new Error(`fake Google: no form ${formId} (forms: ${this.formIds().join(', ') || 'none'})`)
    return stored
  }

  private completeItems(items: readonly FormItem[]): FormItem[] {
    return items.map((input) => {
      const item = clone(input)
      item.itemId ??= this.random.hex(8)
      if (item.questionItem) item.questionItem.question.questionId ??= this.random.hex(8)
      for (const row of item.questionGroupItem?.questions ?? []) row.questionId ??= this.random.hex(8)
      return item
    })
  }

  private buildAnswers(form: Form, inputs: Record<string, AnswerInput>): Record<string, Answer> | undefined {
    const known = new Set(questionIdsOf(form.items))
    const answers: Record<string, Answer> = {}
    for (const [questionId, input] of Object.entries(inputs)) {
      if (!known.has(questionId)) {
        throw new Error(
          `fake Google: form ${form.formId} has no question with id ${JSON.stringify(questionId)} (answers are keyed by questionId, not title; ids: ${[...known].join(', ') || 'none'})`,
        )
      }
      if (typeof input === 'string' || Array.isArray(input)) {
        const values = (typeof input === 'string' ? [input] : (input as readonly string[])).filter(
          (value) => value !== '',
        )
        if (values.length === 0) continue
        answers[questionId] = { questionId, textAnswers: { answers: values.map((value) => ({ value })) } }
      } else {
        answers[questionId] = { questionId, ...clone(input as Omit<Answer, 'questionId'>) }
      }
    }
    // A response with no answers at all carries no `answers` key (proto3 JSON) [U].
    return Object.keys(answers).length > 0 ? answers : undefined
  }

  /** createTime with microsecond digits added, as Google shows an unedited response [D]. */
  private unEditedLastSubmittedTime(createTime: string): string {
    const match = /^(.*:\d{2})(?:\.(\d+))?Z$/.exec(createTime)
    if (!match) return createTime
    const [, seconds, fraction = ''] = match
    if (fraction.length >= 6) return createTime
    const micros = fraction.padEnd(3, '0') + String(this.random.int(1000)).padStart(3, '0')
    return `${seconds}.${micros}Z`
  }

  private matches(response: FormResponse, filter: Filter | undefined): boolean {
    if (!filter) return true
    const value = timestampNanos(response[this.filterField]) ?? 0n
    return filter.operator === '>' ? value > filter.nanos : value >= filter.nanos
  }

  private parsePageSize(raw: string | undefined): number {
    if (raw === undefined || raw === '') return this.pageSizeDefault
    if (!/^-?\d+$/.test(raw)) {
      throw googleError('forms', 400, { message: `Invalid value at 'page_size' (TYPE_INT32), "${raw}"` })
    }
    const value = Number(raw)
    if (value < 0) throw googleError('forms', 400)
    if (value === 0) return this.pageSizeDefault
    return Math.min(value, MAX_PAGE_SIZE)
  }
}

/** `timestamp > N` or `timestamp >= N`, N an RFC 3339 UTC "Zulu" instant; anything else is 400. */
function parseFilter(text: string): Filter {
  const match = /^\s*timestamp\s*(>=|>)\s*(\S+)\s*$/.exec(text)
  const nanos = match ? timestampNanos(match[2] as string) : undefined
  if (!match || nanos === undefined) throw googleError('forms', 400)
  return { text, operator: match[1] as '>' | '>=', nanos }
}
