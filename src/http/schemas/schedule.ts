import { Type } from '@sinclair/typebox'
import { SCHEDULE_STATUSES } from '../../domain/schedule.js'
import { LiteralUnion } from './common.js'

const Seats = Type.Record(Type.String(), Type.Integer(), { description: 'Seats per class, in policy order.' })

export const ScheduleQuery = Type.Object(
  {
    years: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10, default: 3, description: 'How many years ahead (1–10).' }),
    ),
  },
  { additionalProperties: false },
)

export const Schedule = Type.Object({
  calls: Type.Array(
    Type.Object({
      id: Type.Union([Type.String(), Type.Null()], {
        description: 'null for a call planned on the cadence but not created yet.',
      }),
      opensAt: Type.String(),
      closesAt: Type.String(),
      termStart: Type.String(),
      status: LiteralUnion(SCHEDULE_STATUSES),
      seatsToFill: Seats,
    }),
  ),
  termEnds: Type.Array(
    Type.Object({
      memberId: Type.String(),
      name: Type.String(),
      seat: Type.String({ description: 'The seat class.' }),
      termEnd: Type.String(),
    }),
  ),
})
