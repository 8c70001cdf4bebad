/**
 * Import of the Google Forms "Download responses (.csv)" export.
 *
 * Staff who cannot (or may not) connect rota to Google Forms download the responses as CSV and
 * upload them. The Code of Conduct selects volunteers "first-come, first-served … with timestamp",
 * so the one thing this module must get exactly right is each response's submission instant, and
 * the one thing it must never do is drop a response silently: the import is all-or-nothing, and a
 * refused file names every line at fault (the physical line an editor shows, header = line 1).
 *
 * Google writes the Timestamp column in the form owner's locale and, depending on the export path,
 * with or without a time-zone offset. A timestamp with an offset is exact. One without an offset is
 * local wall time: the caller must say which IANA zone it is in, and — when day and month could be
 * swapped and no row in the file settles it — which order the dates use.
 *
 * Nothing here touches the network, the database or the clock; `Intl` supplies the time-zone rules.
 */
import { AppError } from '../errors.js'
import { InvalidInstantError, instantFromEpochNanos, parseInstant } from '../domain/time.js'
import type { Instant } from '../domain/time.js'

/** One response read from the CSV, in file order. */
export interface CsvResponseRow {
  /** The physical line (1-based, header = line 1) where the record starts, so staff can find it in an editor. */
  line: number
  submittedAt: Instant
  /** Trimmed; may be blank — the selection excludes it as `missing-fields` rather than losing it here. */
  name: string
  /** Trimmed; may be blank, as for `name`. */
  email: string
  /** Trimmed; null when the file has no institution column or the cell is blank. */
  institution: string | null
}

/** How to read timestamps that carry no offset or whose day and month could be swapped. */
export interface CsvOptions {
  /** IANA zone (e.g. `Europe/London`) of timestamps written without an offset. */
  timezone?: string
  /** Order of slash dates with the year last (`01/05/2024`); always wins over what the rows suggest. */
  dateOrder?: 'DMY' | 'MDY'
}

/** The stable codes a refused CSV file can carry. */
export type CsvErrorCode =
  | 'csv-malformed'
  | 'csv-missing-column'
  | 'csv-ambiguous-column'
  | 'csv-invalid-timestamp'
  | 'csv-timezone-required'
  | 'csv-ambiguous-date'
  | 'csv-invalid-timezone'
  | 'csv-invalid-date-order'

/** One thing wrong with the file; `line` is null for problems with the request itself (e.g. the timezone). */
export interface CsvProblem {
  code: CsvErrorCode
  line: number | null
  column: string | null
  message: string
}

/** At most this many problems are listed in one refusal; `totalProblems` says how many there were. */
export const MAX_CSV_PROBLEMS = 50

/**
 * A refused CSV file: nothing from it may be stored. `code`, `line`, `column` and `message` are the
 * first problem's; `problems` lists up to {@link MAX_CSV_PROBLEMS} of them in file order. It is an
 * `AppError` of kind `invalid`, so the HTTP edge answers 400 with `details.problems`.
 */
export class CsvImportError extends AppError {
  readonly line: number | null
  readonly column: string | null
  readonly problems: CsvProblem[]
  /** How many problems were found, including those beyond the listed ones. */
  readonly totalProblems: number

  constructor(problems: CsvProblem[], totalProblems: number = problems.length) {
    const first = problems[0] ?? { code: 'csv-malformed', line: null, column: null, message: 'the CSV file is invalid' }
    super('invalid', first.code, first.message, {
      line: first.line,
      column: first.column,
      problems,
      totalProblems,
    })
    this.name = 'CsvImportError'
    this.line = first.line
    this.column = first.column
    this.problems = problems
    this.totalProblems = totalProblems
  }
}

