import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { logMailer, recipientHash } from '../../src/integrations/mail-log.js'

// The log transport keeps personal data to its owner: files only the owner may read, no address in the log.
t.test(
  'the mail folder is 0700 and each .eml 0600, whatever the umask; the log names the recipient by a hash',
  async (t) => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-mail-modes-'))
    t.teardown(() => fs.rmSync(parent, { recursive: true, force: true }))
    const folder = path.join(parent, 'mail')
    fs.mkdirSync(folder, { mode: 0o755 }) // left by an older rota, readable by everyone
    const previous = process.umask(0o022)
    t.teardown(() => process.umask(previous))
    const lines: Array<Record<string, unknown>> = []
    const mailer = logMailer(folder, { info: (obj) => lines.push(obj as Record<string, unknown>) })
    await mailer.prepare()
    await mailer.send({
      messageId: '<rota.modes@iiif.example>',
      from: 'rota@iiif.example',
      to: 'Ann.Example@example.org',
      toName: 'Ann Example',
      subject: 'Hello Ann Example',
      body: 'Hi',
      date: new Date('2027-01-01T00:00:00Z'),
    })
    t.equal((fs.statSync(folder).mode & 0o777).toString(8), '700', "the folder is the owner's only")
    const [file] = fs.readdirSync(folder)
    t.equal((fs.statSync(path.join(folder, file!)).mode & 0o777).toString(8), '600', 'so is the message')
    t.equal(lines.length, 1)
    t.same(lines[0], {
      toHash: recipientHash('ann.example@example.org'),
      messageId: '<rota.modes@iiif.example>',
      file: path.join(folder, file!),
    })
    t.match(recipientHash('Ann.Example@example.org'), /^[0-9a-f]{12}$/)
    t.notMatch(JSON.stringify(lines), /example\.org|Ann/, 'no address, no name, no subject')
  },
)

t.test('forget deletes the message and what a crash left half-written (both hold it)', async (t) => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-mail-forget-'))
  t.teardown(() => fs.rmSync(folder, { recursive: true, force: true }))
  const mailer = logMailer(folder, { info() {} })
  const mail = {
    messageId: '<rota.forget@iiif.example>',
    from: 'rota@iiif.example',
    to: 'ann@example.org',
    toName: 'Ann Example',
    subject: 'Hello',
    body: 'Hi Ann Example',
    date: new Date('2027-01-01T00:00:00Z'),
  }
  await mailer.send(mail)
  const [file] = fs.readdirSync(folder)
  // A process that crashed between writing and renaming a retry of the same message.
  fs.writeFileSync(path.join(folder, `${file}.4242.tmp`), 'Hi Ann Example')
  fs.writeFileSync(path.join(folder, 'other.eml'), 'someone else')
  t.equal(await mailer.forget!(mail.messageId), true)
  t.same(fs.readdirSync(folder), ['other.eml'], 'the message and its partial copy are gone, nothing else')
  t.equal(await mailer.forget!(mail.messageId), false, 'nothing left to forget')
})
