import type { Config } from './config.js'
import type { Database } from './db/client.js'
import { createFormsClient, type FormsClient } from './integrations/google-forms.js'

/** A source of the current instant: the real clock in production, a fixed one in tests. */
export type Clock = () => Date

/** Everything with side effects that the app uses, wired in one place (server.ts, tests' build()). */
export interface Deps {
  config: Config
  database: Database
  clock: Clock
  /** Google Forms through googleapis (pointed at GOOGLE_API_ROOT_URL when set). */
  forms: FormsClient
}

/** The Google Forms client the configuration asks for. */
export function formsClientFor(config: Config): FormsClient {
  return createFormsClient(config.google, { attempts: config.google.maxAttempts, baseDelayMs: config.google.retryBaseMs, maxDelayMs: config.google.retryMaxMs })
}

export const systemClock: Clock = () => new Date()
