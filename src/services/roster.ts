import { createHash } from 'node:crypto'
import type { Database, Db } from '../db/client.js'
import { listMembers } from '../db/queries/members.js'
import { findTeamBySlug, type TeamRow } from '../db/queries/teams.js'
import {
  effectiveEnd,
  incomingAfter,
  nextChangeAfter,
  rosterAt,
  vacanciesAt,
  type RosterMember,
} from '../domain/roster.js'
import { formatInstant, instantFromDate, instantToDate, type Instant } from '../domain/time.js'
import { readInstant } from './instants.js'
import { seatCountsOf, upgradePolicy, type SeatCounts } from '../domain/policy.js'
import { teamNotFound } from './teams.js'

/** The channel on which every instance hears that the roster may have changed. */
export const ROSTER_CHANNEL = 'rota_roster'

export interface RosterView {
  team: string
  at: string
  members: Array<{
    id: string
    name: string
    institution: string | null
    seat: RosterMember['seat']
    termStart: string
    termEnd: string | null
  }>
  vacancies: SeatCounts
  /** Members whose terms start after `at` (a call's selected volunteers before its termStart, say), with the date. */
  incoming: RosterView['members']
}

interface TeamRoster {
  team: TeamRow
  members: RosterMember[]
  /** Rendered rosters by the set of members serving, so most reads cost a filter and a lookup. */
  rendered: Map<
    string,
    { etag: string; members: RosterView['members']; vacancies: SeatCounts; incoming: RosterView['members'] }
  >
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
    termStart: member.termStart,
    termEnd: member.termEnd,
    endedAt: member.endedAt,
  }))
  return { team, members, rendered: new Map() }
}

/** While a team's roster is stale, how often a read may try the database again. */
const RETRY_STALE_MS = 1_000
/** How long a read waits for a reload before it answers with the last good roster instead. */
const RELOAD_WAIT_MS = 1_000

type Settled<T> = { ok: true; value: T } | { ok: false }

