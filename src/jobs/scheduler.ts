import cron from 'node-cron'
import type { Deps } from '../deps.js'
import { syncOpenCalls } from '../services/forms.js'
import { tick } from '../services/tick.js'

interface Log {
  info(obj: unknown, msg?: string): void
  error(obj: unknown, msg?: string): void
}

/** node-cron is only the ticker: each job calls one service with the current instant (the tick, and the forms sync). */
export function startScheduler(deps: Deps, log: Log): { stop(): Promise<void> } {
  const tasks: Array<{ stop(): void | Promise<void> }> = []
  // Jobs in progress: a shutdown lets them finish (within SHUTDOWN_GRACE_MS) rather than cutting a tick short.
  const running = new Set<Promise<void>>()
  const track = (job: () => Promise<void>) => async () => {
    const run = job()
    running.add(run)
    try {
      await run
    } finally {
      running.delete(run)
    }
  }
  if (deps.config.formsSyncCron !== null) {
    tasks.push(
      cron.schedule(
        deps.config.formsSyncCron,
        track(async () => {
          try {
            const results = await syncOpenCalls(deps.database.db, deps.forms, deps.clock(), {
              mailFrom: deps.config.mail.from,
              publicUrl: deps.config.publicUrl,
            })
            for (const result of results) {
              if ('error' in result)
                log.error({ callId: result.callId, err: result.error }, 'scheduled Google Forms sync failed')
              else log.info({ callId: result.callId, ...result.counts }, 'scheduled Google Forms sync')
            }
          } catch (error) {
            log.error({ err: error }, 'scheduled Google Forms sync failed; the next run tries again')
          }
        }),
        { noOverlap: true, name: 'forms-sync' },
      ),
    )
  }
  if (deps.config.tickCron !== null) {
    tasks.push(
      cron.schedule(
        deps.config.tickCron,
        track(async () => {
          try {
            const report = await tick(deps, deps.clock())
            const { outbox } = report
            const { erased } = report
            const busy =
              report.actions.length > 0 ||
              Object.values(outbox).some((n) => n > 0) ||
              Object.values(erased).some((n) => n > 0)
            // Counts only: never who was erased.
            if (busy) log.info({ actions: report.actions, outbox, erased }, 'tick')
            if (report.purged === false)
              log.error({ erased }, 'tick erased data but could not vacuum it out of the database files')
            for (const action of report.actions)
              if (action.type === 'close-failed')
                log.error({ action }, 'tick could not close a call; it tries again next tick')
          } catch (error) {
            log.error({ err: error }, 'tick failed; the next tick tries again')
          }
        }),
        { noOverlap: true, name: 'tick' },
      ),
    )
  }
  return {
    async stop() {
      for (const task of tasks) await task.stop()
      await Promise.allSettled([...running])
    },
  }
}
