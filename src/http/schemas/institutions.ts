import { Type } from '@sinclair/typebox'
import { Line, Uuid } from './text.js'
import { SLUG_PATTERN } from '../../domain/policy.js'

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

const Flags = Type.Array(Type.String({ pattern: SLUG_PATTERN }), {
  maxItems: 50,
  uniqueItems: true,
  description:
    'The institution’s flags (slugs), which seat classes’ `eligible` rules and `flagCaps` refer to; `consortium` is the flag behind `consortium: true`. Replaces the whole list.',
})

export const Institution = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  aliases: Type.Array(Type.String()),
  consortium: Type.Boolean({ description: 'Whether the institution carries the `consortium` flag.' }),
  flags: Type.Array(Type.String(), { description: 'All its flags, `consortium` among them when true; sorted.' }),
})

export const InstitutionList = Type.Object({
  institutions: Type.Array(Institution, { description: 'By name ignoring case, then id.' }),
})

export const InstitutionParams = Type.Object({ id: Uuid('Institution id (a UUID).') })

export const InstitutionCreate = Type.Object(
  { name: Name, aliases: Type.Optional(aliases(ALIASES)), consortium: Consortium, flags: Type.Optional(Flags) },
  { additionalProperties: false },
)

export const InstitutionPatch = Type.Object(
  {
    name: Type.Optional(Name),
    aliases: Type.Optional(aliases(`Replaces the whole list. ${ALIASES}`)),
    consortium: Type.Optional(Consortium),
    flags: Type.Optional(Flags),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'Any of the fields; fields left out keep their value.',
  },
)
