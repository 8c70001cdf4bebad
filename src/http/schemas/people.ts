import { Type } from '@sinclair/typebox'
import { EmailText, Line } from './text.js'
import { AuditEntryView } from './audit.js'

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])
const NullableString = Nullable(Type.String())

export const PersonQuery = Type.Object(
  { email: EmailText({ description: 'The email address of the person whose records are asked for.' }) },
  { additionalProperties: false },
)

export const PersonRecords = Type.Object({
  email: Type.String({
    description: 'The address asked for, trimmed and lower-cased (the key rota matches people by).',
  }),
  ref: Type.Union([Type.String(), Type.Null()], {
    description:
      "The person's opaque reference (`person_…`): the audit log and tombstones name them by it (GET /audit?person=<ref>). Null when rota has none.",
  }),
  audit: Type.Array(AuditEntryView, {
    description:
      'The audit rows that name this person by their reference (newest first, at most 500; GET /audit?person=<ref> pages through all of them).',
  }),
  responses: Type.Array(
    Type.Object({
      id: Type.String(),
      team: Type.String(),
      callId: Type.String(),
      name: Type.String(),
      email: Type.String(),
      institution: NullableString,
      submittedAt: Type.String(),
      source: Type.String(),
      externalId: NullableString,
      firstSeen: Type.Union([
        Type.Object({ name: Type.String(), email: Type.String(), institution: NullableString }),
        Type.Null(),
      ]),
      removedAt: NullableString,
      removalReason: NullableString,
      createdAt: Type.String(),
    }),
  ),
  decisions: Type.Array(
    Type.Object({
      callId: Type.String(),
      responseId: Type.String(),
      position: Type.Integer(),
      outcome: Type.String(),
      seat: NullableString,
      reason: NullableString,
      institution: NullableString,
      termEnd: NullableString,
      explanation: Type.String(),
      closedAt: Type.String(),
      superseded: Type.Boolean({ description: 'True for a selection undone by a reopen (kept as history).' }),
    }),
  ),
  memberships: Type.Array(
    Type.Object({
      id: Type.String(),
      team: Type.String(),
      name: Type.String(),
      email: Type.String(),
      seat: Type.String(),
      institutionId: NullableString,
      institutionText: NullableString,
      termStart: Type.String(),
      termEnd: NullableString,
      endedAt: NullableString,
      origin: Type.String(),
      callId: NullableString,
      reason: NullableString,
      endReason: NullableString,
      voided: Type.Boolean(),
    }),
  ),
  emails: Type.Array(
    Type.Object({
      id: Type.String(),
      team: Type.String(),
      kind: Type.String(),
      to: NullableString,
      toName: NullableString,
      subject: Type.String(),
      body: Type.String(),
      status: Type.String(),
      createdAt: Type.String(),
      sentAt: NullableString,
      callId: NullableString,
      memberId: NullableString,
    }),
    { description: 'Emails queued or sent to them (and those about their membership), with their text.' },
  ),
})

export const EraseBody = Type.Object(
  {
    email: EmailText({ description: 'The email address of the person to erase.' }),
    reason: Line({
      minLength: 1,
      maxLength: 500,
      description: 'Why (a request under GDPR art. 17, say): for the audit log.',
    }),
  },
  { additionalProperties: false },
)

export const ErasureResult = Type.Object({
  ref: Type.Union([Type.String(), Type.Null()], {
    description: 'The reference the person had: audit rows keep it, but it now leads to no one.',
  }),
  responses: Type.Integer({ description: 'Responses erased (each kept as a tombstone).' }),
  decisions: Type.Integer({ description: 'Decisions whose explanation and institution were made anonymous.' }),
  members: Type.Integer({ description: 'Former memberships erased (seat and term kept).' }),
  emails: Type.Integer({ description: 'Outbox rows whose recipient, subject and text were erased.' }),
  emlFiles: Type.Integer({ description: 'Files of MAIL_TRANSPORT=log deleted.' }),
  people: Type.Integer({ description: '1 when the person reference was unlinked from the address.' }),
  purged: Type.Boolean({
    description:
      "True once the old versions of the erased rows were vacuumed out of the database's files (on the embedded database, its WAL too). False if that failed after the erasure had committed: the erasure stands, and the next one (or `VACUUM` by hand, see the README's Personal data) purges them.",
  }),
})
