import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import * as privacy from '../../services/privacy.js'
import { errors, staffOnly } from '../schemas/common.js'
import { EraseBody, ErasureResult, PersonQuery, PersonRecords } from '../schemas/people.js'

/** One person's data on request: what rota holds (GDPR art. 15) and its erasure (art. 17). Admin only. */
export function peopleRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.get(
      '/people',
      {
        config: { role: 'admin' },
        schema: {
          tags: ['people'],
          summary: 'Every record rota holds about one person, by email address (admin)',
          description:
            'Responses, decisions, memberships and emails queued or sent, with their person reference (`ref`) for the audit log. 404 `person-not-found` when rota holds nothing about the address (never did, or erased it); 400 `invalid-email`.',
          security: staffOnly,
          querystring: PersonQuery,
          response: { 200: PersonRecords, ...errors(400, 401, 404) },
        },
      },
      async (request) => privacy.exportPerson(db, request.query.email),
    )

    app.post(
      '/people/erase',
      {
        config: { role: 'admin' },
        schema: {
          tags: ['people'],
          summary: 'Erase one person everywhere now, leaving tombstones (admin)',
          description:
            'Responses, decisions, ended memberships, every email to them and its .eml file; then their reference is unlinked from the address. A member serving now or from a later date must step down first: 409 `person-still-serving`. 404 `person-not-found` when rota holds nothing about the address — also when asked again after an erasure, which changes nothing.',
          security: staffOnly,
          body: EraseBody,
          response: { 200: ErasureResult, ...errors(400, 401, 404, 409) },
        },
      },
      async (request) =>
        privacy.erasePerson(
          deps.database,
          deps.mailer,
          { ...request.body, staff: request.staff?.name ?? 'staff' },
          deps.clock(),
        ),
    )
  }
}
