/**
 * Email as rota sends it: one plain-text UTF-8 message per recipient, with a Message-ID rota
 * chooses (derived from the outbox key), so that after a crash rota can ask the provider whether
 * the message went out. Transports: `log` (an .eml file per message) and `gmail` (googleapis).
 */

/** A message ready to go: rendered, addressed, with its permanent Message-ID. */
export interface OutgoingMail {
  /** With angle brackets: `<rota.…@example.org>`. */
  messageId: string
  from: string
  to: string
  toName: string | null
  subject: string
  body: string
  /** The Date header: when the message was queued. */
  date: Date
}

/**
 * Why a send or a check failed, and what the outbox should do about it: `retryable` (429, 5xx:
 * try again later), `permanent` (other 4xx: staff must act), `ambiguous` (no answer — the message
 * may or may not have gone out; only a Message-ID search can tell).
 */
export class MailError extends Error {
  constructor(
    readonly kind: 'retryable' | 'permanent' | 'ambiguous',
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message)
    this.name = 'MailError'
  }
}

export interface Mailer {
  readonly transport: 'log' | 'gmail'
  /**
   * Gets ready to send at once (client loaded, credentials fetched), so that no claimed message
   * waits on set-up: the time between a claim and its send must stay inside the lease.
   */
  prepare(): Promise<void>
  /** Sends one message; throws MailError. Returns the provider's id for it, when there is one. */
  send(mail: OutgoingMail): Promise<{ providerId: string | null }>
  /** Whether a message with this Message-ID went out; throws MailError when it cannot tell. */
  wasSent(messageId: string): Promise<boolean>
}

/** A bare address, `Name <address>` or `"Name" <address>`: the address part. */
export function bareAddress(value: string): string {
  const match = /<([^<>]+)>\s*$/.exec(value)
  return (match ? match[1]! : value).trim()
}

export { isEmailAddress } from '../domain/email.js'

/** The domain Message-IDs use: the sender's, so they are unique to this deployment. */
export function messageIdDomain(from: string): string {
  const address = bareAddress(from)
  const at = address.lastIndexOf('@')
  return at > 0 ? address.slice(at + 1).toLowerCase() : 'rota.invalid'
}

function encodeWord(text: string): string {
  // RFC 2047 for anything that is not plain printable ASCII.
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`
}

function displayName(name: string): string {
  const clean = name.replace(/[\r\n"\\]/g, ' ').trim()
  if (!/^[\x20-\x7e]*$/.test(clean)) return encodeWord(clean)
  return `"${clean}"`
}

/** The RFC 5322 text of a message: plain text, UTF-8, base64 body (safe for any line length). */
export function toRfc822(mail: OutgoingMail): string {
  const to = mail.toName ? `${displayName(mail.toName)} <${mail.to}>` : mail.to
  const body = Buffer.from(mail.body.replace(/\r?\n/g, '\r\n'), 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n')
  return [
    `From: ${mail.from}`,
    `To: ${to}`,
    `Subject: ${encodeWord(mail.subject)}`,
    `Date: ${mail.date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${mail.messageId}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    'Auto-Submitted: auto-generated',
    '',
    body,
    '',
  ].join('\r\n')
}
