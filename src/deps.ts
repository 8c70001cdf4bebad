import type { Config } from './config.js'
import type { Database } from './db/client.js'
import path from 'node:path'
import { createFormsClient, type FormsClient } from './integrations/google-forms.js'
import { gmailMailer } from './integrations/gmail.js'
import { logMailer } from './integrations/mail-log.js'
import { smtpMailer } from './integrations/smtp.js'
import type { Mailer } from './integrations/mail.js'

/** A source of the current instant: the real clock in production, a fixed one in tests. */
export type Clock = () => Date

/** Everything with side effects that the app uses, wired in one place (server.ts, tests' build()). */
export interface Deps {
  config: Config
  database: Database
  clock: Clock
  /** Google Forms through googleapis (pointed at GOOGLE_API_ROOT_URL when set). */
  forms: FormsClient
  /** Where the outbox sends email (MAIL_TRANSPORT: .eml files, Gmail through googleapis, or an SMTP server). */
  mailer: Mailer
}

interface Log {
  info(obj: unknown, msg?: string): void
}

/** The mail transport the configuration asks for. */
export function mailerFor(config: Config, log: Log): Mailer {
  if (config.mail.transport === 'gmail')
    return gmailMailer(config.google, config.mail.from, { timeoutMs: config.mail.sendTimeoutMs })
  if (config.mail.transport === 'smtp')
    return smtpMailer(config.mail.smtp!, config.mail.from, { timeoutMs: config.mail.sendTimeoutMs })
  return logMailer(path.join(config.dataDir, 'mail'), log)
}

/** The Google Forms client the configuration asks for. */
export function formsClientFor(config: Config): FormsClient {
  return createFormsClient(config.google, {
    attempts: config.google.maxAttempts,
    baseDelayMs: config.google.retryBaseMs,
    maxDelayMs: config.google.retryMaxMs,
  })
}

export const systemClock: Clock = () => new Date()
