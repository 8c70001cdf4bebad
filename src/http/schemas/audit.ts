import { Type } from '@sinclair/typebox'
import { Line } from './text.js'
import { TOKEN_NAME_PATTERN } from './tokens.js'

/** An action or entity kind: `call.close`, `call`. */
const Word = (description: string) => Type.String({ pattern: '^[a-z][a-z0-9.-]{0,63}$', description })

export const AuditQuery = Type.Object(
  {
    entity: Type.Optional(Word('Only rows about this kind of entity: `call`, `team`, `member`, `token`…')),
    entityId: Type.Optional(
      Type.String({
        pattern: '^[\\p{L}\\p{N}][\\p{L}\\p{N} ._@:/-]{0,199}$',
        description: 'Only rows about this entity (with `entity`): its id, a token’s name, `team/kind` of a template.',
      }),
    ),
    action: Type.Optional(Word('Only this action, e.g. `call.close`.')),
    actor: Type.Optional(
      Type.String({
        pattern: TOKEN_NAME_PATTERN,
        description: 'Only rows by this actor: a token’s name, `env` (STAFF_TOKEN), `tick` or `cli`.',
      }),
    ),
    person: Type.Optional(
      Type.String({
        pattern: '^person_[a-z0-9]{12}$',
        description: 'Only rows whose before/after mention this person reference (`person_…`).',
      }),
    ),
    since: Type.Optional(
      Line({ maxLength: 40, description: 'Only rows at or after this instant (ISO 8601, rota’s clock).' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_-]{1,40}$',
        description: 'The `nextCursor` of the previous page: continues after it.',
      }),
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
