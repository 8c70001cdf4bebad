/**
 * The acknowledgement a volunteer gets when rota first stores their response (issue 16): what was
 * received and when, their receipt code and their private status link — the way to check the
 * response, or withdraw it, before the close. Queued in the transaction that stores the response
 * (an import, a Google Forms sync), once per response (its outbox key), and only while the call is
 * open (`acknowledgementDue`); the outbox checks before sending that the response still counts
 * (src/domain/email-premise.ts).
 */
import type { Db } from '../db/client.js'
import type { CallWithTeam } from '../db/queries/calls.js'
import * as responseQueries from '../db/queries/responses.js'
import { acknowledgementDue, acknowledgementExplanation, type AckCall } from '../domain/notices.js'
import { normaliseEmail } from '../domain/selection.js'
import { formatInstant, instantFromDate, type Instant } from '../domain/time.js'
import { deploymentKeys } from './keys.js'
import { callValues, privacyNoticeFor, queueNotices, seatsOffered, type Notice } from './notices.js'
import { Pacer } from './pace.js'
import { volunteerLinks } from './status-links.js'

/** What acknowledgements need from the deployment: MAIL_FROM (their Message-IDs) and PUBLIC_URL (their links). */
export interface AcknowledgeOptions {
  mailFrom: string
  publicUrl: string | null
}

/** The outbox key of a response's acknowledgement: one per response, ever. */
export function acknowledgementKey(responseId: string): string {
  return `response:${responseId}:acknowledged`
}

/** Emails queued per statement: rendering and inserting stay a few milliseconds at a time (see pace.ts). */
const CHUNK = 100

/** What the institution placeholder says when the volunteer named none. */
const NO_INSTITUTION = '(none given)'

/**
 * Queues, in the caller's transaction, the acknowledgements of the responses import `batchId` just
 * inserted into the call: those `acknowledgementDue` at `now` (the call is open and the response is
 * inside its window). A response from an address that had already responded earlier in the call is
 * acknowledged too — it has its own link — and told that only the first response counts. Returns
 * how many were queued (a response without an email address is recorded as skipped).
 */
export async function queueAcknowledgements(
  db: Db,
  { call, team }: CallWithTeam,
  batchId: string,
  now: Date,
  options: AcknowledgeOptions,
  pacer = new Pacer(),
): Promise<number> {
  const at = instantFromDate(now)
  const ackCall: AckCall = {
    opensAt: call.opensAt,
    closesAt: call.closesAt,
    closed: call.closedAt !== null,
    cancelled: call.cancelledAt !== null,
  }
  // The call itself is past (or before) its window: no response is acknowledged, none is read.
  if (!acknowledgementDue(ackCall, at, at)) return 0
  const base = callValues(team, call, await seatsOffered(db, team, call))
  const keys = await deploymentKeys(db)
  const privacyNotice = await privacyNoticeFor(db, team)
  // In first-come order, so that each address's first response is met first.
  const rows = await responseQueries.listResponses(db, call.id)
  const firstByEmail = new Map<string, Instant>()
  let notices: Notice[] = []
  let queued = 0
  const flush = async () => {
    if (notices.length === 0) return
    queued += (await queueNotices(db, options.mailFrom, notices, now)).length
    notices = []
    await pacer.pause()
  }
  for (const row of rows) {
    if (pacer.due()) await pacer.pause()
    if (!acknowledgementDue(ackCall, row.submittedAt, at)) continue
    const email = normaliseEmail(row.email)
    const earlier = email === '' ? null : (firstByEmail.get(email) ?? null)
    // As the selection counts them (docs/rules.md#d3, #d4): a response needs a name and an email to be a person's first.
    if (email !== '' && row.name.trim() !== '' && earlier === null) firstByEmail.set(email, row.submittedAt)
    if (row.batchId !== batchId) continue
    notices.push({
      team,
      kind: 'acknowledged',
      key: acknowledgementKey(row.id),
      to: row.email,
      toName: row.name,
      values: {
        ...base,
        name: row.name,
        institution: row.institution?.trim() || NO_INSTITUTION,
        receivedAt: formatInstant(row.submittedAt),
        explanation: acknowledgementExplanation(ackCall, earlier),
        ...volunteerLinks(keys, row.id, call.closesAt, options.publicUrl),
        privacyNotice,
      },
      callId: call.id,
      responseId: row.id,
    })
    if (notices.length >= CHUNK) await flush()
  }
  await flush()
  return queued
}
