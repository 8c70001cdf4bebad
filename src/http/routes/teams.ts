import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import * as teams from '../../services/teams.js'
import type { PublicPages } from '../../services/public-page.js'
import { errors, staffOnly } from '../schemas/common.js'
import { errorsAsPages, prefersHtml } from '../negotiate.js'
import { htmlOrJson, htmlOrJsonError, NotModified } from '../schemas/public-page.js'
import { answerWithPage } from './public-page.js'
import { isLegacyShape } from '../../domain/policy.js'
import { NewTeamBody, Team, TeamList, TeamParams, TeamPatch, TeamSettings } from '../schemas/teams.js'

/** RFC 9745: the old policy shape (`seats: { consortium, community }`, `inauguralStagger`) is deprecated since 2026-12-02T00:00:00Z. */
export const POLICY_SHAPE_DEPRECATION = '@1796169600'

export function teamRoutes(deps: Deps, pages: PublicPages): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.get(
      '/teams',
      {
        schema: { tags: ['teams'], summary: 'List teams', response: { 200: TeamList } },
      },
      async () => ({ teams: await teams.listTeams(db) }),
    )

    app.post(
      '/teams',
      {
        config: { role: 'admin' },
        schema: {
          tags: ['teams'],
          summary: 'Add a team (admin): its own policy, calls, roster, schedule, templates and emails',
          description:
            'Institutions are shared by every team. The policy is the default (IIIF’s 2017 rules) with the given fields over it.',
          security: staffOnly,
          body: NewTeamBody,
          response: { 201: TeamSettings, ...errors(400, 401, 409) },
        },
      },
      async (request, reply) => {
        const team = await teams.createTeam(
          db,
          request.body as unknown as teams.NewTeam,
          deps.clock(),
          request.staff?.name ?? 'staff',
        )
        if (request.body.policy && isLegacyShape(request.body.policy))
          reply.header('Deprecation', POLICY_SHAPE_DEPRECATION)
        return reply.code(201).send(team)
      },
    )

    app.delete(
      '/teams/:team',
      {
        config: { role: 'admin' },
        schema: {
          tags: ['teams'],
          summary:
            'Delete a team that never ran (admin): no calls, members or emails; its templates and webhooks go too',
          description:
            'A team with calls, members or emails answers 409 `team-in-use` (its history stays); the default team answers 409 `default-team` (rename it instead).',
          security: staffOnly,
          params: TeamParams,
          response: { 200: TeamSettings, ...errors(401, 404, 409) },
        },
      },
      async (request) => teams.deleteTeam(db, request.params.team, deps.clock(), request.staff?.name ?? 'staff'),
    )

    app.get(
      '/teams/:team',
      {
        schema: {
          tags: ['teams'],
          summary: 'Get a team and its policy (a browser gets the team’s public page)',
          description:
            'Content-negotiated (`Vary: Accept`): API clients (no Accept, `*/*`, `application/json`) get the team as JSON; ' +
            'a browser (Accept preferring `text/html`) gets the team’s public page, as at `/`, with ETag and If-None-Match.',
          params: TeamParams,
          response: {
            200: htmlOrJson(Team, 'The team (application/json), or its public page (text/html).'),
            304: { ...NotModified, description: 'Not modified (pages only: If-None-Match names the current page).' },
            404: htmlOrJsonError('No such team.'),
          },
        },
        onSend: errorsAsPages,
      },
      async (request, reply) => {
        reply.header('vary', 'Accept')
        if (!prefersHtml(request.headers.accept)) return teams.getTeam(db, request.params.team)
        return answerWithPage(request, reply, await pages.page(request.params.team, deps.clock()), 'other')
      },
    )

    app.get(
      '/teams/:team/settings',
      {
        schema: {
          tags: ['teams'],
          summary: 'A team with the addresses rota sends to (staff)',
          security: staffOnly,
          params: TeamParams,
          response: { 200: TeamSettings, ...errors(401, 404) },
        },
      },
      async (request) => teams.getTeamSettings(db, request.params.team),
    )

    app.patch(
      '/teams/:team',
      {
        // The policy decides who is selected, and the addresses where personal data goes: admin only.
        config: { role: 'admin' },
        schema: {
          tags: ['teams'],
          summary: "Change a team's name, policy, mailing list, staff address or form link",
          security: staffOnly,
          params: TeamParams,
          body: TeamPatch,
          response: { 200: TeamSettings, ...errors(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const updated = await teams.updateTeam(
          db,
          request.params.team,
          request.body as teams.TeamPatch,
          deps.clock(),
          request.staff?.name ?? 'staff',
        )
        // The policy's old shape, converted: answered as RFC 9745 asks, with the date it was deprecated.
        if (request.body.policy && isLegacyShape(request.body.policy))
          reply.header('Deprecation', POLICY_SHAPE_DEPRECATION)
        return updated
      },
    )
  }
}
