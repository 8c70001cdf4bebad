/**
 * Email addresses as rota accepts them, wherever one enters (JSON and CSV imports, Google Forms,
 * appointments, team settings): one function, so an address that could break a mail header
 * (CR/LF, `<>,;`, whitespace) never reaches the outbox.
 */

/** The longest address RFC 5321 allows in a path. */
export const MAX_EMAIL_LENGTH = 320

/**
 * A plain `local@domain` address: one `@`, a dot in the domain, no whitespace or control
 * characters, none of `<>(),;:"\[]`, at most 320 characters. Returns why it is refused, or null.
 * Display names (`Name <a@b>`) are not addresses here: names travel in their own field.
 */
export function emailAddressProblem(value: string): string | null {
  if (value.length === 0) return 'must not be blank'
  if (value.length > MAX_EMAIL_LENGTH) return `must be at most ${MAX_EMAIL_LENGTH} characters`
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value))
    return 'must not contain line breaks or control characters'
  if (/[\s\u200b-\u200f\u2060\ufeff]/u.test(value)) return 'must not contain spaces'
  if (/[<>(),;:"\\[\]]/.test(value)) return 'must not contain any of < > ( ) , ; : " \\ [ ]'
  const at = value.lastIndexOf('@')
  if (at <= 0 || value.indexOf('@') !== at) return 'must have exactly one @ with a name before it'
  const domain = value.slice(at + 1)
  if (!/^[^.]+(\.[^.]+)+$/.test(domain)) return 'must have a domain with a dot after the @ (e.g. example.org)'
  if (/[\ud800-\udfff]/u.test(value)) return 'must be valid Unicode text'
  return null
}

/** Whether `value` is an address rota accepts (see emailAddressProblem). */
export function isEmailAddress(value: string): boolean {
  return emailAddressProblem(value) === null
}
