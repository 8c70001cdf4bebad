import type { forms_v1 } from 'googleapis'
import type { GoogleConfig } from '../config.js'
import { AppError } from '../errors.js'
import { FORMS_SCOPES, googleAuth } from './google-auth.js'
import { googleReason, retryAfterMs, statusOf, type GoogleError } from './google-errors.js'

/** A form as rota needs it: its title, whether it collects emails, and its questions by title. */
export interface FormInfo {
  formId: string
  title: string
  collectsEmail: boolean
  questions: Array<{ questionId: string; title: string }>
}

/** One response as Google Forms gives it: instants as Google's text, answers by question id. */
export interface FormResponse {
  responseId: string
  createTime: string
  lastSubmittedTime: string | null
  respondentEmail: string | null
  answers: Record<string, string>
}

export interface FormsClient {
  getForm(formId: string): Promise<FormInfo>
  listResponses(formId: string): Promise<FormResponse[]>
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number
  /** First back-off; doubles each time (with jitter) unless the server sends Retry-After. */
  baseDelayMs: number
  /** No single wait is longer than this, Retry-After included. */
  maxDelayMs: number
  sleep?: (ms: number) => Promise<void>
}

/** Google's failures as errors staff can act on: what failed and what to fix. */
export function googleFailure(error: unknown, formId: string): AppError {
  const e = error as GoogleError
  const status = statusOf(e)
  const reason = googleReason(e)
  if (status === 401) {
    return new AppError(
      'upstream',
      'google-auth',
      `Google refused rota's credentials (${reason}). Check GOOGLE_APPLICATION_CREDENTIALS / GOOGLE_CREDENTIALS_JSON / GOOGLE_ACCESS_TOKEN.`,
    )
  }
  if (status === 403) {
    return new AppError(
      'upstream',
      'google-permission',
      `rota may not read form ${formId} (${reason}). Share the form with the service account's email, or impersonate its owner (GOOGLE_IMPERSONATE).`,
    )
  }
  if (status === 404)
    return new AppError(
      'unprocessable',
      'form-not-found',
      `Google Forms has no form ${formId} (use the id from the editor URL, /forms/d/<id>/edit).`,
    )
  if (status === 429)
    return new AppError(
      'upstream',
      'google-rate-limited',
      `Google Forms kept answering 429 (rate limited): ${reason}. Try again in a few minutes.`,
    )
  return new AppError(
    'upstream',
    'google-unavailable',
    `Google Forms did not answer as expected${status ? ` (${status})` : ''}: ${reason}`,
  )
}

/**
 * Calls Google with rota's own bounded retry: 429 and 5xx (and dropped connections) are retried
 * with exponential back-off that honours Retry-After, at most `attempts` times; anything else fails
 * at once. (googleapis' built-in retry ignores Retry-After, so it is turned off.)
 */
export async function withRetry<T>(policy: RetryPolicy, run: () => Promise<T>): Promise<T> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      const status = statusOf(error as GoogleError)
      const retryable =
        status === null ? (error as GoogleError).response === undefined : status === 429 || status >= 500
      if (!retryable || attempt >= policy.attempts) throw error
      const backoff = policy.baseDelayMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5)
      await sleep(Math.min(policy.maxDelayMs, retryAfterMs(error as GoogleError, Date.now()) ?? backoff))
    }
  }
}

function textOf(answer: forms_v1.Schema$Answer | undefined): string {
  return (answer?.textAnswers?.answers ?? []).map((a) => a.value ?? '').join(', ')
}

/** The Forms API through googleapis, pointed at GOOGLE_API_ROOT_URL when set (the fake, in tests). */
export function createFormsClient(config: GoogleConfig, retry: RetryPolicy): FormsClient {
  // googleapis takes seconds to load: only when a call first talks to Google, not at start.
  let client: Promise<forms_v1.Forms | null> | null = null
  const connect = () =>
    (client ??= import('googleapis')
      .then(({ google }) => {
        const auth = googleAuth(google, config, FORMS_SCOPES)
        return auth
          ? google.forms({
              version: 'v1',
              retry: false,
              auth,
              ...(config.apiRootUrl ? { rootUrl: config.apiRootUrl } : {}),
            })
          : null
      })
      .catch((error: unknown) => {
        client = null // a key file fixed later is read on the next try
        throw new AppError(
          'upstream',
          'google-auth',
          `rota could not load its Google credentials: ${(error as Error).message}`,
        )
      }))
  const call = async <T>(formId: string, run: (forms: forms_v1.Forms) => Promise<T>): Promise<T> => {
    const forms = await connect()
    if (!forms)
      throw new AppError(
        'upstream',
        'google-auth',
        'rota has no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_CREDENTIALS_JSON (see README).',
      )
    try {
      return await withRetry(retry, () => run(forms))
    } catch (error) {
      if (error instanceof AppError) throw error
      throw googleFailure(error, formId)
    }
  }
  return {
    async getForm(formId) {
      const { data } = await call(formId, (forms) => forms.forms.get({ formId }))
      const questions: FormInfo['questions'] = []
      for (const item of data.items ?? []) {
        const id = item.questionItem?.question?.questionId
        if (id) questions.push({ questionId: id, title: item.title ?? '' })
        for (const row of item.questionGroupItem?.questions ?? []) {
          if (row.questionId)
            questions.push({
              questionId: row.questionId,
              title: `${item.title ?? ''} ${row.rowQuestion?.title ?? ''}`.trim(),
            })
        }
      }
      const collection = data.settings?.emailCollectionType
      return {
        formId,
        title: data.info?.title ?? data.info?.documentTitle ?? formId,
        collectsEmail: collection === 'VERIFIED' || collection === 'RESPONDER_INPUT',
        questions,
      }
    },
    async listResponses(formId) {
      const all: FormResponse[] = []
      let pageToken: string | undefined
      do {
        const { data } = await call(formId, (forms) =>
          forms.forms.responses.list({ formId, pageSize: 5000, ...(pageToken ? { pageToken } : {}) }),
        )
        for (const r of data.responses ?? []) {
          if (!r.responseId || !r.createTime) continue
          const answers: Record<string, string> = {}
          for (const [questionId, answer] of Object.entries(r.answers ?? {})) answers[questionId] = textOf(answer)
          all.push({
            responseId: r.responseId,
            createTime: r.createTime,
            lastSubmittedTime: r.lastSubmittedTime ?? null,
            respondentEmail: r.respondentEmail ?? null,
            answers,
          })
        }
        pageToken = data.nextPageToken ?? undefined
      } while (pageToken)
      return all
    },
  }
}
