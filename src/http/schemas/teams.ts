import { Type } from '@sinclair/typebox'

const SeatCounts = Type.Object(
  {
    consortium: Type.Integer({ minimum: 0, description: 'Seats for people from IIIF Consortium member institutions.' }),
    community: Type.Integer({ minimum: 0, description: 'Seats for people from elsewhere in the community.' }),
  },
  { additionalProperties: false },
)

export const PolicyBody = Type.Object(
  {
    seats: SeatCounts,
    termMonths: Type.Integer({ minimum: 1, maximum: 120, description: 'Length of a volunteer term in calendar months.' }),
    callIntervalMonths: Type.Integer({ minimum: 1, maximum: 120, description: 'Months between one call for volunteers and the next.' }),
    windowDays: Type.Integer({ minimum: 1, maximum: 366, description: 'How many days a call stays open.' }),
    inauguralStagger: Type.Boolean({
      description: 'When a call fills an empty team, half its seats get half a term so later calls replace half the team each year.',
    }),
  },
  { additionalProperties: false },
)

export const Team = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  policy: PolicyBody,
})

export const TeamList = Type.Object({ teams: Type.Array(Team) })

export const TeamParams = Type.Object({ team: Type.String({ description: 'Team slug, e.g. `coc`.' }) })

export const TeamPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    policy: Type.Optional(
      Type.Object(
        {
          seats: Type.Optional(Type.Partial(SeatCounts, { additionalProperties: false })),
          termMonths: Type.Optional(PolicyBody.properties.termMonths),
          callIntervalMonths: Type.Optional(PolicyBody.properties.callIntervalMonths),
          windowDays: Type.Optional(PolicyBody.properties.windowDays),
          inauguralStagger: Type.Optional(PolicyBody.properties.inauguralStagger),
        },
        { additionalProperties: false, description: 'Any subset of the policy; fields left out keep their value.' },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)
