/**
 * Term limits (issue 14): the members' history a selection needs, read into its input. The rule
 * itself is src/domain/term-limits.ts; the selection only compares counts (src/domain/selection.ts).
 */
import type { MemberWithInstitution } from '../db/queries/members.js'
import { termPolicyOf } from '../domain/policy.js'
import { normaliseEmail, type SelectionInput } from '../domain/selection.js'
import { consecutiveTermsBefore, servedTermsByPerson } from '../domain/term-limits.js'

/**
 * Gives each response of `input` the consecutive terms its person (by normalised email) served up
 * to the call's term start, as the policy counts them, when the policy has a term limit; without
 * one the input is left exactly as it was (and so is its digest).
 */
export function withConsecutiveTerms(input: SelectionInput, members: readonly MemberWithInstitution[]): void {
  const policy = termPolicyOf(input.policy)
  if (policy.maxConsecutiveTerms === null) return
  const byPerson = servedTermsByPerson(
    members.map((m) => m.member),
    input.policy.termMonths,
    normaliseEmail,
  )
  for (const response of input.responses) {
    const terms = byPerson.get(normaliseEmail(response.email))
    if (!terms) continue
    const run = consecutiveTermsBefore(terms, input.termStart, policy)
    if (run.length > 0) response.consecutiveTerms = run
  }
}
