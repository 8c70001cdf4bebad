import type { gmail_v1 } from 'googleapis'
import type { GoogleConfig } from '../config.js'
import { googleAuth } from './google-auth.js'
import { googleReason, retryAfterMs, statusOf, type GoogleError } from './google-errors.js'
import { bareAddress, loadMailComposer, MailError, toRfc822, type Mailer, type OutgoingMail } from './mail.js'

/**
 * Scopes for the mailbox rota sends as: gmail.send to send, gmail.readonly for the
 * `rfc822msgid:` search that tells whether an interrupted send went out (gmail.metadata does not
 * allow `q`).
 */
export const GMAIL_SCOPES = [
  'https://www.googleapis.com/auth/gmail.send',
  'https://www.googleapis.com/auth/gmail.readonly',
]

/**
 * A failure of googleapis as the outbox needs it. Only a 400, 401 or 403 proves that Gmail refused
 * the message (`permanent`). Any other answer — 429, 5xx (Gmail can store a message and still
 * answer 500/502/503), any other 4xx — is `retryable`, and the message may have gone out: the
 * outbox asks for its Message-ID before trying again. No answer at all is `ambiguous`.
 */
function mailFailure(error: unknown, what: string): MailError {
  if (error instanceof MailError) return error
  const e = error as GoogleError
  const status = statusOf(e)
  if (status === null) {
    // No HTTP answer at all (reset, timeout): the request may have reached Gmail, and may still be in flight.
    return new MailError('ambiguous', `${what}: no answer from Gmail (${e.message})`)
  }
  const reason = `${what}: Gmail answered ${status}: ${googleReason(e)}`
  if (status === 400 || status === 401 || status === 403) return new MailError('permanent', reason)
  return new MailError('retryable', reason, retryAfterMs(e, Date.now()))
}

/**
 * The `gmail` transport: googleapis `users.messages.send` as MAIL_FROM — a user mailbox, reached
 * through a service account with domain-wide delegation (or GOOGLE_ACCESS_TOKEN for trials and
 * tests), pointed at GOOGLE_API_ROOT_URL when set. googleapis' own retry is off: a send is not
 * idempotent, and the outbox decides when to try again.
 */
export function gmailMailer(config: GoogleConfig, from: string, options: { timeoutMs: number }): Mailer {
  let client: Promise<{ api: gmail_v1.Gmail; auth: { getAccessToken(): Promise<unknown> } } | null> | null = null
  const connect = () =>
    (client ??= import('googleapis')
      .then(({ google }) => {
        const auth = googleAuth(google, { ...config, impersonate: bareAddress(from) }, GMAIL_SCOPES)
        if (!auth) return null
        const api = google.gmail({
          version: 'v1',
          retry: false,
          timeout: options.timeoutMs,
          auth,
          ...(config.apiRootUrl ? { rootUrl: config.apiRootUrl } : {}),
        })
        return { api, auth }
      })
      .catch((error: unknown) => {
        client = null
        throw new MailError(
          'retryable',
          `rota could not load its Google credentials: ${(error as Error).message}`,
          null,
          false,
        )
      }))
  const gmail = async () => {
    const connected = await connect()
    if (!connected)
      throw new MailError(
        'permanent',
        'MAIL_TRANSPORT=gmail but rota has no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_CREDENTIALS_JSON (see README).',
      )
    return connected.api
  }
  return {
    transport: 'gmail',
    async prepare() {
      const [connected] = await Promise.all([connect(), loadMailComposer()])
      // A service account's token is fetched (and cached, refreshed 5 minutes before it expires) now, not inside a send.
      if (connected) await connected.auth.getAccessToken()
    },
    async send(mail: OutgoingMail) {
      const api = await gmail()
      const raw = Buffer.from(await toRfc822(mail), 'utf8').toString('base64url')
      try {
        const { data } = await api.users.messages.send({ userId: 'me', requestBody: { raw } })
        return { providerId: data.id ?? null }
      } catch (error) {
        throw mailFailure(error, 'users.messages.send')
      }
    },
    async wasSent(messageId: string) {
      const api = await gmail()
      try {
        const { data } = await api.users.messages.list({
          userId: 'me',
          q: `rfc822msgid:${messageId.replace(/^<|>$/g, '')}`,
          includeSpamTrash: true,
          maxResults: 1,
        })
        return (data.messages ?? []).length > 0
      } catch (error) {
        throw mailFailure(error, 'users.messages.list')
      }
    },
  }
}
