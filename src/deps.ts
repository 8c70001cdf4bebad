import type { Config } from './config.js'
import type { Database } from './db/client.js'

/** A source of the current instant: the real clock in production, a fixed one in tests. */
export type Clock = () => Date

/** Everything with side effects that the app uses, wired in one place (server.ts, tests' build()). */
export interface Deps {
  config: Config
  database: Database
  clock: Clock
}

export const systemClock: Clock = () => new Date()
