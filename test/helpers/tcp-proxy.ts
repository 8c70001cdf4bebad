import net from 'node:net'
import { once } from 'node:events'

/**
 * A TCP proxy that can take a database "away": while down, it drops every open connection and
 * accepts new ones only to close them at once (as a server going away does). Without a target it
 * is always down. It counts the connections it was asked for, and the most open at once.
 */
export interface TcpProxy {
  port: number
  /** Connections accepted since the proxy started (or since `resetCounts`). */
  readonly accepted: number
  /** Connections open now, and the most that were open at once. */
  readonly open: number
  readonly maxOpen: number
  resetCounts(): void
  down(): void
  up(): void
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number } | null): Promise<TcpProxy> {
  let isUp = target !== null
  let accepted = 0
  let maxOpen = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    accepted++
    sockets.add(socket)
    maxOpen = Math.max(maxOpen, sockets.size)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    if (!isUp || target === null) {
      socket.destroy()
      return
    }
    const upstream = net.connect(target.port, target.host)
    upstream.on('error', () => socket.destroy())
    socket.on('close', () => upstream.destroy())
    upstream.on('close', () => socket.destroy())
    socket.pipe(upstream).pipe(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  return {
    port,
    get accepted() {
      return accepted
    },
    get open() {
      return sockets.size
    },
    get maxOpen() {
      return maxOpen
    },
    resetCounts() {
      accepted = 0
      maxOpen = sockets.size
    },
    down() {
      isUp = false
      for (const socket of sockets) socket.destroy()
    },
    up() {
      isUp = target !== null
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
