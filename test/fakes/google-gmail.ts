/**
 * The fake Gmail API v1: `users.messages.send` (JSON `{raw}`, base64url RFC 822) and
 * `users.messages.list` with `q=rfc822msgid:…`, enough for an outbox that must find out whether
 * a message it may or may not have sent reached Gmail.
 *
 * Not in the reference, so [U]: Gmail's search operator `rfc822msgid:` matches the Message-ID
 * header exactly; Gmail's own docs write it without angle brackets
 * (`rfc822msgid:200503292@example.com`) and the web UI uses it with them, so both are accepted.
 * Gmail gives a message without a Message-ID one of its own (`<…@mail.gmail.com>`). There is one
 * mailbox: `userId` (`me` or an address) is recorded, not used to partition messages.
 */
import { type FailureScript, googleError, type SeededRandom, type Failure, type Operation } from './google-common.js'

export interface SentMessage {
  /** Gmail's message id (16 hex digits, rising with time), as returned by send. */
  id: string
  threadId: string
  labelIds: string[]
  /** The `userId` path parameter of the send (`me` or an address). */
  userId: string
  /** The Message-ID header as sent (with angle brackets), or the one Gmail added. */
  messageId: string
  /** Headers, RFC 2047 encoded-words decoded; names lower-cased; the first of repeats. */
  headers: Record<string, string>
  from: string
  to: string
  cc: string | undefined
  subject: string
  /** The bare addresses of To, Cc and Bcc. */
  recipients: string[]
  /** The text/plain body (first text/plain part of a multipart), transfer encoding undone. */
  text: string
  /** The RFC 822 message, decoded from base64url. */
  raw: string
  /** The `raw` field exactly as received (base64url). */
  rawBase64url: string
  /** When the fake stored it (ms since the epoch). */
  at: number
}

/** What the client sees after the next sends are stored: a dropped connection or an error status. */
export type AfterSendOutcome = 'reset' | number

interface ListCursor {
  query: string
  ids: readonly string[]
  offset: number
}

export class FakeGmail {
  /** Every message Gmail accepted, oldest first (including ones whose answer was lost). */
  readonly sent: SentMessage[] = []

  private readonly lostAnswers: AfterSendOutcome[] = []
  private readonly cursors = new Map<string, ListCursor>()
  private counter = 0

  constructor(
    private readonly random: SeededRandom,
    private readonly failures: FailureScript,
  ) {}

  // ----- scripting ----------------------------------------------------------------------------

  failNext(operation: Operation, failures: readonly Failure[]): void {
    this.failures.next(operation, failures)
  }

  failAlways(operation: Operation, failure: Failure): void {
    this.failures.setAlways(operation, failure)
  }

  clearFailures(operation?: Operation): void {
    this.failures.clear(operation)
  }

  /**
   * The next `n` sends are delivered (stored in `sent`, found by `list`) but the client does not
   * hear back: the connection is dropped (`'reset'`, the default) or an error status is answered.
   * This is the "sent, but did it?" case an outbox must resolve with `rfc822msgid:`.
   */
  failAfterSendingNext(n: number, outcome: AfterSendOutcome = 'reset'): void {
    for (let i = 0; i < n; i++) this.lostAnswers.push(outcome)
  }

  /** The stored message with this Message-ID (with or without angle brackets). */
  findByMessageId(messageId: string): SentMessage | undefined {
    const wanted = bareMessageId(messageId)
    return this.sent.find((message) => bareMessageId(message.messageId) === wanted)
  }

  // ----- endpoints ----------------------------------------------------------------------------

