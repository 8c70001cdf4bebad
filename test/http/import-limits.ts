import t from 'tap'
import http from 'node:http'
import { once } from 'node:events'
import { Readable } from 'node:stream'
import type { AddressInfo } from 'node:net'
import { build } from '../helpers/build.js'

// A CSV upload is held to the same limits as a JSON batch, checked while it streams in: an
// oversized or hostile file is refused early, with the line at fault, and nothing is stored.
const { app, staff } = await build(t)
await app.listen({ port: 0, host: '127.0.0.1' })
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

const HEADER = 'Timestamp,Email Address,Name,Institution'

function row(i: number, name = `Volunteer ${i}`, email = `v${i}@example.org`): string {
  return `2026/02/01 9:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} AM GMT,${email},${name},Oxford`
}

async function upload(payload: string | Buffer | Readable) {
  const res = await app.inject({
    method: 'POST',
    url: `/calls/${callId}/responses`,
    headers: { ...staff, 'content-type': 'text/csv' },
    payload,
  })
  return { status: res.statusCode, body: res.json() }
}

async function stored(): Promise<number> {
  const res = await app.inject({ method: 'GET', url: `/calls/${callId}/responses`, headers: staff })
  return res.json().responses.length
}

const created = await app.inject({
  method: 'POST',
  url: '/teams/coc/calls',
  headers: staff,
  payload: { opensAt: '2026-01-01T00:00:00Z' },
})
const callId: string = created.json().id

t.test('a valid file is imported (the baseline the refusals below leave unchanged)', async (t) => {
  const res = await upload([HEADER, row(1), row(2), '2026/02/01 9:00:03 AM GMT,,No Email,'].join('\r\n'))
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.match(
    res.body,
    { rows: 3, inserted: 3, updated: 0, unchanged: 0 },
    'a blank email is still imported (the selection excludes it with its reason)',
  )
  t.match(
    res.body.warnings.find((w: { code: string }) => w.code === 'missing-fields'),
    { where: ['line 4'] },
    'and the answer names its row',
  )
  t.equal(await stored(), 3)
})

t.test('50,001 rows are refused with 413 too-many-rows, and nothing is stored', async (t) => {
  const lines = [HEADER]
  for (let i = 0; i < 50_001; i++) lines.push(row(i + 10))
  const began = performance.now()
  const res = await upload(lines.join('\n'))
  const ms = performance.now() - began
  t.equal(res.status, 413)
  t.equal(res.body.error.code, 'too-many-rows')
  t.equal(res.body.error.details.line, 50_002, 'the first row over the limit')
  t.match(res.body.error.message, /more than 50,000 responses/)
  t.comment(`refused in ${ms.toFixed(0)} ms`)
  t.ok(ms < 5_000, 'quickly')
  t.equal(await stored(), 3)
})

t.test('a 1,000,000-row upload (31 MB) is refused at row 50,001 as it streams in, not read whole', async (t) => {
  // Rows are sent as the server takes them. The answer comes while the client is still sending:
  // the server parses nothing past row 50,001, and leaves the connection open so the client can
  // read the refusal (then stop sending) instead of finding the connection closed under it.
  const url = new URL(`${base}/calls/${callId}/responses`)
  let sent = 0
  const began = performance.now()
  const answer = await new Promise<{ status: number; body: string; sentWhenAnswered: number }>((resolve, reject) => {
    let answered = false
    const req = http.request(url, { method: 'POST', headers: { ...staff, 'content-type': 'text/csv' } }, (res) => {
      answered = true
      const sentWhenAnswered = sent
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body, sentWhenAnswered })
        req.destroy() // answered: the rest of the file is not worth sending
      })
    })
    req.on('error', reject)
    void (async () => {
      req.write(HEADER + '\n')
      for (let i = 0; i < 1_000_000 && !answered; i += 1_000) {
        let chunk = ''
        for (let j = i; j < i + 1_000; j++) chunk += row(j) + '\n'
        sent += 1_000
        if (!req.write(chunk)) await Promise.race([once(req, 'drain'), once(req, 'close')])
        if (req.destroyed) return
      }
      req.end()
    })()
  })
  const ms = performance.now() - began
  const body = JSON.parse(answer.body) as { error: { code: string; details: { line: number } } }
  t.equal(answer.status, 413)
  t.equal(body.error.code, 'too-many-rows')
  t.equal(body.error.details.line, 50_002)
  t.comment(
    `answered after ${ms.toFixed(0)} ms, when ${answer.sentWhenAnswered.toLocaleString('en')} of 1,000,000 rows had been sent`,
  )
  t.ok(answer.sentWhenAnswered < 200_000, 'answered long before the whole file was sent')
  t.ok(ms < 10_000, 'quickly')
  t.equal(await stored(), 3)
})

