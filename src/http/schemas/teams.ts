import { Type } from '@sinclair/typebox'
import { Slug } from './common.js'
import { EmailText, Line } from './text.js'

const SeatCounts = Type.Object(
  {
    consortium: Type.Integer({ minimum: 0, description: 'Seats for people from IIIF Consortium member institutions.' }),
    community: Type.Integer({ minimum: 0, description: 'Seats for people from elsewhere in the community.' }),
  },
  { additionalProperties: false },
)

const RetentionMonths = (description: string) =>
  Type.Union([Type.Integer({ minimum: 1, maximum: 120 }), Type.Null()], {
    description: `${description} In calendar months (1 to 120); null: kept until erased on request.`,
  })

const Retention = Type.Object(
  {
    applicantsMonths: RetentionMonths(
      'How long the personal data (name, email, free-text institution) of volunteers who were not selected is kept after their call closed. Default 12.',
    ),
    membersMonthsAfterTerm: RetentionMonths(
      "How long a former member's personal data is kept after their last term ended. Default 24.",
    ),
    mailMonths: RetentionMonths(
      'How long the text and recipients of emails (and the .eml files of MAIL_TRANSPORT=log) are kept after they were queued. Default 6.',
    ),
  },
  {
    additionalProperties: false,
    description:
      'How long rota keeps personal data; past it, the tick erases it and leaves a tombstone (README, "Personal data").',
  },
)

export const ApprovalPolicy = Type.Union(
  [
    Type.Object({ mode: Type.Literal('none') }, { additionalProperties: false }),
    Type.Object(
      {
        mode: Type.Literal('committee'),
        approverEmail: EmailText({ description: 'The approving committee: hears of proposals waiting, weekly.' }),
      },
      { additionalProperties: false },
    ),
  ],
  {
    description:
      '`none`: a close makes the selected volunteers members at once. `committee`: a close records them as proposed; they join, and hear of it, once approved (POST /calls/{id}/approve). README, "Approval step".',
  },
)

export const PolicyBody = Type.Object(
  {
    seats: SeatCounts,
    termMonths: Type.Integer({
      minimum: 1,
      maximum: 120,
      description: 'Length of a volunteer term in calendar months.',
    }),
    callIntervalMonths: Type.Integer({
      minimum: 1,
      maximum: 120,
      description: 'Months between one call for volunteers and the next.',
    }),
    windowDays: Type.Integer({ minimum: 1, maximum: 366, description: 'How many days a call stays open.' }),
    inauguralStagger: Type.Boolean({
      description:
        'When a call fills an empty team, half its seats get half a term so later calls replace half the team each year.',
    }),
    reminderDays: Type.Integer({
      minimum: 0,
      maximum: 366,
      description: 'Days before a call closes that the mailing list is reminded; 0: no reminder.',
    }),
    autoScheduleDays: Type.Integer({
      minimum: 0,
      maximum: 366,
      description:
        'Days before the next call on the cadence opens that rota creates it and tells staff; 0: staff create calls.',
    }),
    termNoticeDays: Type.Integer({
      minimum: 0,
      maximum: 366,
      description: "Days before a volunteer's term ends that rota tells them; 0: no notice.",
    }),
    retention: Retention,
    // Term limits and check-ins (issue 14).
    maxConsecutiveTerms: Type.Union([Type.Integer({ minimum: 1, maximum: 100 }), Type.Null()], {
      description:
        'At most this many consecutive terms per person (by email); a volunteer who has served that many in a row is excluded with reason term-limit. null: no limit (default).',
    }),
    partialTermsCount: Type.Boolean({
      description:
        "Whether a partial term (a replacement's rest of term, or a staff appointment shorter than termMonths) counts toward maxConsecutiveTerms. Default true.",
    }),
    checkInMonths: Type.Union([Type.Integer({ minimum: 1, maximum: 119 }), Type.Null()], {
      description:
        'Months into a term that the member is emailed a private link to confirm they continue or step down; less than termMonths. null: no check-in (default).',
    }),
    checkInGraceDays: Type.Integer({
      minimum: 1,
      maximum: 366,
      description: 'Days a member has to answer the check-in before staff are told (once). Default 14.',
    }),
    approval: ApprovalPolicy,
  },
  { additionalProperties: false },
)

/** The approval step as anyone may see it: whether there is one, never the approver's address. */
const PublicApproval = Type.Object({ mode: Type.Union([Type.Literal('none'), Type.Literal('committee')]) })

export const Team = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  policy: Type.Object({ ...PolicyBody.properties, approval: PublicApproval }),
  formUrl: Type.Union([Type.String(), Type.Null()], { description: 'The volunteer form link shown in announcements.' }),
})

export const TeamSettings = Type.Object({
  ...Team.properties,
  policy: PolicyBody,
  mailingList: Type.Union([Type.String(), Type.Null()], { description: 'Where calls and results are announced.' }),
  staffEmail: Type.Union([Type.String(), Type.Null()], {
    description: 'Where staff notices go (call scheduled, seats left empty).',
  }),
})

export const TeamList = Type.Object({ teams: Type.Array(Team) })

export const TeamParams = Type.Object({ team: Slug })

export const TeamPatch = Type.Object(
  {
    name: Type.Optional(Line({ minLength: 1, maxLength: 200 })),
    policy: Type.Optional(
      Type.Object(
        {
          seats: Type.Optional(Type.Partial(SeatCounts, { additionalProperties: false })),
          termMonths: Type.Optional(PolicyBody.properties.termMonths),
          callIntervalMonths: Type.Optional(PolicyBody.properties.callIntervalMonths),
          windowDays: Type.Optional(PolicyBody.properties.windowDays),
          inauguralStagger: Type.Optional(PolicyBody.properties.inauguralStagger),
          reminderDays: Type.Optional(PolicyBody.properties.reminderDays),
          autoScheduleDays: Type.Optional(PolicyBody.properties.autoScheduleDays),
          termNoticeDays: Type.Optional(PolicyBody.properties.termNoticeDays),
          retention: Type.Optional(Type.Partial(Retention, { additionalProperties: false })),
          maxConsecutiveTerms: Type.Optional(PolicyBody.properties.maxConsecutiveTerms),
          partialTermsCount: Type.Optional(PolicyBody.properties.partialTermsCount),
          checkInMonths: Type.Optional(PolicyBody.properties.checkInMonths),
          checkInGraceDays: Type.Optional(PolicyBody.properties.checkInGraceDays),
          approval: Type.Optional(ApprovalPolicy),
        },
        { additionalProperties: false, description: 'Any subset of the policy; fields left out keep their value.' },
      ),
    ),
    mailingList: Type.Optional(
      Type.Union([EmailText(), Type.Null()], { description: 'Email address of the mailing list; null clears it.' }),
    ),
    staffEmail: Type.Optional(
      Type.Union([EmailText(), Type.Null()], { description: 'Email address for staff notices; null clears it.' }),
    ),
    formUrl: Type.Optional(
      Type.Union([Line({ maxLength: 2000 }), Type.Null()], {
        description: 'http(s) link to the volunteer form; null clears it.',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const NewTeamBody = Type.Object(
  {
    slug: Slug,
    name: Line({ minLength: 1, maxLength: 200 }),
    policy: Type.Optional({
      ...TeamPatch.properties.policy,
      description: 'Any subset of the policy; fields left out take the default (IIIF’s 2017 rules).',
    }),
    mailingList: TeamPatch.properties.mailingList,
    staffEmail: TeamPatch.properties.staffEmail,
    formUrl: TeamPatch.properties.formUrl,
  },
  { additionalProperties: false },
)
