import { emailAddressProblem } from '../domain/email.js'
import { AppError, invalid, type FieldProblem } from '../errors.js'
import { readJsonBatch, type IncomingResponse, type JsonResponse } from './responses.js'
import { INVALID_INSTANT, invalidInstant } from './instants.js'

const indexOf = (problem: FieldProblem) => Number(/\[(\d+)\]/.exec(problem.field)?.[1] ?? 0)

/**
 * Reads a JSON batch of responses (POST /calls/{id}/responses) as readJsonBatch does, and checks
 * every email address with the one email rule (src/domain/email.ts): a blank email is kept (the
 * selection excludes the response as missing it), any other address that fails the check refuses the
 * whole batch. Every problem names its index, `body.responses[3].email`, and nothing is stored. The
 * code is `invalid-responses`, or `invalid-instant` when a `submittedAt` cannot be read (as for every
 * unreadable instant in a request), the bad emails then listed beside it.
 */
export function readJsonResponses(items: JsonResponse[]): IncomingResponse[] {
  const problems: FieldProblem[] = []
  items.forEach((item, index) => {
    const email = item.email.trim()
    const problem = email === '' ? null : emailAddressProblem(email)
    if (problem !== null)
      problems.push({ field: `body.responses[${index}].email`, message: `must be an email address: it ${problem}` })
  })
  const byIndex = (list: FieldProblem[]) => list.sort((a, b) => indexOf(a) - indexOf(b))
  try {
    const incoming = readJsonBatch(items)
    if (problems.length === 0) return incoming
  } catch (error) {
    if (!(error instanceof AppError && error.code === INVALID_INSTANT && problems.length > 0)) throw error
    const details = error.details as { problems?: FieldProblem[] } | undefined
    throw invalidInstant(byIndex([...problems, ...(details?.problems ?? [])]))
  }
  throw invalid('invalid-responses', byIndex(problems))
}
