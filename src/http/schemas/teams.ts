import { Type } from '@sinclair/typebox'
import { Slug as TeamSlug } from './common.js'
import { SLUG_PATTERN } from '../../domain/policy.js'
import { EmailText, Line } from './text.js'

/** The old shape of `seats` (before seat classes): accepted by PATCH for one release, with a Deprecation header. */
const LegacySeatCounts = Type.Object(
  {
    consortium: Type.Number({
      description: 'Sets the count of the class named consortium (deprecated: send `seats` as a list).',
    }),
    community: Type.Number({
      description: 'Sets the count of the class named community (deprecated: send `seats` as a list).',
    }),
  },
  { additionalProperties: false, description: 'Deprecated shape (one release): counts of the IIIF 2017 classes.' },
)

const Slug = (description: string) => Type.String({ pattern: SLUG_PATTERN, description })

const Eligible = Type.Union(
  [Type.Literal('any'), Type.Object({}, { additionalProperties: true, minProperties: 1, maxProperties: 1 })],
  {
    description:
      'Who may take these seats, by the flags of the volunteer’s institution (a free-text or blank institution has none): `"any"`, `{ "institutionFlag": flag }`, `{ "not": rule }`, `{ "all": [rules] }` or `{ "any": [rules] }`, nested at most 8 deep.',
  },
)

const SeatClass = Type.Object(
  {
    class: Slug('The class’s name: a slug, unique in the policy, not `staff`. Members’ and decisions’ `seat`.'),
    count: Type.Integer({ minimum: 0, maximum: 1000, description: 'How many seats of this class the team has.' }),
    eligible: Eligible,
  },
  { additionalProperties: false },
)

const Seats = Type.Array(SeatClass, {
  minItems: 1,
  maxItems: 20,
  description:
    'The seat classes in policy order: a volunteer takes a seat of the first class they are eligible for that has one left, else waits on that first class’s list. At least one seat in all.',
})

const FlagCaps = Type.Array(
  Type.Object(
    {
      flag: Slug('An institution flag.'),
      max: Type.Integer({ minimum: 0, maximum: 1000, description: 'At most this many from institutions with it.' }),
    },
    { additionalProperties: false },
  ),
  {
    maxItems: 20,
    description:
      'Caps per institution flag: volunteers serving past the term start plus those selected, from institutions carrying the flag (reason `flag-cap` past it).',
  },
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
    seats: Seats,
    maxPerInstitution: Type.Integer({
      minimum: 1,
      maximum: 1000,
      description:
        'Volunteer seats one institution may hold, members continuing past the term start and this call’s selections together; unaffiliated volunteers are exempt. Default 1.',
    }),
    flagCaps: FlagCaps,
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
    stagger: Type.Union([Type.Literal('none'), Type.Literal('halves')], {
      description:
        '`halves`: when a call fills an empty team, half the seats of each class (rounded down) get half a term so later calls replace half the team each time; `none`: every seat a full term.',
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

export const TeamParams = Type.Object({ team: TeamSlug })

export const TeamPatch = Type.Object(
  {
    name: Type.Optional(Line({ minLength: 1, maxLength: 200 })),
    policy: Type.Optional(
      Type.Object(
        {
          seats: Type.Optional(
            Type.Union([Seats, Type.Partial(LegacySeatCounts, { additionalProperties: false })], {
              description:
                'The seat classes (replaces the list), or — deprecated, answered with a Deprecation header — `{ consortium?, community? }` setting those classes’ counts.',
            }),
          ),
          maxPerInstitution: Type.Optional(PolicyBody.properties.maxPerInstitution),
          flagCaps: Type.Optional(FlagCaps),
          termMonths: Type.Optional(PolicyBody.properties.termMonths),
          callIntervalMonths: Type.Optional(PolicyBody.properties.callIntervalMonths),
          windowDays: Type.Optional(PolicyBody.properties.windowDays),
          stagger: Type.Optional(PolicyBody.properties.stagger),
          inauguralStagger: Type.Optional(
            Type.Boolean({
              description:
                'Deprecated (one release; answered with a Deprecation header): true is `stagger: halves`, false `none`.',
            }),
          ),
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
    slug: TeamSlug,
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
