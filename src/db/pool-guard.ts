import type pg from 'pg'

/** The SQL text of a `client.query(...)` call's first argument (a string or a query config). */
function queryText(first: unknown): string {
  if (typeof first === 'string') return first
  if (first && typeof first === 'object' && typeof (first as { text?: unknown }).text === 'string')
    return (first as { text: string }).text
  return ''
}

/**
 * drizzle-orm's node-postgres transactions (0.45) check a client out of the pool and send BEGIN
 * before their try/finally: when BEGIN fails — the connection died between checkout and BEGIN, as
 * when PostgreSQL stops or restarts — the client is never given back. Each such failure took one
 * connection from the pool for good (a few outages exhaust it: every request then waits for a
 * connection and fails), and `pool.end()` waited for it forever (a SIGTERM after an outage ended
 * only when the grace period killed rota).
 *
 * This makes every client checked out with `await pool.connect()` (drizzle's way; pool.query()
 * releases its own) watch its first query: when that is a BEGIN and it fails, the client is released
 * with the error, which also makes the pool destroy it rather than reuse a broken connection. Any
 * other first query, or a BEGIN that succeeds, leaves the client to its user as before.
 */
export function releaseClientWhenBeginFails(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as (callback?: (...args: unknown[]) => void) => unknown
  ;(pool as { connect: unknown }).connect = (callback?: (...args: unknown[]) => void) => {
    if (callback) return connect(callback)
    return (connect() as Promise<pg.PoolClient>).then((client) => {
      const query = (client as { query: unknown }).query // called on the client below, with .apply
      ;(client as { query: unknown }).query = (...args: unknown[]) => {
        ;(client as { query: unknown }).query = query // the first query only
        const result = (query as (...a: unknown[]) => unknown).apply(client, args)
        if (!(result instanceof Promise) || !/^\s*begin\b/i.test(queryText(args[0]))) return result
        return result.catch((error: unknown) => {
          client.release(error instanceof Error ? error : new Error(String(error)))
          throw error
        })
      }
      return client
    })
  }
}
