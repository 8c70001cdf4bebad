import { Type } from '@sinclair/typebox'
import { Line, Uuid } from './text.js'

const Name = Line({
  minLength: 1,
  maxLength: 300,
  description: 'The institution’s name as it should be shown, e.g. `University of Oxford`; trimmed.',
})

const ALIASES =
  'Other spellings volunteers use, e.g. `Oxford University`. Trimmed; blank ones and ones that read the same as the name or an ' +
  'earlier alias (after normalisation: case, accents, punctuation, `&`, a leading "the") are dropped.'

function aliases(description: string) {
  return Type.Array(Line({ maxLength: 300 }), { maxItems: 50, description })
}

const Consortium = Type.Boolean({
  description: 'Whether the institution is an IIIF Consortium member (its volunteers take consortium seats).',
})

export const Institution = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  aliases: Type.Array(Type.String()),
  consortium: Type.Boolean(),
})

export const InstitutionList = Type.Object({
  institutions: Type.Array(Institution, { description: 'By name ignoring case, then id.' }),
})

export const InstitutionParams = Type.Object({ id: Uuid('Institution id (a UUID).') })

export const InstitutionCreate = Type.Object(
  { name: Name, aliases: Type.Optional(aliases(ALIASES)), consortium: Consortium },
  { additionalProperties: false },
)

export const InstitutionPatch = Type.Object(
  {
    name: Type.Optional(Name),
    aliases: Type.Optional(aliases(`Replaces the whole list. ${ALIASES}`)),
    consortium: Type.Optional(Consortium),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'Any of the fields; fields left out keep their value.',
  },
)
