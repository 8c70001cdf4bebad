import type { Test } from 'tap'
import type { Built } from './build.js'

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** What a request answered: its status and its body parsed as JSON (null when empty). */
export interface Answer {
  status: number
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reads the fields it expects
  body: any
  headers: Record<string, string | string[] | number | undefined>
}

/** A request through app.inject: staff headers unless others are given; a payload is sent as JSON. */
export type Api = (method: Method, url: string, payload?: unknown, headers?: Record<string, string>) => Promise<Answer>

/** The built app's API as staff use it (the `api` helper most HTTP tests started with). */
export function staffApi({ app, staff }: Pick<Built, 'app' | 'staff'>): Api {
  return async (method, url, payload, headers = staff) => {
    const res = await app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
    return { status: res.statusCode, body: res.body ? res.json() : null, headers: res.headers }
  }
}

/** Adds institutions through the API, each asserted created (201). */
export async function addInstitutions(
  t: Test,
  api: Api,
  names: readonly string[],
  fields: { consortium: boolean; aliases?: string[] } = { consortium: true },
): Promise<void> {
  for (const name of names) t.equal((await api('POST', '/institutions', { name, ...fields })).status, 201)
}
