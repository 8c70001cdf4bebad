import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as queries from '../db/queries/teams.js'
import { changedFields, personOf, recordAudit } from './audit.js'
import { AppError, invalid } from '../errors.js'
import { emailAddressProblem } from '../domain/email.js'
import {
  approvalOf,
  DEFAULT_POLICY,
  mergePolicy,
  policyProblems,
  retentionOf,
  termPolicyOf,
  upgradePolicy,
  upgradePolicyPatch,
  type LegacyPolicyPatch,
} from '../domain/policy.js'
import { DEFAULT_TEAM } from './public-page.js'
import type { Team, TeamSettings } from '../http/schemas/teams.js'

/** A team as anyone may see it: no addresses. */
export type TeamView = Static<typeof Team>

/** A team as staff see it: with the addresses rota sends to. */
export type TeamSettingsView = Static<typeof TeamSettings>

function view(row: queries.TeamRow): TeamView {
  return {
    slug: row.slug,
    name: row.name,
    // Whether there is an approval step, never the approver's address.
    policy: {
      ...upgradePolicy(row.policy),
      retention: retentionOf(row.policy),
      ...termPolicyOf(row.policy),
      approval: { mode: approvalOf(row.policy).mode },
    },
    formUrl: row.formUrl,
  }
}

function settingsView(row: queries.TeamRow): TeamSettingsView {
  const team = view(row)
  return {
    ...team,
    policy: { ...team.policy, approval: approvalOf(row.policy) },
    mailingList: row.mailingList,
    staffEmail: row.staffEmail,
  }
}

export interface TeamPatch {
  name?: string
  /** In the shape with seat classes, or the old one (`seats: { consortium, community }`, `inauguralStagger`): converted. */
  policy?: LegacyPolicyPatch
  mailingList?: string | null
  staffEmail?: string | null
  formUrl?: string | null
}

