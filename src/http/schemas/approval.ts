import { Type } from '@sinclair/typebox'
import { PROPOSAL_STATUSES } from '../../domain/approval.js'
import { Line, Uuid } from './text.js'
import { LiteralUnion } from './common.js'

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])

/** A call's approval step (policy `approval: committee`), as staff see it. */
export const SelectionApproval = Type.Object(
  {
    status: LiteralUnion(['pending', 'complete'] as const, {
      description: '`pending`: proposals wait for the committee; `complete`: every proposal was approved or declined.',
    }),
    proposals: Type.Array(
      Type.Object({
        responseId: Type.String(),
        name: Type.String(),
        seat: Type.String(),
        slot: Type.Union([Type.Integer(), Type.Null()]),
        termStart: Type.String(),
        termEnd: Type.String(),
        status: LiteralUnion(PROPOSAL_STATUSES),
        replaces: Nullable(
          Type.String({ description: 'The declined proposal (response id) whose seat this one took.' }),
        ),
        decidedAt: Nullable(Type.String()),
        decidedBy: Nullable(Type.String()),
        reason: Nullable(Type.String()),
        memberId: Nullable(Type.String({ description: 'The member the approval made.' })),
        explanation: Type.String(),
      }),
    ),
  },
  {
    description:
      'Under committee approval: the volunteers the close proposed (and alternates proposed in place of declined ones). Proposed people are not members until approved.',
  },
)

export const ApproveBody = Type.Object(
  { reason: Type.Optional(Line({ maxLength: 2000, description: 'Kept on record (the audit log).' })) },
  { additionalProperties: false },
)

export const DeclineBody = Type.Object(
  {
    reason: Line({
      maxLength: 2000,
      description: 'Why the committee declines the proposal (required, kept on record; never sent to the volunteer).',
    }),
  },
  { additionalProperties: false },
)

export const ProposalParams = Type.Object({ id: Uuid(), responseId: Uuid() })

export const ApprovalResult = Type.Object({
  callId: Type.String(),
  approval: SelectionApproval,
  joined: Type.Array(Type.String(), { description: 'Ids of the members this decision made.' }),
  notes: Type.Array(Type.String()),
})