/**
 * Parses a Google Forms responses export into rows with exact submission instants, refusing the
 * whole file (with every problem listed) if any record cannot be read, because the first-come
 * order is only fair when no response is lost or misdated.
 *
 * Timestamps accepted (whitespace-trimmed; `T` may replace the space in dash dates):
 * `2024/05/01 9:00:00 AM GMT+1`, `2024/05/01 09:00:00 GMT+01:00`, `2024-05-01 09:00:00`,
 * `5/1/2024 9:00:00` / `5/1/2024 9:00:00 PM`, `01/05/2024 09:00:00`, seconds optional, up to 9
 * fractional digits, and RFC 3339 (`2024-05-01T09:00:00.123456Z`, via `parseInstant`). Offsets:
 * `GMT`, `UTC`, `Z`, `GMT+1`, `GMT+01:00`, `GMT-0530`, `UTC+2`, `+01:00`, `-0530`.
 *
 * A local time in `options.timezone` that falls in a daylight-saving gap is refused; one that
 * occurs twice (clocks going back) is read as its first occurrence, the earlier instant — the
 * reading that never moves a volunteer later in the queue than they may have been.
 */
export function parseResponsesCsv(text: string, options: CsvOptions = {}): CsvResponseRow[] {
  const zone = options.timezone === undefined ? null : zoneFor(options.timezone)
  const dateOrder = options.dateOrder
  if (dateOrder !== undefined && dateOrder !== 'DMY' && dateOrder !== 'MDY') {
    throw new CsvImportError([
      {
        code: 'csv-invalid-date-order',
        line: null,
        column: null,
        message: `dateOrder ${JSON.stringify(String(dateOrder))} is not DMY or MDY`,
      },
    ])
  }

  const problems = new ProblemList()
  const { records, unterminated } = tokenize(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  const unterminatedProblem: CsvProblem | null =
    unterminated === null
      ? null
      : {
          code: 'csv-malformed',
          line: unterminated,
          column: null,
          message: `line ${unterminated}: a quoted field starts here and is never closed (a " is missing), so the rest of the file cannot be read`,
        }

  const headerIndex = records.findIndex((r) => !isBlankRecord(r))
  const header = records[headerIndex]
  if (header === undefined) {
    if (unterminatedProblem) problems.add(unterminatedProblem)
    else {
      problems.add({
        code: 'csv-missing-column',
        line: 1,
        column: null,
        message: 'line 1: the file is empty; expected a header row with the columns Timestamp, Email Address and Name',
      })
    }
    throw problems.toError()
  }

  const columns = mapHeader(header, problems)
  if (columns === null) {
    if (unterminatedProblem) problems.add(unterminatedProblem)
    throw problems.toError()
  }
  if (header.problem) problems.add(malformedCell(header, header.cells))

  // Pass 1: read every record and every timestamp, gathering evidence for the date order.
  const width = header.cells.length
  const pending: PendingRow[] = []
  let proof: { order: DateOrder; line: number; raw: string } | null = null
  for (let r = headerIndex + 1; r < records.length; r++) {
    const record = records[r]!
    if (isBlankRecord(record)) continue
    const cells = record.cells
    if (record.problem) {
      pending.push({ record, problem: malformedCell(record, header.cells) })
      continue
    }
    if (cells.length < width) {
      pending.push({ record, problem: malformedCount(record.line, cells.length, width) })
      continue
    }
    if (cells.length > width && cells.slice(width).some((c) => c.trim() !== '')) {
      pending.push({ record, problem: malformedCount(record.line, cells.length, width) })
      continue
    }
    const raw = cells[columns.timestamp]!.trim()
    const stamp = readStamp(raw)
    if (proof === null && stamp.kind === 'wall' && stamp.proves !== null) {
      proof = { order: stamp.proves, line: record.line, raw }
    }
    pending.push({ record, raw, stamp })
  }

  // Pass 2: settle each timestamp with the file's date order and the time zone.
  const settling: Settling = {
    problems,
    column: header.cells[columns.timestamp]!.trim(),
    order: dateOrder ?? proof?.order ?? null,
    dateOrder,
    proof,
    zone,
    offsets: new Map(),
  }
  const rows: CsvResponseRow[] = []
  for (const entry of pending) {
    if (entry.problem) {
      problems.add(entry.problem)
      continue
    }
    const { record, raw, stamp } = entry
    const submittedAt = settleTimestamp(settling, record.line, raw, stamp)
    if (submittedAt === null || problems.total > 0) continue // refused anyway: stop building rows
    const institution = columns.institution === null ? '' : cellText(record, columns.institution)
    rows.push({
      line: record.line,
      submittedAt,
      name: cellText(record, columns.name),
      email: cellText(record, columns.email),
      institution: institution === '' ? null : institution,
    })
  }
  if (unterminatedProblem) problems.add(unterminatedProblem)
  if (problems.total > 0) throw problems.toError()
  return rows
}

// ---------------------------------------------------------------------------------------------
// Problems

class ProblemList {
  readonly listed: CsvProblem[] = []
  total = 0

  add(problem: CsvProblem): void {
    this.total++
    if (this.listed.length < MAX_CSV_PROBLEMS) this.listed.push(problem)
  }

  toError(): CsvImportError {
    return new CsvImportError(this.listed, this.total)
  }
}

/** Records a problem with one cell, prefixed with where it is as staff will look for it. */
function cellProblem(problems: ProblemList, line: number, column: string, code: CsvErrorCode, message: string): void {
  problems.add({ code, line, column, message: `line ${line}, column ${JSON.stringify(column)}: ${message}` })
}

function malformedCount(line: number, cells: number, width: number): CsvProblem {
  const message =
    cells < width
      ? `line ${line}: the record has ${cells} ${cells === 1 ? 'cell' : 'cells'} but the header has ${width}; a cell or a closing " may be missing`
      : `line ${line}: the record has ${cells} cells but the header has ${width}; a comma in an answer may need quoting`
  return { code: 'csv-malformed', line, column: null, message }
}

function malformedCell(record: RawRecord, headerCells: string[]): CsvProblem {
  const { line, cell } = record.problem!
  const name = headerCells[cell]?.trim()
  const column = name === undefined || name === '' ? null : name
  const where = column === null ? `line ${line}` : `line ${line}, column ${JSON.stringify(column)}`
  return { code: 'csv-malformed', line, column, message: `${where}: there is text after a closing " before the next comma` }
}

// ---------------------------------------------------------------------------------------------
// Header

type Role = 'timestamp' | 'email' | 'name' | 'institution'

const ROLES: { role: Role; label: string; names: string[]; required: boolean }[] = [
  { role: 'timestamp', label: 'Timestamp', names: ['timestamp'], required: true },
  { role: 'email', label: 'Email Address', names: ['email address', 'email'], required: true },
  { role: 'name', label: 'Name', names: ['name', 'full name'], required: true },
  { role: 'institution', label: 'Institution', names: ['institution', 'affiliation', 'organization', 'organisation'], required: false },
]

interface Columns {
  timestamp: number
  email: number
  name: number
  institution: number | null
}

/** Finds each role's column, or records why it cannot and returns null. */
function mapHeader(header: RawRecord, problems: ProblemList): Columns | null {
  const found = new Map<Role, number[]>()
  header.cells.forEach((cell, index) => {
    const key = cell.trim().replace(/\s+/g, ' ').toLowerCase()
    const role = ROLES.find((r) => r.names.includes(key))
    if (role) found.set(role.role, [...(found.get(role.role) ?? []), index])
  })
  const line = header.line
  let ok = true
  for (const { role, label, names, required } of ROLES) {
    const indexes = found.get(role) ?? []
    const expected = names.map((n) => JSON.stringify(titleCase(n))).join(' or ')
    if (indexes.length === 0 && required) {
      ok = false
      problems.add({
        code: 'csv-missing-column',
        line,
        column: label,
        message: `line ${line}: no ${JSON.stringify(label)} column; expected a column headed ${expected}`,
      })
    } else if (indexes.length > 1) {
      ok = false
      const headed = indexes.map((i) => JSON.stringify(header.cells[i]!.trim())).join(' and ')
      problems.add({
        code: 'csv-ambiguous-column',
        line,
        column: header.cells[indexes[1]!]!.trim(),
        message: `line ${line}: the columns ${headed} (columns ${indexes.map((i) => i + 1).join(' and ')}) could each be the ${JSON.stringify(label)} column; rename or remove all but one`,
      })
    }
  }
  if (!ok) return null
  return {
    timestamp: found.get('timestamp')![0]!,
    email: found.get('email')![0]!,
    name: found.get('name')![0]!,
    institution: found.get('institution')?.[0] ?? null,
  }
}

function titleCase(text: string): string {
  return text.replace(/\b\w/g, (c) => c.toUpperCase())
}

// ---------------------------------------------------------------------------------------------
// RFC 4180 tokenizer: quoted fields, doubled quotes, embedded commas and line breaks, CRLF / LF /
// lone CR line ends, a final line end or none. Line numbers count physical lines as an editor does.

interface RawRecord {
  /** Physical line where the record starts. */
  line: number
  cells: string[]
  /** Set when text follows a closing quote inside a cell (the cell index and its line). */
  problem?: { line: number; cell: number }
}

const COMMA = 0x2c
const QUOTE = 0x22
const CR = 0x0d
const LF = 0x0a
const SPACE = 0x20
const TAB = 0x09

function tokenize(text: string): { records: RawRecord[]; unterminated: number | null } {
  const records: RawRecord[] = []
  const n = text.length
  let i = 0
  let line = 1
  while (i < n) {
    const record: RawRecord = { line, cells: [] }
    records.push(record)
    for (;;) {
      // Spaces before an opening quote are tolerated (cells are trimmed anyway).
      let j = i
      while (j < n && (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB)) j++
      let value: string
      if (j < n && text.charCodeAt(j) === QUOTE) {
        const quoteLine = line
        value = ''
        let k = j + 1
        for (;;) {
          const q = text.indexOf('"', k)
          if (q === -1) {
            record.cells.push(value + text.slice(k))
            records.pop()
            return { records, unterminated: quoteLine }
          }
          line += countLineBreaks(text, k, q)
          value += text.slice(k, q)
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += '"'
            k = q + 2
          } else {
            k = q + 1
            break
          }
        }
        i = k
        while (i < n && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++
        if (i < n && !isDelimiter(text.charCodeAt(i))) {
          record.problem ??= { line, cell: record.cells.length }
          const start = i
          while (i < n && !isDelimiter(text.charCodeAt(i))) i++
          value += text.slice(start, i)
        }
      } else {
        const start = i
        while (i < n && !isDelimiter(text.charCodeAt(i))) i++
        value = text.slice(start, i)
      }
      record.cells.push(value)
      if (i >= n) break
      const c = text.charCodeAt(i)
      i++
      if (c === COMMA) {
        if (i >= n) record.cells.push('')
        else continue
        break
      }
      if (c === CR && text.charCodeAt(i) === LF) i++
      line++
      break
    }
  }
  return { records, unterminated: null }
}

function isDelimiter(c: number): boolean {
  return c === COMMA || c === LF || c === CR
}

/** Line breaks in text[from, to): CRLF counts once, a lone CR or LF once each. */
function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i)
    if (c === LF) count++
    else if (c === CR && text.charCodeAt(i + 1) !== LF) count++
  }
  return count
}

