import type { FieldProblem } from '../errors.js'
import { InvalidInstantError, parseInstant, type Instant } from '../domain/time.js'

/**
 * Reads an instant a client gave (RFC 3339 with an offset) for a stored boundary: no finer than a
 * microsecond, which is what PostgreSQL keeps. Problems are collected under `field` so that one
 * reply names every bad field; null when there was one.
 */
export function readBoundary(value: string, field: string, problems: FieldProblem[]): Instant | null {
  try {
    const instant = parseInstant(value)
    if (instant.endsWith('000Z')) return instant
    problems.push({ field, message: 'must not be finer than a microsecond' })
  } catch (error) {
    if (!(error instanceof InvalidInstantError)) throw error
    problems.push({ field, message: `must be an RFC 3339 timestamp with an offset: ${error.problem}` })
  }
  return null
}
