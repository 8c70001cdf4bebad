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
