import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import * as approval from '../../services/approval.js'
import { errors, staffOnly } from '../schemas/common.js'
import { CallParams } from '../schemas/calls.js'
import { ApprovalResult, ApproveBody, DeclineBody, ProposalParams } from '../schemas/approval.js'

/** The approval step (policy `approval: committee`): the committee approves or declines a call's proposals. */
export function approvalRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  const options = () => ({ mailFrom: deps.config.mail.from, publicUrl: deps.config.publicUrl })
  return async (app) => {
    app.post(
      '/calls/:id/approve',
      {
        schema: {
          tags: ['calls'],
          summary: 'Approve every proposal of a closed call still waiting: they join the team and are told',
          description:
            'Under a policy with `approval: { mode: "committee" }`. Proposals already declined stay declined. Once nothing waits, the results go out (the list, alternates, not selected, shortfall to staff). 409 `no-pending-proposals` when nothing waits.',
          security: staffOnly,
          params: CallParams,
          body: ApproveBody,
          response: { 200: ApprovalResult, ...errors(400, 401, 404, 409) },
        },
        preValidation: async (request) => {
          request.body ??= {}
        },
      },
      async (request) =>
        approval.approveCall(
          db,
          request.params.id,
          request.body,
          request.staff?.name ?? 'staff',
          deps.clock(),
          options(),
        ),
    )

    for (const verdict of ['approve', 'decline'] as const)
      app.post(
        `/calls/:id/proposals/:responseId/${verdict}`,
        {
          schema: {
            tags: ['calls'],
            summary:
              verdict === 'approve'
                ? 'Approve one proposal: the volunteer joins the team and is told'
                : 'Decline one proposal (with a reason): the next eligible alternate is proposed in its place',
            description:
              verdict === 'approve'
                ? '409 `not-proposed` when the response is not waiting for approval.'
                : 'The reason is kept on record and never sent to the volunteer, who hears "not selected" once nothing waits. Without an eligible alternate the seat stays empty (shortfall, told to staff with the results). 409 `not-proposed` when the response is not waiting for approval.',
            security: staffOnly,
            params: ProposalParams,
            body: verdict === 'approve' ? ApproveBody : DeclineBody,
            response: { 200: ApprovalResult, ...errors(400, 401, 404, 409) },
          },
          preValidation: async (request) => {
            request.body ??= {}
          },
        },
        async (request) =>
          approval.decideProposal(
            db,
            request.params.id,
            request.params.responseId,
            verdict,
            request.body as { reason?: string },
            request.staff?.name ?? 'staff',
            deps.clock(),
            options(),
          ),
      )
  }
}