function isBlankRecord(record: RawRecord): boolean {
  if (record.problem !== undefined) return false
  for (const cell of record.cells) if (cell.trim() !== '') return false
  return true
}

function cellText(record: RawRecord, index: number): string {
  return (record.cells[index] ?? '').trim()
}

// ---------------------------------------------------------------------------------------------
// Timestamps

type DateOrder = 'DMY' | 'MDY'

/** A timestamp read as far as it can be without the file's date order and the time zone. */
type Stamp =
  | { kind: 'instant'; instant: Instant }
  | { kind: 'invalid'; reason: string }
  | {
      kind: 'wall'
      yearFirst: boolean
      year: number
      /** Year first: the month; year last: the first number (day or month). */
      first: number
      /** Year first: the day; year last: the second number. */
      second: number
      hour: number
      minute: number
      sec: number
      nanos: number
      /** Seconds east of UTC, or null when the text carries no offset. */
      offset: number | null
      /** The date order this timestamp proves (only one reading is a real date), if any. */
      proves: DateOrder | null
    }

type PendingRow =
  | { record: RawRecord; problem: CsvProblem; raw?: undefined; stamp?: undefined }
  | { record: RawRecord; problem?: undefined; raw: string; stamp: Stamp }

/** RFC 3339 with an explicit offset: parseInstant is the one authority on it. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:[.,]\d*)?(?:[Zz]|[+-]\d{2}:\d{2})$/

const STAMP = new RegExp(
  [
    '^(\\d{1,4})([/-])(\\d{1,2})\\2(\\d{1,4})', // date: Y/M/D, Y-M-D, a/b/Y, a-b-Y
    '(?:[Tt]|\\s+)',
    '(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d+))?)?', // time, seconds and fraction optional
    '(?:\\s*([AaPp])\\.?[Mm]\\.?)?', // AM / PM
    '(?:\\s*(?:([Zz])|(GMT|UTC)(?:([+-])(\\d{1,2})(?::?(\\d{2}))?)?|([+-])(\\d{1,2})(?::?(\\d{2}))?))?$',
  ].join(''),
  'i',
)

const FORMATS_HINT = 'e.g. 2024/05/01 9:00:00 AM GMT+1, 2024-05-01 09:00:00 or 01/05/2024 09:00:00'

function readStamp(raw: string): Stamp {
  if (raw === '') return { kind: 'invalid', reason: 'is blank' }
  if (raw.charCodeAt(4) === 0x2d && RFC3339.test(raw)) {
    try {
      return { kind: 'instant', instant: parseInstant(raw) }
    } catch (error) {
      if (error instanceof InvalidInstantError) return { kind: 'invalid', reason: error.problem }
      throw error
    }
  }
  const m = STAMP.exec(raw)
  if (!m) return { kind: 'invalid', reason: `is not a timestamp rota can read (${FORMATS_HINT})` }
  const [, d1, , d2, d3, hs, mis, ss, fraction, meridiem, zulu, gmt, gmtSign, gmtH, gmtM, sign, oh, om] = m

  const yearFirst = d1!.length === 4
  if (yearFirst ? d3!.length > 2 : d1!.length > 2 || d3!.length !== 4) {
    return invalidStamp(`is not a timestamp rota can read (${FORMATS_HINT})`)
  }
  const year = Number(yearFirst ? d1 : d3)
  const first = Number(yearFirst ? d2 : d1)
  const second = Number(yearFirst ? d3 : d2)
  if (year < 1) return invalidStamp('is not a valid date: years run from 0001 to 9999')

  let hour = Number(hs)
  const minute = Number(mis)
  const sec = ss === undefined ? 0 : Number(ss)
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return invalidStamp(`is not a valid time: hour ${hs} cannot be followed by AM or PM`)
    hour = (hour % 12) + (meridiem.toLowerCase() === 'p' ? 12 : 0)
  } else if (hour > 23) return invalidStamp(`is not a valid time: there is no hour ${hs}`)
  if (minute > 59) return invalidStamp(`is not a valid time: there is no minute ${mis}`)
  if (sec === 60) return invalidStamp('has a leap second (:60), which is not accepted')
  if (sec > 59) return invalidStamp(`is not a valid time: there is no second ${ss}`)
  if (fraction !== undefined && fraction.length > 9) {
    return invalidStamp('has more than 9 fractional digits (nanoseconds are the finest precision accepted)')
  }
  const nanos = fraction === undefined ? 0 : Number(fraction.padEnd(9, '0'))

  let offset: number | null = null
  if (zulu !== undefined) offset = 0
  else if (gmt !== undefined || sign !== undefined) {
    const s = gmtSign ?? sign
    const h = Number(gmtH ?? oh ?? 0)
    const mm = Number(gmtM ?? om ?? 0)
    if (h > 23 || mm > 59) return invalidStamp('has a time-zone offset out of range (at most ±23:59)')
    offset = (s === '-' ? -1 : 1) * (h * 3600 + mm * 60)
  }

  let proves: DateOrder | null = null
  if (yearFirst) {
    if (first < 1 || first > 12) return invalidStamp(`is not a valid date: there is no month ${d2}`)
    if (second < 1 || second > daysInMonth(year, first)) return invalidStamp(`is not a valid date: ${monthName(first)} ${year} has no day ${d3}`)
  } else {
    const dmy = isDate(year, second, first)
    const mdy = isDate(year, first, second)
    if (!dmy && !mdy) return invalidStamp('is not a valid date, read either as day/month/year or as month/day/year')
    if (dmy !== mdy) proves = dmy ? 'DMY' : 'MDY'
  }
  return { kind: 'wall', yearFirst, year, first, second, hour, minute, sec, nanos, offset, proves }
}

/** What pass 2 needs to turn a read timestamp into an instant, and where it reports problems. */
interface Settling {
  problems: ProblemList
  /** The Timestamp column's header as written in the file. */
  column: string
  /** The order year-last dates are read in: given, else proven by a row, else unknown. */
  order: DateOrder | null
  dateOrder: DateOrder | undefined
  proof: { order: DateOrder; line: number; raw: string } | null
  zone: Zone | null
  /** Per-import cache of the zone's offsets by UTC day (see offsetAt). */
  offsets: Map<number, number | null>
}

