import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import http from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'

export interface Received {
  headers: Record<string, string>
  body: string
  /** Whether the signature verified, with README's snippet. */
  verified: boolean
}

/** README's verification snippet, as a module (so the test checks what users copy). */
export async function readmeVerifier(): Promise<
  (secret: string, headers: Record<string, string>, rawBody: string, nowSeconds?: number) => boolean
> {
  const readme = fs.readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8')
  const block = /```js\n(\/\/ verify-rota-signature\.mjs\n[\s\S]*?)```/.exec(readme)
  if (!block) throw new Error('README has no verify-rota-signature.mjs snippet')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-verify-'))
  const file = path.join(dir, 'verify-rota-signature.mjs')
  fs.writeFileSync(file, block[1]!)
  const module = (await import(pathToFileURL(file).href)) as { verifyRota: never }
  fs.rmSync(dir, { recursive: true, force: true })
  return module.verifyRota
}

/**
 * A webhook receiver on 127.0.0.1, as a site's relay would be: it checks each delivery's signature
 * (with `secret()`, at `now()`), records it, and answers what `respond` says (200 by default).
 */
export async function startReceiver(options: {
  secret: () => string
  now: () => Date
  respond?: (delivery: Received) => number | Promise<number>
}): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const verify = await readmeVerifier()
  const received: Received[] = []
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => void answer())
    const answer = async () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const headers = request.headers as Record<string, string>
      const delivery: Received = {
        headers,
        body,
        verified: verify(options.secret(), headers, body, options.now().getTime() / 1000),
      }
      received.push(delivery)
      const status = delivery.verified ? ((await options.respond?.(delivery)) ?? 200) : 401
      response.writeHead(status).end()
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
