/* A volunteer's own record, behind their private status link (src/services/status.ts). */
import { Type } from '@sinclair/typebox'
import { CALL_STATUSES } from '../../domain/lifecycle.js'
import { LiteralUnion } from './common.js'

export const StatusParams = Type.Object({
  token: Type.String({
    minLength: 1,
    maxLength: 200,
    pattern: '^[A-Za-z0-9._-]+$',
    description: 'The token of the link in the volunteer’s email.',
  }),
})

export const VolunteerStatus = Type.Object(
  {
    team: Type.String(),
    call: Type.Object({
      status: LiteralUnion(CALL_STATUSES),
      opensAt: Type.String(),
      closesAt: Type.String(),
      termStart: Type.String(),
    }),
    receivedAt: Type.String({ description: 'When the response was first submitted (canonical, to the nanosecond).' }),
    position: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description: 'Place in first-come order: final once the call closed, so far before.',
    }),
    category: Type.Union([Type.String(), Type.Null()]),
    outcome: LiteralUnion([
      'pending',
      'selected',
      'alternate',
      'excluded',
      'withdrawn',
      'removed',
      'stepped-down',
      'cancelled',
    ] as const),
    explanation: Type.String({ description: 'In plain words; never names another volunteer.' }),
    termStart: Type.Union([Type.String(), Type.Null()]),
    termEnd: Type.Union([Type.String(), Type.Null()]),
    receiptHash: Type.String({ description: 'sha256 of the receipt code: this response’s line in the public report.' }),
    canWithdraw: Type.Boolean(),
    canStepDown: Type.Boolean(),
  },
  { title: 'VolunteerStatus' },
)

export const Confirmation = Type.Union(
  [
    Type.Object(
      {
        confirm: Type.Optional(
          Type.Union([Type.Boolean(), Type.Literal('yes')], {
            description: '`true` (JSON) or `yes` (the HTML form) to do it; without it, the confirmation step.',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  { description: 'JSON or an HTML form (application/x-www-form-urlencoded).' },
)