/** The promise's outcome if it settles within `ms`, else `{ ok: false }` (it keeps running). */
async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false }), ms)
  })
  try {
    return await Promise.race([
      promise.then(
        (value): Settled<T> => ({ ok: true, value }),
        (): Settled<T> => ({ ok: false }),
      ),
      timeout,
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The roster is read all the time and changes a few times a year: each team's members are kept in
 * memory and reloaded after any write (here, or in another instance through NOTIFY), and the roster
 * at an instant is computed from them without touching the database.
 *
 * It is public, read-mostly data, so it outlives a database outage: when a reload fails (or takes
 * longer than a second), the last roster loaded is served, marked stale, and the database is tried
 * again at most once a second by the reads that follow, until a reload succeeds.
 */
export class RosterCache {
  /** Rosters loaded in the current generation: served as they are. */
  private readonly ready = new Map<string, TeamRoster>()
  /** Loads in progress, shared by the reads waiting for them. */
  private readonly loading = new Map<string, Promise<TeamRoster | null>>()
  /**
   * The latest roster each team loaded successfully (by the order loads started), whatever the
   * generation: served stale when a reload fails.
   */
  private readonly lastGood = new Map<string, { roster: TeamRoster; started: number }>()
  private loads = 0
  /** Teams whose last reload failed: not before this time (ms) does a read try again. */
  private readonly retryAt = new Map<string, number>()
  private _generation = 0

  /** Changes whenever the cache is invalidated: anything derived from an older generation is stale. */
  get generation(): number {
    return this._generation
  }

  constructor(private readonly db: Db) {}

  /** Marks every roster out of date: the next read reloads it (and serves the previous one if that fails). */
  invalidate(): void {
    this._generation++
    this.ready.clear()
    this.loading.clear()
    this.retryAt.clear()
  }

  /**
   * Subscribes to other instances' changes; returns the unsubscribe function. A message without
   * payload (the LISTEN connection dropped, or came back) invalidates too: when the database is
   * back, the next read reloads.
   */
  listen(database: Database): Promise<() => Promise<void>> {
    return database.listen(ROSTER_CHANNEL, () => this.invalidate())
  }

  private load(slug: string): Promise<TeamRoster | null> {
    const generation = this._generation
    const started = ++this.loads
    const loading = loadTeamRoster(this.db, slug)
    this.loading.set(slug, loading)
    const done = (): void => {
      if (this.loading.get(slug) === loading) this.loading.delete(slug)
    }
    loading.then(
      (value) => {
        done()
        // Data that was true when the load started is good enough to serve stale, unless a later load already did.
        if ((this.lastGood.get(slug)?.started ?? 0) < started) {
          if (value === null) this.lastGood.delete(slug)
          else this.lastGood.set(slug, { roster: value, started })
        }
        // A load overtaken by a write is not served as current; unknown teams are not kept either.
        if (generation !== this._generation) return
        this.retryAt.delete(slug)
        if (value !== null) this.ready.set(slug, value)
      },
      () => {
        done()
        if (generation === this._generation) this.retryAt.set(slug, Date.now() + RETRY_STALE_MS)
      },
    )
    return loading
  }

  /** A team's members, loaded in this generation if the database allows, else the last good ones (stale). */
  private async entry(slug: string): Promise<{ entry: TeamRoster | null; stale: boolean }> {
    const ready = this.ready.get(slug)
    if (ready) return { entry: ready, stale: false }
    const previous = this.lastGood.get(slug)?.roster
    let loading = this.loading.get(slug)
    if (!loading) {
      if (previous && Date.now() < (this.retryAt.get(slug) ?? 0)) return { entry: previous, stale: true }
      loading = this.load(slug)
    }
    // Nothing to fall back on: the read waits, and a failure is the request's (503 when the database is away).
    if (!previous) return { entry: await loading, stale: false }
    const outcome = await settleWithin(loading, RELOAD_WAIT_MS)
    return outcome.ok ? { entry: outcome.value, stale: false } : { entry: previous, stale: true }
  }

  /**
   * The roster of a team at instant `t`, with a validator for conditional requests, how long it
   * stays true, and whether it is the last good roster served while the database cannot be read.
   */
  async rosterAt(
    slug: string,
    t: Instant,
  ): Promise<{ view: RosterView; etag: string; validUntil: Date | null; stale: boolean }> {
    const { entry, stale } = await this.entry(slug)
    if (!entry) throw teamNotFound(slug)
    const serving = rosterAt(entry.members, t)
    const coming = incomingAfter(entry.members, t)
    const key = `${serving.map((m) => m.id).join(',')}|${coming.map((m) => m.id).join(',')}`
    let rendered = entry.rendered.get(key)
    if (!rendered) {
      const vacancies = vacanciesAt(seatCountsOf(upgradePolicy(entry.team.policy)), entry.members, t)
      const shown = (m: RosterMember) => {
        const end = effectiveEnd(m)
        return {
          id: m.id,
          name: m.name,
          institution: m.institution,
          seat: m.seat,
          termStart: formatInstant(m.termStart),
          termEnd: end === null ? null : formatInstant(end),
        }
      }
      const members = serving.map(shown)
      const incoming = coming.map(shown)
      const digest = createHash('sha1')
        .update(JSON.stringify([entry.team.slug, members, vacancies, incoming]))
        .digest('base64url')
        .slice(0, 20)
      rendered = { etag: `W/"${digest}"`, members, vacancies, incoming }
      entry.rendered.set(key, rendered)
    }
    const next = nextChangeAfter(entry.members, t)
    return {
      view: {
        team: entry.team.slug,
        at: formatInstant(t),
        members: rendered.members,
        vacancies: rendered.vacancies,
        incoming: rendered.incoming,
      },
      etag: rendered.etag,
      validUntil: next === null ? null : instantToDate(next),
      stale,
    }
  }
}

/** Browsers and proxies may keep a roster this long; ETag revalidation makes any change visible after it. */
export const ROSTER_MAX_AGE_SECONDS = 60
/** A roster served stale during a database outage may be kept this long at most. */
export const STALE_MAX_AGE_SECONDS = 5
/** At most this many rosters at given instants are kept ready per team (then they are all dropped). */
const READY_PER_TEAM = 1000

/** `Cache-Control` for each max-age rota sends (0–60 s): made once, not per request. */
const CACHE_CONTROL = Array.from({ length: ROSTER_MAX_AGE_SECONDS + 1 }, (_, seconds) => `public, max-age=${seconds}`)

/** A roster as served: its JSON (made once) and what the headers need. */
interface Ready {
  generation: number
  stale: boolean
  etag: string
  /** When the roster next changes (epoch ms), or null when no change is scheduled. */
  validUntilMs: number | null
  /** The JSON, as text: Node.js writes a text body with the headers in one write, a Buffer in two. */
  body: string
}

/** What a roster request is answered with (the HTTP adapter turns it into a reply). */
export interface RosterAnswer {
  /** True when the client's If-None-Match already names this roster: 304, no body. */
  notModified: boolean
  etag: string
  cacheControl: string
  /** The last roster read before the database became unreachable (served with a warning). */
  stale: boolean
  /** The roster as JSON (sent as UTF-8). */
  body: string
}

/**
 * The public roster as served over HTTP: the roster of a team now (to the second) or at an instant,
 * its JSON made once per roster and kept ready, with the validator and caching time that go with it.
 * Most requests are a lookup and a comparison, answered synchronously; the others wait for the
 * roster cache (a reload after a write, or a database that does not answer: then the last good
 * roster, stale, is served and not kept).
 */
export class RosterResponses {
  /** Per team: the roster now, for the second it was made in. */
  private readonly current = new Map<string, { second: number; ready: Ready }>()
  /** Per team: rosters at instants asked for, by the instant's text as given. */
  private readonly atInstants = new Map<string, Map<string, Ready>>()
  /**
   * Rosters being made, by team and instant: the requests that find the same roster missing (all
   * those of the first moments of each second, for the roster now) wait for one making, not one each.
   */
  private readonly making = new Map<string, Promise<Ready>>()

  /**
   * `serialize` turns a roster view into JSON: the route's response schema, so that nothing outside
   * the schema (no email) can leave.
   */
  constructor(
    private readonly cache: RosterCache,
    private readonly serialize: (view: RosterView) => string,
    /** For the roster in another format (the feeds): added to the ETag, so each format has its own. */
    private readonly etagSuffix = '',
  ) {}

  /**
   * The answer to `GET /teams/:team/roster[?at=…]` at `now`, given the request's If-None-Match; a
   * promise only when the roster must be made first. Throws (or rejects) 404 for an unknown team and
   * 400 for an `at` that is not an RFC 3339 instant.
   */
  answer(
    team: string,
    atText: string | undefined,
    ifNoneMatch: string | undefined,
    now: Date,
  ): RosterAnswer | Promise<RosterAnswer> {
    const nowMs = now.getTime()
    let ready: Ready | undefined
    if (atText === undefined) {
      // Without `at`, the roster now, to the second: the team changes on term boundaries, not by the millisecond.
      const current = this.current.get(team)
      if (current !== undefined && current.second === Math.floor(nowMs / 1000)) ready = current.ready
    } else {
      ready = this.atInstants.get(team)?.get(atText)
    }
    // A stale roster is not reused: each read asks the cache, which retries the database.
    if (ready === undefined || ready.generation !== this.cache.generation || ready.stale) {
      const key = `${this.cache.generation}\u0000${team}\u0000${atText ?? Math.floor(nowMs / 1000)}`
      let making = this.making.get(key)
      if (making === undefined) {
        making = this.make(team, atText, nowMs).finally(() => this.making.delete(key))
        this.making.set(key, making)
      }
      return making.then((made) => this.respond(made, atText, ifNoneMatch, nowMs))
    }
    return this.respond(ready, atText, ifNoneMatch, nowMs)
  }

  private respond(
    ready: Ready,
    atText: string | undefined,
    ifNoneMatch: string | undefined,
    nowMs: number,
  ): RosterAnswer {
    let maxAge = ROSTER_MAX_AGE_SECONDS
    if (atText === undefined && ready.validUntilMs !== null)
      maxAge = Math.max(0, Math.min(ROSTER_MAX_AGE_SECONDS, Math.floor((ready.validUntilMs - nowMs) / 1000)))
    // The last roster read before the database became unreachable: let nobody keep it long.
    if (ready.stale) maxAge = Math.min(maxAge, STALE_MAX_AGE_SECONDS)
    const notModified = ifNoneMatch !== undefined && ifNoneMatch.split(/\s*,\s*/).includes(ready.etag)
    return { notModified, etag: ready.etag, cacheControl: CACHE_CONTROL[maxAge]!, stale: ready.stale, body: ready.body }
  }

  private async make(team: string, atText: string | undefined, nowMs: number): Promise<Ready> {
    const second = Math.floor(nowMs / 1000)
    const t: Instant =
      atText === undefined ? instantFromDate(new Date(second * 1000)) : readInstant(atText, 'querystring.at')
    const generation = this.cache.generation
    const { view, etag, validUntil, stale } = await this.cache.rosterAt(team, t)
    const ready: Ready = {
      generation,
      stale,
      etag: this.etagSuffix === '' ? etag : `${etag.slice(0, -1)}-${this.etagSuffix}"`,
      validUntilMs: validUntil === null ? null : validUntil.getTime(),
      body: this.serialize(view),
    }
    if (atText === undefined) {
      this.current.set(team, { second, ready })
    } else {
      let byInstant = this.atInstants.get(team)
      if (byInstant === undefined) this.atInstants.set(team, (byInstant = new Map<string, Ready>()))
      if (byInstant.size >= READY_PER_TEAM) byInstant.clear()
      byInstant.set(atText, ready)
    }
    return ready
  }
}
