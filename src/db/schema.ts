import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'
import { CALL_ORIGINS } from '../domain/lifecycle.js'
import { NOTICE_KINDS, OUTBOX_STATUSES } from '../domain/notices.js'
import { PROPOSAL_STATUSES } from '../domain/approval.js'
import type { Policy, SeatCounts } from '../domain/policy.js'
import { OUTCOMES, REASONS } from '../domain/selection.js'
import { OUTBOX_CHANNELS, WEBHOOK_EVENTS, WEBHOOK_FORMATS, type WebhookEvent } from '../domain/webhooks.js'
import type { Instant } from '../domain/time.js'
import { instant } from './instants.js'
import { STAFF_ROLES } from '../domain/roles.js'

// Two kinds of time: `instant()` columns hold what the rules reason about (call windows, terms,
// submissions) and are read and written as exact `Instant`s; `timestamp()` columns are rota's own
// clock stamps (created, updated, closed, cancelled, outbox delivery), JS Dates compared only with
// the clock.

/** A team whose volunteers rota selects and rotates (the IIIF Code of Conduct Team is the default). */
export const teams = pgTable('teams', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  policy: jsonb('policy').$type<Policy>().notNull(),
  /** Where calls and results are announced (a Google Group, say). */
  mailingList: text('mailing_list'),
  /** Where staff notices go (call scheduled, seats left empty). */
  staffEmail: text('staff_email'),
  /** The volunteer form link shown in announcements. */
  formUrl: text('form_url'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

/** Staff bearer tokens; only a SHA-256 hash of each token is stored. */
export const staffTokens = pgTable(
  'staff_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    /** viewer (reads), staff (runs calls and the team) or admin (tokens, team policy, erasure). */
    role: text('role', { enum: STAFF_ROLES }).notNull().default('staff'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** Null: the token does not expire. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** Last request made with the token, to the minute (written at most once a minute per token). */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('staff_tokens_token_hash_key').on(table.tokenHash),
    // One live token per name, so that `token revoke <name>` is unambiguous.
    uniqueIndex('staff_tokens_active_name_key')
      .on(table.name)
      .where(sql`${table.revokedAt} is null`),
  ],
)

/**
 * Institutions volunteers come from; `consortium` marks IIIF Consortium members (the `consortium`
 * flag, kept in its own column) and `flags` holds any other flags a policy's seat classes and caps
 * refer to (slugs, sorted, never `consortium`).
 */
export const institutions = pgTable('institutions', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  aliases: jsonb('aliases')
    .$type<string[]>()
    .notNull()
    .default(sql`'[]'::jsonb`),
  consortium: boolean('consortium').notNull(),
  flags: jsonb('flags')
    .$type<string[]>()
    .notNull()
    .default(sql`'[]'::jsonb`),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

/**
 * Every normalised name and alias of every institution, unique: the database itself refuses two
 * institutions answering to one name, even when two staff add them at the same moment.
 */
export const institutionNames = pgTable('institution_names', {
  normalised: text('normalised').primaryKey(),
  institutionId: uuid('institution_id')
    .notNull()
    .references(() => institutions.id, { onDelete: 'cascade' }),
})

/** A call for volunteers: its window `[opens_at, closes_at)` and the start of the terms it fills. */
export const calls = pgTable(
  'calls',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    opensAt: instant('opens_at').notNull(),
    closesAt: instant('closes_at').notNull(),
    termStart: instant('term_start').notNull(),
    /** Seats fixed by staff; null: computed from the policy when the selection runs. */
    seats: jsonb('seats').$type<SeatCounts>(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    /** When the tick marked the call open (and queued its announcement). */
    openedAt: instant('opened_at'),
    /** When the tick decided the reminder (queued or skipped). */
    remindedAt: instant('reminded_at'),
    /** `staff` (created by staff) or `auto` (created by the tick on the cadence). */
    origin: text('origin', { enum: CALL_ORIGINS }).notNull().default('staff'),
    /** For an `auto` call: the cadence date it was created for, kept when staff move or cancel it. */
    plannedOpensAt: instant('planned_opens_at'),
    /** True when staff gave `term_start`; false when it is the default, which then follows the window when it moves. */
    termStartExplicit: boolean('term_start_explicit').notNull().default(false),
    /** The `closes_at` a call had before staff closed it early (its window then ended at the close): restored by a reopen. */
    closedEarlyFrom: instant('closed_early_from'),
    /** The latest reopen: when, by whom and why (each reopen is also kept on the selection it superseded). */
    reopenedAt: timestamp('reopened_at', { withTimezone: true }),
    reopenedBy: text('reopened_by'),
    reopenReason: text('reopen_reason'),
    /** rota's clock when the call was created (the tick leaves a call created after its window to staff). */
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('calls_team_opens_idx').on(table.teamId, table.opensAt),
    // The tick creates each cadence call once, even with several instances, and never again once cancelled.
    uniqueIndex('calls_team_planned_key')
      .on(table.teamId, table.plannedOpensAt)
      .where(sql`${table.plannedOpensAt} is not null`),
  ],
)

/**
 * One import of responses into a call (a JSON batch, a CSV file, or a Google Forms sync that changed
 * something): what it did, how it was read, and, once staff removed it before the close, who removed
 * it, when and why. Its inserted responses point back at it, so the import can be undone.
 */
export const importBatches = pgTable(
  'import_batches',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Import order (the clock may give two imports the same createdAt). */
    seq: integer('seq').generatedAlwaysAsIdentity().notNull(),
    callId: uuid('call_id')
      .notNull()
      .references(() => calls.id),
    /** json, csv or google. */
    source: text('source').notNull(),
    /** The staff token's name (or `tick` for a scheduled Google Forms sync). */
    importedBy: text('imported_by').notNull(),
    /** Rows read, inserted, updated, unchanged, skipped (removed earlier by staff). */
    counts: jsonb('counts')
      .$type<{ rows: number; inserted: number; updated: number; unchanged: number; skipped: number }>()
      .notNull(),
    /** How the file was read: time zone, date order, column mapping, `institution: none`. */
    options: jsonb('options').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    removedAt: timestamp('removed_at', { withTimezone: true }),
    removedBy: text('removed_by'),
    removalReason: text('removal_reason'),
  },
  (table) => [index('import_batches_call_idx').on(table.callId, table.createdAt)],
)

/**
 * Volunteer responses to a call. `submitted_at` is the exact first-submission instant in canonical
 * form (UTC, 9 fractional digits), which sorts as text; PostgreSQL's timestamptz keeps only
 * microseconds, so `submitted_at_ts` is for people and queries, never for ordering.
 */
export const responses = pgTable(
  'responses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    callId: uuid('call_id')
      .notNull()
      .references(() => calls.id),
    externalId: text('external_id'),
    /** Ingestion order within the call: the tie-breaker for equal instants. */
    ingestSeq: integer('ingest_seq').notNull(),
    submittedAt: text('submitted_at').$type<Instant>().notNull(),
    submittedAtTs: instant('submitted_at_ts').notNull(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    institution: text('institution'),
    source: text('source').notNull(),
    /** Google Forms' lastSubmittedTime (exact, canonical) when the response was edited after submission. */
    lastSubmittedAt: text('last_submitted_at').$type<Instant>(),
    /** The answers as rota first saw them, to name the fields an edit changed. */
    firstSeen: jsonb('first_seen').$type<{ name: string; email: string; institution: string | null }>(),
    /** Set when the response disappeared from its Google Form; it is kept, never dropped. */
    deletedUpstreamAt: timestamp('deleted_upstream_at', { withTimezone: true }),
    /** The import that inserted it (null for responses stored before imports were recorded). */
    batchId: uuid('batch_id').references(() => importBatches.id),
    /**
     * Set when staff removed the response before the close (alone, or with its import): it is kept,
     * never dropped, but no longer counts. One removed alone stays out of later imports of the same
     * response; one removed with its import comes back when imported again (a corrected file).
     */
    removedAt: timestamp('removed_at', { withTimezone: true }),
    removedBy: text('removed_by'),
    removalReason: text('removal_reason'),
    removedWithBatch: boolean('removed_with_batch').notNull().default(false),
    /**
     * Set when the volunteer's personal data was erased (retention or on request): name '', email
     * '', first_seen null, institution its tombstone (a known institution's name, or `hash:…`).
     */
    erasedAt: timestamp('erased_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    // Among the responses that count: a removed one may be imported again.
    uniqueIndex('responses_call_external_key')
      .on(table.callId, table.externalId)
      .where(sql`${table.externalId} is not null and ${table.removedAt} is null`),
    index('responses_batch_idx').on(table.batchId),
    uniqueIndex('responses_call_seq_key').on(table.callId, table.ingestSeq),
    index('responses_call_order_idx').on(table.callId, table.submittedAt, table.ingestSeq),
  ],
)

/**
 * The final selection of a call, made once per close with its inputs' digest. A call has one
 * current selection; a reopen marks it superseded (kept, with when, who and why), and the next close
 * stores a new one.
 */
export const selections = pgTable(
  'selections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    callId: uuid('call_id')
      .notNull()
      .references(() => calls.id),
    inputDigest: text('input_digest').notNull(),
    seats: jsonb('seats').$type<SeatCounts>().notNull(),
    shortfall: jsonb('shortfall').$type<SeatCounts>().notNull(),
    inaugural: boolean('inaugural').notNull(),
    slots: jsonb('slots').$type<unknown[]>().notNull(),
    warnings: jsonb('warnings').$type<unknown[]>().notNull(),
    closedBy: text('closed_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set when staff reopened the call: this selection is history, no longer in force. */
    supersededAt: timestamp('superseded_at', { withTimezone: true }),
    supersededBy: text('superseded_by'),
    supersededReason: text('superseded_reason'),
    /**
     * The public report of this selection (src/domain/report.ts), anonymised when the call closed, in
     * the closing transaction: no names, no emails. Null for selections stored before reports.
     */
    report: jsonb('report'),
    /** Set when staff published the report: from then on GET /calls/{id}/report serves it to anyone. */
    publishedAt: timestamp('published_at', { withTimezone: true }),
    publishedBy: text('published_by'),
  },
  (table) => [
    uniqueIndex('selections_current_call_key')
      .on(table.callId)
      .where(sql`${table.supersededAt} is null`),
  ],
)

/** Every decision of a final selection, one row per response, in first-come order. */
export const decisions = pgTable(
  'decisions',
  {
    selectionId: uuid('selection_id')
      .notNull()
      .references(() => selections.id),
    responseId: uuid('response_id')
      .notNull()
      .references(() => responses.id),
    position: integer('position').notNull(),
    outcome: text('outcome', { enum: OUTCOMES }).notNull(),
    /** The seat class taken or waited for (a class of the policy at the close). */
    seat: text('seat'),
    reason: text('reason', { enum: REASONS }),
    institution: text('institution'),
    institutionKey: text('institution_key'),
    termStart: text('term_start').$type<Instant>(),
    termEnd: text('term_end').$type<Instant>(),
    explanation: text('explanation').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.selectionId, table.position] }),
    uniqueIndex('decisions_selection_response_key').on(table.selectionId, table.responseId),
  ],
)

