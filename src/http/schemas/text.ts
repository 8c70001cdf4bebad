import { Type, type StringOptions } from '@sinclair/typebox'

/**
 * Text that PostgreSQL can store and every client can read: no NUL (PostgreSQL refuses it in text,
 * which used to surface as a 500) and no unpaired UTF-16 surrogate (not valid Unicode). Ajv compiles
 * patterns with the `u` flag, where `[\uD800-\uDFFF]` matches only a lone surrogate, so emoji and
 * other astral characters still pass.
 */
export const SAFE_TEXT_PATTERN = '^[^\\u0000\\uD800-\\uDFFF]*$'

/**
 * One line of safe text: besides NUL and lone surrogates, no control character at all (CR, LF, tab,
 * C0, DEL, C1) and no Unicode line or paragraph separator, so it cannot split a mail header, a CSV
 * row or an iCalendar line.
 */
export const LINE_PATTERN = '^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\uD800-\\uDFFF]*$'

/** The longest one-line field anything sends, unless a field says otherwise. */
export const MAX_LINE_LENGTH = 2000

/**
 * Multi-line text (a template body, long free text): keeps line breaks, refuses NUL and lone
 * surrogates. Every string a request carries is declared with this, `Line()` or a stricter pattern.
 */
export function Text(options: StringOptions = {}) {
  return Type.String({ pattern: SAFE_TEXT_PATTERN, ...options })
}

/**
 * One-line text (names, institutions, reasons, titles, ids, URLs): no line breaks or other control
 * characters, at most MAX_LINE_LENGTH characters unless `options.maxLength` says otherwise.
 */
export function Line(options: StringOptions = {}) {
  return Type.String({ pattern: LINE_PATTERN, maxLength: MAX_LINE_LENGTH, ...options })
}

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

/** Ids in paths and bodies are UUIDs. */
export const Uuid = (description = 'Id (UUID).') => Type.String({ pattern: UUID_PATTERN, description })

export const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$'

/** A Google Forms id, as in the form editor's URL `/forms/d/<formId>/edit`. */
export const FORM_ID_PATTERN = '^[A-Za-z0-9_-]+$'

const PATTERN_MESSAGES: Record<string, string> = {
  [SAFE_TEXT_PATTERN]: 'must be valid text: no NUL character or unpaired surrogate',
  [LINE_PATTERN]: 'must be one line of valid text: no line break, control character, NUL or unpaired surrogate',
  [UUID_PATTERN]: 'must be a UUID',
  [SLUG_PATTERN]: 'must be a slug: lowercase letters, digits and -, at most 63 characters',
  [FORM_ID_PATTERN]:
    'must be a Google Forms id: letters, digits, - and _ (from the form editor’s URL /forms/d/<formId>/edit)',
}

/** What a failed shared pattern means, for a person (Ajv would quote the regular expression). */
export function patternMessage(pattern: string): string | undefined {
  return PATTERN_MESSAGES[pattern]
}

/**
 * An email address: one line, at most 320 characters; validated in full where it enters by the one
 * function in src/domain/email.ts (emailAddressProblem), which names the problem.
 */
export const EmailText = (options: StringOptions = {}) => Line({ maxLength: 320, ...options })

/** An RFC 3339 instant in a request; services parse it exactly and name the field when it is wrong. */
export const InstantText = (description: string, options: StringOptions = {}) =>
  Line({ maxLength: 64, description, ...options })