/** A policy as the audit log keeps it: the approver's address by reference, as staff and list addresses are. */
async function auditedPolicy(db: Db, policy: queries.TeamRow['policy']): Promise<object> {
  const approval = approvalOf(policy)
  if (approval.mode !== 'committee') return policy
  return { ...policy, approval: { mode: approval.mode, approverEmail: await personOf(db, approval.approverEmail) } }
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
export interface NewTeam {
  slug: string
  name: string
  /** Any subset of the policy; the rest is the default (IIIF's 2017 rules). The old shape is converted. */
  policy?: LegacyPolicyPatch
  mailingList?: string | null
  staffEmail?: string | null
  formUrl?: string | null
}

/**
 * Adds a team (issue 14, "Several teams"): its policy is the default with `policy`'s fields over it,
 * and must keep every policy rule; a slug in use is a 409 and nothing changes.
 */
export async function createTeam(db: Db, body: NewTeam, now: Date, by: string): Promise<TeamSettingsView> {
  const name = body.name.trim()
  const problems: { field: string; message: string }[] = []
  if (name === '') problems.push({ field: 'body.name', message: 'must not be blank' })
  const upgraded = upgradePolicyPatch(DEFAULT_POLICY, body.policy ?? {})
  if (upgraded.problems.length > 0)
    throw invalid(
      'invalid-policy',
      upgraded.problems.map((p) => ({ ...p, field: `body.${p.field}` })),
    )
  const policy = mergePolicy(DEFAULT_POLICY, upgraded.patch)
  const policyErrors = policyProblems(policy).map((p) => ({ ...p, field: `body.${p.field}` }))
  if (policyErrors.length > 0) throw invalid('invalid-policy', policyErrors)
  const fields = teamFields(body, { mailingList: null, staffEmail: null, formUrl: null }, problems)
  if (problems.length > 0) throw invalid('invalid-team', problems)
  return db.transaction(async (tx) => {
    const row = await queries.insertTeam(tx, { slug: body.slug, name, policy, ...fields, createdAt: now })
    if (!row) throw new AppError('conflict', 'team-exists', `There is already a team "${body.slug}"`)
    await recordAudit(tx, {
      at: now,
      actor: by,
      action: 'team.create',
      entity: 'team',
      entityId: row.slug,
      after: await audited(tx, row),
    })
    return settingsView(row)
  })
}

/**
 * Deletes a team that never ran: no calls, no members (staff included) and no emails or webhook
 * deliveries, so no decision or history is lost; its templates and webhooks go with it. The default
 * team, whose page is rota's home page, is renamed rather than deleted.
 */
export async function deleteTeam(db: Db, slug: string, now: Date, by: string): Promise<TeamSettingsView> {
  return db.transaction(async (tx) => {
    const row = await requireTeam(tx, slug, true)
    if (row.slug === DEFAULT_TEAM)
      throw new AppError(
        'conflict',
        'default-team',
        `"${DEFAULT_TEAM}" is the default team (rota's home page shows it): rename it with PATCH instead`,
      )
    const usage = await queries.teamUsage(tx, row.id)
    if (usage.calls + usage.members + usage.outbox > 0) {
      const held = [
        usage.calls > 0 ? `${usage.calls} call(s)` : null,
        usage.members > 0 ? `${usage.members} member(s)` : null,
        usage.outbox > 0 ? `${usage.outbox} email(s) or webhook deliveries` : null,
      ].filter((part) => part !== null)
      throw new AppError(
        'conflict',
        'team-in-use',
        `Team "${slug}" has ${held.join(', ')}: only a team that never ran can be deleted`,
        usage,
      )
    }
    const before = await audited(tx, row)
    const removed = await queries.deleteTeam(tx, row.id)
    await recordAudit(tx, {
      at: now,
      actor: by,
      action: 'team.delete',
      entity: 'team',
      entityId: row.slug,
      before: { ...before, templates: removed.templates, webhooks: removed.webhooks },
    })
    return settingsView(row)
  })
}

/** A team's record for the audit log: addresses may be a person's, so the log holds their references. */
async function audited(tx: Db, team: queries.TeamRow) {
  return {
    name: team.name,
    policy: await auditedPolicy(tx, team.policy),
    mailingList: await personOf(tx, team.mailingList),
    staffEmail: await personOf(tx, team.staffEmail),
    formUrl: team.formUrl,
  }
}

type TeamAddresses = Pick<queries.TeamRow, 'mailingList' | 'staffEmail' | 'formUrl'>

/** The addresses and form link of a change (null or blank clears one; left out keeps `current`'s). */
function teamFields(
  patch: Pick<TeamPatch, 'mailingList' | 'staffEmail' | 'formUrl'>,
  current: TeamAddresses,
  problems: { field: string; message: string }[],
): TeamAddresses {
  const address = (field: 'mailingList' | 'staffEmail') => {
    const value = patch[field]
    if (value === undefined) return current[field]
    if (value === null || value.trim() === '') return null
    const problem = emailAddressProblem(value.trim())
    if (problem !== null) problems.push({ field: `body.${field}`, message: `must be an email address: it ${problem}` })
    return value.trim()
  }
  const mailingList = address('mailingList')
  const staffEmail = address('staffEmail')
  let formUrl = current.formUrl
  if (patch.formUrl !== undefined) {
    formUrl = patch.formUrl === null || patch.formUrl.trim() === '' ? null : patch.formUrl.trim()
    if (formUrl !== null && !/^https?:\/\/[^\s]+$/.test(formUrl))
      problems.push({ field: 'body.formUrl', message: 'must be an http(s) URL' })
  }
  return { mailingList, staffEmail, formUrl }
}

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
    const { mailingList, staffEmail, formUrl } = teamFields(patch, row, problems2)
    if (problems2.length > 0) throw invalid('invalid-team', problems2)
    const updated = await queries.updateTeam(tx, row.id, {
      name,
      policy,
      mailingList,
      staffEmail,
      formUrl,
      updatedAt: now,
    })
    await recordAudit(tx, {
      at: now,
      actor: by,
      action: 'team.update',
      entity: 'team',
      entityId: row.slug,
      ...changedFields(await audited(tx, row), await audited(tx, updated), ['policy']),
    })
    return settingsView(updated)
  })
}