t.test('a body over the limit is refused with 413 before or as it is read', async (t) => {
  const declared = await app.inject({
    method: 'POST',
    url: `/calls/${callId}/responses`,
    headers: { ...staff, 'content-type': 'text/csv', 'content-length': String(40 * 1024 * 1024) },
    payload: HEADER,
  })
  t.equal(declared.statusCode, 413, 'a declared Content-Length over 32 MB is refused unread')
  t.equal(declared.json().error.code, 'body-too-large')

  // 36 MB in rows that are each within the limits (a long answer in a fifth column), sent chunked.
  const answer = 'x'.repeat(9_000)
  async function* big() {
    yield HEADER + ',Why?\n'
    for (let i = 0; i < 4_000; i++) yield `${row(i)},${answer}\n`
  }
  const res = await upload(Readable.from(big()))
  t.equal(res.status, 413)
  t.equal(res.body.error.code, 'body-too-large')
  t.match(res.body.error.message, /larger than 32 MB/)
  t.equal(await stored(), 3)
})

t.test('a 100,000-character name is refused with its line and column', async (t) => {
  const res = await upload([HEADER, row(100), row(101, 'x'.repeat(100_000))].join('\n'))
  t.equal(res.status, 400)
  t.equal(res.body.error.code, 'csv-field-too-long')
  t.same([res.body.error.details.line, res.body.error.details.column], [3, 'Name'])
  t.match(res.body.error.message, /^line 3, column "Name": the cell has 100,000 characters; at most 300 are allowed/)
  t.equal(await stored(), 3)
})

t.test('NUL and lone surrogates are refused with their line', async (t) => {
  const nul = await upload([HEADER, row(100), row(101, 'Ann\u0000Smith')].join('\n'))
  t.equal(nul.status, 400)
  t.equal(nul.body.error.code, 'csv-invalid-text')
  t.equal(nul.body.error.details.line, 3)
  t.match(nul.body.error.message, /^line 3, column "Name": contains a NUL/)

  // On the wire a lone surrogate can only arrive as bytes that are not UTF-8 (here U+D800 encoded
  // as CESU-8 would: ED A0 80), which decode to U+FFFD.
  const bytes = Buffer.concat([
    Buffer.from([HEADER, row(100), row(101, 'Ann ')].join('\n')),
    Buffer.from([0xed, 0xa0, 0x80]),
    Buffer.from('\n' + row(102)),
  ])
  const surrogate = await upload(bytes)
  t.equal(surrogate.status, 400)
  t.equal(surrogate.body.error.code, 'csv-invalid-text')
  t.equal(surrogate.body.error.details.line, 3)
  t.match(surrogate.body.error.message, /not valid UTF-8/)

  const latin1 = await upload(
    Buffer.from(
      [HEADER, row(100), row(101, 'Ann', 'a@example.org').replace('Oxford', 'Bibliothèque')].join('\n'),
      'latin1',
    ),
  )
  t.equal(latin1.status, 400, 'a file saved as Latin-1 is refused, not stored garbled')
  t.equal(latin1.body.error.details.line, 3)
  t.equal(latin1.body.error.details.column, 'Institution')
  t.equal(await stored(), 3)
})

t.test('an email with a CR/LF header injection is refused with its line; nothing is stored', async (t) => {
  const res = await upload(
    [HEADER, row(100), row(101, 'Mallory', '"victim@x.example\r\nBcc: attacker@evil.example"'), row(102)].join('\r\n'),
  )
  t.equal(res.status, 400)
  t.equal(res.body.error.code, 'csv-invalid-email')
  t.equal(res.body.error.details.line, 3)
  t.equal(res.body.error.details.column, 'Email Address')
  t.match(res.body.error.message, /^line 3, column "Email Address": the email address must not contain line breaks/)
  t.equal(await stored(), 3)
})
