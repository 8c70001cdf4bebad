import t from 'tap'
import fc from 'fast-check'
import { MailError, toRfc822, type OutgoingMail } from '../../src/integrations/mail.js'
import { parseAddressList, parseMessage } from '../fakes/google.js'

// The RFC 5322 writer: whatever it is given, one message to one recipient with the headers rota means.

const base: OutgoingMail = {
  messageId: '<rota.0123456789abcdef0123456789abcdef@iiif.example>',
  from: 'Rota <rota@iiif.example>',
  to: 'ann@example.org',
  toName: 'Ann Example',
  subject: 'Your term ends 2027-03-01',
  body: 'Hello Ann,\n\nYour term ends soon.\n',
  date: new Date('2027-01-01T09:30:00Z'),
}

const EXPECTED = [
  'auto-submitted',
  'content-transfer-encoding',
  'content-type',
  'date',
  'from',
  'message-id',
  'mime-version',
  'subject',
  'to',
]

/** The header lines of a message as a reader sees them: unfolded, name and raw value, in order. */
function headerLines(text: string): Array<{ name: string; value: string }> {
  const head = text.slice(0, text.indexOf('\r\n\r\n'))
  return head.split(/\r\n(?![ \t])/).map((line) => {
    const colon = line.indexOf(':')
    return {
      name: line.slice(0, colon).toLowerCase(),
      value: line
        .slice(colon + 1)
        .replace(/\r\n[ \t]/g, ' ')
        .trim(),
    }
  })
}

async function refusal(mail: OutgoingMail): Promise<MailError> {
  try {
    await toRfc822(mail)
  } catch (error) {
    if (error instanceof MailError) return error
    throw error
  }
  throw new Error('toRfc822 wrote a message it should have refused')
}

t.test('a plain message: our Message-ID, Date, From, To with its name, Subject, Auto-Submitted; QP body', async (t) => {
  const text = await toRfc822(base)
  const lines = headerLines(text)
  t.same(lines.map((l) => l.name).sort(), EXPECTED, 'each header once, nothing else')
  const header = (name: string) => lines.find((l) => l.name === name)!.value
  t.equal(header('message-id'), base.messageId, 'the Message-ID is ours (the outbox searches Gmail for it)')
  t.equal(header('date'), 'Fri, 01 Jan 2027 09:30:00 +0000')
  t.equal(header('from'), 'Rota <rota@iiif.example>')
  t.equal(header('to'), 'Ann Example <ann@example.org>')
  t.equal(header('subject'), base.subject)
  t.equal(header('auto-submitted'), 'auto-generated')
  t.equal(header('content-type'), 'text/plain; charset=utf-8')
  t.equal(header('content-transfer-encoding'), 'quoted-printable')
  t.ok(text.includes('\r\n\r\nHello Ann,\r\n\r\nYour term ends soon.\r\n'), 'an ASCII body reads as itself in the .eml')
  t.notOk(/[^\r]\n/.test(text), 'CRLF line endings throughout')
})

t.test('non-ASCII names and subjects are encoded words; the head stays ASCII', async (t) => {
  const mail = {
    ...base,
    toName: 'Zoë Ñúñez-Łukasiewicz 佐藤',
    subject: 'Ihre Amtszeit endet bald — Grüße aus Zürich '.repeat(3).trim(),
    from: 'Équipe Rota <rota@iiif.example>',
  }
  const text = await toRfc822(mail)
  const head = text.slice(0, text.indexOf('\r\n\r\n'))
  t.ok(/^[\x20-\x7e\r\n\t]*$/.test(head), 'only printable ASCII in the head')
  t.match(head, /^To: =\?UTF-8\?[QB]\?/m)
  t.match(head, /^Subject: =\?UTF-8\?[QB]\?/m)
  t.match(head, /^From: =\?UTF-8\?[QB]\?/m)
  t.ok(
    head.split('\r\n').every((line) => line.length <= 78),
    'long headers are folded',
  )
  const parsed = parseMessage(text)
  t.equal(parsed.headers['subject'], mail.subject, 'the subject decodes back')
  t.equal(parsed.headers['to'], `${mail.toName} <ann@example.org>`, 'the name decodes back')
  t.equal(parsed.headers['from'], 'Équipe Rota <rota@iiif.example>')
})

