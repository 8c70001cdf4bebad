import http from 'node:http'
import https from 'node:https'
import dns from 'node:dns'
import net from 'node:net'

/**
 * Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE=on: loopback, private networks,
 * link-local (cloud metadata services live there), carrier-grade NAT, unspecified, multicast and
 * reserved ranges, in IPv4 and IPv6 (IPv4-mapped IPv6 included).
 */
const NOT_PUBLIC = new net.BlockList()
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  NOT_PUBLIC.addSubnet(prefix, bits, 'ipv4')
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NOT_PUBLIC.addSubnet(prefix, bits, 'ipv6')

/** True for an IP address on the public internet. */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address)
  if (family === 0) return false
  if (family === 6) {
    // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
    if (mapped) return !NOT_PUBLIC.check(mapped[1]!, 'ipv4')
    return !NOT_PUBLIC.check(address, 'ipv6')
  }
  return !NOT_PUBLIC.check(address, 'ipv4')
}

/** A URL's host as an address when it is an IP literal (IPv6 without brackets), else null. */
export function literalAddress(hostname: string): string | null {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1')
  return net.isIP(bare) ? bare : null
}

/** The host names that always mean this machine. */
export function isLocalName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '')
  return name === 'localhost' || name.endsWith('.localhost')
}

export class WebhookRequestError extends Error {
  constructor(
    message: string,
    /** True when the receiver may never have seen the request (refused address, DNS failure). */
    readonly beforeSending: boolean,
  ) {
    super(message)
    this.name = 'WebhookRequestError'
  }
}

/**
 * POSTs a delivery and resolves with the receiver's status (its body is read and dropped, at most
 * 64 KiB). Redirects are not followed. Unless `allowPrivate`, a host that resolves to an address
 * that is not public is refused at connection time (the check is in the lookup the connection uses,
 * so a DNS answer that changes after registration cannot point rota at an internal service).
 */
export function postWebhook(
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean },
): Promise<number> {
  const literal = literalAddress(url.hostname)
  if (!options.allowPrivate) {
    if (isLocalName(url.hostname) || (literal !== null && !isPublicAddress(literal)))
      return Promise.reject(new WebhookRequestError(`${url.hostname} is not a public address`, true))
  }
  const lookup: net.LookupFunction = (hostname, lookupOptions, callback) => {
    dns.lookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0)
      const list = addresses as dns.LookupAddress[]
      const allowed = options.allowPrivate ? list : list.filter((a) => isPublicAddress(a.address))
      if (allowed.length === 0) {
        const refusal = Object.assign(new Error(`${hostname} resolves to no public address`), { code: 'ENOTPUBLIC' })
        return callback(refusal, '', 0)
      }
      if ((lookupOptions as { all?: boolean }).all)
        return (callback as never as (e: null, a: dns.LookupAddress[]) => void)(null, allowed)
      callback(null, allowed[0]!.address, allowed[0]!.family)
    })
  }
  const client = url.protocol === 'https:' ? https : http
  return new Promise<number>((resolve, reject) => {
    let settled = false
    const finish = (outcome: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      outcome()
    }
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup,
        agent: false,
      },
      (response) => {
        let read = 0
        response.on('data', (chunk: Buffer) => {
          read += chunk.length
          if (read > 65_536) response.destroy()
        })
        response.on('close', () => finish(() => resolve(response.statusCode ?? 0)))
        response.on('error', () => finish(() => resolve(response.statusCode ?? 0)))
      },
    )
    const timer = setTimeout(() => {
      finish(() => reject(new WebhookRequestError(`no answer within ${options.timeoutMs} ms`, false)))
      request.destroy()
    }, options.timeoutMs)
    request.on('error', (error: NodeJS.ErrnoException) => {
      const before = error.code === 'ENOTPUBLIC' || error.code === 'ENOTFOUND' || error.code === 'ECONNREFUSED'
      finish(() => reject(new WebhookRequestError(error.message, before)))
    })
    request.end(body)
  })
}
