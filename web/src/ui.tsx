/** Small building blocks shared by the pages: fields with labels and errors, loading, dates. */
import type { ComponentChildren, JSX } from 'preact'
import { useCallback, useEffect, useState } from 'preact/hooks'
import { ApiError } from './api'

/** Loads something on mount (and when `deps` change); `reload()` loads it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true })
  // Resolves once the new data (or the error) is in the state: a caller that says what changed can
  // wait for the page to show it first.
  const run = useCallback((): Promise<void> => {
    setState((s) => ({ ...s, loading: true }))
    return load().then(
      (data) => setState({ data, loading: false }),
      (error: Error) => setState({ error, loading: false }),
    )
  }, deps)
  useEffect(() => void run(), [run])
  return { ...state, reload: run }
}

/** Runs an action, keeping its error (shown by the form) and whether it is running. */
export function useAction() {
  const [error, setError] = useState<Error | null>(null)
  const [busy, setBusy] = useState(false)
  const run = async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true)
    setError(null)
    try {
      return await action()
    } catch (e) {
      setError(e as Error)
      return undefined
    } finally {
      setBusy(false)
    }
  }
  return { error, busy, run, setError }
}

let ids = 0
export function useId(prefix: string): string {
  const [id] = useState(() => `${prefix}-${++ids}`)
  return id
}

/** The message the API gave for this field, if any. */
export function fieldError(error: Error | null | undefined, name: string): string | undefined {
  return error instanceof ApiError ? error.field(name) : undefined
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'label' | 'onInput' | 'value' | 'type' | 'name'> & {
  label: string
  /** The API's field name, to show its error here. */
  name: string
  value: string
  onInput: (value: string) => void
  error?: Error | null
  hint?: string
  type?: string
}

/** A labelled input with its hint and the API's error for it (aria-invalid, aria-describedby). */
export function Field({ label, name, value, onInput, error, hint, type = 'text', ...rest }: InputProps) {
  const id = useId(name)
  const message = fieldError(error, name)
  const described = [hint ? `${id}-hint` : '', message ? `${id}-error` : ''].filter(Boolean).join(' ')
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <input
        {...rest}
        id={id}
        name={name}
        type={type}
        value={value}
        aria-invalid={message ? 'true' : undefined}
        aria-describedby={described || undefined}
        onInput={(e) => onInput((e.currentTarget as HTMLInputElement).value)}
      />
      {message && (
        <p class="field-error" id={`${id}-error`}>
          {message}
        </p>
      )}
    </div>
  )
}

/** A labelled select. */
export function Select(props: {
  label: string
  name: string
  value: string
  onInput: (value: string) => void
  options: Array<[string, string]>
  error?: Error | null
}) {
  const id = useId(props.name)
  const message = fieldError(props.error, props.name)
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        value={props.value}
        aria-invalid={message ? 'true' : undefined}
        aria-describedby={message ? `${id}-error` : undefined}
        onChange={(e) => props.onInput((e.currentTarget as HTMLSelectElement).value)}
      >
        {props.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
      {message && (
        <p class="field-error" id={`${id}-error`}>
          {message}
        </p>
      )}
    </div>
  )
}

/** An error not tied to one field (or any error, when `all`): the API's message, announced. */
export function ErrorMessage({ error, fields = [] }: { error: Error | null | undefined; fields?: string[] }) {
  if (!error) return null
  if (error instanceof ApiError && fields.some((f) => error.field(f))) return null
  return (
    <p class="error" role="alert">
      {error.message}
    </p>
  )
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  )
}

/** A page's heading, focused when the page opens (so a screen reader hears where it is). */
export function PageTitle({ children }: { children: ComponentChildren }) {
  return (
    <h1 id="page-title" tabIndex={-1}>
      {children}
    </h1>
  )
}

export function Status({ status }: { status: string }) {
  return <span class={`status status-${status}`}>{status}</span>
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

export function formatDate(value: string | null | undefined): string {
  return value ? dateFormat.format(new Date(value)) : '—'
}

export function formatDateTime(value: string | null | undefined): string {
  return value ? dateTimeFormat.format(new Date(value)) : '—'
}

/** `in 3 days 4 h`, `2 h 5 min ago`. */
export function countdown(to: string, now: number): string {
  let ms = new Date(to).getTime() - now
  const past = ms < 0
  ms = Math.abs(ms)
  const days = Math.floor(ms / 86_400_000)
  const hours = Math.floor((ms % 86_400_000) / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const text = days > 0 ? `${days} d ${hours} h` : hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min`
  return past ? `${text} ago` : `in ${text}`
}

/** `2027-03-01T09:00` (a datetime-local value, local time) → RFC 3339 with the local offset. */
export function localToRfc3339(value: string): string {
  if (!value) return ''
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return value
  return date.toISOString()
}

/** An instant → a datetime-local value in local time. */
export function toLocalInput(value: string | Date): string {
  const date = new Date(value)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}

/** Seats per class, in policy order: "4 consortium, 4 community". */
export function seatsText(seats: Record<string, number> | null | undefined): string {
  return seats
    ? Object.entries(seats)
        .map(([c, n]) => `${n} ${c}`)
        .join(', ')
    : 'policy default'
}
