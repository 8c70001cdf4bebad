/**
 * Where a response's record deserves a second look before staff rely on it: the Code of Conduct
 * orders volunteers by "timestamp", so a response whose answers changed after that timestamp
 * ("placeholder then edit") or that vanished from the form must be visible to staff (docs/rules.md#d15).
 */
import type { Warning } from './selection.js'
import { epochNanos, formatInstant, type Instant } from './time.js'

export interface ResponseProvenance {
  id: string
  name: string
  submittedAt: Instant
  /** The most recent submission (Google Forms' lastSubmittedTime), when known. */
  lastSubmittedAt: Instant | null
  /** Fields whose answers differ from what rota first saw; null when rota first saw the already-edited response. */
  changedFields: string[] | null
  deletedUpstream: boolean
}

/**
 * An edit counts when the last submission is later than the first one beyond the first's
 * millisecond: Google gives createTime to the millisecond and lastSubmittedTime to the microsecond,
 * even for a response never edited.
 */
export function wasEdited(submittedAt: Instant, lastSubmittedAt: Instant | null): boolean {
  if (lastSubmittedAt === null) return false
  const ms = 1_000_000n
  return (epochNanos(lastSubmittedAt) / ms) * ms > epochNanos(submittedAt)
}

/** Warnings for responses edited after their first submission (naming the changed fields) and for responses deleted from the form. */
export function provenanceWarnings(responses: readonly ResponseProvenance[]): Warning[] {
  const warnings: Warning[] = []
  for (const r of responses) {
    const who = r.name.trim() || 'A volunteer'
    if (wasEdited(r.submittedAt, r.lastSubmittedAt)) {
      const fields =
        r.changedFields === null
          ? 'rota first saw it after the edit, so which answers changed is unknown'
          : r.changedFields.length > 0
            ? `changed: ${r.changedFields.join(', ')}`
            : 'no answer rota uses changed'
      warnings.push({
        responseId: r.id,
        code: 'edited-after-submission',
        message: `${who} first submitted at ${formatInstant(r.submittedAt)} and edited the response at ${formatInstant(r.lastSubmittedAt!)} (${fields}); it keeps its first place in line.`,
        suggestions: r.changedFields ?? [],
      })
    }
    if (r.deletedUpstream) {
      warnings.push({
        responseId: r.id,
        code: 'deleted-upstream',
        message: `${who}'s response (submitted ${formatInstant(r.submittedAt)}) was deleted from the Google Form; rota keeps it and still counts it — check whether the volunteer withdrew.`,
        suggestions: [],
      })
    }
  }
  return warnings
}
