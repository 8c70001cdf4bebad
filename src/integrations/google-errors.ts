/** Reading the errors googleapis (gaxios) throws: status, Retry-After, Google's own message. */
export interface GoogleError {
  status?: number
  code?: number | string
  message: string
  response?: { status?: number; headers?: unknown; data?: unknown }
}

export function statusOf(error: GoogleError): number | null {
  return error.response?.status ?? error.status ?? (typeof error.code === 'number' ? error.code : null)
}

function header(headers: unknown, name: string): string | null {
  if (headers && typeof (headers as Headers).get === 'function') return (headers as Headers).get(name)
  const value = (headers as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' ? value : null
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now. */
export function retryAfterMs(error: GoogleError, now: number): number | null {
  const value = header(error.response?.headers, 'retry-after')
  if (value === null) return null
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

export function googleReason(error: GoogleError): string {
  const data = error.response?.data as { error?: { message?: string; status?: string } } | undefined
  return data?.error?.message ?? error.message
}
