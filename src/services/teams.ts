import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as queries from '../db/queries/teams.js'
import { changedFields, personOf, recordAudit } from './audit.js'
import { AppError, invalid } from '../errors.js'
import { emailAddressProblem } from '../domain/email.js'
import {
  mergePolicy,
  policyProblems,
  retentionOf,
  upgradePolicy,
  upgradePolicyPatch,
  type LegacyPolicyPatch,
} from '../domain/policy.js'
import type { Team, TeamSettings } from '../http/schemas/teams.js'

/** A team as anyone may see it: no addresses. */
export type TeamView = Static<typeof Team>

/** A team as staff see it: with the addresses rota sends to. */
export type TeamSettingsView = Static<typeof TeamSettings>

function view(row: queries.TeamRow): TeamView {
  return {
    slug: row.slug,
    name: row.name,
    policy: { ...upgradePolicy(row.policy), retention: retentionOf(row.policy) },
    formUrl: row.formUrl,
  }
}

function settingsView(row: queries.TeamRow): TeamSettingsView {
  return { ...view(row), mailingList: row.mailingList, staffEmail: row.staffEmail }
}

export interface TeamPatch {
  name?: string
  /** In the shape with seat classes, or the old one (`seats: { consortium, community }`, `inauguralStagger`): converted. */
  policy?: LegacyPolicyPatch
  mailingList?: string | null
  staffEmail?: string | null
  formUrl?: string | null
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

export async function getTeamSettings(db: Db, slug: string): Promise<TeamSettingsView> {
  return settingsView(await requireTeam(db, slug))
}

/**
 * Changes a team's name, policy or addresses (null clears one); the merged policy must keep every
 * policy rule or nothing changes.
 */
export async function updateTeam(
  db: Db,
  slug: string,
  patch: TeamPatch,
  now: Date,
  by: string,
): Promise<TeamSettingsView> {
  return db.transaction(async (tx) => {
    const row = await requireTeam(tx, slug, true)
    const name = patch.name?.trim() ?? row.name
    if (name === '') throw invalid('invalid-team', [{ field: 'body.name', message: 'must not be blank' }])
    const current = upgradePolicy(row.policy)
    const upgraded = patch.policy ? upgradePolicyPatch(current, patch.policy) : null
    if (upgraded && upgraded.problems.length > 0)
      throw invalid(
        'invalid-policy',
        upgraded.problems.map((p) => ({ ...p, field: `body.${p.field}` })),
      )
    const policy = upgraded ? mergePolicy(current, upgraded.patch) : current
    const problems = policyProblems(policy).map((p) => ({ ...p, field: `body.${p.field}` }))
    if (problems.length > 0) throw invalid('invalid-policy', problems)
    const problems2: { field: string; message: string }[] = []
    const address = (field: 'mailingList' | 'staffEmail') => {
      const value = patch[field]
      if (value === undefined) return row[field]
      if (value === null || value.trim() === '') return null
      const problem = emailAddressProblem(value.trim())
      if (problem !== null)
        problems2.push({ field: `body.${field}`, message: `must be an email address: it ${problem}` })
      return value.trim()
    }
    const mailingList = address('mailingList')
    const staffEmail = address('staffEmail')
    let formUrl = row.formUrl
    if (patch.formUrl !== undefined) {
      formUrl = patch.formUrl === null || patch.formUrl.trim() === '' ? null : patch.formUrl.trim()
      if (formUrl !== null && !/^https?:\/\/[^\s]+$/.test(formUrl))
        problems2.push({ field: 'body.formUrl', message: 'must be an http(s) URL' })
    }
    if (problems2.length > 0) throw invalid('invalid-team', problems2)
    const updated = await queries.updateTeam(tx, row.id, {
      name,
      policy,
      mailingList,
      staffEmail,
      formUrl,
      updatedAt: now,
    })
    // Addresses may be a person's: the log holds their references.
    const audited = async (team: queries.TeamRow) => ({
      name: team.name,
      policy: team.policy,
      mailingList: await personOf(tx, team.mailingList),
      staffEmail: await personOf(tx, team.staffEmail),
      formUrl: team.formUrl,
    })
    await recordAudit(tx, {
      at: now,
      actor: by,
      action: 'team.update',
      entity: 'team',
      entityId: row.slug,
      ...changedFields(await audited(row), await audited(updated), ['policy']),
    })
    return settingsView(updated)
  })
}
