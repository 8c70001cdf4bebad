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
 * A file is bounded like a JSON batch (src/domain/limits.ts), and the bounds are checked while the
 * file is read, so a huge or hostile upload is refused at its first offending row instead of being
 * read whole: at most 50,000 responses (413 `too-many-rows`), 1,000 columns, and cells of at most
 * 300 (name, institution), 320 (email) or 10,000 (any other) characters. Cells must be text (no NUL,
 * no lone surrogate), the stored columns must hold no U+FFFD (the mark of bytes that were not UTF-8),
 * and a non-blank email must pass `emailAddressProblem`, the one address check.
 *
 * Reading happens in two steps so neither blocks the process for long: {@link CsvReader} takes the
 * file in chunks as they arrive (checking the bounds), and {@link responsesFromCsv} is a generator
 * that yields every few hundred records, so a caller can give other requests a turn in between.
 * {@link parseResponsesCsv} does both at once, for callers that hold the whole text.
 *
 * Nothing here touches the network, the database or the clock; `Intl` supplies the time-zone rules.
 */
import type { Readable } from 'node:stream'
import { AppError } from '../errors.js'
import { IMPORT_LIMITS } from '../domain/limits.js'
import { emailAddressProblem } from '../domain/email.js'
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
  /**
   * The file's own headings for rota's fields, when worded otherwise:
   * `name:Full name,institution:Organisation` (fields timestamp, email, name, institution).
   */
  columns?: string
  /** `none`: the file has no institution column, on purpose (everyone is then unaffiliated). */
  institution?: 'none'
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
  | 'csv-invalid-columns'
  | 'csv-no-rows'
  | 'csv-wrong-separator'
  | 'csv-invalid-text'
  | 'csv-invalid-email'
  | 'csv-field-too-long'
  | 'csv-too-many-columns'
  | 'too-many-rows'

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
 * How much one CSV file may carry: the JSON batch's limits (src/domain/limits.ts) for the rows and
 * the columns rota stores, and generous bounds for everything else a form may ask.
 */
export const CSV_LIMITS = {
  /** Responses (non-blank records after the header). */
  maxRows: IMPORT_LIMITS.maxResponses,
  /** A form's questions, plus the timestamp. */
  maxColumns: 1_000,
  maxNameLength: IMPORT_LIMITS.maxNameLength,
  maxEmailLength: IMPORT_LIMITS.maxEmailLength,
  maxInstitutionLength: IMPORT_LIMITS.maxInstitutionLength,
  /** Any other cell (timestamps, header titles, answers rota does not store): a long paragraph fits. */
  maxCellLength: 10_000,
} as const

/**
 * A refused CSV file: nothing from it may be stored. `code`, `line`, `column` and `message` are the
 * first problem's; `problems` lists up to {@link MAX_CSV_PROBLEMS} of them in file order. It is an
 * `AppError` of kind `invalid`, so the HTTP edge answers 400 with `details.problems` — or, for a file
 * with more rows than one import takes (`too-many-rows`), of kind `too-large` (413).
 */
export class CsvImportError extends AppError {
  readonly line: number | null
  readonly column: string | null
  readonly problems: CsvProblem[]
  /** How many problems were found, including those beyond the listed ones. */
  readonly totalProblems: number

