import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { loadMailComposer, MailError, toRfc822, type Mailer, type OutgoingMail } from './mail.js'

interface Log {
  info(obj: unknown, msg?: string): void
}

/** The file a Message-ID is written to: the id with anything unsafe in a file name replaced. */
function fileFor(folder: string, messageId: string): string {
  return path.join(folder, `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`)
}

/** A recipient as the log shows it: the first 12 hex digits of the SHA-256 of the lower-cased address. */
export function recipientHash(address: string): string {
  return createHash('sha256').update(address.trim().toLowerCase()).digest('hex').slice(0, 12)
}

/** The mail folder is the owner's only (0700), whatever the umask; so is each message (0600). */
async function ensureFolder(folder: string): Promise<void> {
  await fs.mkdir(folder, { recursive: true, mode: 0o700 })
  await fs.chmod(folder, 0o700)
}

/**
 * The `log` transport (the default): each message becomes an .eml file under DATA_DIR/mail and a
 * log line, so the embedded default works with no mail account. The file is written to a temporary
 * name and renamed, so its existence means "sent" — which is what `wasSent` checks after a crash.
 * Messages hold personal data: the files are the owner's only, and the log names the recipient by a
 * short hash (`recipientHash`), never by address.
 */
/** Deletes `file`: true if it was there. */
async function unlinkIfPresent(file: string): Promise<boolean> {
  try {
    await fs.unlink(file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

export function logMailer(folder: string, log: Log): Mailer {
  return {
    transport: 'log',
    async prepare() {
      await Promise.all([ensureFolder(folder), loadMailComposer()])
    },
    async send(mail: OutgoingMail) {
      const file = fileFor(folder, mail.messageId)
      // A message rota refuses to write (a line break in a header, a bad address) fails for good.
      const text = await toRfc822(mail)
      try {
        await ensureFolder(folder)
        const temporary = `${file}.${process.pid}.tmp`
        await fs.writeFile(temporary, text)
        await fs.chmod(temporary, 0o600) // inside a 0700 folder: no one else could read it meanwhile
        await fs.rename(temporary, file)
      } catch (error) {
        throw new MailError('retryable', `could not write ${file}: ${(error as Error).message}`)
      }
      log.info(
        { toHash: recipientHash(mail.to), messageId: mail.messageId, file },
        'email written (MAIL_TRANSPORT=log)',
      )
      return { providerId: path.basename(file) }
    },
    async forget(messageId: string) {
      const file = fileFor(folder, messageId)
      // A crash between writing and renaming leaves `<file>.<pid>.tmp`: it holds the message too.
      const partial = `${path.basename(file)}.`
      const entries = await fs.readdir(folder).catch(() => [] as string[])
      for (const name of entries)
        if (name.startsWith(partial) && name.endsWith('.tmp')) await unlinkIfPresent(path.join(folder, name))
      return unlinkIfPresent(file)
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
