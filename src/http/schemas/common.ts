/*
 * The schemas in src/http/schemas are the one declaration of rota's API shapes: routes validate and
 * document with them, and services type what they return as `Static<typeof …>` through type-only
 * imports (erased at build, so no service loads HTTP code). Unions the rules know (seats, statuses)
 * are declared in src/domain as const arrays and only listed here (LiteralUnion).
 */
import { Type, type SchemaOptions } from '@sinclair/typebox'
import { SLUG_PATTERN } from './text.js'

/** The one shape of every 4xx/5xx body. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable, machine-readable error code, e.g. `team-not-found`.' }),
      message: Type.String({ description: 'What went wrong, for a person.' }),
      details: Type.Optional(
        Type.Unknown({ description: 'Structured context: e.g. the fields or CSV lines at fault.' }),
      ),
    }),
  },
  { title: 'Error' },
)

const errorDescriptions: Record<number, string> = {
  400: 'The request is invalid; the error names the field: `validation-failed` (the schema), `invalid-instant` (a timestamp rota cannot read), or the route’s own code.',
  401: 'A staff bearer token is missing or wrong (`missing-token`, `invalid-token`), or has expired (`token-expired`).',
  404: 'No such resource.',
  409: 'The request conflicts with the current state.',
  410: 'No longer available: the link has expired.',
  422: 'The request is well-formed but cannot be processed.',
  502: 'Google failed or refused; the error says what to fix.',
  413: 'Too large for one import: too many rows or bytes.',
  415: 'The Content-Type is not one this route reads; the error names those it does.',
  429: 'Too many requests from this address; wait for Retry-After.',
  503: 'Not ready, shutting down, or the database is unavailable; retry after Retry-After.',
}

/** Error responses for a route, by status: `errors(400, 401, 404)`. */
export function errors<S extends number>(...statuses: S[]): { [K in S]: typeof ErrorBody } {
  return Object.fromEntries(
    statuses.map((status) => [status, { ...ErrorBody, description: errorDescriptions[status] ?? 'Error.' }]),
  ) as { [K in S]: typeof ErrorBody }
}

/** Routes that change anything declare this: the auth plugin enforces it and OpenAPI documents it. */
export const staffOnly = [{ staffToken: [] as string[] }]

/**
 * One of the values of a union declared once in the domain as a const array (`SEATS`,
 * `CALL_STATUSES`), whose Static type is the domain's union. Declared with the `enum` keyword, in
 * the array's order: /docs then offers every value in a dropdown (an `anyOf` of constants shows only
 * the first), and a wrong value is refused naming them all (`must be one of DMY, MDY`).
 */
export function LiteralUnion<T extends string>(values: readonly T[], options?: SchemaOptions) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options })
}

export const Slug = Type.String({ pattern: SLUG_PATTERN, description: 'Team slug, e.g. `coc`.' })
