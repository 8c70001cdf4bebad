import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import * as templates from '../../services/templates.js'
import { errors, staffOnly } from '../schemas/common.js'
import { TeamParams } from '../schemas/teams.js'
import { Preview, PreviewBody, TemplateBody, TemplateList, TemplateParams, TemplateView } from '../schemas/templates.js'

export function templateRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.get(
      '/teams/:team/templates',
      {
        schema: {
          tags: ['templates'],
          summary: 'Every email kind with its current wording and placeholders',
          security: staffOnly,
          params: TeamParams,
          response: { 200: TemplateList, ...errors(401, 404) },
        },
      },
      async (request) => ({ templates: await templates.listTemplates(db, request.params.team) }),
    )

    app.get(
      '/teams/:team/templates/:kind',
      {
        schema: {
          tags: ['templates'],
          summary: 'The wording of one email kind',
          security: staffOnly,
          params: TemplateParams,
          response: { 200: TemplateView, ...errors(401, 404) },
        },
      },
      async (request) => templates.getTemplate(db, request.params.team, request.params.kind),
    )

    app.put(
      '/teams/:team/templates/:kind',
      {
        schema: {
          tags: ['templates'],
          summary: 'Save the wording of one email kind',
          description:
            'Placeholders are written {{name}}; one the kind does not allow is refused (400 naming it). Emails already queued keep their text.',
          security: staffOnly,
          params: TemplateParams,
          body: TemplateBody,
          response: { 200: TemplateView, ...errors(400, 401, 404) },
        },
      },
      async (request) =>
        templates.putTemplate(
          db,
          request.params.team,
          request.params.kind,
          request.body,
          request.staff?.name ?? 'staff',
          deps.clock(),
        ),
    )

    app.delete(
      '/teams/:team/templates/:kind',
      {
        schema: {
          tags: ['templates'],
          summary: "Go back to rota's default wording",
          security: staffOnly,
          params: TemplateParams,
          response: { 200: TemplateView, ...errors(401, 404) },
        },
      },
      async (request) =>
        templates.resetTemplate(
          db,
          request.params.team,
          request.params.kind,
          request.staff?.name ?? 'staff',
          deps.clock(),
        ),
    )

    app.post(
      '/teams/:team/templates/:kind/preview',
      {
        schema: {
          tags: ['templates'],
          summary: 'Render the saved wording, or a draft, with example values',
          security: staffOnly,
          params: TemplateParams,
          body: PreviewBody,
          response: { 200: Preview, ...errors(400, 401, 404) },
        },
        preValidation: async (request) => {
          request.body ??= {}
        },
      },
      async (request) =>
        templates.previewTemplate(
          db,
          request.params.team,
          request.params.kind,
          request.body,
          request.body.values ?? {},
        ),
    )
  }
}