/** The instant of one row's timestamp, or null after recording every problem with it. */
function settleTimestamp(ctx: Settling, line: number, raw: string, stamp: Stamp): Instant | null {
  const { problems, column, order, zone } = ctx
  if (stamp.kind === 'instant') return stamp.instant
  if (stamp.kind === 'invalid') {
    const message = raw === '' ? 'is blank; every response needs the time it was submitted' : `${quote(raw)} ${stamp.reason}`
    cellProblem(problems, line, column, 'csv-invalid-timestamp', message)
    return null
  }

  const date = resolveDate(stamp, order)
  if (date.kind === 'ambiguous') {
    const dmy = spell(stamp.year, stamp.second, stamp.first)
    const mdy = spell(stamp.year, stamp.first, stamp.second)
    cellProblem(
      problems,
      line,
      column,
      'csv-ambiguous-date',
      `${quote(raw)} could be ${dmy} (day/month/year) or ${mdy} (month/day/year), and no row in the file settles which; add ?dateOrder=DMY or ?dateOrder=MDY`,
    )
  } else if (date.kind === 'contradicts') {
    const reading = order === 'DMY' ? 'day/month/year' : 'month/day/year'
    const because =
      ctx.dateOrder !== undefined || ctx.proof === null
        ? ` (dateOrder=${order})`
        : `, the order that line ${ctx.proof.line} (${quote(ctx.proof.raw)}) shows this file uses`
    cellProblem(problems, line, column, 'csv-invalid-timestamp', `${quote(raw)} is not a valid date read as ${reading}${because}`)
  }
  // Reported even when the date is also at fault, so staff learn every parameter they must add.
  if (stamp.offset === null && zone === null) {
    cellProblem(
      problems,
      line,
      column,
      'csv-timezone-required',
      `${quote(raw)} has no time-zone offset; add ?timezone=<IANA zone> (e.g. ?timezone=Europe/London) to say where it was recorded`,
    )
    return null
  }
  if (date.kind !== 'ok') return null

  const wall = civilSeconds(stamp.year, date.month, date.day, stamp.hour, stamp.minute, stamp.sec)
  let epoch: number
  if (stamp.offset !== null) {
    epoch = wall - stamp.offset
  } else {
    const local = localToEpoch(zone!, ctx.offsets, wall)
    if (local.kind === 'gap') {
      cellProblem(
        problems,
        line,
        column,
        'csv-invalid-timestamp',
        `${quote(raw)} never happened in ${zone!.name}: the clocks jumped from ${formatOffset(local.before)} to ${formatOffset(local.after)} over that time`,
      )
      return null
    }
    epoch = local.epoch
  }
  try {
    return instantFromEpochNanos(BigInt(epoch) * 1_000_000_000n + BigInt(stamp.nanos))
  } catch (error) {
    if (!(error instanceof InvalidInstantError)) throw error
    cellProblem(problems, line, column, 'csv-invalid-timestamp', `${quote(raw)} falls outside the years 0001 to 9999 once converted to UTC`)
    return null
  }
}