  /**
   * POST /gmail/v1/users/{userId}/messages/send. Returns the answer, and what to do instead of
   * answering it when a lost answer was scripted.
   */
  handleSend(
    userId: string,
    body: unknown,
    now: number,
  ): { message: { id: string; threadId: string; labelIds: string[] }; lost?: AfterSendOutcome } {
    const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['raw'] : undefined
    if (typeof raw !== 'string' || raw === '') {
      throw googleError('gmail', 400, {
        reason: 'invalidArgument',
        message: "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
      })
    }
    // Google's JSON decoder takes both base64 alphabets for bytes fields [U].
    const text = Buffer.from(raw.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url').toString('utf8')
    const parsed = parseMessage(text)
    const recipients: string[] = []
    for (const field of ['to', 'cc', 'bcc'] as const) {
      const value = parsed.headers[field]
      if (value === undefined) continue
      const addresses = parseAddressList(value)
      if (addresses === undefined) {
        const name = field === 'to' ? 'To' : field === 'cc' ? 'Cc' : 'Bcc'
        throw googleError('gmail', 400, { reason: 'invalidArgument', message: `Invalid ${name} header` })
      }
      recipients.push(...addresses)
    }
    if (recipients.length === 0)
      throw googleError('gmail', 400, { reason: 'invalidArgument', message: 'Recipient address required' })

    const id = this.nextId(now)
    let messageId = parsed.headers['message-id']
    if (messageId === undefined) {
      messageId = `<CA${this.random.base64url(40)}@mail.gmail.com>`
      parsed.headers['message-id'] = messageId
    }
    const references =
      `${parsed.headers['in-reply-to'] ?? ''} ${parsed.headers['references'] ?? ''}`.match(/<[^>]+>/g) ?? []
    const parent = references.map((ref) => this.findByMessageId(ref)).find((message) => message !== undefined)
    const message: SentMessage = {
      id,
      threadId: parent?.threadId ?? id,
      labelIds: ['SENT'],
      userId,
      messageId,
      headers: parsed.headers,
      from: parsed.headers['from'] ?? '',
      to: parsed.headers['to'] ?? '',
      cc: parsed.headers['cc'],
      subject: parsed.headers['subject'] ?? '',
      recipients,
      text: parsed.text,
      raw: text,
      rawBase64url: raw,
      at: now,
    }
    this.sent.push(message)
    const answer = { id: message.id, threadId: message.threadId, labelIds: [...message.labelIds] }
    const lost = this.lostAnswers.shift()
    return lost === undefined ? { message: answer } : { message: answer, lost }
  }

  /** GET /gmail/v1/users/{userId}/messages?q=&maxResults=&pageToken=&labelIds= */
  handleList(
    query: Record<string, string>,
    labelIds: readonly string[],
  ): { messages?: Array<{ id: string; threadId: string }>; nextPageToken?: string; resultSizeEstimate: number } {
    const q = query['q'] ?? ''
    const maxRaw = query['maxResults']
    let maxResults = 100
    if (maxRaw !== undefined && maxRaw !== '') {
      if (!/^\d+$/.test(maxRaw))
        throw googleError('gmail', 400, {
          reason: 'invalidArgument',
          message: `Invalid value at 'max_results' (TYPE_UINT32), "${maxRaw}"`,
        })
      maxResults = Math.min(Math.max(Number(maxRaw), 1), 500)
    }
    const key = JSON.stringify([q, labelIds])
    let cursor: ListCursor
    const token = query['pageToken'] ?? ''
    if (token === '') {
      const terms = parseQuery(q)
      const ids = [...this.sent]
        .reverse() // newest first, as Gmail lists
        .filter(
          (message) =>
            labelIds.every((label) => message.labelIds.includes(label)) && terms.every((term) => term(message)),
        )
        .map((message) => message.id)
      cursor = { query: key, ids, offset: 0 }
    } else {
      const found = this.cursors.get(token)
      if (!found || found.query !== key)
        throw googleError('gmail', 400, { reason: 'invalidArgument', message: 'Invalid pageToken' })
      cursor = found
    }
    const pageIds = cursor.ids.slice(cursor.offset, cursor.offset + maxResults)
    const offset = cursor.offset + pageIds.length
    if (pageIds.length === 0) return { resultSizeEstimate: 0 }
    const byId = new Map(this.sent.map((message) => [message.id, message]))
    const messages = pageIds.map((id) => ({ id, threadId: byId.get(id)?.threadId ?? id }))
    if (offset >= cursor.ids.length) return { messages, resultSizeEstimate: cursor.ids.length }
    const next = String(this.random.int(2 ** 31)).padStart(20, '0')
    this.cursors.set(next, { ...cursor, offset })
    return { messages, nextPageToken: next, resultSizeEstimate: cursor.ids.length }
  }

  // ----- internals ----------------------------------------------------------------------------

  private nextId(now: number): string {
    this.counter = (this.counter + 1) % 0x100000
    return ((BigInt(now) << 20n) | BigInt(this.counter)).toString(16).padStart(16, '0')
  }
}

/** A Message-ID without angle brackets or surrounding space. */
export function bareMessageId(value: string): string {
  return value
    .trim()
    .replace(/^<(.*)>$/, '$1')
    .trim()
}

// ---------------------------------------------------------------------------------------------
// Search: the operators an outbox needs, plus words matched against subject and body.

type Term = (message: SentMessage) => boolean

function parseQuery(q: string): Term[] {
  const terms: Term[] = []
  for (const token of q.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
    const colon = token.indexOf(':')
    const operator = colon > 0 ? token.slice(0, colon).toLowerCase() : ''
    const value = (colon > 0 ? token.slice(colon + 1) : token).replace(/^"(.*)"$/, '$1')
    const lower = value.toLowerCase()
    switch (operator) {
      case 'rfc822msgid': {
        const wanted = bareMessageId(value)
        terms.push((message) => bareMessageId(message.messageId) === wanted)
        break
      }
      case 'in':
      case 'label':
        terms.push((message) => lower === 'anywhere' || message.labelIds.includes(value.toUpperCase()))
        break
      case 'from':
        terms.push((message) => lower === 'me' || message.from.toLowerCase().includes(lower))
        break
      case 'to':
        terms.push(
          (message) =>
            message.recipients.some((address) => address.toLowerCase().includes(lower)) ||
            message.to.toLowerCase().includes(lower),
        )
        break
      case 'subject':
        terms.push((message) => message.subject.toLowerCase().includes(lower))
        break
      default:
        terms.push((message) => `${message.subject}\n${message.text}`.toLowerCase().includes(token.toLowerCase()))
    }
  }
  return terms
}

// ---------------------------------------------------------------------------------------------
// RFC 822 / MIME, just enough to read back what an app sends.

interface ParsedMessage {
  headers: Record<string, string>
  text: string
}

function splitHead(text: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(text)
  if (!match) return { head: text, body: '' }
  return { head: text.slice(0, match.index), body: text.slice(match.index + match[0].length) }
}

function parseHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {}
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ')
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    if (name in headers) continue
    headers[name] = decodeEncodedWords(line.slice(colon + 1).trim())
  }
  return headers
}

