import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Deps } from '../../deps.js'
import * as teams from '../../services/teams.js'
import { errors, staffOnly } from '../schemas/common.js'
import { Team, TeamList, TeamParams, TeamPatch, TeamSettings } from '../schemas/teams.js'

export function teamRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.get(
      '/teams',
      {
        schema: { tags: ['teams'], summary: 'List teams', response: { 200: TeamList } },
      },
      async () => ({ teams: await teams.listTeams(db) }),
    )

    app.get(
      '/teams/:team',
      {
        schema: {
          tags: ['teams'],
          summary: 'Get a team and its policy',
          params: TeamParams,
          response: { 200: Team, ...errors(404) },
        },
      },
      async (request) => teams.getTeam(db, request.params.team),
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
      async (request) =>
        teams.updateTeam(db, request.params.team, request.body, deps.clock(), request.staff?.name ?? 'staff'),
    )
  }
}
