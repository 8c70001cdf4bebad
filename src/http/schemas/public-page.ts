import { Type } from '@sinclair/typebox'
import { ErrorBody, LiteralUnion } from './common.js'
import { RosterMember } from './members.js'

/** The statuses of a call the public page announces: one still to come or under way. */
export const NEXT_CALL_STATUSES = ['planned', 'scheduled', 'open', 'due'] as const

const SeatCounts = Type.Record(Type.String(), Type.Integer(), { description: 'Seats per class, in policy order.' })

export const NextCall = Type.Object({
  id: Type.Union([Type.String(), Type.Null()], {
    description: 'null for a call planned on the cadence, not created yet.',
  }),
  status: LiteralUnion(NEXT_CALL_STATUSES, {
    description:
      'planned (on the cadence, not created yet), scheduled (created, not open yet), open, due (window over, selection pending).',
  }),
  opensAt: Type.String(),
  closesAt: Type.String(),
  termStart: Type.String(),
  seatsToFill: SeatCounts,
})

/**
 * What the public page shows, as JSON: the roster now (the roster route's fields: no email or other
 * personal data), the next call and where to volunteer, and links to the rest of rota.
 */
export const PublicPage = Type.Object(
  {
    team: Type.Object({ slug: Type.String(), name: Type.String() }),
    members: Type.Array(RosterMember, { description: 'Serving now: the roster route’s `members`.' }),
    incoming: Type.Array(RosterMember, { description: 'Whose terms start later: the roster route’s `incoming`.' }),
    vacancies: SeatCounts,
    nextCall: Type.Union([NextCall, Type.Null()], {
      description: 'The first call on the schedule that is not closed or cancelled; null when none is planned.',
    }),
    formUrl: Type.Union([Type.String(), Type.Null()], {
      description: 'The team’s volunteer form (an http(s) link), while the next call is scheduled or open; else null.',
    }),
    links: Type.Object({
      team: Type.String(),
      roster: Type.String(),
      calls: Type.String(),
      schedule: Type.String(),
      calendar: Type.String({ description: 'The schedule as iCalendar.' }),
      console: Type.String({ description: 'The staff console.' }),
      docs: Type.String({ description: 'The API documentation.' }),
    }),
  },
  { title: 'PublicPage' },
)

/** A response documented in both representations a browser-facing route serves. */
export function htmlOrJson<S extends object>(schema: S, description: string) {
  return {
    description,
    content: {
      'application/json': { schema },
      'text/html': { schema: Type.String({ description: 'The same, as a page for people (no JavaScript).' }) },
    },
  }
}

/** An error in either representation: the API's JSON error, or a page saying the same for browsers. */
export function htmlOrJsonError(description: string) {
  return {
    description,
    content: {
      'application/json': { schema: ErrorBody },
      'text/html': { schema: Type.String({ description: 'A page with the error’s message.' }) },
    },
  }
}

export const NotModified = { type: 'null', description: 'Not modified (If-None-Match names the current page).' }
