import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import { AppError } from '../../errors.js'
import * as tokens from '../../services/tokens.js'
import { errors, staffOnly } from '../schemas/common.js'
import { CreatedToken, NewTokenBody, TokenList, TokenParams, TokenView } from '../schemas/tokens.js'

/** Staff token management (admin): the same as `npm run token`, for the staff console. */
export function tokenRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.get(
      '/tokens',
      {
        config: { role: 'admin' },
        schema: {
          tags: ['tokens'],
          summary: 'Every staff token: name, role, expiry, last use (never the token itself)',
          security: staffOnly,
          response: { 200: TokenList, ...errors(401) },
        },
      },
      async () => ({ tokens: await tokens.listStaffTokens(db) }),
    )

    app.post(
      '/tokens',
      {
        config: { role: 'admin' },
        schema: {
          tags: ['tokens'],
          summary: 'Create a staff token with a role (and an expiry); the answer shows the token once',
          security: staffOnly,
          body: NewTokenBody,
          response: { 201: CreatedToken, ...errors(400, 401, 409) },
        },
      },
      async (request, reply) => {
        const { token, view } = await tokens.createStaffToken(db, request.body, request.staff!.name, deps.clock())
        return reply
          .status(201)
          .header('cache-control', 'no-store')
          .send({ ...view, token })
      },
    )

    app.delete(
      '/tokens/:name',
      {
        config: { role: 'admin' },
        schema: {
          tags: ['tokens'],
          summary: 'Revoke the live token of this name',
          security: staffOnly,
          params: TokenParams,
          response: { 200: TokenView, ...errors(401, 404) },
        },
      },
      async (request) => {
        const revoked = await tokens.revokeStaffToken(db, request.params.name, request.staff!.name, deps.clock())
        if (!revoked)
          throw new AppError('not-found', 'token-not-found', `There is no live token named "${request.params.name}"`)
        return revoked
      },
    )
  }
}
