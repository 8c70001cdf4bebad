import { Type } from '@sinclair/typebox'
import { CALL_ORIGINS, CALL_STATUSES } from '../../domain/lifecycle.js'
import { OUTCOMES, REASONS } from '../../domain/selection.js'
import { SLUG_PATTERN } from '../../domain/policy.js'
import { LiteralUnion } from './common.js'
import { SelectionApproval } from './approval.js'
import { EmailText, FORM_ID_PATTERN, InstantText, Line, Uuid } from './text.js'

const Timestamp = (description: string) =>
  InstantText(`${description} RFC 3339 with an offset.`, { examples: ['2027-03-01T00:00:00Z'] })

export const SeatCounts = Type.Record(
  Type.String({ pattern: SLUG_PATTERN }),
  Type.Integer({ minimum: 0, maximum: 1000 }),
  { additionalProperties: false },
)

export const CallParams = Type.Object({ id: Uuid('Call id (UUID).') })

export const NewCall = Type.Object(
  {
    opensAt: Timestamp('When the call opens.'),
    closesAt: Type.Optional(Timestamp('When it closes (exclusive). Default: opensAt + the policy’s windowDays.')),
    termStart: Type.Optional(
      Timestamp(
        'When the selected volunteers’ terms start. Default: closesAt, or the anniversary of the previous call’s term start when that falls within one window after closesAt.',
      ),
    ),
    seats: Type.Optional(
      Type.Union([SeatCounts, Type.Null()], { description: 'Seats fixed by staff; default: computed at selection.' }),
    ),
  },
  { additionalProperties: false },
)

export const Call = Type.Object({
  id: Type.String(),
  team: Type.String(),
  opensAt: Type.String(),
  closesAt: Type.String(),
  termStart: Type.String(),
  seats: Type.Union([SeatCounts, Type.Null()]),
  status: LiteralUnion(CALL_STATUSES, {
    description:
      'scheduled (before opensAt), open (during its window), due (window over, no selection yet: the tick closes a live call; a call created or reopened after its window, or never announced with no responses and no form, waits for staff to import and close it), closed, cancelled.',
  }),
  origin: LiteralUnion(CALL_ORIGINS, {
    description: 'auto: created by the tick on the cadence (autoScheduleDays before it opens).',
  }),
  reopenedAt: Type.Union([Type.String(), Type.Null()], {
    description: 'When staff last undid its close (POST /calls/{id}/reopen); null if never.',
  }),
})

