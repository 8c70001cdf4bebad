/**
 * Benchmark goals: each benchmark reports its figure as a ratio to a baseline measured in the same
 * run; `npm run bench` prints every verdict at the end and exits non-zero when any goal is missed.
 */
export interface GoalResult {
  /** What was measured, e.g. "selection core vs parse+sort". */
  name: string
  /** The figure divided by its baseline's (time ratios: lower is better; throughput: higher). */
  ratio: number
  /** The bound the ratio must respect. */
  goal: number
  /** `max`: ratio ≤ goal passes (times); `min`: ratio ≥ goal passes (throughput). */
  kind: 'max' | 'min'
  /** The raw figures behind the ratio, printed beside it. */
  detail: string
}

const results: GoalResult[] = []

/** Records one goal's outcome and prints it at once; returns whether it was met. */
export function reportGoal(result: GoalResult): boolean {
  results.push(result)
  const met = passes(result)
  const bound = result.kind === 'max' ? '≤' : '≥'
  console.log(
    `${met ? 'MET   ' : 'MISSED'} ${result.name}: ${result.ratio.toFixed(2)}× (goal ${bound} ${result.goal}×) — ${result.detail}`,
  )
  return met
}

export function passes(result: GoalResult): boolean {
  return result.kind === 'max' ? result.ratio <= result.goal : result.ratio >= result.goal
}

/** Every goal reported so far in this process. */
export function goalResults(): readonly GoalResult[] {
  return results
}
