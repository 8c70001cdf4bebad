import { Type } from '@sinclair/typebox'
import { CALL_ORIGINS, CALL_STATUSES } from '../../domain/lifecycle.js'
import { CATEGORIES, OUTCOMES, REASONS } from '../../domain/selection.js'
import { LiteralUnion } from './common.js'
import { EmailText, FORM_ID_PATTERN, InstantText, Line, Uuid } from './text.js'

const Timestamp = (description: string) =>
  InstantText(`${description} RFC 3339 with an offset.`, { examples: ['2027-03-01T00:00:00Z'] })

export const SeatCounts = Type.Object(
  { consortium: Type.Integer({ minimum: 0 }), community: Type.Integer({ minimum: 0 }) },
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
    'A Google Forms "Download responses" CSV export: columns Timestamp, Email Address (or Email), Name (or Full name), Institution (or Affiliation, Organization).',
})

export const ImportQuery = Type.Object(
  {
    timezone: Type.Optional(
      Line({
        maxLength: 100,
        description: 'CSV only: IANA zone for timestamps without an offset, e.g. Europe/London.',
      }),
    ),
    dateOrder: Type.Optional(
      Type.Union([Type.Literal('DMY'), Type.Literal('MDY')], {
        description: 'CSV only: how to read ambiguous dates such as 01/05/2024.',
      }),
    ),
  },
  { additionalProperties: false },
)

export const ImportCounts = Type.Object({
  inserted: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
})

export const StoredResponse = Type.Object({
  id: Type.String(),
  externalId: Type.Union([Type.String(), Type.Null()]),
  submittedAt: Type.String(),
  name: Type.String(),
  email: Type.String(),
  institution: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
})

export const ResponseList = Type.Object({ responses: Type.Array(StoredResponse) })

const Decision = Type.Object({
  responseId: Type.String(),
  externalId: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  institution: Type.Union([Type.String(), Type.Null()]),
  submittedAt: Type.String(),
  position: Type.Integer({ description: '1-based place in first-come order.' }),
  outcome: LiteralUnion(OUTCOMES),
  seat: Type.Union([...CATEGORIES.map((c) => Type.Literal(c)), Type.Null()]),
  reason: Type.Union([LiteralUnion(REASONS), Type.Null()]),
  termEnd: Type.Union([Type.String(), Type.Null()]),
  explanation: Type.String(),
})

export const Selection = Type.Object({
  callId: Type.String(),
  status: Type.Union([Type.Literal('final'), Type.Literal('preview')]),
  seats: SeatCounts,
  shortfall: Type.Object(
    { consortium: Type.Integer(), community: Type.Integer() },
    { description: 'Seats left empty: staff recruit directly.' },
  ),
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
  superseded: Type.Array(
    Type.Object({
      closedBy: Type.String(),
      closedAt: Type.String(),
      supersededAt: Type.String(),
      supersededBy: Type.String(),
      reason: Type.String(),
      seats: SeatCounts,
      shortfall: Type.Object({ consortium: Type.Integer(), community: Type.Integer() }),
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
        'When the selected volunteers’ terms start, instead of the call’s termStart (after an early close, still the original closesAt unless set here); not before the window’s end. Send the close instant to start them at once.',
      ),
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
  emailSource: Type.Union([Type.Literal('question'), Type.Literal('respondentEmail')], {
    description: 'Where emails come from: an email question, or the address Google Forms collected.',
  }),
})

export const SyncResult = Type.Object({
  fetched: Type.Integer(),
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
