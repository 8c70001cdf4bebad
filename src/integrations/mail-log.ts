import fs from 'node:fs/promises'
import path from 'node:path'
import { MailError, toRfc822, type Mailer, type OutgoingMail } from './mail.js'

interface Log {
  info(obj: unknown, msg?: string): void
}

/** The file a Message-ID is written to: the id with anything unsafe in a file name replaced. */
function fileFor(folder: string, messageId: string): string {
  return path.join(folder, `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`)
}

/**
 * The `log` transport (the default): each message becomes an .eml file under DATA_DIR/mail and a
 * log line, so the embedded default works with no mail account. The file is written to a temporary
 * name and renamed, so its existence means "sent" — which is what `wasSent` checks after a crash.
 */
export function logMailer(folder: string, log: Log): Mailer {
  return {
    transport: 'log',
    async prepare() {
      await fs.mkdir(folder, { recursive: true })
    },
    async send(mail: OutgoingMail) {
      const file = fileFor(folder, mail.messageId)
      // A message rota refuses to write (a line break in a header, a bad address) fails for good.
      const text = await toRfc822(mail)
      try {
        await fs.mkdir(folder, { recursive: true })
        const temporary = `${file}.${process.pid}.tmp`
        await fs.writeFile(temporary, text)
        await fs.rename(temporary, file)
      } catch (error) {
        throw new MailError('retryable', `could not write ${file}: ${(error as Error).message}`)
      }
      log.info({ to: mail.to, subject: mail.subject, messageId: mail.messageId, file }, 'email written (MAIL_TRANSPORT=log)')
      return { providerId: path.basename(file) }
    },
    async wasSent(messageId: string) {
      try {
        await fs.access(fileFor(folder, messageId))
        return true
      } catch {
        return false
      }
    },
  }
}
