import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import { findTeamBySlug } from '../db/queries/teams.js'
import { formatInstant, instantFromDate, instantToDate, type Instant } from '../domain/time.js'
import type { PlannedCall } from '../domain/schedule.js'
import type { NextCall, PublicPage } from '../http/schemas/public-page.js'
import type { RosterCache } from './roster.js'
import { teamSchedule } from './schedule.js'
import { teamNotFound } from './teams.js'

export type PublicPageView = Static<typeof PublicPage>
type NextCallView = Static<typeof NextCall>

/** The team `/` shows: the one every rota database starts with (drizzle/0001_default-team.sql). */
export const DEFAULT_TEAM = 'coc'

/** The longest a page is kept in memory, whatever else: a safety net for changes no notice announced. */
const PAGE_MAX_AGE_MS = 60_000

/** A link the page may offer: http(s) only (a `javascript:` or `data:` URL is never a link). */
export function isWebLink(url: string | null): url is string {
  if (url === null || !/^https?:\/\//i.test(url)) return false
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'http:' || parsed.protocol === 'https:'
  } catch {
    return false
  }
}

function nextCallOf(calls: readonly PlannedCall[]): PlannedCall | null {
  return calls.find((call) => call.status !== 'closed' && call.status !== 'cancelled') ?? null
}

/** When the next call's status next changes (it opens, or its window ends), in epoch ms; null if it does not by itself. */
function nextStatusChange(call: PlannedCall | null): number | null {
  const at = (instant: Instant) => instantToDate(instant).getTime() + 1
  if (call?.status === 'scheduled') return at(call.opensAt)
  if (call?.status === 'open') return at(call.closesAt)
  return null
}

interface Made {
  generation: number
  madeAtMs: number
  validUntilMs: number
  page: PublicPageView
}

/**
 * The public page of a team: the roster now (from the roster cache, the roster route's own data, so
 * nothing the roster does not show), the next call on the schedule and the form to volunteer with.
 * A page is kept in memory until anything is written (the roster cache's generation changes), the
 * roster or the next call changes by itself (a term ends, the call opens or closes), or a minute
 * passes; reads in between cost a lookup.
 */
export class PublicPages {
  private readonly ready = new Map<string, Made>()
  private readonly making = new Map<string, Promise<Made>>()

  constructor(
    private readonly db: Db,
    private readonly roster: RosterCache,
  ) {}

  /** The page of team `slug` at `now`; a 404 AppError for an unknown team. */
  async page(slug: string, now: Date): Promise<PublicPageView> {
    const nowMs = now.getTime()
    const ready = this.ready.get(slug)
    if (
      ready !== undefined &&
      ready.generation === this.roster.generation &&
      ready.madeAtMs <= nowMs &&
      nowMs < ready.validUntilMs
    )
      return ready.page
    const key = `${this.roster.generation}\u0000${slug}\u0000${nowMs}`
    let making = this.making.get(key)
    if (making === undefined) {
      making = this.make(slug, now).finally(() => this.making.delete(key))
      this.making.set(key, making)
    }
    return (await making).page
  }

  private async make(slug: string, now: Date): Promise<Made> {
    const generation = this.roster.generation
    const team = await findTeamBySlug(this.db, slug)
    if (!team) throw teamNotFound(slug)
    // Far enough ahead to reach the next call on the cadence, whatever the interval.
    const years = Math.min(10, Math.ceil(team.policy.callIntervalMonths / 12) + 1)
    const [roster, schedule] = await Promise.all([
      this.roster.rosterAt(slug, instantFromDate(now)),
      teamSchedule(this.db, team, years, now),
    ])
    const next = nextCallOf(schedule.calls)
    const nextCall: NextCallView | null =
      next === null
        ? null
        : {
            id: next.id,
            status: next.status as NextCallView['status'],
            opensAt: formatInstant(next.opensAt),
            closesAt: formatInstant(next.closesAt),
            termStart: formatInstant(next.termStart),
            seatsToFill: next.seatsToFill,
          }
    const volunteering = nextCall?.status === 'open' || nextCall?.status === 'scheduled'
    const base = `/teams/${team.slug}`
    const page: PublicPageView = {
      team: { slug: team.slug, name: team.name },
      members: roster.view.members,
      incoming: roster.view.incoming,
      vacancies: roster.view.vacancies,
      nextCall,
      formUrl: volunteering && isWebLink(team.formUrl) ? team.formUrl : null,
      links: {
        team: base,
        roster: `${base}/roster`,
        calls: `${base}/calls`,
        schedule: `${base}/schedule`,
        calendar: `${base}/schedule.ics`,
        console: '/console/',
        docs: '/docs',
      },
    }
    const nowMs = now.getTime()
    const limits = [
      nowMs + PAGE_MAX_AGE_MS,
      roster.validUntil?.getTime() ?? Infinity,
      nextStatusChange(next) ?? Infinity,
    ]
    const made: Made = { generation, madeAtMs: nowMs, validUntilMs: Math.min(...limits), page }
    // A page made from a stale roster (the database is away) or overtaken by a write is not kept.
    if (!roster.stale && generation === this.roster.generation) this.ready.set(slug, made)
    return made
  }
}
