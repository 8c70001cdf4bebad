/**
 * HTML made on the server without a template engine: the `html` tag escapes every value it
 * interpolates (text and attribute values alike), unless the value is itself HTML made by the tag.
 * There is no other way to put text into a page, so a name like `<script>` is shown, never run.
 */

/** HTML text that is already safe: made by the `html` tag from escaped values. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text made safe for HTML content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}

type Value = Html | string | number | null | undefined | false | readonly Value[]

function piece(value: Value): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(piece).join('')
  return escapeHtml(String(value))
}

/** `html\`<p>${name}</p>\``: the values escaped, nested `html` fragments (and arrays of them) kept. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!
  values.forEach((value, i) => {
    out += piece(value) + strings[i + 1]!
  })
  return new Html(out)
}
