import { Type } from '@sinclair/typebox'
import { NOTICE_KINDS } from '../../domain/notices.js'
import { Slug } from './common.js'
import { Line, Text } from './text.js'

export const TemplateParams = Type.Object({
  team: Slug,
  // A pattern rather than the enum: a well-formed kind rota does not know is a 404 that lists the kinds.
  kind: Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$', description: `One of ${NOTICE_KINDS.join(', ')}.` }),
})

export const TemplateView = Type.Object({
  kind: Type.String(),
  audience: Type.String({ description: 'mailing-list, staff, volunteer, member or approver.' }),
  description: Type.String(),
  subject: Type.String(),
  body: Type.String(),
  placeholders: Type.Array(Type.String(), { description: 'Placeholders this kind allows, written {{name}}.' }),
  custom: Type.Boolean({ description: "False while rota's default wording applies." }),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
})

export const TemplateList = Type.Object({ templates: Type.Array(TemplateView) })

export const TemplateBody = Type.Object(
  {
    subject: Line({ minLength: 1, maxLength: 300 }),
    body: Text({ minLength: 1, maxLength: 20000 }),
  },
  { additionalProperties: false },
)

export const PreviewBody = Type.Object(
  {
    subject: Type.Optional(TemplateBody.properties.subject),
    body: Type.Optional(TemplateBody.properties.body),
    values: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,62}$' }), Text({ maxLength: 5000 }), {
        description: 'Values to use instead of the examples, by placeholder name.',
        maxProperties: 100,
        additionalProperties: false,
      }),
    ),
  },
  { additionalProperties: false },
)

export const Preview = Type.Object({
  subject: Type.String(),
  body: Type.String(),
  values: Type.Record(Type.String(), Type.String()),
})
