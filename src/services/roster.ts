import { createHash } from 'node:crypto'
import type { Database, Db } from '../db/client.js'
import { listMembers } from '../db/queries/members.js'
import { findTeamBySlug, type TeamRow } from '../db/queries/teams.js'
import { instantFromPg, maybeInstantFromPg } from '../db/instants.js'
import { effectiveEnd, nextChangeAfter, rosterAt, vacanciesAt, type RosterMember } from '../domain/roster.js'
import { formatInstant, instantToDate, type Instant } from '../domain/time.js'
import type { SeatCounts } from '../domain/policy.js'
import { teamNotFound } from './teams.js'

/** The channel on which every instance hears that the roster may have changed. */
export const ROSTER_CHANNEL = 'rota_roster'

export interface RosterView {
  team: string
  at: string
  members: Array<{ id: string; name: string; institution: string | null; seat: RosterMember['seat']; termStart: string; termEnd: string | null }>
  vacancies: SeatCounts
}

interface TeamRoster {
  team: TeamRow
  members: RosterMember[]
  /** Rendered rosters by the set of members serving, so most reads cost a filter and a lookup. */
  rendered: Map<string, { etag: string; members: RosterView['members']; vacancies: SeatCounts }>
}

/** A team's members as the roster shows them: no email or other personal data. */
async function loadTeamRoster(db: Db, slug: string): Promise<TeamRoster | null> {
  const team = await findTeamBySlug(db, slug)
  if (!team) return null
  const rows = await listMembers(db, team.id)
  const members = rows.map(({ member, institutionName }) => ({
    id: member.id,
    name: member.name,
    institution: institutionName ?? member.institutionText,
    seat: member.seat as RosterMember['seat'],
    termStart: instantFromPg(member.termStart),
    termEnd: maybeInstantFromPg(member.termEnd),
    endedAt: maybeInstantFromPg(member.endedAt),
  }))
  return { team, members, rendered: new Map() }
}

/**
 * The roster is read all the time and changes a few times a year: each team's members are kept in
 * memory and dropped on any write (here, or in another instance through NOTIFY), and the roster at
 * an instant is computed from them without touching the database.
 */
export class RosterCache {
  private readonly teams = new Map<string, Promise<TeamRoster | null>>()
  private _generation = 0

  /** Changes whenever the cache is invalidated: anything derived from an older generation is stale. */
  get generation(): number {
    return this._generation
  }

  constructor(private readonly db: Db) {}

  /** Forgets everything: the next read reloads from the database. */
  invalidate(): void {
    this._generation++
    this.teams.clear()
  }

  /** Subscribes to other instances' changes; returns the unsubscribe function. */
  listen(database: Database): Promise<() => Promise<void>> {
    return database.listen(ROSTER_CHANNEL, () => this.invalidate())
  }

  private load(slug: string): Promise<TeamRoster | null> {
    const cached = this.teams.get(slug)
    if (cached) return cached
    const generation = this._generation
    const loading = loadTeamRoster(this.db, slug)
    this.teams.set(slug, loading)
    loading.then(
      (value) => {
        // Unknown teams and loads overtaken by a write are not kept.
        if (value === null || generation !== this._generation) this.teams.delete(slug)
      },
      () => this.teams.delete(slug),
    )
    return loading
  }

  /** The roster of a team at instant `t`, with a validator for conditional requests and how long it stays true. */
  async rosterAt(slug: string, t: Instant): Promise<{ view: RosterView; etag: string; validUntil: Date | null }> {
    const entry = await this.load(slug)
    if (!entry) throw teamNotFound(slug)
    const serving = rosterAt(entry.members, t)
    const key = serving.map((m) => m.id).join(',')
    let rendered = entry.rendered.get(key)
    if (!rendered) {
      const vacancies = vacanciesAt(entry.team.policy.seats, entry.members, t)
      const members = serving.map((m) => {
        const end = effectiveEnd(m)
        return { id: m.id, name: m.name, institution: m.institution, seat: m.seat, termStart: formatInstant(m.termStart), termEnd: end === null ? null : formatInstant(end) }
      })
      const digest = createHash('sha1').update(JSON.stringify([entry.team.slug, members, vacancies])).digest('base64url').slice(0, 20)
      rendered = { etag: `W/"${digest}"`, members, vacancies }
      entry.rendered.set(key, rendered)
    }
    const next = nextChangeAfter(entry.members, t)
    return {
      view: { team: entry.team.slug, at: formatInstant(t), members: rendered.members, vacancies: rendered.vacancies },
      etag: rendered.etag,
      validUntil: next === null ? null : instantToDate(next),
    }
  }
}
