import { Type } from '@sinclair/typebox'

const Seats = Type.Object({ consortium: Type.Integer(), community: Type.Integer() })

export const ScheduleQuery = Type.Object(
  { years: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, default: 3, description: 'How many years ahead (1–10).' })) },
  { additionalProperties: false },
)

export const Schedule = Type.Object({
  calls: Type.Array(
    Type.Object({
      id: Type.Union([Type.String(), Type.Null()], { description: 'null for a call planned on the cadence but not created yet.' }),
      opensAt: Type.String(),
      closesAt: Type.String(),
      termStart: Type.String(),
      status: Type.Union(['planned', 'scheduled', 'open', 'due', 'closed', 'cancelled'].map((s) => Type.Literal(s))),
      seatsToFill: Seats,
    }),
  ),
  termEnds: Type.Array(
    Type.Object({ memberId: Type.String(), name: Type.String(), seat: Type.Union([Type.Literal('consortium'), Type.Literal('community')]), termEnd: Type.String() }),
  ),
})
