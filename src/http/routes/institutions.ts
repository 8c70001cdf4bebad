import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import * as institutions from '../../services/institutions.js'
import { errors, staffOnly } from '../schemas/common.js'
import {
  Institution,
  InstitutionCreate,
  InstitutionList,
  InstitutionParams,
  InstitutionPatch,
} from '../schemas/institutions.js'

export function institutionRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.get(
      '/institutions',
      {
        schema: {
          tags: ['institutions'],
          summary: 'List institutions with their aliases',
          response: { 200: InstitutionList },
        },
      },
      async () => ({ institutions: await institutions.listInstitutions(db) }),
    )

    app.get(
      '/institutions/:id',
      {
        schema: {
          tags: ['institutions'],
          summary: 'Get an institution',
          params: InstitutionParams,
          response: { 200: Institution, ...errors(404) },
        },
      },
      async (request) => institutions.getInstitution(db, request.params.id),
    )

    app.post(
      '/institutions',
      {
        schema: {
          tags: ['institutions'],
          summary: 'Add an institution; refused when its name or an alias is already another institution’s',
          security: staffOnly,
          body: InstitutionCreate,
          response: { 201: Institution, ...errors(400, 401, 409) },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await institutions.createInstitution(db, request.body, deps.clock(), request.staff?.name ?? 'staff')),
    )

    app.patch(
      '/institutions/:id',
      {
        schema: {
          tags: ['institutions'],
          summary: 'Rename an institution, replace its aliases or change its consortium membership',
          security: staffOnly,
          params: InstitutionParams,
          body: InstitutionPatch,
          response: { 200: Institution, ...errors(400, 401, 404, 409) },
        },
      },
      async (request) =>
        institutions.updateInstitution(
          db,
          request.params.id,
          request.body,
          deps.clock(),
          request.staff?.name ?? 'staff',
        ),
    )
  }
}
