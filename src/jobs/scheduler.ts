import cron from 'node-cron'
import type { Deps } from '../deps.js'
import { syncOpenCalls } from '../services/forms.js'

interface Log {
  info(obj: unknown, msg?: string): void
  error(obj: unknown, msg?: string): void
}

/** node-cron is only the ticker: each tick calls one service with the current instant. */
export function startScheduler(deps: Deps, log: Log): { stop(): Promise<void> } {
  const tasks: Array<{ stop(): void | Promise<void> }> = []
  if (deps.config.formsSyncCron !== null) {
    tasks.push(
      cron.schedule(
        deps.config.formsSyncCron,
        async () => {
          const results = await syncOpenCalls(deps.database.db, deps.forms, deps.clock())
          for (const result of results) {
            if ('error' in result) log.error({ callId: result.callId, err: result.error }, 'scheduled Google Forms sync failed')
            else log.info({ callId: result.callId, ...result.counts }, 'scheduled Google Forms sync')
          }
        },
        { noOverlap: true, name: 'forms-sync' },
      ),
    )
  }
  return {
    async stop() {
      for (const task of tasks) await task.stop()
    },
  }
}
