/**
 * Long jobs in the request path (a 50,000-row import) share the one event loop with every other
 * request, and PGlite runs its queries on it too. A job paced here hands the loop back every
 * SLICE_MS, so the roster and health checks keep answering while it runs.
 */

/** How long a job may hold the event loop before it lets other work run. */
export const SLICE_MS = 10

/** Lets other work run (timers, I/O, other requests) before continuing. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Tracks how long a job has run since it last let others have a turn. */
export class Pacer {
  private since = performance.now()

  /** Whether the job has held the loop for SLICE_MS: then `await pacer.pause()`. */
  due(): boolean {
    return performance.now() - this.since >= SLICE_MS
  }

  async pause(): Promise<void> {
    await yieldToEventLoop()
    this.since = performance.now()
  }

  /** Pauses if due: `await pacer.tick()` in a loop costs almost nothing when it is not. */
  async tick(): Promise<void> {
    if (this.due()) await this.pause()
  }
}

/** Runs a generator that yields between steps, letting other work run whenever a slice is used up. */
export async function runPaced<T>(steps: Generator<void, T, void>, pacer = new Pacer()): Promise<T> {
  for (;;) {
    const step = steps.next()
    if (step.done) return step.value
    await pacer.tick()
  }
}
