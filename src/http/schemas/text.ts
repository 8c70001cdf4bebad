import { Type, type StringOptions } from '@sinclair/typebox'

/**
 * Text that PostgreSQL can store and every client can read: no NUL (PostgreSQL refuses it in text,
 * which used to surface as a 500) and no unpaired UTF-16 surrogate (not valid Unicode). Ajv compiles
 * patterns with the `u` flag, where `[\uD800-\uDFFF]` matches only a lone surrogate, so emoji and
 * other astral characters still pass.
 */
export const SAFE_TEXT_PATTERN = '^[^\\u0000\\uD800-\\uDFFF]*$'

/** Every string a request carries is declared with this (or a stricter pattern of its own). */
export function Text(options: StringOptions = {}) {
  return Type.String({ pattern: SAFE_TEXT_PATTERN, ...options })
}

/** Ids in paths and bodies are UUIDs. */
export const Uuid = (description = 'Id (UUID).') =>
  Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', description })

/** An email address: validated in full by the one function in src/domain/email.ts; this only bounds it. */
export const EmailText = (options: StringOptions = {}) => Text({ maxLength: 320, ...options })
