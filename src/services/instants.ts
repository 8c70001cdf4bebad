import { invalid, type AppError, type FieldProblem } from '../errors.js'
import { InvalidInstantError, parseInstant, type Instant } from '../domain/time.js'

/** The code of the 400 for every instant in a request that rota cannot read. */
export const INVALID_INSTANT = 'invalid-instant'

export interface ReadInstantOptions {
  /**
   * For an instant stored in a timestamptz column (a call's window, a term): refuse one finer than
   * a microsecond, which is all PostgreSQL keeps, rather than store another instant than was asked.
   */
  microseconds?: boolean
}

/**
 * Reads an instant a client sent (RFC 3339 with an offset, at most nine fractional digits), or
 * refuses the request with a 400 `invalid-instant` naming `field` (`body.opensAt`,
 * `querystring.at`) and what is wrong. With `problems`, the problem is added there and null
 * returned instead, so that one reply names every bad field: throw `invalidInstant(problems)` once
 * all are read.
 */
export function readInstant(value: string, field: string, options?: ReadInstantOptions): Instant
export function readInstant(
  value: string,
  field: string,
  options: ReadInstantOptions & { problems: FieldProblem[] },
): Instant | null
export function readInstant(
  value: string,
  field: string,
  options: ReadInstantOptions & { problems?: FieldProblem[] } = {},
): Instant | null {
  let problem: string
  try {
    const instant = parseInstant(value)
    if (!options.microseconds || instant.endsWith('000Z')) return instant
    problem = 'must not be finer than a microsecond'
  } catch (error) {
    if (!(error instanceof InvalidInstantError)) throw error
    problem = `must be an RFC 3339 timestamp with an offset: ${error.problem}`
  }
  if (!options.problems) throw invalidInstant([{ field, message: problem }])
  options.problems.push({ field, message: problem })
  return null
}

/** The 400 `invalid-instant` naming every field at fault (in a batch, with the other problems found in the same pass). */
export function invalidInstant(problems: FieldProblem[]): AppError {
  return invalid(INVALID_INSTANT, problems)
}