/** Team members: staff and volunteers, with their seat and term. */
export const members = pgTable(
  'members',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    name: text('name').notNull(),
    email: text('email').notNull(),
    institutionId: uuid('institution_id').references(() => institutions.id),
    /** The institution as given when it matched no known institution. */
    institutionText: text('institution_text'),
    /** `staff` or a seat class of the team's policy. */
    seat: text('seat').notNull(),
    termStart: instant('term_start').notNull(),
    termEnd: instant('term_end'),
    /** Effective end when someone leaves early; term_end keeps the original. */
    endedAt: instant('ended_at'),
    /** selected (by a call), replacement (an alternate promoted), appointed (by staff). */
    origin: text('origin').notNull(),
    callId: uuid('call_id').references(() => calls.id),
    responseId: uuid('response_id').references(() => responses.id),
    /** The seat slot of `call_id` this member holds (1-based within the seat's category). */
    slot: integer('slot'),
    /** Why staff appointed this member, or why the member left. */
    reason: text('reason'),
    endReason: text('end_reason'),
    /** True when staff appointed past a rule (no vacancy, institution on the team, category). */
    override: boolean('override').notNull().default(false),
    replacesMemberId: uuid('replaces_member_id'),
    /**
     * Set when the close that made this member was undone (the call reopened): the member never
     * served and is left out of every roster and rule, but kept on record with the reason.
     */
    voidedAt: timestamp('voided_at', { withTimezone: true }),
    voidReason: text('void_reason'),
    /** Set when the former member's personal data was erased: name '', email '', institution_text a hash. */
    erasedAt: timestamp('erased_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('members_team_idx').on(table.teamId, table.termStart)],
)

/** The Google Form a call reads its responses from, with its questions mapped to rota's fields. */
export const callForms = pgTable('call_forms', {
  callId: uuid('call_id')
    .primaryKey()
    .references(() => calls.id),
  formId: text('form_id').notNull(),
  /** Question titles as staff gave them, and the question ids they resolved to. */
  questions: jsonb('questions').$type<{ name: string; institution: string; email: string | null }>().notNull(),
  questionIds: jsonb('question_ids').$type<{ name: string; institution: string; email: string | null }>().notNull(),
  formTitle: text('form_title').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

/** Staff's own wording for each kind of email, per team; rota's defaults apply where there is none. */
export const templates = pgTable(
  'templates',
  {
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    kind: text('kind', { enum: NOTICE_KINDS }).notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.teamId, table.kind] })],
)