function invalidStamp(reason: string): Stamp {
  return { kind: 'invalid', reason }
}

type ResolvedDate = { kind: 'ok'; month: number; day: number } | { kind: 'ambiguous' } | { kind: 'contradicts' }

function resolveDate(stamp: Extract<Stamp, { kind: 'wall' }>, order: DateOrder | null): ResolvedDate {
  const { yearFirst, year, first, second } = stamp
  if (yearFirst) return { kind: 'ok', month: first, day: second }
  if (order === null) {
    // No order given or proven: only a date that reads the same both ways (day == month) is safe.
    return first === second ? { kind: 'ok', month: first, day: second } : { kind: 'ambiguous' }
  }
  const [month, day] = order === 'DMY' ? [second, first] : [first, second]
  return isDate(year, month, day) ? { kind: 'ok', month, day } : { kind: 'contradicts' }
}

function isDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

function monthName(month: number): string {
  return MONTHS[month - 1] ?? `month ${month}`
}

function spell(year: number, month: number, day: number): string {
  return `${day} ${monthName(month)} ${year}`
}

/** Seconds since 1970-01-01T00:00:00Z of a wall-clock reading taken as if it were UTC. */
function civilSeconds(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  // Howard Hinnant's days-from-civil, as in domain/time.ts: plain arithmetic, so 100,000 rows
  // allocate no Date objects.
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  const days = era * 146_097 + doe - 719_468
  return days * DAY + hour * 3600 + minute * 60 + second
}

