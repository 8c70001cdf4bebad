import { Type } from '@sinclair/typebox'
import { SLUG_PATTERN } from '../../domain/policy.js'
import { LiteralUnion } from './common.js'
import { EmailText, InstantText, Line, Uuid } from './text.js'

const Seat = Type.String({
  pattern: SLUG_PATTERN,
  description: '`staff`, or a seat class of the team’s policy (`consortium`, `community` for the IIIF 2017 policy).',
})

export const Member = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  institution: Type.Union([Type.String(), Type.Null()]),
  seat: Seat,
  termStart: Type.String(),
  termEnd: Type.Union([Type.String(), Type.Null()], { description: 'The original end of term; null for staff.' }),
  endedAt: Type.Union([Type.String(), Type.Null()], { description: 'When the member left early, if they did.' }),
  origin: Type.String({
    description: 'selected (callId names the call), replacement (a promoted alternate), appointed or staff.',
  }),
  callId: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  override: Type.Boolean({
    description: 'Appointed past a rule (no vacancy, institution on the team, category), with the reason recorded.',
  }),
  checkIn: Type.Optional(
    Type.Union(
      [
        Type.Object({
          dueAt: Type.String({ description: 'checkInMonths after the member’s own term start.' }),
          sentAt: Type.String({ format: 'date-time', description: 'When the check-in email was queued.' }),
          answer: Type.Union([Type.Literal('continue'), Type.Literal('step-down'), Type.Null()]),
          answeredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          overdueAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
            description: 'When staff were told the check-in went unanswered past checkInGraceDays.',
          }),
        }),
        Type.Null(),
      ],
      {
        description:
          'The member’s check-in (policy checkInMonths), in the team’s member list; null when none was sent.',
      },
    ),
  ),
})

export const MemberList = Type.Object({ members: Type.Array(Member) })

export const MemberParams = Type.Object({ id: Uuid('Member id (UUID).') })

export const NewMember = Type.Object(
  {
    name: Line({ minLength: 1, maxLength: 300 }),
    email: EmailText({ minLength: 3, description: 'A plain address (`local@domain.tld`).' }),
    institution: Type.Optional(Type.Union([Line({ maxLength: 300 }), Type.Null()])),
    seat: Seat,
    termStart: Type.Optional(InstantText('RFC 3339; default now (or the call’s seat slot with callId).')),
    termEnd: Type.Optional(
      Type.Union([InstantText('RFC 3339.'), Type.Null()], {
        description: 'Default termStart + termMonths; none for staff.',
      }),
    ),
    callId: Type.Optional(Uuid('Fill this closed call’s next empty seat slot, taking its term.')),
    reason: Line({ minLength: 1, maxLength: 2000 }),
    override: Type.Optional(
      Type.Boolean({
        description: 'Appoint despite no-vacancy, institution-on-team, flag-cap or seat-category-mismatch; recorded.',
      }),
    ),
  },
  { additionalProperties: false },
)

export const StepDownBody = Type.Object(
  {
    effective: Type.Optional(InstantText('RFC 3339; default now.')),
    reason: Line({ minLength: 1, maxLength: 2000 }),
    replacement: Type.Optional(LiteralUnion(['next-alternate', 'none'] as const, { default: 'none' })),
  },
  { additionalProperties: false },
)

export const StepDownResult = Type.Object({
  member: Member,
  replacement: Type.Union([Member, Type.Null()]),
  vacancy: Type.Boolean({ description: 'True when a volunteer seat is left empty: staff recruit.' }),
})

export const RosterQuery = Type.Object(
  {
    at: Type.Optional(InstantText('RFC 3339 instant; default now. Past instants give history, future ones a preview.')),
  },
  { additionalProperties: false },
)

/** One member as the public roster shows them (also on the public page). */
export const RosterMember = Type.Object({
  id: Type.String(),
  name: Type.String(),
  institution: Type.Union([Type.String(), Type.Null()]),
  seat: Seat,
  termStart: Type.String(),
  termEnd: Type.Union([Type.String(), Type.Null()], {
    description: 'When the member stops serving; null for staff.',
  }),
})

/** Public: names, institutions, seats and terms only — the schema is what keeps emails out. */
export const Roster = Type.Object({
  team: Type.String(),
  at: Type.String(),
  members: Type.Array(RosterMember),
  vacancies: Type.Record(Type.String(), Type.Integer(), { description: 'Empty seats per class, in policy order.' }),
  incoming: Type.Array(RosterMember, {
    description:
      'Members whose terms start after `at`, with the date: e.g. the volunteers a call selected, before its termStart (a call closed early still starts terms at its original closesAt). Same fields as members.',
  }),
})
