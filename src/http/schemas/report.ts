/* The public selection report (src/domain/report.ts): the one declaration of its JSON shape. */
import { Type } from '@sinclair/typebox'
import { OUTCOMES, REASONS } from '../../domain/selection.js'
import { LiteralUnion } from './common.js'

const Counts = Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
  description: 'Seats per class, in policy order (`consortium`, `community` in format /1).',
})
const Canonical = (description: string) =>
  Type.String({ description: `${description} A canonical UTC instant with nine fractional digits.` })

const ReportInstitution = Type.Union(
  [
    Type.Object(
      {
        id: Type.String({ description: 'The known institution’s id (GET /institutions).' }),
        name: Type.String({ description: 'Its public name when the call closed.' }),
        consortium: Type.Boolean({
          description: 'A IIIF Consortium member: its volunteers compete for consortium seats.',
        }),
        flags: Type.Optional(
          Type.Array(Type.String(), {
            description:
              'Format /2: all its flags (`consortium` among them when a member), which the classes’ rules read.',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        hash: Type.String({
          description:
            'Any other institution: a salted hash (HMAC-SHA256, a secret salt per call), equal only for responses naming the same institution.',
        }),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'Null when the volunteer gave no institution or is unaffiliated.' },
)

const Person = Type.Union([Type.String(), Type.Null()], {
  description:
    'A salted hash of the normalised email address, equal for one person’s responses in this call (never across calls); null when it was blank.',
})

export const ReportLine = Type.Object({
  position: Type.Integer({ minimum: 1, description: '1-based place in first-come order.' }),
  submittedAt: Canonical('When the response was first submitted, to the nanosecond.'),
  category: Type.Union([Type.String(), Type.Null()], {
    description:
      'The seat class taken or waited for; for an excluded line the first class its institution is eligible for (null: none, format /2 only).',
  }),
  institution: Type.Union([ReportInstitution, Type.Null()]),
  person: Person,
  outcome: LiteralUnion(OUTCOMES),
  reason: Type.Union([LiteralUnion(REASONS), Type.Null()]),
  seat: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
    description: 'The seat taken within its category (selected only).',
  }),
  termEnd: Type.Union([Canonical('When the term ends (selected only).'), Type.Null()]),
  receiptHash: Type.String({
    description: 'sha256 (hex) of the volunteer’s receipt code as printed in their email: find your own line by it.',
  }),
  consecutiveTerms: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        'Term limits: how many consecutive terms the person had served up to the term start, as the policy counts them. Present only when the policy has maxConsecutiveTerms.',
    }),
  ),
})

export const PublicReport = Type.Object(
  {
    format: Type.Union([Type.Literal('rota-selection-report/1'), Type.Literal('rota-selection-report/2')], {
      description:
        '/1: the IIIF 2017 policy (one seat per institution, no flag caps); /2: any other, with the policy’s classes and caps and every known institution’s flags.',
    }),
    callId: Type.String(),
    status: LiteralUnion(['published', 'superseded'] as const, {
      description: '`superseded`: staff reopened the call after this report was published; a later close has its own.',
    }),
    publishedAt: Type.String({ format: 'date-time' }),
    supersededAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    window: Type.Object({ opensAt: Canonical('The window’s start.'), closesAt: Canonical('Its end (excluded).') }),
    termStart: Canonical('When the selected volunteers’ terms start.'),
    policy: Type.Union(
      [
        Type.Object({
          seats: Counts,
          termMonths: Type.Integer(),
          inauguralStagger: Type.Boolean(),
          maxConsecutiveTerms: Type.Optional(
            Type.Integer({
              minimum: 1,
              description: 'Term limits: at most this many consecutive terms per person; absent: no limit.',
            }),
          ),
        }),
        Type.Object({
          seats: Type.Array(Type.Object({ class: Type.String(), count: Type.Integer(), eligible: Type.Unknown() })),
          maxPerInstitution: Type.Integer(),
          flagCaps: Type.Array(Type.Object({ flag: Type.String(), max: Type.Integer() })),
          termMonths: Type.Integer(),
          stagger: Type.String(),
          maxConsecutiveTerms: Type.Optional(
            Type.Integer({
              minimum: 1,
              description: 'Term limits: at most this many consecutive terms per person; absent: no limit.',
            }),
          ),
        }),
      ],
      {
        description:
          'Format /1: the IIIF 2017 policy in its old shape; format /2: the seat classes and caps (README, "Policies").',
      },
    ),
    fixedSeats: Type.Union([Counts, Type.Null()], { description: 'Seats staff fixed on the call, if any.' }),
    seats: Counts,
    inaugural: Type.Boolean(),
    inputDigest: Type.String({ description: 'The stored selection’s sha256 fingerprint of its (private) inputs.' }),
    continuing: Type.Array(
      Type.Object({
        seat: Type.String({ description: '`staff` or a seat class.' }),
        institution: Type.Union([ReportInstitution, Type.Null()]),
        person: Person,
      }),
      { description: 'Members continuing past the term start, anonymised like the responses, in no particular order.' },
    ),
    responses: Type.Array(ReportLine, { description: 'Every response, in first-come order.' }),
  },
  { title: 'SelectionReport' },
)