/** RFC 2047 `=?charset?B|Q?…?=` words; whitespace between adjacent encoded words is dropped. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?[^?]*\?=)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, encoding: string, data: string) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : Buffer.from(
              data
                .replace(/_/g, ' ')
                .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
              'latin1',
            )
      return bytes.toString(nodeCharset(charset))
    })
}

function nodeCharset(charset: string): BufferEncoding {
  const lower = charset.toLowerCase()
  return lower === 'iso-8859-1' || lower === 'latin1' || lower === 'us-ascii' ? 'latin1' : 'utf8'
}

function parameter(headerValue: string | undefined, name: string): string | undefined {
  if (!headerValue) return undefined
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(headerValue)
  return match ? (match[1] ?? match[2]) : undefined
}

function decodeBody(body: string, headers: Record<string, string>): string {
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase()
  const charset = nodeCharset(parameter(headers['content-type'], 'charset') ?? 'utf-8')
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString(charset)
  if (encoding === 'quoted-printable') {
    const binary = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    // The raw text was read as UTF-8; re-encode any non-ASCII byte-chars before decoding.
    return Buffer.from(binary, 'latin1').toString(charset)
  }
  return body
}

/** Headers of the top-level message; text of its first text/plain part (or its only text part). */
export function parseMessage(text: string): ParsedMessage {
  const { head, body } = splitHead(text)
  const headers = parseHeaders(head)
  return { headers, text: textOf(body, headers) ?? '' }
}

function textOf(body: string, headers: Record<string, string>, depth = 0): string | undefined {
  const type = (headers['content-type'] ?? 'text/plain').split(';')[0]?.trim().toLowerCase() ?? 'text/plain'
  if (type.startsWith('multipart/') && depth < 10) {
    const boundary = parameter(headers['content-type'], 'boundary')
    if (!boundary) return undefined
    const escaped = boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    const parts = body.split(new RegExp(`\\r?\\n?--${escaped}(?:--)?[ \\t]*(?:\\r?\\n|$)`)).slice(1, -1)
    let fallback: string | undefined
    for (const part of parts) {
      const { head, body: partBody } = splitHead(part)
      const partHeaders = parseHeaders(head)
      const partType = (partHeaders['content-type'] ?? 'text/plain').split(';')[0]?.trim().toLowerCase()
      if (partType === 'text/plain') return decodeBody(partBody, partHeaders)
      const nested = textOf(partBody, partHeaders, depth + 1)
      if (nested !== undefined && fallback === undefined) fallback = nested
    }
    return fallback
  }
  if (type.startsWith('text/')) return decodeBody(body, headers)
  return undefined
}

/**
 * The bare addresses of an address-list header, or undefined when one is not an address.
 * Handles `Name <a@b>`, `"Last, First" <a@b>`, bare `a@b` and empty groups (`undisclosed:;`).
 */
export function parseAddressList(value: string): string[] | undefined {
  const addresses: string[] = []
  const parts: string[] = []
  let current = ''
  let quoted = false
  let angle = false
  for (const char of value) {
    if (char === '"') quoted = !quoted
    else if (!quoted && char === '<') angle = true
    else if (!quoted && char === '>') angle = false
    if (char === ',' && !quoted && !angle) {
      parts.push(current)
      current = ''
    } else {
      current += char
    }
  }
  parts.push(current)
  for (const raw of parts) {
    const part = raw.trim()
    if (part === '' || /^[^"<>@]*:\s*;$/.test(part)) continue
    const inAngles = /<([^<>]*)>\s*$/.exec(part)
    const address = (inAngles ? inAngles[1] : part)?.trim() ?? ''
    if (!/^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/.test(address)) return undefined
    addresses.push(address)
  }
  return addresses
}
