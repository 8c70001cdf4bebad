/**
 * How a pure rule says no. A guard in `src/domain` returns either its decision or a `Refusal`; the
 * service that asked applies the decision inside its transaction, or throws the refusal as a coded
 * error (`refused` in src/errors.ts), which the HTTP edge maps to its status — so the rule can be
 * tested without a database and the error a client sees is decided in one place.
 */

/** A field of the request at fault, as a dotted path (`body.termEnd`), and what is wrong with it. */
export interface FieldProblem {
  field: string
  message: string
}

/**
 * A rule's refusal: `invalid` when the request itself cannot work (400, naming its fields),
 * `conflict` when it clashes with the state of things (409); `code` is the stable error code.
 */
export type Refusal =
  | { kind: 'invalid'; code: string; problems: FieldProblem[] }
  | { kind: 'conflict'; code: string; message: string; details?: Record<string, unknown> }

/** A guard's answer: the decision (`ok: true` and its fields) or the refusal. */
export type Decided<T extends object> = ({ ok: true } & T) | { ok: false; refusal: Refusal }

/** A 409 refusal. */
export function conflict(
  code: string,
  message: string,
  details?: Record<string, unknown>,
): { ok: false; refusal: Refusal } {
  return {
    ok: false,
    refusal: details === undefined ? { kind: 'conflict', code, message } : { kind: 'conflict', code, message, details },
  }
}

/** A 400 refusal naming the fields at fault. */
export function invalidRequest(code: string, problems: FieldProblem[]): { ok: false; refusal: Refusal } {
  return { ok: false, refusal: { kind: 'invalid', code, problems } }
}