/**
 * Every email rota decided to send, rendered when queued. `key` makes each one unique (call +
 * kind + recipient, member + kind + term end), and `message_id` is derived from it, so a message
 * can be found at Gmail after a crash. Status: pending → sending → sent | failed | unknown, or
 * skipped (stale, no address configured, or cancelled by staff).
 */
export const outbox = pgTable(
  'outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    /** The email's kind, or for a webhook delivery its event (`roster.changed`…). */
    kind: text('kind', { enum: [...NOTICE_KINDS, ...WEBHOOK_EVENTS] }).notNull(),
    /** `email` (to `to_address`) or `webhook` (a POST to webhook `webhook_id`'s URL, signed with its secret). */
    channel: text('channel', { enum: OUTBOX_CHANNELS }).notNull().default('email'),
    webhookId: uuid('webhook_id').references(() => webhooks.id),
    key: text('key').notNull(),
    /** An email's Message-ID; for a webhook delivery, its `X-Rota-Delivery` id (the same on every redelivery). */
    messageId: text('message_id').notNull(),
    toAddress: text('to_address'),
    toName: text('to_name'),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    status: text('status', { enum: OUTBOX_STATUSES }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    /** A fresh id per claim: only the current claim's holder may move a `sending` row on (a fencing token). */
    claimId: text('claim_id'),
    /**
     * Set when an attempt ended with an answer that does not prove Gmail refused the message (429,
     * 5xx, …): the next attempt first asks Gmail for the Message-ID and sends only if it is absent.
     */
    verifyBeforeSend: boolean('verify_before_send').notNull().default(false),
    /**
     * Whether the outbox checks, just before it sends, that what the email says about its recipient
     * is still true (src/domain/email-premise.ts); false once staff chose to send it all the same.
     */
    checkPremise: boolean('check_premise').notNull().default(true),
    lastError: text('last_error'),
    providerId: text('provider_id'),
    callId: uuid('call_id').references(() => calls.id),
    memberId: uuid('member_id').references(() => members.id),
    /** The response an email is about (a volunteer's acknowledgement): its premise is checked against it. */
    responseId: uuid('response_id').references(() => responses.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    /** Set when the text was erased (retention or on request): recipient, subject and body gone, the .eml file deleted. */
    erasedAt: timestamp('erased_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('outbox_key_key').on(table.key),
    uniqueIndex('outbox_message_id_key').on(table.messageId),
    index('outbox_status_idx').on(table.status, table.nextAttemptAt),
    index('outbox_created_idx').on(table.createdAt),
  ],
)

/**
 * A team's webhooks: where rota POSTs its events, signed with the webhook's secret (shown once, when
 * it is created; kept here because rota must sign with it). Deleted ones are kept (`deleted_at`) for
 * the deliveries that name them; nothing more is sent to them.
 */
export const webhooks = pgTable(
  'webhooks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    url: text('url').notNull(),
    events: jsonb('events').$type<WebhookEvent[]>().notNull(),
    format: text('format', { enum: WEBHOOK_FORMATS }).notNull().default('rota'),
    secret: text('secret').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    deletedBy: text('deleted_by'),
  },
  (table) => [index('webhooks_team_idx').on(table.teamId)],
)

/**
 * What the tick has already told a team's webhooks: the term boundaries up to `boundaries_until`
 * (each fired once), and the roster at now it last saw (`roster_digest`, changed `roster_version`
 * times), so that each change of the roster is announced once, whichever instance sees it.
 */
export const webhookState = pgTable('webhook_state', {
  teamId: uuid('team_id')
    .primaryKey()
    .references(() => teams.id),
  boundariesUntil: instant('boundaries_until').notNull(),
  rosterDigest: text('roster_digest').notNull(),
  rosterVersion: integer('roster_version').notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
})

/**
 * One row per person (keyed by their email address, lower-cased) that rota's accountability records
 * refer to: the audit log and tombstones name `person_refs.ref`, never the email or the name. Erasing
 * a person nulls `email_key` (and sets `erased_at`), after which the reference can no longer be tied
 * back to anyone, while the records that carry it stay true.
 */
export const personRefs = pgTable(
  'person_refs',
  {
    ref: text('ref').primaryKey(),
    emailKey: text('email_key'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    erasedAt: timestamp('erased_at', { withTimezone: true }),
  },
  (table) => [uniqueIndex('person_refs_email_key_key').on(table.emailKey)],
)

/**
 * Every staff write, the tick's changes and token management, one row each, appended in the same
 * transaction as the change. Append-only: a trigger (migration `audit-append-only`) refuses UPDATE,
 * DELETE and TRUNCATE. People appear only as `person_refs.ref`, so rows outlive erasures.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    /** Append order: the log is read newest first by it, and cursors point into it. */
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** rota's clock when the change was made. */
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** The staff token's name, `env` (STAFF_TOKEN), `tick` or `cli`. */
    actor: text('actor').notNull(),
    /** What was done, `entity.verb`: `call.close`, `token.create`. */
    action: text('action').notNull(),
    entity: text('entity').notNull(),
    entityId: text('entity_id').notNull(),
    reason: text('reason'),
    /** The changed fields only, before and after; people as person references. */
    before: jsonb('before').$type<Record<string, unknown>>(),
    after: jsonb('after').$type<Record<string, unknown>>(),
  },
  (table) => [
    index('audit_log_entity_idx').on(table.entity, table.entityId, table.id),
    index('audit_log_action_idx').on(table.action, table.id),
    index('audit_log_actor_idx').on(table.actor, table.id),
    index('audit_log_at_idx').on(table.at),
  ],
)