function formatOffset(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+'
  const abs = Math.abs(seconds)
  const h = Math.floor(abs / 3600)
  const m = Math.floor((abs % 3600) / 60)
  return `UTC${sign}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)
}

// ---------------------------------------------------------------------------------------------
// Time zones: local wall time → UTC with the zone's rules as Intl knows them.

interface Zone {
  name: string
  format: Intl.DateTimeFormat
}

/** One formatter per zone name for the life of the process: building one costs far more than using it. */
const zones = new Map<string, Zone>()

function zoneFor(name: string): Zone {
  const cached = zones.get(name)
  if (cached) return cached
  let format: Intl.DateTimeFormat
  try {
    if (typeof name !== 'string' || name.trim() === '') throw new RangeError('blank')
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
  } catch {
    throw new CsvImportError([
      {
        code: 'csv-invalid-timezone',
        line: null,
        column: null,
        message: `timezone ${JSON.stringify(String(name))} is not a known IANA time zone (e.g. Europe/London, America/New_York, UTC)`,
      },
    ])
  }
  const zone = { name: format.resolvedOptions().timeZone, format }
  if (zones.size < 1000) zones.set(name, zone)
  return zone
}

/** The zone's offset (seconds east of UTC) at a whole-second instant, straight from Intl. */
function rawOffset(zone: Zone, epochSeconds: number): number {
  let year = 0
  let month = 1
  let day = 1
  let hour = 0
  let minute = 0
  let second = 0
  let bc = false
  for (const part of zone.format.formatToParts(new Date(epochSeconds * 1000))) {
    switch (part.type) {
      case 'year': year = Number(part.value); break
      case 'month': month = Number(part.value); break
      case 'day': day = Number(part.value); break
      case 'hour': hour = Number(part.value) % 24; break
      case 'minute': minute = Number(part.value); break
      case 'second': second = Number(part.value); break
      case 'era': bc = /^B/i.test(part.value); break
    }
  }
  return civilSeconds(bc ? 1 - year : year, month, day, hour, minute, second) - epochSeconds
}

const DAY = 86_400

/**
 * The zone's offset at an instant. Offsets are cached per UTC day when the day starts and ends on
 * the same offset (i.e. holds no transition); days with a transition are asked of Intl each time.
 */
function offsetAt(zone: Zone, cache: Map<number, number | null>, epochSeconds: number): number {
  const day = Math.floor(epochSeconds / DAY)
  let steady = cache.get(day)
  if (steady === undefined) {
    const start = rawOffset(zone, day * DAY)
    steady = start === rawOffset(zone, (day + 1) * DAY) ? start : null
    cache.set(day, steady)
  }
  return steady ?? rawOffset(zone, epochSeconds)
}

/**
 * The instant a wall-clock reading denotes in the zone: the earlier one when the reading occurs
 * twice (clocks going back), or a gap when it never occurs (clocks going forward).
 */
function localToEpoch(
  zone: Zone,
  cache: Map<number, number | null>,
  wall: number,
): { kind: 'ok'; epoch: number } | { kind: 'gap'; before: number; after: number } {
  const before = offsetAt(zone, cache, wall - DAY)
  const after = offsetAt(zone, cache, wall + DAY)
  let best: number | null = null
  for (const offset of before === after ? [before] : [before, after]) {
    const epoch = wall - offset
    if (epoch + offsetAt(zone, cache, epoch) === wall && (best === null || epoch < best)) best = epoch
  }
  return best === null ? { kind: 'gap', before, after } : { kind: 'ok', epoch: best }
}
