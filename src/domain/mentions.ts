/**
 * Finding a person's name or address in free text (a staff reason, another volunteer's
 * explanation), whole words only and case-insensitively, so that it can be replaced: by `[erased]`
 * when their data is erased, by their person reference in the audit log.
 */

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Names and addresses worth looking for (trimmed, not blank, the longest first so a short one never splits a long one). */
export function needlesOf(values: readonly (string | null | undefined)[]): string[] {
  const set = new Set<string>()
  for (const value of values) {
    const trimmed = value?.trim() ?? ''
    if (trimmed.length > 0) set.add(trimmed)
  }
  return [...set].sort((a, b) => b.length - a.length)
}

/** `text` with each whole-word occurrence of the needles replaced by `replacement`. */
export function replaceMentions(text: string, needles: readonly string[], replacement: string): string {
  let out = text
  for (const needle of needles) {
    if (needle === '') continue
    const pattern = new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(needle)}(?=$|[^\\p{L}\\p{N}])`, 'giu')
    out = out.replace(pattern, (_, before: string) => `${before}${replacement}`)
  }
  return out
}