t.test('the body round-trips through quoted-printable', async (t) => {
  const body = `Grüße, Zoë!\n${'A long line without breaks '.repeat(12)}\nFrom the team\n.\n= signs =3D and trailing space   \n佐藤さん 🎉\n`
  const parsed = parseMessage(await toRfc822({ ...base, body }))
  t.equal(parsed.text, body.replace(/\n/g, '\r\n'))
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), async (text) => {
      const body = text.replace(/\r\n?/g, '\n')
      const decoded = parseMessage(await toRfc822({ ...base, body })).text
      // The composer ends the body with a line break; everything before it is the body.
      return decoded.replace(/\r\n$/, '') === body.replace(/\n/g, '\r\n').replace(/\r\n$/, '')
    }),
    { numRuns: 200 },
  )
})

t.test('a hostile address, name or subject never yields an extra header', async (t) => {
  const hostile = 'victim@x.example\r\nBcc: attacker@evil.example'
  for (const [field, mail, header] of [
    ['address', { ...base, to: hostile }, 'To'],
    ['address with LF only', { ...base, to: 'victim@x.example\nBcc: attacker@evil.example' }, 'To'],
    ['name', { ...base, toName: 'Ann\r\nBcc: attacker@evil.example' }, 'To'],
    ['subject', { ...base, subject: 'Hello\rBcc: attacker@evil.example' }, 'Subject'],
    ['sender', { ...base, from: 'Rota <rota@iiif.example>\nBcc: attacker@evil.example' }, 'From'],
    ['Message-ID', { ...base, messageId: '<a@b.example>\r\nBcc: attacker@evil.example' }, 'Message-ID'],
  ] as const) {
    const error = await refusal(mail)
    t.equal(error.kind, 'permanent', `${field}: refused for good`)
    t.match(error.message, new RegExp(`the ${header} header`), `${field}: names the header`)
    t.notMatch(error.message, /attacker|victim/, `${field}: never repeats the value`)
  }
  for (const to of [
    'victim@x.example, attacker@evil.example',
    'Ann <ann@example.org>',
    'attacker@evil.example>',
    'no-at-sign',
    '',
  ]) {
    t.match(
      await refusal({ ...base, to }),
      { kind: 'permanent', message: /the To header: the recipient is not a valid email address/ },
      `address ${JSON.stringify(to)} refused`,
    )
  }
  t.match(await refusal({ ...base, from: 'rota@iiif.example, attacker@evil.example' }), {
    kind: 'permanent',
    message: /the From header/,
  })

  // Without line breaks, anything in a name or subject is data, not structure.
  const names = [
    'Bcc: attacker@evil.example',
    '"Ann" <attacker@evil.example>, Bob',
    'a@b.example; c@d.example',
    'Ann =?UTF-8?B?QmNjOg==?=',
    '\\"quoted\\',
    '(comment) <x@y.example>',
  ]
  for (const name of names) {
    const text = await toRfc822({ ...base, toName: name, subject: name })
    const lines = headerLines(text)
    t.same(lines.map((l) => l.name).sort(), EXPECTED, `name/subject ${JSON.stringify(name)}: no extra header`)
    t.same(
      parseAddressList(lines.find((l) => l.name === 'to')!.value),
      ['ann@example.org'],
      `name ${JSON.stringify(name)}: one recipient`,
    )
  }

  await fc.assert(
    fc.asyncProperty(
      fc.string({ unit: 'grapheme', maxLength: 80 }),
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      async (name, subject) => {
        let text: string
        try {
          text = await toRfc822({ ...base, toName: name, subject })
        } catch (error) {
          // Refused only for a line break, and then permanently.
          return error instanceof MailError && error.kind === 'permanent' && /[\r\n]/.test(name + subject)
        }
        const lines = headerLines(text)
        const to = parseAddressList(lines.find((l) => l.name === 'to')!.value)
        const squash = (value: string) => value.trim().replace(/\s+/g, ' ')
        const expected = squash(subject) === '' ? EXPECTED.filter((name) => name !== 'subject') : EXPECTED
        return (
          !/[\r\n]/.test(name + subject) &&
          lines
            .map((l) => l.name)
            .sort()
            .join() === expected.join() &&
          to?.length === 1 &&
          to[0] === 'ann@example.org' &&
          squash(parseMessage(text).headers['subject'] ?? '') === squash(subject)
        )
      },
    ),
    { numRuns: 300 },
  )
})

t.test('the sender may be a bare address, a quoted name, or the log default rota@localhost', async (t) => {
  t.match(await toRfc822({ ...base, from: 'rota@localhost' }), /^From: rota@localhost\r$/m)
  t.match(
    await toRfc822({ ...base, from: '"Rota, CoC team" <rota@iiif.example>' }),
    /^From: "Rota, CoC team" <rota@iiif\.example>\r$/m,
  )
  t.match(await toRfc822({ ...base, toName: null }), /^To: ann@example\.org\r$/m)
})