export const CallPatch = Type.Object(
  {
    opensAt: Type.Optional(Timestamp('When the call opens (moving it alone keeps the window length).')),
    closesAt: Type.Optional(Timestamp('When it closes (exclusive).')),
    termStart: Type.Optional(Timestamp('When the selected volunteers’ terms start.')),
    seats: Type.Optional(
      Type.Union([SeatCounts, Type.Null()], { description: 'Seats fixed by staff; null: computed at selection.' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const CallList = Type.Object({ calls: Type.Array(Call) })

export const JsonResponse = Type.Object(
  {
    externalId: Type.Optional(
      Line({ maxLength: 200, description: 'The source’s id; imports upsert by it (else by email + submittedAt).' }),
    ),
    submittedAt: InstantText('First submission, RFC 3339 with an explicit offset, up to 9 fractional digits.'),
    name: Line({ maxLength: 300 }),
    email: EmailText({
      description:
        'A plain address (`local@domain.tld`); blank when the volunteer gave none (the selection then excludes the response).',
    }),
    institution: Type.Optional(Type.Union([Line({ maxLength: 300 }), Type.Null()])),
  },
  { additionalProperties: false },
)

export const JsonBatch = Type.Object(
  { responses: Type.Array(JsonResponse, { maxItems: 50000 }) },
  { additionalProperties: false },
)

export const CsvBody = Type.String({
  description:
    'A Google Forms "Download responses" CSV export, comma-separated, with a header row and at least one response: columns Timestamp, Email Address (or Email), Name (or Full name), Institution (or Affiliation, Organization, Organisation); other headings through ?columns=. Send the file as it is (curl --data-binary @file; -d strips its line breaks).',
})

/** The columns of a CSV import staff may map to their form's own headings. */
export const CSV_FIELDS = ['timestamp', 'email', 'name', 'institution'] as const

export const DATE_ORDERS = ['DMY', 'MDY'] as const

export const ImportQuery = Type.Object(
  {
    timezone: Type.Optional(
      Line({
        maxLength: 100,
        description:
          'CSV only: IANA zone (Area/Location, UTC or Etc/…) of timestamps without an offset, e.g. Europe/London. Abbreviations such as BST or CET are refused: they name different zones in different places.',
        examples: ['Europe/London'],
      }),
    ),
    dateOrder: Type.Optional(
      LiteralUnion(DATE_ORDERS, {
        description: 'CSV only: how to read dates with the year last that could be either, such as 01/05/2024.',
      }),
    ),
    columns: Type.Optional(
      Line({
        maxLength: 2000,
        description:
          "CSV only: the headings of your form that hold rota's fields, when worded otherwise: `name:Full name,institution:Organisation` (fields: timestamp, email, name, institution; a heading is matched ignoring case and spacing).",
        examples: ['name:Your full name,institution:Your organisation'],
      }),
    ),
    institution: Type.Optional(
      LiteralUnion(['none'] as const, {
        description:
          'CSV only: `none` imports a file that has no institution column; everyone is then unaffiliated, so one-seat-per-institution does not apply. Without it, such a file is refused.',
      }),
    ),
    dryRun: Type.Optional(
      Type.Boolean({
        description:
          'Run the import and answer what it would do (counts, warnings, the first-come order), then roll it back: nothing is stored.',
      }),
    ),
  },
  { additionalProperties: false },
)

const ImportWarning = Type.Object({
  code: LiteralUnion(['outside-window', 'removed-earlier', 'missing-fields', 'no-institution'] as const),
  message: Type.String(),
  where: Type.Array(Type.String(), { description: 'The first rows concerned (`line 7`, `responses[3]`), at most 20.' }),
})

export const ImportCounts = Type.Object({
  batchId: Type.Union([Type.String(), Type.Null()], {
    description: 'The import, for GET and DELETE /calls/{id}/imports; null in a dry run.',
  }),
  dryRun: Type.Boolean(),
  rows: Type.Integer({ description: 'Responses read from the request.' }),
  inserted: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  skipped: Type.Integer({ description: 'Responses staff had removed one by one: they stay removed.' }),
  warnings: Type.Array(ImportWarning),
  order: Type.Optional(
    Type.Array(
      Type.Object({
        position: Type.Integer({ description: '1-based place in first-come order.' }),
        responseId: Type.Union([Type.String(), Type.Null()], {
          description: 'Null for a response the import would insert.',
        }),
        where: Type.Union([Type.String(), Type.Null()], { description: 'Its row in this request, if it is in it.' }),
        submittedAt: Type.String(),
        name: Type.String(),
        institution: Type.Union([Type.String(), Type.Null()]),
        change: LiteralUnion(['inserted', 'updated', 'unchanged', 'kept'] as const, {
          description: 'kept: stored already and not in this request.',
        }),
      }),
      { description: 'Dry run only: every response that would count, in first-come order.' },
    ),
  ),
})

const Removed = Type.Object({
  at: Type.String(),
  by: Type.String(),
  reason: Type.String(),
})

export const StoredResponse = Type.Object({
  id: Type.String(),
  externalId: Type.Union([Type.String(), Type.Null()]),
  submittedAt: Type.String(),
  name: Type.String(),
  email: Type.String(),
  institution: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
  batchId: Type.Union([Type.String(), Type.Null()], { description: 'The import that inserted it.' }),
  removed: Type.Union(
    [
      Type.Object({
        ...Removed.properties,
        withImport: Type.Boolean({
          description: 'Removed with its import (a later import inserts it again), or alone (it stays removed).',
        }),
      }),
      Type.Null(),
    ],
    { description: 'Set when staff removed it before the close: kept, but no longer counted.' },
  ),
})

export const ResponseListQuery = Type.Object(
  {
    removed: Type.Optional(
      Type.Boolean({
        description: 'true: the responses staff removed (kept, not counted) instead of those that count.',
      }),
    ),
  },
  { additionalProperties: false },
)

export const ImportBatch = Type.Object({
  id: Type.String(),
  source: LiteralUnion(['json', 'csv', 'google'] as const),
  importedAt: Type.String(),
  importedBy: Type.String(),
  rows: Type.Integer(),
  inserted: Type.Integer(),
  updated: Type.Integer({ description: 'Stored responses it changed; removing the import leaves them as changed.' }),
  unchanged: Type.Integer(),
  skipped: Type.Integer(),
  remaining: Type.Integer({ description: 'Responses it inserted that still count.' }),
  options: Type.Record(Type.String(), Type.Unknown(), {
    description: 'How it was read: timezone, dateOrder, columns, institution.',
  }),
  removed: Type.Union([Removed, Type.Null()]),
})

export const ImportBatchList = Type.Object({ imports: Type.Array(ImportBatch) })

export const ImportRemoval = Type.Object({
  ...ImportBatch.properties,
  removedResponses: Type.Integer({ description: 'Responses this removal took out of the count.' }),
})

export const ImportParams = Type.Object({
  id: Uuid('Call id (UUID).'),
  batch: Uuid('Import id (UUID), from GET /calls/{id}/imports or an import’s batchId.'),
})

export const ResponseParams = Type.Object({
  id: Uuid('Call id (UUID).'),
  responseId: Uuid('Response id (UUID).'),
})

export const RemovalBody = Type.Object(
  {
    reason: Line({
      minLength: 1,
      maxLength: 2000,
      description: 'Why it is removed; kept with the removal. Do not put personal data here.',
    }),
  },
  { additionalProperties: false },
)

export const ResponseList = Type.Object({ responses: Type.Array(StoredResponse) })

const Decision = Type.Object({
  responseId: Type.String(),
  externalId: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  institution: Type.Union([Type.String(), Type.Null()]),
  submittedAt: Type.String(),
  position: Type.Integer({ description: '1-based place in first-come order.' }),
  outcome: LiteralUnion(OUTCOMES),
  seat: Type.Union([Type.String({ description: 'The seat class taken or waited for.' }), Type.Null()]),
  reason: Type.Union([LiteralUnion(REASONS), Type.Null()]),
  termEnd: Type.Union([Type.String(), Type.Null()]),
  explanation: Type.String(),
})

export const Selection = Type.Object({
  callId: Type.String(),
  status: LiteralUnion(['final', 'preview'] as const),
  seats: SeatCounts,
  shortfall: Type.Record(Type.String(), Type.Integer(), {
    description: 'Seats left empty per class: staff recruit directly.',
  }),
  inputDigest: Type.String({
    description: 'sha256 of the selection’s inputs: same inputs, same digest, same decisions.',
  }),
  window: Type.Object({ opensAt: Type.String(), closesAt: Type.String() }),
  termStart: Type.String(),
  decisions: Type.Array(Decision),
  warnings: Type.Array(
    Type.Object({
      responseId: Type.String(),
      code: Type.String(),
      message: Type.String(),
      suggestions: Type.Array(Type.String()),
    }),
  ),
  notes: Type.Array(Type.String(), {
    description:
      'What staff should know: a preview of a call still open or not yet open, or when the selected volunteers’ terms start.',
  }),
  approval: Type.Optional(SelectionApproval),
  superseded: Type.Array(
    Type.Object({
      closedBy: Type.String(),
      closedAt: Type.String(),
      supersededAt: Type.String(),
      supersededBy: Type.String(),
      reason: Type.String(),
      seats: SeatCounts,
      shortfall: Type.Record(Type.String(), Type.Integer()),
      decisions: Type.Array(Decision),
    }),
    { description: 'Earlier selections of this call, undone by a reopen, newest first (history).' },
  ),
})

export const CloseBody = Type.Object(
  {
    early: Type.Optional(Type.Boolean({ description: 'Close before closesAt; the window then ends now.' })),
    termStart: Type.Optional(
      Timestamp(
        'When the selected volunteers’ terms start, instead of the call’s termStart (after an early close, still the original closesAt unless set here); not before the window’s end. To start them at once, send startTermsAtClose instead.',
      ),
    ),
    startTermsAtClose: Type.Optional(
      Type.Boolean({
        description:
          'The selected volunteers’ terms start at the close itself: after an early close, now by the server’s clock (a client’s clock may be behind or ahead of it). Not with termStart.',
      }),
    ),
  },
  { additionalProperties: false },
)

export const ReopenBody = Type.Object(
  { reason: Line({ minLength: 1, maxLength: 2000, description: 'Why the close is undone; kept on record.' }) },
  { additionalProperties: false },
)

const Email = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  to: Type.Union([Type.String(), Type.Null()]),
  subject: Type.String(),
  status: Type.String(),
  sentAt: Type.Union([Type.String(), Type.Null()]),
})

export const ReopenResult = Type.Object({
  call: Call,
  removedMembers: Type.Array(
    Type.Object({ id: Type.String(), name: Type.String(), seat: Type.String(), termStart: Type.String() }),
    { description: 'Members the close had made; kept on record as voided (they never served).' },
  ),
  cancelledEmails: Type.Array(Email, {
    description: 'Emails of the close not sent yet: now skipped, with the reason.',
  }),
  sentEmails: Type.Array(Email, {
    description:
      'Emails the close caused that have gone out (or may have: sending, unknown): staff correct them by hand.',
  }),
  notes: Type.Array(Type.String()),
})

export const FormLinkBody = Type.Object(
  {
    formId: Type.String({
      pattern: FORM_ID_PATTERN,
      minLength: 1,
      maxLength: 200,
      description: 'The id in the form editor’s URL: /forms/d/<formId>/edit.',
    }),
    questions: Type.Object(
      {
        name: Line({
          minLength: 1,
          maxLength: 1000,
          description: 'Title of the question asking for the volunteer’s name.',
        }),
        institution: Line({ minLength: 1, maxLength: 1000, description: 'Title of the institution question.' }),
        email: Type.Optional(
          Line({
            minLength: 1,
            maxLength: 1000,
            description:
              'Title of an email question; without it, the address Google collected (the form must collect emails).',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)

const QuestionMap = Type.Object({
  name: Type.String(),
  institution: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
})

export const FormLink = Type.Object({
  callId: Type.String(),
  formId: Type.String(),
  formTitle: Type.String(),
  questions: QuestionMap,
  questionIds: QuestionMap,
  emailSource: LiteralUnion(['question', 'respondentEmail'] as const, {
    description: 'Where emails come from: an email question, or the address Google Forms collected.',
  }),
})

export const SyncResult = Type.Object({
  batchId: Type.Union([Type.String(), Type.Null()], {
    description: 'The import this sync was recorded as (GET /calls/{id}/imports); null when it changed nothing.',
  }),
  fetched: Type.Integer(),
  skipped: Type.Integer({ description: 'Responses staff removed one by one: they stay removed.' }),
  inserted: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  deletedUpstream: Type.Integer({ description: 'Responses gone from the form, newly flagged; rota keeps them.' }),
  warnings: Type.Array(
    Type.Object({
      responseId: Type.String(),
      code: Type.Literal('invalid-email', {
        description:
          'The address fails rota’s email check: the response is kept without it, so the selection excludes it and nothing is sent to it.',
      }),
      message: Type.String(),
    }),
    { description: 'Responses stored but needing a look; they name the response, never the address.' },
  ),
})
