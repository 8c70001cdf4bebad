import { Type } from '@sinclair/typebox'

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 200, description })

export const AuditQuery = Type.Object(
  {
    entity: Type.Optional(Name('Only rows about this kind of entity: `call`, `team`, `member`, `token`…')),
    entityId: Type.Optional(Name('Only rows about this entity (with `entity`, its id; a token’s name).')),
    action: Type.Optional(Name('Only this action, e.g. `call.close`.')),
    actor: Type.Optional(Name('Only rows by this actor: a token’s name, `env` (STAFF_TOKEN), `tick` or `cli`.')),
    person: Type.Optional(Name('Only rows whose before/after mention this person reference (`person_…`).')),
    since: Type.Optional(
      Type.String({ maxLength: 40, description: 'Only rows at or after this instant (ISO 8601, rota’s clock).' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 100, description: 'The `nextCursor` of the previous page: continues after it.' }),
    ),
  },
  { additionalProperties: false },
)

export const AuditEntryView = Type.Object({
  id: Type.String({ description: 'Append order (as a string): higher is newer.' }),
  at: Type.String({ description: 'rota’s clock when the change was made.' }),
  actor: Type.String({ description: 'A staff token’s name, `env` (STAFF_TOKEN), `tick` or `cli`.' }),
  action: Type.String({ description: '`entity.verb`, e.g. `call.close`, `token.create`.' }),
  entity: Type.String(),
  entityId: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  before: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
    description: 'The changed fields before the change; people appear as person references, never by email or name.',
  }),
  after: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
    description: 'The changed fields after the change.',
  }),
})

export const AuditPage = Type.Object({
  entries: Type.Array(AuditEntryView, { description: 'Newest first.' }),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next (older) page; null on the last page.',
  }),
})
