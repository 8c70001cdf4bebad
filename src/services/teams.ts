import type { Db } from '../db/client.js'
import * as queries from '../db/queries/teams.js'
import { AppError, invalid } from '../errors.js'
import { mergePolicy, policyProblems, type Policy, type PolicyPatch } from '../domain/policy.js'

export interface TeamView {
  slug: string
  name: string
  policy: Policy
}

function view(row: queries.TeamRow): TeamView {
  return { slug: row.slug, name: row.name, policy: row.policy }
}

export function teamNotFound(slug: string): AppError {
  return new AppError('not-found', 'team-not-found', `There is no team "${slug}"`)
}

/** The team called `slug` (locked for the caller's transaction when `forUpdate`), or a 404. */
export async function requireTeam(db: Db, slug: string, forUpdate = false): Promise<queries.TeamRow> {
  const team = await queries.findTeamBySlug(db, slug, { forUpdate })
  if (!team) throw teamNotFound(slug)
  return team
}

export async function listTeams(db: Db): Promise<TeamView[]> {
  return (await queries.listTeams(db)).map(view)
}

export async function getTeam(db: Db, slug: string): Promise<TeamView> {
  return view(await requireTeam(db, slug))
}

/** Changes a team's name or policy; the merged policy must keep every policy rule or nothing changes. */
export async function updateTeam(db: Db, slug: string, patch: { name?: string; policy?: PolicyPatch }, now: Date): Promise<TeamView> {
  return db.transaction(async (tx) => {
    const row = await requireTeam(tx, slug, true)
    const name = patch.name?.trim() ?? row.name
    if (name === '') throw invalid('invalid-team', [{ field: 'body.name', message: 'must not be blank' }])
    const policy = patch.policy ? mergePolicy(row.policy, patch.policy) : row.policy
    const problems = policyProblems(policy).map((p) => ({ ...p, field: `body.${p.field}` }))
    if (problems.length > 0) throw invalid('invalid-policy', problems)
    return view(await queries.updateTeam(tx, row.id, { name, policy, updatedAt: now }))
  })
}
