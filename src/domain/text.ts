/**
 * Text rota did not type itself and cannot refuse (answers read from Google Forms): made storable
 * and safe to put on one line of a mail header, CSV row or calendar entry. Requests are refused at
 * the HTTP edge instead (src/http/schemas/text.ts); this is for sources that must not lose a response.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g
/** With the `u` flag a surrogate range matches only a surrogate that is not half of a pair. */
const LONE_SURROGATE = /[\ud800-\udfff]/gu

/**
 * One line of valid Unicode: runs of NUL, CR, LF, tabs and other control characters (and line or
 * paragraph separators) become one space, a lone UTF-16 surrogate becomes U+FFFD, ends are trimmed.
 */
export function oneLine(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd').replace(CONTROL, ' ').trim()
}