  constructor(problems: CsvProblem[], totalProblems: number = problems.length) {
    const first = problems[0] ?? { code: 'csv-malformed', line: null, column: null, message: 'the CSV file is invalid' }
    super(first.code === 'too-many-rows' ? 'too-large' : 'invalid', first.code, first.message, {
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

/** The options a file is read with, checked before any row is. */
interface Reading {
  zone: Zone | null
  dateOrder: DateOrder | undefined
  mapping: Mapping
  institutionNone: boolean
}

/** Headings staff gave for rota's fields (normalised as roleOf normalises). */
type Mapping = Partial<Record<Role, string>>

function requestProblem(code: CsvErrorCode, message: string): CsvImportError {
  return new CsvImportError([{ code, line: null, column: null, message }])
}

function readingOf(options: CsvOptions): Reading {
  const zone = options.timezone === undefined ? null : zoneFor(options.timezone)
  const dateOrder = options.dateOrder
  if (dateOrder !== undefined && dateOrder !== 'DMY' && dateOrder !== 'MDY') {
    throw requestProblem(
      'csv-invalid-date-order',
      `dateOrder must be one of DMY, MDY, not ${JSON.stringify(String(dateOrder))}`,
    )
  }
  if (options.institution !== undefined && options.institution !== 'none') {
    throw requestProblem(
      'csv-invalid-columns',
      `institution must be none (for a file without an institution column), not ${JSON.stringify(String(options.institution))}`,
    )
  }
  const mapping = options.columns === undefined ? {} : readMapping(options.columns)
  if (options.institution === 'none' && mapping.institution !== undefined) {
    throw requestProblem(
      'csv-invalid-columns',
      'columns maps an institution column and institution=none says there is none: give one or the other',
    )
  }
  return { zone, dateOrder, mapping, institutionNone: options.institution === 'none' }
}

const FIELDS: Role[] = ['timestamp', 'email', 'name', 'institution']

/** `name:Full name,institution:Organisation` → { name: 'full name', institution: 'organisation' }. */
function readMapping(text: string): Mapping {
  const mapping: Mapping = {}
  for (const part of text.split(',')) {
    if (part.trim() === '') continue
    const colon = part.indexOf(':')
    const field = (colon === -1 ? part : part.slice(0, colon)).trim().toLowerCase() as Role
    const heading = colon === -1 ? '' : normaliseHeading(part.slice(colon + 1))
    const problem = !FIELDS.includes(field)
      ? `${JSON.stringify(part.trim())} names no field rota reads; the fields are ${FIELDS.join(', ')}`
      : heading === ''
        ? `${JSON.stringify(part.trim())} gives no heading; write ${field}:<the heading in your file>`
        : mapping[field] !== undefined
          ? `${field} is mapped twice`
          : null
    if (problem !== null)
      throw requestProblem(
        'csv-invalid-columns',
        `columns: ${problem} (e.g. columns=name:Full name,institution:Organisation)`,
      )
    mapping[field] = heading
  }
  return mapping
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
 *
 * This reads the whole file in one go; an HTTP upload uses {@link readCsvStream} and
 * {@link responsesFromCsv} instead, which do the same in steps.
 */
export function parseResponsesCsv(text: string, options: CsvOptions = {}): CsvResponseRow[] {
  readingOf(options) // bad options are refused before any row is read
  const reader = new CsvReader()
  reader.push(text)
  const rows = responsesFromCsv(reader.end(), options)
  for (;;) {
    const step = rows.next()
    if (step.done) return step.value
  }
}

/** Records read between two yields of {@link responsesFromCsv}: a few milliseconds of work. */
const RECORDS_PER_STEP = 250

/**
 * The responses in a read file (see {@link parseResponsesCsv} for what is accepted), as a generator
 * that yields every {@link RECORDS_PER_STEP} records and returns the rows, or throws a
 * CsvImportError listing every problem. The caller decides what to do in between (give other
 * requests a turn); driving it to the end without pausing is the same as parsing in one go.
 */
export function* responsesFromCsv(csv: CsvRecords, options: CsvOptions = {}): Generator<void, CsvResponseRow[], void> {
  const { zone, dateOrder, mapping, institutionNone } = readingOf(options)
  const { records, unterminated } = csv
  const problems = new ProblemList()
  const unterminatedProblem: CsvProblem | null =
    unterminated === null
      ? null
      : {
          code: 'csv-malformed',
          line: unterminated,
          column: null,
          message: `line ${unterminated}: a quoted field starts here and is never closed (a " is missing), so the rest of the file cannot be read`,
        }

  // The reader keeps no blank records: the first one is the header.
  const header = records[0]
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

  const separator = otherSeparator(header)
  if (separator !== null) {
    problems.add({
      code: 'csv-wrong-separator',
      line: header.line,
      column: null,
      message: `line ${header.line}: the columns seem to be separated by ${separator} rather than commas; export the responses again as comma-separated CSV (Google Forms' "Download responses (.csv)" is), or save the file as "CSV (comma delimited)"`,
    })
    throw problems.toError()
  }
  if (records.length === 1 && unterminatedProblem === null) {
    problems.add({
      code: 'csv-no-rows',
      line: header.line,
      column: null,
      message: `line ${header.line}: the file has a header row and no responses after it. If the file has responses, its line breaks were lost on the way: curl -d @file strips them; send the file with curl --data-binary @file`,
    })
    throw problems.toError()
  }
  const columns = mapHeader(header, problems, mapping, institutionNone)
  if (columns === null) {
    if (unterminatedProblem) problems.add(unterminatedProblem)
    throw problems.toError()
  }
  if (header.problem) problems.add(malformedCell(header, header.cells))

  // Pass 1: read every record and every timestamp, gathering evidence for the date order.
  const width = header.cells.length
  const names = header.cells.map((cell) => cell.trim())
  const pending: PendingRow[] = []
  let proof: { order: DateOrder; line: number; raw: string } | null = null
  for (let r = 1; r < records.length; r++) {
    if (r % RECORDS_PER_STEP === 0) yield
    const record = records[r]!
    const cells = record.cells
    if (record.problem) {
      pending.push({ record, problems: [malformedCell(record, header.cells)] })
      continue
    }
    if (cells.length < width) {
      pending.push({ record, problems: [malformedCount(record.line, cells.length, width)] })
      continue
    }
    if (cells.length > width && cells.slice(width).some((c) => c.trim() !== '')) {
      pending.push({ record, problems: [malformedCount(record.line, cells.length, width)] })
      continue
    }
    let found = textProblems(record, names, columns)
    const long = storedLengthProblem(record, names, columns)
    if (long !== null) found = [...found, long]
    const email = cellText(record, columns.email)
    if (email !== '' && !found.some((p) => p.column === names[columns.email])) {
      // Blank stays allowed: the selection excludes it as `missing-fields`, with its reason.
      const why = emailAddressProblem(email)
      if (why !== null)
        found = [
          ...found,
          problemAt(record.line, names[columns.email]!, 'csv-invalid-email', `the email address ${why}`),
        ]
    }
    const raw = cells[columns.timestamp]!.trim()
    const stamp = readStamp(raw)
    if (proof === null && stamp.kind === 'wall' && stamp.proves !== null) {
      proof = { order: stamp.proves, line: record.line, raw }
    }
    pending.push({ record, problems: found, raw, stamp })
  }

  // Pass 2: settle each timestamp with the file's date order and the time zone.
  const settling: Settling = {
    problems,
    column: names[columns.timestamp]!,
    order: dateOrder ?? proof?.order ?? null,
    dateOrder,
    proof,
    zone,
    offsets: new Map(),
  }
  const rows: CsvResponseRow[] = []
  for (let p = 0; p < pending.length; p++) {
    if (p % RECORDS_PER_STEP === RECORDS_PER_STEP - 1) yield
    const entry = pending[p]!
    for (const problem of entry.problems) problems.add(problem)
    if (entry.stamp === undefined) continue
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

// Not text: NUL, and halves of UTF-16 surrogate pairs standing alone (the `u` flag makes a whole pair one code point).
// eslint-disable-next-line no-control-regex
const NOT_TEXT = /[\u0000\p{Cs}]/u
/** In the stored columns, U+FFFD too: it is what bytes that were not UTF-8 were decoded to. */
// eslint-disable-next-line no-control-regex
const NOT_STORED_TEXT = /[\u0000\p{Cs}\uFFFD]/u

/** Cells that are not text (NUL, lone surrogates; U+FFFD in the columns rota stores), one problem per cell. */
function textProblems(record: RawRecord, names: string[], columns: Columns): readonly CsvProblem[] {
  let found: CsvProblem[] | null = null // most records have none: no array for them
  record.cells.forEach((cell, index) => {
    const stored = index === columns.name || index === columns.email || index === columns.institution
    const m = (stored ? NOT_STORED_TEXT : NOT_TEXT).exec(cell)
    if (m === null) return
    const c = m[0]
    const what =
      c === '\u0000'
        ? 'contains a NUL character (\\u0000), which is not text'
        : c === '\uFFFD'
          ? 'contains U+FFFD (\uFFFD), the mark of bytes that were not valid UTF-8; export the file again as UTF-8 (CSV) and upload that'
          : 'contains half of a UTF-16 surrogate pair on its own, which is not text'
    ;(found ??= []).push(problemAt(record.line, names[index] || `column ${index + 1}`, 'csv-invalid-text', what))
  })
  return found ?? NO_PROBLEMS
}

const NO_PROBLEMS: readonly CsvProblem[] = Object.freeze([])

function problemAt(line: number, column: string, code: CsvErrorCode, message: string): CsvProblem {
  return { code, line, column, message: `line ${line}, column ${JSON.stringify(column)}: ${message}` }
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
  problems.add(problemAt(line, column, code, message))
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
  return {
    code: 'csv-malformed',
    line,
    column,
    message: `${where}: there is text after a closing " before the next comma`,
  }
}

// ---------------------------------------------------------------------------------------------
// Header

type Role = 'timestamp' | 'email' | 'name' | 'institution'

const ROLES: { role: Role; label: string; names: string[]; required: boolean }[] = [
  { role: 'timestamp', label: 'Timestamp', names: ['timestamp'], required: true },
  { role: 'email', label: 'Email Address', names: ['email address', 'email'], required: true },
  { role: 'name', label: 'Name', names: ['name', 'full name'], required: true },
  {
    role: 'institution',
    label: 'Institution',
    names: ['institution', 'affiliation', 'organization', 'organisation'],
    required: false,
  },
]

interface Columns {
  timestamp: number
  email: number
  name: number
  institution: number | null
}

/** A heading as it is compared: trimmed, spacing collapsed, case ignored. */
function normaliseHeading(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase()
}

/** The role a header cell names, if any: case, spacing and the names' variants do not matter. */
function roleOf(headerCell: string): Role | null {
  const key = normaliseHeading(headerCell)
  return ROLES.find((r) => r.names.includes(key))?.role ?? null
}

/** The headings of a header row, quoted, for messages. */
function headingsOf(header: RawRecord): string {
  const names = header.cells.map((c) => JSON.stringify(c.trim()))
  return names.length > 12 ? `${names.slice(0, 12).join(', ')} and ${names.length - 12} more` : names.join(', ')
}

/**
 * Finds each role's column (a heading staff mapped, else one of the role's usual names), or records
 * why it cannot and returns null. A file without an institution column is refused unless the
 * request says `institution=none`: importing it would make everyone unaffiliated, silently
 * switching off one seat per institution.
 */
function mapHeader(
  header: RawRecord,
  problems: ProblemList,
  mapping: Mapping,
  institutionNone: boolean,
): Columns | null {
  const found = new Map<Role, number[]>()
  header.cells.forEach((cell, index) => {
    const key = normaliseHeading(cell)
    const mapped = FIELDS.filter((field) => mapping[field] === key)
    // A mapped heading is that field's, and the field is read from it alone.
    const roles =
      mapped.length > 0 ? mapped : [roleOf(cell)].filter((r): r is Role => r !== null && mapping[r] === undefined)
    for (const role of roles) found.set(role, [...(found.get(role) ?? []), index])
  })
  const line = header.line
  let ok = true
  for (const { role, label, names, required } of ROLES) {
    const indexes = found.get(role) ?? []
    const expected =
      mapping[role] !== undefined
        ? JSON.stringify(mapping[role]) + ' (as mapped in ?columns=)'
        : names.map((n) => JSON.stringify(titleCase(n))).join(' or ')
    if (indexes.length === 0 && (required || !institutionNone)) {
      ok = false
      const remedy =
        role === 'institution'
          ? `; map yours with ?columns=institution:<heading>, or, if the form does not ask for one, add ?institution=none (everyone is then unaffiliated, and one seat per institution does not apply)`
          : mapping[role] === undefined
            ? `; map yours with ?columns=${role}:<heading>`
            : ''
      problems.add({
        code: 'csv-missing-column',
        line,
        column: label,
        message: `line ${line}: no ${JSON.stringify(label)} column; expected a column headed ${expected}, found ${headingsOf(header)}${remedy}`,
      })
    } else if (indexes.length > 0 && role === 'institution' && institutionNone) {
      ok = false
      problems.add({
        code: 'csv-invalid-columns',
        line,
        column: header.cells[indexes[0]!]!.trim(),
        message: `line ${line}: institution=none says the file has no institution column, but column ${indexes[0]! + 1} (${JSON.stringify(header.cells[indexes[0]!]!.trim())}) is one; leave out ?institution=none`,
      })
    } else if (indexes.length > 1) {
      ok = false
      const headed = indexes.map((i) => JSON.stringify(header.cells[i]!.trim())).join(' and ')
      problems.add({
        code: 'csv-ambiguous-column',
        line,
        column: header.cells[indexes[1]!]!.trim(),
        message: `line ${line}: the columns ${headed} (columns ${indexes.map((i) => i + 1).join(' and ')}) could each be the ${JSON.stringify(label)} column; rename or remove all but one, or map one with ?columns=${role}:<heading>`,
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

/**
 * The separator a header row seems to use instead of commas (`;` from a spreadsheet in a locale that
 * writes decimal commas, a tab from a copy-paste), or null: one cell holding several of them.
 */
function otherSeparator(header: RawRecord): string | null {
  if (header.cells.length > 1) return null
  const cell = header.cells[0] ?? ''
  if ((cell.match(/;/g) ?? []).length >= 2) return '";" (semicolons)'
  if ((cell.match(/\t/g) ?? []).length >= 2) return 'tabs'
  return null
}

/**
 * A stored cell (name, email, institution) longer than rota keeps. The reader checks these while
 * reading for the usual headings; a mapped heading is only known here.
 */
function storedLengthProblem(record: RawRecord, names: string[], columns: Columns): CsvProblem | null {
  const checks: Array<[number | null, number]> = [
    [columns.name, CSV_LIMITS.maxNameLength],
    [columns.email, CSV_LIMITS.maxEmailLength],
    [columns.institution, CSV_LIMITS.maxInstitutionLength],
  ]
  for (const [index, max] of checks) {
    if (index === null) continue
    const length = cellText(record, index).length
    if (length > max)
      return problemAt(
        record.line,
        names[index] || `column ${index + 1}`,
        'csv-field-too-long',
        `the cell has ${length.toLocaleString('en')} characters; at most ${max.toLocaleString('en')} are allowed`,
      )
  }
  return null
}

function titleCase(text: string): string {
  return text.replace(/\b\w/g, (c) => c.toUpperCase())
}

// ---------------------------------------------------------------------------------------------
// RFC 4180 tokenizer: quoted fields, doubled quotes, embedded commas and line breaks, CRLF / LF /
// lone CR line ends, a final line end or none. Line numbers count physical lines as an editor does.

export interface RawRecord {
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

/** A file as {@link CsvReader} read it: its non-blank records (the header first) and where an unclosed quote opens. */
export interface CsvRecords {
  records: RawRecord[]
  /** The line of a quoted field that is never closed (that record and the rest of the file are lost), or null. */
  unterminated: number | null
}

/**
 * Reads a CSV file in chunks as they arrive, keeping its records and checking {@link CSV_LIMITS}
 * as it goes: a file with too many rows or columns, or a cell that is too long, is refused
 * (CsvImportError thrown from `push`) as soon as the offending row is seen, without reading on.
 * Only an unfinished cell is held back between chunks.
 */
export class CsvReader {
  /** Text not read yet: it starts at the cell (or record) being read. */
  private text = ''
  /** The physical line where `text` starts. */
  private line = 1
  /** The record being read, once its first cell has started. */
  private record: RawRecord | null = null
  private started = false
  private readonly records: RawRecord[] = []
  /** The header's cells, trimmed, once read; and each column's longest cell. */
  private names: string[] | null = null
  private limits: number[] = []
  private rows = 0

  /** Reads the next chunk of text; throws a CsvImportError at the first bound exceeded. */
  push(chunk: string): void {
    if (chunk === '') return
    if (!this.started) {
      this.started = true
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1)
    }
    this.text = this.text === '' ? chunk : this.text + chunk
    this.scan(false)
  }

  /** The whole file has been pushed: reads what is left and returns the records. */
  end(): CsvRecords {
    return { records: this.records, unterminated: this.scan(true) }
  }

  /**
   * Reads every cell that is complete (RFC 4180: quoted fields, doubled quotes, embedded commas and
   * line breaks; CRLF / LF / lone CR line ends). Until `final`, a cell that reaches the end of the
   * text may go on in the next chunk and is left for then. Returns where an unclosed quote opened.
   */
  private scan(final: boolean): number | null {
    const text = this.text
    const n = text.length
    let i = 0
    let line = this.line
    for (;;) {
      if (this.record === null) {
        if (i >= n) break
        this.record = { line, cells: [] }
      } else if (i >= n) {
        // After a comma: if the file ends here, the record ends with an empty cell.
        if (!final) break
        this.addCell(this.record, '', line)
        this.finish(this.record)
        this.record = null
        break
      }
      const record = this.record
      const cellStart = i
      const cellLine = line
      let problem: { line: number; cell: number } | undefined
      let value: string
      // Spaces before an opening quote are tolerated (cells are trimmed anyway).
      let j = i
      while (j < n && (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB)) j++
      let complete = true
      if (j < n && text.charCodeAt(j) === QUOTE) {
        value = ''
        let k = j + 1
        for (;;) {
          const q = text.indexOf('"', k)
          if (q === -1 || (q + 1 >= n && !final)) {
            complete = false // the closing quote (or the second of a doubled one) may be in the next chunk
            break
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
        if (!complete && final) {
          // Never closed: this record is lost, and so is the rest of the file.
          this.record = null
          this.text = ''
          return cellLine
        }
        i = k
        if (complete) {
          while (i < n && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++
          if (i < n && !isDelimiter(text.charCodeAt(i))) {
            problem = { line, cell: record.cells.length }
            const start = i
            while (i < n && !isDelimiter(text.charCodeAt(i))) i++
            value += text.slice(start, i)
          }
        }
      } else {
        while (i < n && !isDelimiter(text.charCodeAt(i))) i++
        value = text.slice(cellStart, i)
      }
      // A cell ends at a delimiter; a CR at the very end may be the first half of a CRLF.
      if (complete && !final && (i >= n || (text.charCodeAt(i) === CR && i + 1 >= n))) complete = false
      if (!complete) {
        if (n - cellStart > 2 * CSV_LIMITS.maxCellLength + 2) throw this.tooLong(record, cellLine, null)
        this.text = text.slice(cellStart)
        this.line = cellLine
        return null
      }
      this.addCell(record, value, cellLine)
      if (problem) record.problem ??= problem
      if (i >= n) {
        this.finish(record)
        this.record = null
        break
      }
      const c = text.charCodeAt(i)
      i++
      if (c === COMMA) continue
      if (c === CR && text.charCodeAt(i) === LF) i++
      line++
      this.finish(record)
      this.record = null
    }
    this.text = ''
    this.line = line
    return null
  }

  private addCell(record: RawRecord, value: string, line: number): void {
    const index = record.cells.length
    if (index >= CSV_LIMITS.maxColumns) {
      throw new CsvImportError([
        {
          code: 'csv-too-many-columns',
          line: record.line,
          column: null,
          message: `line ${record.line}: the record has more than ${CSV_LIMITS.maxColumns.toLocaleString('en')} cells, the most a file may have`,
        },
      ])
    }
    const max = this.limits[index] ?? CSV_LIMITS.maxCellLength
    if (value.length > max) {
      const length = value.trim().length
      if (length > max) throw this.tooLong(record, line, length)
    }
    record.cells.push(value)
  }

  /** A cell longer than its column allows; `length` is null when it is not even finished yet. */
  private tooLong(record: RawRecord, line: number, length: number | null): CsvImportError {
    const index = record.cells.length
    const name = this.names?.[index]
    const column = name === undefined || name === '' ? null : name
    const where =
      column === null ? `line ${line}, column ${index + 1}` : `line ${line}, column ${JSON.stringify(column)}`
    const max = this.limits[index] ?? CSV_LIMITS.maxCellLength
    const message =
      length === null
        ? `${where}: the cell is longer than the ${max.toLocaleString('en')} characters allowed; if it should not be, a closing " may be missing`
        : `${where}: the cell has ${length.toLocaleString('en')} characters; at most ${max.toLocaleString('en')} are allowed`
    return new CsvImportError([{ code: 'csv-field-too-long', line, column, message }])
  }

  private finish(record: RawRecord): void {
    if (isBlankRecord(record)) return
    if (this.names === null) {
      this.names = record.cells.map((cell) => cell.trim())
      this.limits = record.cells.map((cell) => LIMIT_BY_ROLE[roleOf(cell) ?? 'other'])
    } else if (++this.rows > CSV_LIMITS.maxRows) {
      throw new CsvImportError([
        {
          code: 'too-many-rows',
          line: record.line,
          column: null,
          message: `line ${record.line}: the file has more than ${CSV_LIMITS.maxRows.toLocaleString('en')} responses, the most one import takes; split it into several files`,
        },
      ])
    }
    this.records.push(record)
  }
}

const LIMIT_BY_ROLE: Record<Role | 'other', number> = {
  timestamp: CSV_LIMITS.maxCellLength,
  name: CSV_LIMITS.maxNameLength,
  email: CSV_LIMITS.maxEmailLength,
  institution: CSV_LIMITS.maxInstitutionLength,
  other: CSV_LIMITS.maxCellLength,
}

/**
 * Reads an upload (UTF-8 bytes) through a {@link CsvReader}. It is refused (the promise rejects)
 * as soon as it exceeds `maxBytes` (413 `body-too-large`) or a bound of the reader (CsvImportError):
 * nothing more is parsed or kept, and what still arrives is dropped. Bytes that are not UTF-8
 * become U+FFFD (refused in the stored columns, with their line).
 */
export function readCsvStream(stream: Readable, maxBytes: number): Promise<CsvRecords> {
  return new Promise((resolve, reject) => {
    const decoder = new TextDecoder('utf-8')
    const reader = new CsvReader()
    let bytes = 0
    const detach = (): void => {
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('error', onError)
      stream.on('error', () => {}) // the answer is settled; a client going away later is not an error
    }
    function onData(chunk: Buffer | string): void {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      bytes += buffer.length
      if (bytes > maxBytes) {
        detach()
        return reject(bodyTooLarge(maxBytes))
      }
      try {
        reader.push(decoder.decode(buffer, { stream: true }))
      } catch (error) {
        detach()
        reject(asError(error))
      }
    }
    function onEnd(): void {
      detach()
      try {
        reader.push(decoder.decode())
        resolve(reader.end())
      } catch (error) {
        reject(asError(error))
      }
    }
    function onError(error: unknown): void {
      detach()
      reject(asError(error))
    }
    stream.on('data', onData)
    stream.on('end', onEnd)
    stream.on('error', onError)
    stream.resume()
  })
}

/** The upload is larger than `maxBytes`: 413, as fastify answers for other bodies. */
export function bodyTooLarge(maxBytes: number): AppError {
  const mb = maxBytes / (1024 * 1024)
  return new AppError(
    'too-large',
    'body-too-large',
    `The CSV file is larger than ${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB, the most one import takes; split it into several files`,
  )
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
  | { record: RawRecord; problems: readonly CsvProblem[]; raw?: undefined; stamp?: undefined }
  | { record: RawRecord; problems: readonly CsvProblem[]; raw: string; stamp: Stamp }

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
    if (second < 1 || second > daysInMonth(year, first))
      return invalidStamp(`is not a valid date: ${monthName(first)} ${year} has no day ${d3}`)
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
    const message =
      raw === '' ? 'is blank; every response needs the time it was submitted' : `${quote(raw)} ${stamp.reason}`
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
    cellProblem(
      problems,
      line,
      column,
      'csv-invalid-timestamp',
      `${quote(raw)} is not a valid date read as ${reading}${because}`,
    )
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
    cellProblem(
      problems,
      line,
      column,
      'csv-invalid-timestamp',
      `${quote(raw)} falls outside the years 0001 to 9999 once converted to UTC`,
    )
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

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

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

/**
 * Zones people name by abbreviation, with the IANA zone they most likely mean. An abbreviation is
 * refused, never guessed: `BST` is British Summer Time to staff in London and Asia/Dhaka (UTC+6) to
 * the time-zone database, `IST` is India, Ireland or Israel.
 */
const ABBREVIATIONS: Record<string, string[]> = {
  GMT: ['Europe/London', 'UTC'],
  BST: ['Europe/London'],
  WET: ['Europe/Lisbon'],
  WEST: ['Europe/Lisbon'],
  CET: ['Europe/Paris', 'Europe/Berlin'],
  CEST: ['Europe/Paris', 'Europe/Berlin'],
  MET: ['Europe/Paris'],
  EET: ['Europe/Athens', 'Europe/Helsinki'],
  EEST: ['Europe/Athens', 'Europe/Helsinki'],
  MSK: ['Europe/Moscow'],
  EST: ['America/New_York', 'America/Toronto'],
  EDT: ['America/New_York', 'America/Toronto'],
  CST: ['America/Chicago', 'Asia/Shanghai'],
  CDT: ['America/Chicago'],
  MST: ['America/Denver', 'America/Phoenix'],
  MDT: ['America/Denver'],
  PST: ['America/Los_Angeles', 'America/Vancouver'],
  PDT: ['America/Los_Angeles', 'America/Vancouver'],
  AKST: ['America/Anchorage'],
  HST: ['Pacific/Honolulu'],
  AST: ['America/Halifax'],
  NST: ['America/St_Johns'],
  BRT: ['America/Sao_Paulo'],
  ART: ['America/Argentina/Buenos_Aires'],
  IST: ['Asia/Kolkata', 'Europe/Dublin', 'Asia/Jerusalem'],
  PKT: ['Asia/Karachi'],
  SGT: ['Asia/Singapore'],
  HKT: ['Asia/Hong_Kong'],
  JST: ['Asia/Tokyo'],
  KST: ['Asia/Seoul'],
  AEST: ['Australia/Sydney', 'Australia/Brisbane'],
  AEDT: ['Australia/Sydney'],
  ACST: ['Australia/Adelaide'],
  AWST: ['Australia/Perth'],
  NZST: ['Pacific/Auckland'],
  NZDT: ['Pacific/Auckland'],
  SAST: ['Africa/Johannesburg'],
  CAT: ['Africa/Maputo'],
  EAT: ['Africa/Nairobi'],
  WAT: ['Africa/Lagos'],
}

/**
 * Why a time-zone name is refused, or null: only IANA names are taken, `Area/Location`
 * (Europe/London), `Etc/…` and `UTC`. Legacy names without a slash (`BST`, `CET`, `EST`, `GB`) are
 * refused even when the database knows them, because what they mean there is not what people mean.
 */
function zoneNameProblem(name: string): string | null {
  const text = name.trim()
  if (text === '') return 'is blank; give an IANA time zone such as Europe/London'
  if (text.toUpperCase() === 'UTC' || text.includes('/')) return null
  const key = text.toUpperCase().replace(/[^A-Z]/g, '')
  const suggested =
    ABBREVIATIONS[key] ??
    (/^(GMT|UTC)[+-]/i.test(text) ? ['Etc/GMT-1 (for GMT+1: the signs are inverted)', 'UTC'] : null)
  const hint = suggested
    ? `; for ${JSON.stringify(text)} you probably mean ${suggested.join(' or ')}`
    : ' (e.g. Europe/London, America/New_York, UTC)'
  return `is not an IANA time-zone name (Area/Location, UTC or Etc/…): abbreviations are ambiguous and are refused${hint}`
}

function zoneFor(name: string): Zone {
  const cached = zones.get(name)
  if (cached) return cached
  const problem = typeof name === 'string' ? zoneNameProblem(name) : 'is not text'
  if (problem !== null) {
    throw new CsvImportError([
      {
        code: 'csv-invalid-timezone',
        line: null,
        column: null,
        message: `timezone ${JSON.stringify(String(name))} ${problem}`,
      },
    ])
  }
  let format: Intl.DateTimeFormat
  try {
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
      case 'year':
        year = Number(part.value)
        break
      case 'month':
        month = Number(part.value)
        break
      case 'day':
        day = Number(part.value)
        break
      case 'hour':
        hour = Number(part.value) % 24
        break
      case 'minute':
        minute = Number(part.value)
        break
      case 'second':
        second = Number(part.value)
        break
      case 'era':
        bc = /^B/i.test(part.value)
        break
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

/** What a stream or decoder threw, as an Error (a promise is only ever rejected with one). */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
