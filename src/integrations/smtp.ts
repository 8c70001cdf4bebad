import { Readable } from 'node:stream'
import type SMTPConnectionClass from 'nodemailer/lib/smtp-connection'
import { bareAddress, loadMailComposer, MailError, toRfc822, type Mailer, type OutgoingMail } from './mail.js'

/** The SMTP server rota hands its email to (MAIL_TRANSPORT=smtp). */
export interface SmtpConfig {
  host: string
  port: number
  /** `tls`: TLS from the first byte (port 465); `starttls`: plain, then STARTTLS, required (587); `none`: no TLS (a local relay). */
  security: 'tls' | 'starttls' | 'none'
  /** Null: no authentication. The password goes to the server only, never into a log or an error. */
  user: string | null
  password: string | null
}

let smtpConnection: Promise<typeof SMTPConnectionClass> | undefined

/** nodemailer's SMTPConnection, loaded on first use (most of rota's processes never send an email). */
function loadSmtpConnection(): Promise<typeof SMTPConnectionClass> {
  return (smtpConnection ??= import('nodemailer/lib/smtp-connection').then((module) => module.default))
}

interface SmtpFailure extends Error {
  code?: string
  responseCode?: number
  command?: string
}

/** A reply without anything of the message: the server's words are its own, and stay short. */
function describe(error: SmtpFailure): string {
  const message = error.message.replace(/[\r\n]+/g, ' ').slice(0, 300)
  return `${error.command ? `${error.command}: ` : ''}${message}`
}

/**
 * A failure of an SMTP exchange as the outbox needs it. Until the server has been given the
 * message's data, nothing can have been delivered: a 5xx reply (to MAIL FROM, RCPT TO, DATA or the
 * login) is `permanent`, anything else (a 4xx, a refused or dropped connection, a timeout) is
 * `retryable` with nothing to check. Once the data has gone, the server's reply decides: 2xx sent,
 * 5xx `permanent`, 4xx `retryable` — the server said it did not take it. With no reply at all
 * (the connection dropped or timed out after the data) the message may have been delivered:
 * `ambiguous`, and since an SMTP server cannot be asked afterwards, staff see it as `unknown` —
 * never a blind resend.
 */
export function smtpFailure(error: SmtpFailure, dataSent: boolean): MailError {
  const reason = `SMTP ${describe(error)}`
  const code = error.responseCode
  const replied = typeof code === 'number' && code >= 400 && code < 600
  // A reply to the end of the data (EMESSAGE) is the server's word on this message.
  if (dataSent && !(replied && error.code === 'EMESSAGE'))
    return new MailError('ambiguous', `${reason} (after the message was handed over: it may have been delivered)`)
  if (replied && code >= 500) return new MailError('permanent', reason, null, false)
  return new MailError('retryable', reason, null, false)
}

/**
 * The `smtp` transport: each message over its own SMTP session (connect, STARTTLS or TLS, login,
 * MAIL FROM MAIL_FROM, RCPT TO the recipient, DATA the RFC 5322 text rota composed, QUIT), with
 * nodemailer's SMTPConnection and its logging off. The whole exchange is bounded by
 * MAIL_SEND_TIMEOUT_MS. An SMTP server cannot be asked whether a message went out, so `wasSent`
 * always says it cannot tell: an interrupted send ends `unknown` for staff.
 */
export function smtpMailer(config: SmtpConfig, from: string, options: { timeoutMs: number }): Mailer {
  return {
    transport: 'smtp',
    async prepare() {
      await Promise.all([loadSmtpConnection(), loadMailComposer()])
    },
    async send(mail: OutgoingMail) {
      const text = await toRfc822(mail)
      const SMTPConnection = await loadSmtpConnection()
      let dataSent = false
      const connection = new SMTPConnection({
        host: config.host,
        port: config.port,
        secure: config.security === 'tls',
        requireTLS: config.security === 'starttls',
        ignoreTLS: config.security === 'none',
        connectionTimeout: options.timeoutMs,
        greetingTimeout: options.timeoutMs,
        socketTimeout: options.timeoutMs,
        logger: false,
        debug: false,
        transactionLog: false,
      })
      const step = <T>(run: (done: (error: SmtpFailure | null | undefined, value?: T) => void) => void) =>
        new Promise<T>((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value as T))))
      // The data, as a stream: its first read is the moment the server has said 354 and gets the message.
      const data = new Readable({
        read() {
          dataSent = true
          this.push(Buffer.from(text, 'utf8'))
          this.push(null)
        },
      })
      let timer: NodeJS.Timeout | undefined
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error: SmtpFailure = new Error(`no answer within ${options.timeoutMs} ms`)
          error.code = 'ETIMEDOUT'
          reject(error)
        }, options.timeoutMs)
      })
      // An error the connection emits outside a step (a reset while idle) must not crash the process.
      connection.on('error', () => {})
      try {
        const response = await Promise.race([
          (async () => {
            await step<void>((done) => connection.connect((error) => done(error)))
            if (config.user !== null)
              await step<void>((done) =>
                connection.login({ user: config.user!, pass: config.password ?? '' }, (error) => done(error)),
              )
            return step<SMTPConnectionClass.SentMessageInfo>((done) =>
              connection.send({ from: bareAddress(from), to: [mail.to] }, data, done),
            )
          })(),
          deadline,
        ])
        connection.quit()
        // The server's queue id when it gives one ("250 Ok: queued as 4F2A1"), else its reply: what its log knows the message by.
        const queued = (response as { serverMessageId?: string }).serverMessageId
        return { providerId: (queued ?? response.response).slice(0, 200) }
      } catch (error) {
        connection.close()
        throw smtpFailure(error as SmtpFailure, dataSent)
      } finally {
        clearTimeout(timer)
      }
    },
    async wasSent() {
      throw new MailError(
        'permanent',
        'an SMTP server cannot be asked whether a message went out: look for its Message-ID in the recipient mailbox or the server log, then retry or cancel it',
        null,
        false,
      )
    },
  }
}