/**
 * Secrets rota makes for itself, once per deployment (one database), never published: `keys`, the
 * root from which the receipt codes, the report's salts and the volunteers' status links are derived
 * (HMAC-SHA256, one derived key per purpose; kept in the database so a backup restores links already
 * sent), and `erasure-salt`, which salts the hash an erased free-text institution becomes (so the hash
 * cannot be reversed by trying names).
 */
export const deploymentSecrets = pgTable('deployment_secrets', {
  name: text('name').primaryKey(),
  secret: text('secret').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
})

/**
 * Check-ins (issue 14, src/domain/check-ins.ts): one per member's term when the team's policy has
 * `checkInMonths`. Made when the tick queues the member's check-in email; the member's answer
 * through their private link (`continue` or `step-down`), and when staff were told it went
 * unanswered past `checkInGraceDays`.
 */
export const checkIns = pgTable(
  'check_ins',
  {
    memberId: uuid('member_id')
      .primaryKey()
      .references(() => members.id),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id),
    /** `checkInMonths` after the member's own term start. */
    dueAt: instant('due_at').notNull(),
    /** When the link stops working: the member's end of term. */
    expiresAt: instant('expires_at').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull(),
    answer: text('answer', { enum: ['continue', 'step-down'] }),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
    /** When staff were told (once) that the check-in went unanswered. */
    overdueAt: timestamp('overdue_at', { withTimezone: true }),
  },
  (table) => [index('check_ins_team_idx').on(table.teamId, table.answeredAt)],
)

/**
 * The approval step (src/domain/approval.ts): under a policy with committee approval, each volunteer
 * a close selects is proposed here, per selection, and becomes a member only once approved; a
 * declined proposal's seat passes to the next eligible alternate (`replaces_response_id`). A reopen
 * supersedes the selection and with it its proposals, which stay as history.
 */
export const proposals = pgTable(
  'proposals',
  {
    selectionId: uuid('selection_id')
      .notNull()
      .references(() => selections.id),
    responseId: uuid('response_id')
      .notNull()
      .references(() => responses.id),
    /** The seat as the selection named it (opaque here). */
    seat: text('seat').notNull(),
    slot: integer('slot'),
    termStart: instant('term_start').notNull(),
    termEnd: instant('term_end').notNull(),
    status: text('status', { enum: PROPOSAL_STATUSES }).notNull(),
    /** The declined proposal whose seat this one took over. */
    replacesResponseId: uuid('replaces_response_id').references(() => responses.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    /** Who approved or declined it, when, and why (required for a decline). */
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decidedBy: text('decided_by'),
    reason: text('reason'),
    /** The member the approval made. */
    memberId: uuid('member_id').references(() => members.id),
  },
  (table) => [primaryKey({ columns: [table.selectionId, table.responseId] })],
)
