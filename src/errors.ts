import type { Refusal } from './domain/refusal.js'

/** What kind of failure an error is; the HTTP edge maps each kind to one status. */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'gone'
  | 'conflict'
  | 'too-large'
  | 'unprocessable'
  | 'upstream'
  | 'unavailable'

/**
 * A failure a client can act on: a stable `code` (e.g. `team-not-found`, `call-closed`), a sentence
 * saying what is wrong, and optional details (the field or CSV line at fault).
 */
export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'AppError'
  }
}

/** A field-level problem in a request: `field` is a dotted path such as `body.policy.windowDays`. */
export interface FieldProblem {
  field: string
  message: string
}

/** A request whose content breaks a rule beyond its schema; names every field at fault. */
export function invalid(code: string, problems: FieldProblem[]): AppError {
  const first = problems[0]
  const message = first ? `${first.field} ${first.message}` : 'the request is invalid'
  return new AppError('invalid', code, message, { problems })
}

/** A domain guard's refusal as the error a client receives: 400 naming the fields, or 409. */
export function refused(refusal: Refusal): AppError {
  return refusal.kind === 'invalid'
    ? invalid(refusal.code, refusal.problems)
    : new AppError('conflict', refusal.code, refusal.message, refusal.details)
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Ids are UUIDs: anything else names nothing (and must not reach PostgreSQL as a uuid). */
export function isUuid(text: string): boolean {
  return UUID.test(text)
}
