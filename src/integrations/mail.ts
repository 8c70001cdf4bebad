/**
 * Email as rota sends it: one plain-text UTF-8 message per recipient, with a Message-ID rota
 * chooses (derived from the outbox key), so that after a crash rota can ask the provider whether
 * the message went out. Transports: `log` (an .eml file per message), `gmail` (googleapis) and
 * `smtp` (any SMTP server, through nodemailer's SMTPConnection).
 */
import type MailComposerClass from 'nodemailer/lib/mail-composer'
import { isEmailAddress } from '../domain/email.js'

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
 * Why a send or a check failed, and what the outbox should do about it: `retryable` (429, 5xx, any
 * answer that does not prove a rejection: try again later — after asking the provider for the
 * Message-ID, since the message may have gone out), `permanent` (400/401/403, or a message rota
 * refuses to write: staff must act), `ambiguous` (no answer at all — the request may still be in
 * flight; a Message-ID search decides once the sending lease has passed).
 */
export class MailError extends Error {
  constructor(
    readonly kind: 'retryable' | 'permanent' | 'ambiguous',
    message: string,
    readonly retryAfterMs: number | null = null,
    /** False when the failure happened before anything reached the provider (so no check is needed before the next try). */
    readonly mayHaveGone: boolean = kind !== 'permanent',
  ) {
    super(message)
    this.name = 'MailError'
  }
}

export interface Mailer {
  readonly transport: 'log' | 'gmail' | 'smtp'
  /**
   * Gets ready to send at once (client loaded, credentials fetched), so that no claimed message
   * waits on set-up: the time between a claim and its send must stay inside the lease.
   */
  prepare(): Promise<void>
  /** Sends one message; throws MailError. Returns the provider's id for it, when there is one. */
  send(mail: OutgoingMail): Promise<{ providerId: string | null }>
  /** Whether a message with this Message-ID went out; throws MailError when it cannot tell. */
  wasSent(messageId: string): Promise<boolean>
  /**
   * Deletes rota's own copy of a message (erasure), where the transport keeps one (`log`: its .eml
   * file); returns whether there was one. What a provider delivered cannot be recalled.
   */
  forget?(messageId: string): Promise<boolean>
}

/** A bare address, `Name <address>` or `"Name" <address>`: the address part. */
export function bareAddress(value: string): string {
  const match = /<([^<>]+)>\s*$/.exec(value)
  return (match ? match[1]! : value).trim()
}

export { isEmailAddress }

/** The domain Message-IDs use: the sender's, so they are unique to this deployment. */
export function messageIdDomain(from: string): string {
  const address = bareAddress(from)
  const at = address.lastIndexOf('@')
  return at > 0 ? address.slice(at + 1).toLowerCase() : 'rota.invalid'
}

let mailComposer: Promise<typeof MailComposerClass> | undefined

/**
 * nodemailer's MailComposer, loaded on first use (or by a mailer's prepare()): rota starts without it,
 * as most of its processes never compose an email.
 */
export function loadMailComposer(): Promise<typeof MailComposerClass> {
  // The exact export key: tap's TypeScript loader resolves 'nodemailer/lib/mail-composer/index.js' to index.js.js.
  return (mailComposer ??= import('nodemailer/lib/mail-composer').then((module) => module.default))
}

/** The headers rota writes, each exactly once: anything else in a composed message is refused. */
const HEADERS = [
  'auto-submitted',
  'content-transfer-encoding',
  'content-type',
  'date',
  'from',
  'message-id',
  'mime-version',
  'subject',
  'to',
]

function refuse(header: string, why: string): MailError {
  // The header's name, never its value: values carry personal data, and this ends up in logs.
  return new MailError('permanent', `rota refuses to write the ${header} header: ${why}`, null, false)
}

function noLineBreak(header: string, value: string): void {
  if (/[\r\n]/.test(value)) throw refuse(header, 'it contains a line break (CR or LF)')
}

/** MAIL_FROM as `address`, `Name <address>` or `"Name" <address>`: its display name and address. */
function sender(from: string): { name: string; address: string } {
  noLineBreak('From', from)
  const match = /^(.*)<([^<>]*)>\s*$/.exec(from)
  const address = (match ? match[2]! : from).trim()
  const name = (match ? match[1]! : '')
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .replace(/\\(.)/g, '$1')
  // A single-label domain (rota@localhost, the default of the log transport) is allowed here only.
  if (!isEmailAddress(address) && !isEmailAddress(`${address}.invalid`))
    throw refuse('From', 'its address is not a valid email address')
  return { name, address }
}

/**
 * The RFC 5322 text of a message, composed by nodemailer's MailComposer: plain text, UTF-8,
 * quoted-printable body (the .eml files stay readable), non-ASCII names and subject as RFC 2047
 * encoded words, long headers folded. Whatever its caller passes, it never writes a header with a
 * line break in it, an address that fails `isEmailAddress`, or a header it did not mean to write:
 * those throw a permanent MailError naming the header.
 */
export async function toRfc822(mail: OutgoingMail): Promise<string> {
  const from = sender(mail.from)
  noLineBreak('To', mail.to)
  if (!isEmailAddress(mail.to)) throw refuse('To', 'the recipient is not a valid email address')
  if (mail.toName !== null) noLineBreak('To', mail.toName)
  noLineBreak('Subject', mail.subject)
  if (!/^<[^<>\s@]+@[^<>\s@]+>$/.test(mail.messageId)) throw refuse('Message-ID', 'it is not <id@domain>')
  if (Number.isNaN(mail.date.getTime())) throw refuse('Date', 'it is not a valid date')
  const MailComposer = await loadMailComposer()
  const composer = new MailComposer({
    from: from.name ? { name: from.name, address: from.address } : from.address,
    to: mail.toName ? { name: mail.toName, address: mail.to } : mail.to,
    subject: mail.subject,
    messageId: mail.messageId,
    date: mail.date,
    text: mail.body,
    headers: { 'Auto-Submitted': 'auto-generated' },
    // Q: encoded words and a quoted-printable body; text that is plain ASCII reads as itself.
    textEncoding: 'Q',
    encoding: 'quoted-printable',
    newline: 'win',
    disableFileAccess: true,
    disableUrlAccess: true,
  })
  let text: string
  try {
    text = (await composer.compile().build()).toString('utf8')
  } catch (error) {
    throw new MailError('permanent', `rota could not compose this email: ${(error as Error).message}`, null, false)
  }
  // Defence in depth: the head must hold exactly the headers above, each once.
  const head = text.slice(0, text.indexOf('\r\n\r\n'))
  const names = head
    .split(/\r\n(?![ \t])/)
    .map((line) => /^([!-9;-~]+):/.exec(line)?.[1]?.toLowerCase() ?? '(not a header)')
    .sort()
  // (A blank subject is left out rather than written empty.)
  const expected = mail.subject.trim() === '' ? HEADERS.filter((name) => name !== 'subject') : HEADERS
  if (names.join() !== expected.join())
    throw new MailError(
      'permanent',
      `rota refuses to send a message whose headers are not the expected ones (${names.join(', ')})`,
      null,
      false,
    )
  return text
}
