/**
 * The console's only way to rota: openapi-fetch over the types generated from openapi/openapi.json
 * (`npm run web:types`), so a change of the API's contract breaks the console's type-check.
 */
import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './api/openapi'

export type Call = paths['/calls/{id}']['get']['responses'][200]['content']['application/json']
export type Selection = paths['/calls/{id}/selection']['get']['responses'][200]['content']['application/json']
export type Team = paths['/teams/{team}']['get']['responses'][200]['content']['application/json']
export type Member =
  paths['/teams/{team}/members']['get']['responses'][200]['content']['application/json']['members'][number]
export type Institution = paths['/institutions/{id}']['get']['responses'][200]['content']['application/json']
export type OutboxMessage = paths['/outbox']['get']['responses'][200]['content']['application/json']['messages'][number]
export type OutboxStatus = OutboxMessage['status']
export type ImportAnswer = paths['/calls/{id}/responses']['post']['responses'][200]['content']['application/json']
export type ResponseRow =
  paths['/calls/{id}/responses']['get']['responses'][200]['content']['application/json']['responses'][number]

const TOKEN_KEY = 'rota.staffToken'

/** The staff token, kept for this tab only (sessionStorage: gone when the tab closes). */
export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
}

/** An error answered by the API: its `message`, and the fields its `details` name. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Field name (the last part of `body.opensAt`, `querystring.timezone`) → message. */
    readonly fields: Record<string, string>,
  ) {
    super(message)
  }

  /** The message for one field, if the API named it. */
  field(name: string): string | undefined {
    return this.fields[name]
  }
}

interface ErrorShape {
  error?: { code?: string; message?: string; details?: unknown }
}

function fieldsOf(details: unknown, message: string): Record<string, string> {
  const fields: Record<string, string> = {}
  const d = details as { problems?: Array<{ field?: string; message?: string }>; field?: string } | undefined
  const add = (field: string | undefined, text: string) => {
    if (!field) return
    const name = field
      .split('.')
      .filter(Boolean)
      .at(-1)!
      .replace(/\[\d+\]$/, '')
    fields[name] ??= text
  }
  for (const problem of d?.problems ?? []) add(problem.field, `${problem.field} ${problem.message ?? ''}`.trim())
  if (typeof d?.field === 'string') add(d.field, message)
  return fields
}

/** Turns an openapi-fetch answer into its data, or throws the API's error. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const body = (result.error ?? {}) as ErrorShape
    const message = body.error?.message ?? `${result.response.status} ${result.response.statusText}`
    if (result.response.status === 401) onUnauthorized?.()
    throw new ApiError(
      result.response.status,
      body.error?.code ?? `http-${result.response.status}`,
      message,
      fieldsOf(body.error?.details, message),
    )
  }
  return result.data as T
}

let onUnauthorized: (() => void) | undefined
/** What to do when the API refuses the token (signed out elsewhere, revoked). */
export function whenUnauthorized(handler: () => void) {
  onUnauthorized = handler
}

const auth: Middleware = {
  onRequest({ request }) {
    const value = token.get()
    if (value) request.headers.set('authorization', `Bearer ${value}`)
    return request
  },
}

// no-cache: public reads (the roster) may be cached for a while; staff always see the current state
// (revalidated with ETag where the API sends one).
export const api = createClient<paths>({ baseUrl: location.origin, cache: 'no-cache' })
api.use(auth)

export type AuditEntry = paths['/audit']['get']['responses'][200]['content']['application/json']['entries'][number]
export type StaffToken = paths['/tokens']['get']['responses'][200]['content']['application/json']['tokens'][number]
export type StaffRole = StaffToken['role']
