import { Type } from '@sinclair/typebox'
import { STAFF_ROLES } from '../../domain/roles.js'
import { LiteralUnion } from './common.js'
import { Line } from './text.js'

export const Role = LiteralUnion(STAFF_ROLES, {
  description:
    'viewer: every staff read; staff: also runs calls and the team; admin: also tokens, team policy, erasure.',
})

export const TokenView = Type.Object({
  name: Type.String(),
  role: Role,
  createdAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()], { description: 'Null: never expires.' }),
  lastUsedAt: Type.Union([Type.String(), Type.Null()], {
    description: 'The last request made with it, to within a minute; null if never used.',
  }),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
})

export const TokenList = Type.Object({
  tokens: Type.Array(TokenView, { description: 'Oldest first, revoked ones included.' }),
})

export const NewTokenBody = Type.Object({
  name: Line({
    minLength: 1,
    maxLength: 100,
    description: 'Who holds it, e.g. `alice`; one live token per name.',
  }),
  role: Role,
  expiresInDays: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 3650, description: 'Days until it expires; without it, it never expires.' }),
  ),
})

export const CreatedToken = Type.Composite([
  TokenView,
  Type.Object({ token: Type.String({ description: 'The token itself: shown this once, only its hash is stored.' }) }),
])

/** A token's name: letters, digits, spaces, `._@-`, starting with a letter or digit (as createStaffToken checks). */
export const TOKEN_NAME_PATTERN = '^[\\p{L}\\p{N}][\\p{L}\\p{N} ._@-]{0,99}$'

export const TokenParams = Type.Object({
  name: Type.String({ pattern: TOKEN_NAME_PATTERN, description: 'The token’s name.' }),
})
