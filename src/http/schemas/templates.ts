import { Type } from '@sinclair/typebox'
import { NOTICE_KINDS } from '../../domain/notices.js'

export const TemplateParams = Type.Object({
  team: Type.String({ description: 'Team slug, e.g. `coc`.' }),
  kind: Type.String({ description: `One of ${NOTICE_KINDS.join(', ')}.` }),
})

export const TemplateView = Type.Object({
  kind: Type.String(),
  audience: Type.String({ description: 'mailing-list, staff, volunteer or member.' }),
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
    subject: Type.String({ minLength: 1, maxLength: 300 }),
    body: Type.String({ minLength: 1, maxLength: 20000 }),
  },
  { additionalProperties: false },
)

export const PreviewBody = Type.Object(
  {
    subject: Type.Optional(TemplateBody.properties.subject),
    body: Type.Optional(TemplateBody.properties.body),
    values: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 5000 }), { description: 'Values to use instead of the examples.' })),
  },
  { additionalProperties: false },
)

export const Preview = Type.Object({
  subject: Type.String(),
  body: Type.String(),
  values: Type.Record(Type.String(), Type.String()),
})
