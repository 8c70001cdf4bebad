import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import { listCalls } from '../db/queries/calls.js'
import { listMembers } from '../db/queries/members.js'
import { findSelection } from '../db/queries/selections.js'
import { findTeamBySlug, type TeamRow } from '../db/queries/teams.js'
import { effectiveEnd } from '../domain/roster.js'
import { planSchedule, type Schedule } from '../domain/schedule.js'
import { formatInstant, instantFromDate } from '../domain/time.js'
import type { Schedule as ScheduleSchema } from '../http/schemas/schedule.js'
import { scheduleToIcs } from '../integrations/ics.js'
import { callStatus } from './calls.js'
import { teamNotFound } from './teams.js'

export type ScheduleView = Static<typeof ScheduleSchema>

async function plan(
  db: Db,
  slug: string,
  years: number,
  now: Date,
): Promise<{ schedule: Schedule; team: { slug: string; name: string } }> {
  const team = await findTeamBySlug(db, slug)
  if (!team) throw teamNotFound(slug)
  return { schedule: await teamSchedule(db, team, years, now), team: { slug: team.slug, name: team.name } }
}

/** The schedule of a team already read (the tick plans each team's next call with it). */
export async function teamSchedule(db: Db, team: TeamRow, years: number, now: Date): Promise<Schedule> {
  const [calls, members] = await Promise.all([listCalls(db, team.id), listMembers(db, team.id)])
  const scheduleCalls = await Promise.all(
    calls.map(async (call) => {
      const status = callStatus(call, now)
      // A closed call's seats are what its selection offered.
      const seats =
        status === 'closed' ? ((await findSelection(db, call.id))?.seats ?? call.seats ?? null) : (call.seats ?? null)
      return { id: call.id, opensAt: call.opensAt, closesAt: call.closesAt, termStart: call.termStart, status, seats }
    }),
  )
  const scheduleMembers = members.map(({ member }) => ({
    id: member.id,
    name: member.name,
    seat: member.seat,
    termStart: member.termStart,
    endsAt: effectiveEnd(member),
  }))
  // A cadence call staff cancelled stays cancelled: its date is not planned again.
  const declinedDates = calls
    .filter((call) => call.cancelledAt !== null && call.plannedOpensAt !== null)
    .map((call) => call.plannedOpensAt!)
  return planSchedule({
    policy: team.policy,
    calls: scheduleCalls,
    members: scheduleMembers,
    now: instantFromDate(now),
    years,
    declinedDates,
  })
}

/** The team's existing and planned calls over the next `years`, with the seats each fills, and the terms ending meanwhile. */
export async function getSchedule(db: Db, slug: string, years: number, now: Date): Promise<ScheduleView> {
  const { schedule } = await plan(db, slug, years, now)
  return {
    calls: schedule.calls.map((c) => ({
      ...c,
      opensAt: formatInstant(c.opensAt),
      closesAt: formatInstant(c.closesAt),
      termStart: formatInstant(c.termStart),
    })),
    termEnds: schedule.termEnds.map((e) => ({ ...e, termEnd: formatInstant(e.termEnd) })),
  }
}

/** The same schedule as an iCalendar feed (names only, no other personal data). */
export async function getScheduleIcs(db: Db, slug: string, years: number, now: Date): Promise<string> {
  const { schedule, team } = await plan(db, slug, years, now)
  return scheduleToIcs({
    teamSlug: team.slug,
    teamName: team.name,
    calls: schedule.calls,
    termEnds: schedule.termEnds,
    generatedAt: instantFromDate(now),
  })
}
