import t from 'tap'
import fc from 'fast-check'
import { AppError } from '../../src/errors.js'
import {
  CSV_LIMITS,
  CsvImportError,
  CsvReader,
  MAX_CSV_PROBLEMS,
  parseResponsesCsv,
} from '../../src/integrations/csv.js'
import type { CsvOptions, CsvRecords, CsvResponseRow } from '../../src/integrations/csv.js'

const HEADER = 'Timestamp,Email Address,Name,Institution'

/** A CSV file from lines, LF line ends and a final newline (as Google writes it, bar the CRLF). */
function csv(...lines: string[]): string {
  return lines.join('\n') + '\n'
}

/** The one timestamp of a single-row file, as a canonical instant. */
function instantOf(timestamp: string, options?: CsvOptions): string {
  const rows = parseResponsesCsv(csv(HEADER, `${timestamp},ann@example.org,Ann,Oxford`), options)
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`)
  return rows[0]!.submittedAt
}

/** The error a file is refused with; fails the test if it is accepted. */
function refusal(text: string, options?: CsvOptions): CsvImportError {
  try {
    parseResponsesCsv(text, options)
  } catch (error) {
    if (error instanceof CsvImportError) return error
    throw error
  }
  throw new Error('expected the file to be refused')
}

t.test('a realistic Google Forms export parses with exact instants, in file order', async (t) => {
  const text =
    '\uFEFF' +
    [
      'Timestamp,Email Address,Full name,Affiliation,"Why do you want to join the team? (a few lines, please)",Score',
      '2024/05/01 9:00:00 AM GMT+1,ann@example.org,Ann Smith,University of Oxford,"I care about safe spaces, and I have moderated before.",',
      '2024/05/01 9:00:00.5 AM GMT+1,bob@example.org,"Bob ""Bobby"" Jones",,"Line one',
      'line two, with a comma',
      'line three",',
      '2024/05/01 8:59:59 AM GMT+1,cho@example.org,  Chō Min  ,"Bibliothèque nationale de France, Paris",short,',
      '2024/05/02 12:15:00 PM GMT-4,,Dee,Stanford,,',
      '',
      '',
    ].join('\r\n')
  const rows = parseResponsesCsv(text)
  const expected: CsvResponseRow[] = [
    {
      line: 2,
      submittedAt: at('2024-05-01T08:00:00.000000000Z'),
      name: 'Ann Smith',
      email: 'ann@example.org',
      institution: 'University of Oxford',
    },
    {
      line: 3,
      submittedAt: at('2024-05-01T08:00:00.500000000Z'),
      name: 'Bob "Bobby" Jones',
      email: 'bob@example.org',
      institution: null,
    },
    {
      line: 6,
      submittedAt: at('2024-05-01T07:59:59.000000000Z'),
      name: 'Chō Min',
      email: 'cho@example.org',
      institution: 'Bibliothèque nationale de France, Paris',
    },
    { line: 7, submittedAt: at('2024-05-02T16:15:00.000000000Z'), name: 'Dee', email: '', institution: 'Stanford' },
  ]
  t.same(
    rows,
    expected,
    'rows keep file order even when a later row is earlier in time; blank email is kept, not dropped',
  )
})

t.test('every timestamp format Google exports becomes the right UTC instant', async (t) => {
  const utc: CsvOptions = { timezone: 'UTC' }
  const table: [string, CsvOptions | undefined, string][] = [
    // Year first with an offset, as in the Forms "Download responses" export.
    ['2024/05/01 9:00:00 AM GMT+1', undefined, '2024-05-01T08:00:00.000000000Z'],
    ['2024/05/01 9:00:00 PM GMT+1', undefined, '2024-05-01T20:00:00.000000000Z'],
    ['2024/05/01 12:00:00 AM GMT', undefined, '2024-05-01T00:00:00.000000000Z'],
    ['2024/05/01 12:30:00 PM UTC', undefined, '2024-05-01T12:30:00.000000000Z'],
    ['2024/05/01 9:00:00 am gmt+1', undefined, '2024-05-01T08:00:00.000000000Z'],
    ['2024/05/01 09:00:00 GMT+01:00', undefined, '2024-05-01T08:00:00.000000000Z'],
    ['2024/05/01 09:00:00 GMT-0530', undefined, '2024-05-01T14:30:00.000000000Z'],
    ['2024/05/01 09:00:00 GMT+5:45', undefined, '2024-05-01T03:15:00.000000000Z'],
    ['2024/05/01 09:00:00 UTC+2', undefined, '2024-05-01T07:00:00.000000000Z'],
    ['2024/05/01 09:00:00 Z', undefined, '2024-05-01T09:00:00.000000000Z'],
    ['2024/05/01 09:00:00+01:00', undefined, '2024-05-01T08:00:00.000000000Z'],
    ['2024/05/01 09:00:00 -05:00', undefined, '2024-05-01T14:00:00.000000000Z'],
    ['2024/05/01 09:00:00 -0500', undefined, '2024-05-01T14:00:00.000000000Z'],
    ['2024/5/1 9:00 GMT+1', undefined, '2024-05-01T08:00:00.000000000Z'],
    ['  2024/05/01 9:00:00 AM GMT+1  ', undefined, '2024-05-01T08:00:00.000000000Z'],
    ['2024/01/01 00:30:00 GMT+1', undefined, '2023-12-31T23:30:00.000000000Z'],
    ['2024/02/29 12:00:00 GMT', undefined, '2024-02-29T12:00:00.000000000Z'],
    // An explicit offset wins over the timezone option.
    ['2024/05/01 09:00:00 GMT+1', { timezone: 'America/New_York' }, '2024-05-01T08:00:00.000000000Z'],
    // Fractional seconds, to the nanosecond.
    ['2024/05/01 9:00:00.123 AM GMT+1', undefined, '2024-05-01T08:00:00.123000000Z'],
    ['2024/05/01 09:00:00.123456789 GMT', undefined, '2024-05-01T09:00:00.123456789Z'],
    ['2024/05/01 09:00:00.000000001', utc, '2024-05-01T09:00:00.000000001Z'],
    // Full RFC 3339 is handed to parseInstant.
    ['2024-05-01T09:00:00.123456Z', undefined, '2024-05-01T09:00:00.123456000Z'],
    ['2024-05-01T09:00:00.123456789+02:00', undefined, '2024-05-01T07:00:00.123456789Z'],
    ['2024-05-01 09:00:00Z', undefined, '2024-05-01T09:00:00.000000000Z'],
    // No offset: local wall time in the given zone.
    ['2024-05-01 09:00:00', utc, '2024-05-01T09:00:00.000000000Z'],
    ['2024-05-01 09:00:00', { timezone: 'Europe/London' }, '2024-05-01T08:00:00.000000000Z'],
    ['2024-01-15 09:00:00', { timezone: 'Europe/London' }, '2024-01-15T09:00:00.000000000Z'],
    ['2024-05-01T09:00:00', { timezone: 'America/New_York' }, '2024-05-01T13:00:00.000000000Z'],
    ['2024/05/01 09:00:00', { timezone: 'Asia/Kolkata' }, '2024-05-01T03:30:00.000000000Z'],
    ['2024/05/01 09:00:00', { timezone: 'europe/london' }, '2024-05-01T08:00:00.000000000Z'],
    // Year last (US M/D/YYYY, elsewhere D/M/YYYY), 24 h or AM/PM.
    ['5/1/2024 9:00:00', { timezone: 'UTC', dateOrder: 'MDY' }, '2024-05-01T09:00:00.000000000Z'],
    ['5/1/2024 9:00:00 PM', { timezone: 'UTC', dateOrder: 'MDY' }, '2024-05-01T21:00:00.000000000Z'],
    ['01/05/2024 09:00:00', { timezone: 'UTC', dateOrder: 'DMY' }, '2024-05-01T09:00:00.000000000Z'],
    ['01/05/2024 09:00:00', { timezone: 'Europe/London', dateOrder: 'DMY' }, '2024-05-01T08:00:00.000000000Z'],
    ['5/25/2024 23:59:59', utc, '2024-05-25T23:59:59.000000000Z'],
    ['25/5/2024 0:00:00', utc, '2024-05-25T00:00:00.000000000Z'],
    ['1/1/2024 0:00:00', { timezone: 'Asia/Tokyo' }, '2023-12-31T15:00:00.000000000Z'],
    ['01/05/2024 09:00:00 GMT+1', { dateOrder: 'DMY' }, '2024-05-01T08:00:00.000000000Z'],
  ]
  for (const [raw, options, expected] of table) {
    t.equal(instantOf(raw, options), expected, `${raw} ${JSON.stringify(options ?? {})}`)
  }
})

t.test('local times across daylight-saving changes', async (t) => {
  const table: [string, string, string][] = [
    // Europe/London springs forward at 01:00 GMT on 31 March 2024 and falls back at 01:00 GMT on 27 October.
    ['2024-03-31 00:59:59', 'Europe/London', '2024-03-31T00:59:59.000000000Z'],
    ['2024-03-31 02:00:00', 'Europe/London', '2024-03-31T01:00:00.000000000Z'],
    ['2024-10-27 00:59:59', 'Europe/London', '2024-10-26T23:59:59.000000000Z'],
    ['2024-10-27 01:30:00', 'Europe/London', '2024-10-27T00:30:00.000000000Z'], // occurs twice: the first (BST) is taken
    ['2024-10-27 02:00:00', 'Europe/London', '2024-10-27T02:00:00.000000000Z'],
    ['2024-03-10 01:59:59', 'America/New_York', '2024-03-10T06:59:59.000000000Z'],
    ['2024-03-10 03:00:00', 'America/New_York', '2024-03-10T07:00:00.000000000Z'],
    ['2024-11-03 01:30:00', 'America/New_York', '2024-11-03T05:30:00.000000000Z'], // EDT, the first 01:30
    ['2024-04-07 02:30:00', 'Australia/Sydney', '2024-04-06T15:30:00.000000000Z'], // AEDT, the first 02:30
    ['2024-04-07 01:45:00', 'Australia/Lord_Howe', '2024-04-06T14:45:00.000000000Z'], // a half-hour fall-back
  ]
  for (const [raw, timezone, expected] of table)
    t.equal(instantOf(raw, { timezone }), expected, `${raw} in ${timezone}`)

  const gaps: [string, string][] = [
    ['2024-03-31 01:30:00', 'Europe/London'],
    ['2024/03/31 1:00:00 AM', 'Europe/London'],
    ['2024-03-10 02:30:00', 'America/New_York'],
    ['2024-10-06 02:15:00', 'Australia/Sydney'],
  ]
  for (const [raw, timezone] of gaps) {
    const error = refusal(csv(HEADER, '2024-05-01 09:00:00Z,z@example.org,Z,', `${raw},a@example.org,A,`), { timezone })
    t.equal(error.code, 'csv-invalid-timestamp', `${raw} in ${timezone}`)
    t.equal(error.line, 3)
    t.equal(error.column, 'Timestamp')
    t.match(error.message, `line 3, column "Timestamp": "${raw}" never happened in ${timezone}`)
  }
})

t.test('day/month order of year-last dates is settled per file', async (t) => {
  const file = (...stamps: string[]): string => csv(HEADER, ...stamps.map((s, i) => `${s},p${i}@example.org,P${i},`))
  const dates = (text: string, options: CsvOptions): string[] =>
    parseResponsesCsv(text, { timezone: 'UTC', ...options }).map((r) => r.submittedAt.slice(0, 10))

  t.same(
    dates(file('01/05/2024 09:00', '02/05/2024 09:00'), { dateOrder: 'DMY' }),
    ['2024-05-01', '2024-05-02'],
    'dateOrder=DMY',
  )
  t.same(
    dates(file('01/05/2024 09:00', '02/05/2024 09:00'), { dateOrder: 'MDY' }),
    ['2024-01-05', '2024-02-05'],
    'dateOrder=MDY',
  )
  t.same(
    dates(file('01/05/2024 09:00', '25/04/2024 09:00'), {}),
    ['2024-05-01', '2024-04-25'],
    'a later row proves DMY for the whole file',
  )
  t.same(
    dates(file('4/25/2024 09:00', '01/05/2024 09:00'), {}),
    ['2024-04-25', '2024-01-05'],
    'an earlier row proves MDY',
  )
  t.same(
    dates(file('05/05/2024 09:00', '12/12/2024 09:00'), {}),
    ['2024-05-05', '2024-12-12'],
    'day == month is never ambiguous',
  )
  t.same(
    dates(file('2024/01/05 09:00', '2024-02-03 09:00'), {}),
    ['2024-01-05', '2024-02-03'],
    'year first is never ambiguous',
  )
  t.same(
    dates(file('01/05/2024 09:00', '4/25/2024 09:00'), {}),
    ['2024-01-05', '2024-04-25'],
    'MDY proven by line 3 applies to line 2',
  )

  const ambiguous = refusal(file('05/05/2024 09:00', '01/05/2024 09:00', '2024/05/03 09:00', '03/04/2024 10:00'), {
    timezone: 'UTC',
  })
  t.equal(ambiguous.code, 'csv-ambiguous-date')
  t.same(
    ambiguous.problems.map((p) => [p.code, p.line, p.column]),
    [
      ['csv-ambiguous-date', 3, 'Timestamp'],
      ['csv-ambiguous-date', 5, 'Timestamp'],
    ],
  )
  t.match(
    ambiguous.message,
    'line 3, column "Timestamp": "01/05/2024 09:00" could be 1 May 2024 (day/month/year) or 5 January 2024 (month/day/year)',
  )
  t.match(ambiguous.message, 'add ?dateOrder=DMY or ?dateOrder=MDY')

  const givenWins = refusal(file('01/05/2024 09:00', '25/04/2024 09:00'), { timezone: 'UTC', dateOrder: 'MDY' })
  t.equal(givenWins.code, 'csv-invalid-timestamp', 'dateOrder wins over a row that suggests otherwise')
  t.equal(givenWins.line, 3)
  t.match(givenWins.message, '"25/04/2024 09:00" is not a valid date read as month/day/year (dateOrder=MDY)')

  const contradiction = refusal(file('25/04/2024 09:00', '01/05/2024 09:00', '4/26/2024 09:00'), { timezone: 'UTC' })
  t.equal(contradiction.code, 'csv-invalid-timestamp')
  t.equal(contradiction.line, 4)
  t.match(
    contradiction.message,
    '"4/26/2024 09:00" is not a valid date read as day/month/year, the order that line 2 ("25/04/2024 09:00") shows',
  )
})

t.test('line endings, final newline and blank records do not change the result', async (t) => {
  const lines = [HEADER, '2024-05-01 09:00:00Z,a@example.org,A,Oxford', '2024-05-01 10:00:00Z,b@example.org,B,']
  const expected = parseResponsesCsv(lines.join('\n'))
  t.equal(expected.length, 2)
  const variants: [string, string][] = [
    ['LF with final newline', lines.join('\n') + '\n'],
    ['CRLF', lines.join('\r\n') + '\r\n'],
    ['CRLF without final newline', lines.join('\r\n')],
    ['lone CR', lines.join('\r') + '\r'],
    ['BOM', '\uFEFF' + lines.join('\n')],
    ['trailing blank lines', lines.join('\r\n') + '\r\n\r\n\r\n'],
  ]
  for (const [name, text] of variants) t.same(parseResponsesCsv(text), expected, name)

  const gaps = parseResponsesCsv(
    csv(HEADER, '', '2024-05-01 09:00:00Z,a@example.org,A,', ',,,', '   ', '2024-05-01 10:00:00Z,b@example.org,B,', ''),
  )
  t.same(
    gaps.map((r) => [r.line, r.name]),
    [
      [3, 'A'],
      [6, 'B'],
    ],
    'blank records in the middle are skipped, lines still count',
  )
  t.throws(() => parseResponsesCsv(HEADER), { code: 'csv-no-rows' }, 'a header alone is refused (see below)')
})

t.test('header columns are matched case-insensitively, by any of their names', async (t) => {
  const table: [string, string | null][] = [
    ['Timestamp,Email Address,Name,Institution', 'Oxford'],
    [' TIMESTAMP , email ,  full   NAME , affiliation ', 'Oxford'],
    ['Name,Organization,Email,Timestamp', 'Oxford'],
    ['Timestamp,Email,Name,Organisation', 'Oxford'],
    ['Timestamp,Email,Name,Favourite colour', null],
    ['Timestamp,Email,Name', null],
  ]
  for (const [header, institution] of table) {
    const columns = header.split(',').map((c) => c.trim().toLowerCase().replace(/\s+/g, ' '))
    const value = (column: string): string =>
      ({
        timestamp: '2024-05-01 09:00:00Z',
        email: 'a@example.org',
        'email address': 'a@example.org',
        name: 'Ann',
        'full name': 'Ann',
      })[column] ?? 'Oxford'
    // A file without an institution column is only read when the request says so (see below).
    const [row] = parseResponsesCsv(
      csv(header, columns.map(value).join(',')),
      institution === null ? { institution: 'none' } : {},
    )
    t.same(
      row,
      { line: 2, submittedAt: '2024-05-01T09:00:00.000000000Z', name: 'Ann', email: 'a@example.org', institution },
      header,
    )
  }
  const [blank] = parseResponsesCsv(csv(HEADER, '2024-05-01 09:00:00Z,  ,  ,  '))
  t.same(
    blank,
    { line: 2, submittedAt: '2024-05-01T09:00:00.000000000Z', name: '', email: '', institution: null },
    'blank cells are kept (blank institution is null)',
  )
})

t.test('each kind of problem is refused with its code, line and column', async (t) => {
  const multiLine = [
    HEADER,
    '2024-05-01 09:00:00Z,a@example.org,"Ann',
    'Smith",Oxford',
    '"2024-05-01 10:00:00Z",b@example.org,"B",',
  ]
  const table: {
    name: string
    text: string
    options?: CsvOptions
    code: string
    line: number | null
    column: string | null
    message: string | RegExp
  }[] = [
    {
      name: 'missing column',
      text: csv('Timestamp,Name,Institution', '2024-05-01 09:00:00Z,Ann,Oxford'),
      code: 'csv-missing-column',
      line: 1,
      column: 'Email Address',
      message:
        /^line 1: no "Email Address" column; expected a column headed "Email Address" or "Email", found "Timestamp", "Name", "Institution"/,
    },
    { name: 'empty file', text: '', code: 'csv-missing-column', line: 1, column: null, message: /the file is empty/ },
    {
      name: 'two email columns',
      text: csv('Timestamp,Email Address,Name,Email', '2024-05-01 09:00:00Z,a@example.org,Ann,a@example.org'),
      code: 'csv-ambiguous-column',
      line: 1,
      column: 'Email',
      message:
        'line 1: the columns "Email Address" and "Email" (columns 2 and 4) could each be the "Email Address" column; rename or remove all but one, or map one with ?columns=email:<heading>',
    },
    {
      name: 'unknown time zone',
      text: csv(HEADER, '2024-05-01 09:00:00,a@example.org,Ann,'),
      options: { timezone: 'Europe/Atlantis' },
      code: 'csv-invalid-timezone',
      line: null,
      column: null,
      message: /timezone "Europe\/Atlantis" is not a known IANA time zone/,
    },
    {
      name: 'no offset and no timezone',
      text: csv(HEADER, '2024-05-01 09:00:00Z,a@example.org,Ann,', '2024/05/01 09:00:00,b@example.org,Bob,'),
      code: 'csv-timezone-required',
      line: 3,
      column: 'Timestamp',
      message:
        'line 3, column "Timestamp": "2024/05/01 09:00:00" has no time-zone offset; add ?timezone=<IANA zone> (e.g. ?timezone=Europe/London) to say where it was recorded',
    },
    {
      name: 'no month 13',
      text: csv(
        HEADER,
        ...Array.from({ length: 5 }, (_, i) => `2024/05/0${i + 1} 9:00 GMT,p${i}@example.org,P${i},`),
        '2024/13/01 9:00,z@example.org,Z,',
      ),
      options: { timezone: 'UTC' },
      code: 'csv-invalid-timestamp',
      line: 7,
      column: 'Timestamp',
      message: 'line 7, column "Timestamp": "2024/13/01 9:00" is not a valid date: there is no month 13',
    },
    {
      name: 'blank timestamp',
      text: csv(HEADER, ',a@example.org,Ann,Oxford'),
      code: 'csv-invalid-timestamp',
      line: 2,
      column: 'Timestamp',
      message: 'line 2, column "Timestamp": is blank; every response needs the time it was submitted',
    },
    {
      name: 'fewer cells than the header',
      text: csv(HEADER, '2024-05-01 09:00:00Z,a@example.org'),
      code: 'csv-malformed',
      line: 2,
      column: null,
      message: 'line 2: the record has 2 cells but the header has 4; a cell or a closing " may be missing',
    },
    {
      name: 'more filled cells than the header',
      text: csv(HEADER, '2024-05-01 09:00:00Z,a@example.org,Smith, Ann,Oxford'),
      code: 'csv-malformed',
      line: 2,
      column: null,
      message: /the record has 5 cells but the header has 4/,
    },
    {
      name: 'line numbers count the lines inside a quoted answer',
      text: csv(...multiLine, '2024-05-01 11:00:00Z,c@example.org'),
      code: 'csv-malformed',
      line: 5,
      column: null,
      message: /^line 5: /,
    },
    {
      name: 'an unterminated quote is reported where it opens',
      text: csv(...multiLine, '2024-05-01 11:00:00Z,c@example.org,"Cy', 'and then', 'nothing closes it'),
      code: 'csv-malformed',
      line: 5,
      column: null,
      message:
        'line 5: a quoted field starts here and is never closed (a " is missing), so the rest of the file cannot be read',
    },
    {
      name: 'text after a closing quote',
      text: csv(HEADER, '2024-05-01 09:00:00Z,a@example.org,"Ann" Smith,Oxford'),
      code: 'csv-malformed',
      line: 2,
      column: 'Name',
      message: 'line 2, column "Name": there is text after a closing " before the next comma',
    },
  ]
  for (const { name, text, options, code, line, column, message } of table) {
    const error = refusal(text, options)
    t.equal(error.code, code, `${name}: code`)
    t.equal(error.line, line, `${name}: line`)
    t.equal(error.column, column, `${name}: column`)
    if (typeof message === 'string') t.equal(error.message, message, `${name}: message`)
    else t.match(error.message, message, `${name}: message`)
    t.same(error.problems[0], { code, line, column, message: error.message }, `${name}: first problem`)
  }
})

t.test('every missing column is named, and bad options are refused before reading rows', async (t) => {
  const missing = refusal(csv('Timestamp,Comments', '2024-05-01 09:00:00Z,hello'))
  t.same(
    missing.problems.map((p) => [p.code, p.line, p.column]),
    [
      ['csv-missing-column', 1, 'Email Address'],
      ['csv-missing-column', 1, 'Name'],
      ['csv-missing-column', 1, 'Institution'],
    ],
  )
  t.match(missing.problems[1]!.message, 'expected a column headed "Name" or "Full Name"')

  const badOrder = refusal(csv(HEADER), { dateOrder: 'YMD' as 'DMY' })
  t.equal(badOrder.code, 'csv-invalid-date-order')
  t.equal(badOrder.line, null)

  const blankZone = refusal(csv(HEADER, '2024-05-01 09:00:00Z,a@example.org,Ann,'), { timezone: '' })
  t.equal(blankZone.code, 'csv-invalid-timezone', 'an empty ?timezone= is refused even when every row has an offset')
})

t.test('unreadable timestamps name the value and what is wrong with it', async (t) => {
  const table: [string, RegExp][] = [
    ['2023/02/29 09:00:00 GMT', /"2023\/02\/29 09:00:00 GMT" is not a valid date: February 2023 has no day 29/],
    ['2024/04/31 09:00:00 GMT', /April 2024 has no day 31/],
    ['31/02/2024 09:00:00 GMT', /is not a valid date, read either as day\/month\/year or as month\/day\/year/],
    ['2024/05/01 24:00:00 GMT', /there is no hour 24/],
    ['2024/05/01 13:00:00 PM GMT', /hour 13 cannot be followed by AM or PM/],
    ['2024/05/01 09:60:00 GMT', /there is no minute 60/],
    ['2024/05/01 23:59:60 GMT', /leap second/],
    ['2024/05/01 09:00:00.1234567891 GMT', /more than 9 fractional digits/],
    ['2024/05/01 09:00:00 GMT+24', /offset out of range/],
    ['2024-05-01T09:00:00.1234567891Z', /more than 9 fractional digits/],
    ['2024-05-01T09:00:00,5Z', /comma/],
    ['yesterday at noon', /is not a timestamp rota can read/],
    ['24/05/01 09:00:00', /is not a timestamp rota can read/],
    ['2024/05/01', /is not a timestamp rota can read/],
    ['0000/05/01 09:00:00 GMT', /years run from 0001 to 9999/],
  ]
  for (const [raw, message] of table) {
    const error = refusal(csv(HEADER, `"${raw}",a@example.org,Ann,`), { timezone: 'UTC' })
    t.equal(error.code, 'csv-invalid-timestamp', raw)
    t.equal(error.line, 2, raw)
    t.match(error.message, message, raw)
  }
})

t.test('all problems in the file are reported at once, in file order, and nothing is returned', async (t) => {
  const text = csv(
    HEADER,
    '2024-05-01 09:00:00Z,a@example.org,Ann,',
    '2024/13/01 09:00:00,b@example.org,Bob,',
    '2024-05-01 09:00:00,"c@example.org',
    'still the email",Cy,',
    ',d@example.org,Dee,',
    '2024-05-01 09:00:00Z,e@example.org',
    '"2024/02/30 09:00:00 GMT",f@example.org,Fay,',
  )
  const error = refusal(text)
  t.same(
    error.problems.map((p) => [p.code, p.line, p.column]),
    [
      ['csv-invalid-timestamp', 3, 'Timestamp'],
      ['csv-invalid-email', 4, 'Email Address'],
      ['csv-timezone-required', 4, 'Timestamp'],
      ['csv-invalid-timestamp', 6, 'Timestamp'],
      ['csv-malformed', 7, null],
      ['csv-invalid-timestamp', 8, 'Timestamp'],
    ],
  )
  t.equal(error.totalProblems, 6)
  t.equal(error.message, error.problems[0]!.message)

  const many = csv(HEADER, ...Array.from({ length: 120 }, (_, i) => `not a date,p${i}@example.org,P${i},`))
  const capped = refusal(many)
  t.equal(capped.problems.length, MAX_CSV_PROBLEMS, `at most ${MAX_CSV_PROBLEMS} problems are listed`)
  t.equal(capped.totalProblems, 120, 'but all are counted')
  t.same(
    capped.problems.slice(0, 3).map((p) => p.line),
    [2, 3, 4],
  )
})

t.test('a refusal is a coded AppError the HTTP edge answers with 400 and every problem', async (t) => {
  const error = refusal(csv(HEADER, '2024/13/01 09:00:00 GMT,a@example.org,Ann,'))
  t.ok(error instanceof AppError)
  t.ok(error instanceof Error)
  t.equal(error.kind, 'invalid')
  t.equal(error.name, 'CsvImportError')
  t.same(error.details, { line: 2, column: 'Timestamp', problems: error.problems, totalProblems: 1 })
})

t.test('50,000 rows (the most one file may hold) in a time zone parse quickly', async (t) => {
  const lines = ['Timestamp,Email Address,Name,Institution,"Why, in a few lines?"']
  const start = Date.UTC(2024, 3, 20)
  for (let i = 0; i < CSV_LIMITS.maxRows; i++) {
    const d = new Date(start + i * 37_000 + (i % 1000))
    const stamp = `${d.getUTCFullYear()}/${d.getUTCMonth() + 1}/${d.getUTCDate()} ${d.getUTCHours()}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`
    lines.push(`${stamp},p${i}@example.org,Person ${i},"Institution, ${i % 50}","line one\r\nline two"`)
  }
  const text = lines.join('\r\n') + '\r\n'
  const began = performance.now()
  const rows = parseResponsesCsv(text, { timezone: 'Europe/London' })
  const elapsed = performance.now() - began
  t.equal(rows.length, 50_000)
  t.same(rows[0], {
    line: 2,
    submittedAt: '2024-04-19T23:00:00.000000000Z',
    name: 'Person 0',
    email: 'p0@example.org',
    institution: 'Institution, 0',
  })
  t.equal(rows[49_999]!.line, 2 + 2 * 49_999, 'every record spans two physical lines')
  t.equal(rows[49_999]!.submittedAt, '2024-05-11T08:52:43.999000000Z')
  // Generous bound for a loaded CI machine; typically a few hundred milliseconds.
  t.ok(elapsed < 5_000, `parsed in ${Math.round(elapsed)} ms`)
})

function at(text: string): CsvResponseRow['submittedAt'] {
  return text as CsvResponseRow['submittedAt']
}

// ---------------------------------------------------------------------------------------------
// Reading in chunks, and the limits checked while reading

/** The records a reader returns for text pushed in the given pieces, or the error it throws. */
function readPieces(pieces: string[]): CsvRecords | { code: string; line: number | null } {
  try {
    const reader = new CsvReader()
    for (const piece of pieces) reader.push(piece)
    return reader.end()
  } catch (error) {
    if (error instanceof CsvImportError) return { code: error.code, line: error.line }
    throw error
  }
}

t.test('a file read in chunks gives the same records wherever the chunks split it', async (t) => {
  const samples = [
    csv(HEADER, '2024-05-01 09:00:00Z,a@example.org,"Ann ""A""\r\nSmith",Oxford', ' "x" ,y', '', ',,,'),
    'Timestamp,Email,Name\r\n"2024-05-01 09:00:00Z",b@example.org,"B, b"\r"lone CR",,\r\n',
    csv(HEADER, '2024-05-01 09:00:00Z,a@example.org,"Ann" Smith,Oxford,', '"never closed', 'at all'),
    '\uFEFF' + HEADER + '\n2024-05-01 09:00:00Z,a@example.org,A,',
  ]
  for (const text of samples) {
    const whole = readPieces([text])
    for (let cut = 0; cut <= text.length; cut++) {
      t.same(readPieces([text.slice(0, cut), text.slice(cut)]), whole, `split at ${cut}`, { diagnostic: false })
    }
    t.same(readPieces(text.split('')), whole, 'one character at a time')
  }
  // Any text, any chunking: the same records (or the same refusal) as in one piece.
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\r', '\n', ' ', '\t', '\uFEFF', 'é') }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (text, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
        const pieces = [0, ...points].map((from, i) => text.slice(from, [...points, text.length][i]))
        t.same(readPieces(pieces), readPieces([text]), JSON.stringify(text), { diagnostic: false })
      },
    ),
  )
})

/** A header and `n` valid rows, built lazily in chunks of `per` rows. */
function* rowsInChunks(n: number, per: number): Generator<string> {
  yield HEADER + '\n'
  for (let from = 0; from < n; from += per) {
    let chunk = ''
    for (let i = from; i < Math.min(n, from + per); i++)
      chunk += `2024-05-01 09:00:00.${String(i).padStart(6, '0')}Z,p${i}@example.org,P ${i},Oxford\n`
    yield chunk
  }
}

t.test(
  `more than ${CSV_LIMITS.maxRows.toLocaleString('en')} rows are refused at the first row over, without reading on`,
  async (t) => {
    const accepted = readPieces([...rowsInChunks(CSV_LIMITS.maxRows, 5_000)])
    t.equal(
      'records' in accepted && accepted.records.length,
      CSV_LIMITS.maxRows + 1,
      'exactly the limit is accepted (plus the header)',
    )

    const reader = new CsvReader()
    let pushed = 0
    let refusal: unknown
    try {
      for (const chunk of rowsInChunks(1_000_000, 1_000)) {
        pushed++
        reader.push(chunk)
      }
    } catch (error) {
      refusal = error
    }
    t.ok(refusal instanceof CsvImportError)
    const error = refusal as CsvImportError
    t.equal(error.code, 'too-many-rows')
    t.equal(error.kind, 'too-large', 'the HTTP edge answers 413')
    t.equal(error.line, CSV_LIMITS.maxRows + 2, 'the first row over the limit (header = line 1)')
    t.equal(
      error.message,
      `line 50002: the file has more than 50,000 responses, the most one import takes; split it into several files`,
    )
    t.equal(pushed, 1 + 51, 'reading stopped at the chunk holding row 50,001')
    // Blank records are not responses.
    t.notOk('code' in readPieces([...rowsInChunks(CSV_LIMITS.maxRows, 10_000), '\n\n,,,\n']))
  },
)

t.test('a cell longer than its column allows is refused with its line and column', async (t) => {
  const long = (n: number) => 'x'.repeat(n)
  const row = (cells: Partial<Record<'name' | 'email' | 'institution' | 'other', string>>) =>
    csv(
      HEADER + ',Why?',
      `2024-05-01 09:00:00Z,${cells.email ?? 'a@example.org'},${cells.name ?? 'Ann'},${cells.institution ?? 'Oxford'},${cells.other ?? ''}`,
    )
  const table: [string, string, string, number][] = [
    ['name', row({ name: long(100_000) }), 'Name', 300],
    ['name just over', row({ name: long(301) }), 'Name', 300],
    ['email', row({ email: long(315) + '@x.org' }), 'Email Address', 320],
    ['institution', row({ institution: `"${long(301)}"` }), 'Institution', 300],
    ['another answer', row({ other: long(10_001) }), 'Why?', 10_000],
  ]
  for (const [name, text, column, max] of table) {
    const error = refusal(text)
    t.equal(error.code, 'csv-field-too-long', name)
    t.equal(error.line, 2, `${name}: line`)
    t.equal(error.column, column, `${name}: column`)
    t.match(error.message, `line 2, column ${JSON.stringify(column)}: the cell has`, name)
    t.match(error.message, `at most ${max.toLocaleString('en')} are allowed`, name)
  }
  t.equal(
    parseResponsesCsv(row({ name: long(300), other: long(10_000) }))[0]!.name.length,
    300,
    'exactly the limit is accepted',
  )
  t.equal(
    parseResponsesCsv(row({ name: `"  ${long(300)}  "` }))[0]!.name.length,
    300,
    'the limit counts the trimmed cell',
  )

  const unclosed = refusal(
    csv(HEADER, '2024-05-01 09:00:00Z,a@example.org,"Ann', ...Array.from({ length: 3000 }, () => 'and on and on')),
  )
  t.equal(unclosed.code, 'csv-field-too-long', 'an unclosed quote is not read to the end of a large file')
  t.equal(unclosed.line, 2)
  t.match(unclosed.message, 'a closing " may be missing')

  const wide = refusal(csv(HEADER, Array.from({ length: CSV_LIMITS.maxColumns + 1 }, () => 'x').join(',')))
  t.equal(wide.code, 'csv-too-many-columns')
  t.equal(wide.line, 2)
})

t.test('cells that are not text, and emails that are not addresses, are refused with their line', async (t) => {
  const table: [string, string, string, string, RegExp][] = [
    ['NUL in a name', 'An\u0000n', 'Name', 'csv-invalid-text', /NUL/],
    ['lone surrogate in a name', 'Ann \uD800', 'Name', 'csv-invalid-text', /surrogate/],
    ['lone low surrogate', '\uDC00Ann', 'Name', 'csv-invalid-text', /surrogate/],
    ['bytes that were not UTF-8', 'Biblioth\uFFFDque', 'Name', 'csv-invalid-text', /not valid UTF-8/],
  ]
  for (const [name, value, column, code, message] of table) {
    const error = refusal(
      csv(HEADER, '2024-05-01 09:00:00Z,a@example.org,Ann,', `2024-05-01 10:00:00Z,b@example.org,"${value}",Oxford`),
    )
    t.equal(error.code, code, name)
    t.equal(error.line, 3, `${name}: line`)
    t.equal(error.column, column, `${name}: column`)
    t.match(error.message, message, name)
  }
  const nulElsewhere = refusal(csv(HEADER + ',Why?', '2024-05-01 09:00:00Z,a@example.org,Ann,,"a\u0000b"'))
  t.same(
    [nulElsewhere.code, nulElsewhere.line, nulElsewhere.column],
    ['csv-invalid-text', 2, 'Why?'],
    'NUL is refused in any column',
  )
  t.equal(
    parseResponsesCsv(csv(HEADER + ',Why?', '2024-05-01 09:00:00Z,a@example.org,Ann 😀,,"a \uFFFD b"')).length,
    1,
    'emoji pass; U+FFFD in a column rota does not store is left alone',
  )

  const emails: [string, RegExp][] = [
    ['"victim@x.example\r\nBcc: attacker@evil.example"', /must not contain line breaks/],
    ['"Ann <ann@example.org>"', /must not contain/],
    ['ann@example.org;bob@example.org', /must not contain/],
    ['ann at example.org', /must not contain spaces/],
    ['ann@localhost', /domain with a dot/],
  ]
  for (const [cell, message] of emails) {
    const error = refusal(
      csv(HEADER, '2024-05-01 09:00:00Z,a@example.org,Ann,', `2024-05-01 10:00:00Z,${cell},Bob,Oxford`),
    )
    t.equal(error.code, 'csv-invalid-email', cell)
    t.equal(error.line, 3, `${cell}: line`)
    t.equal(error.column, 'Email Address')
    t.match(error.message, message, cell)
  }
  const blank = parseResponsesCsv(csv(HEADER, '2024-05-01 09:00:00Z,  ,Ann,'))
  t.equal(blank[0]!.email, '', 'a blank email is kept (the selection excludes it, saying why)')
})

// Issue 12: a file rota cannot read correctly is refused, saying what to do, instead of being read wrongly.

t.test('time zones: only IANA names; abbreviations are refused with the zones they may mean', async (t) => {
  const row = csv(HEADER, '2024/05/01 09:00:00,a@example.org,Ann,Oxford')
  const table: [string, string[]][] = [
    ['BST', ['Europe/London']],
    ['CET', ['Europe/Paris']],
    ['EST', ['America/New_York']],
    ['ist', ['Asia/Kolkata', 'Europe/Dublin']],
    ['GMT', ['Europe/London', 'UTC']],
  ]
  for (const [zone, suggested] of table) {
    const error = refusal(row, { timezone: zone })
    t.equal(error.code, 'csv-invalid-timezone', zone)
    t.equal(error.line, null, `${zone}: a problem with the request, not a line`)
    t.match(error.message, `timezone "${zone}" is not an IANA time-zone name`, zone)
    for (const name of suggested) t.match(error.message, name, `${zone}: suggests ${name}`)
  }
  t.match(refusal(row, { timezone: 'Japan' }).message, 'e.g. Europe/London', 'a legacy name without a slash is refused')
  // BST in the time-zone database is Asia/Dhaka: the abbreviation would have put 09:00 at 03:00 UTC.
  const read = (timezone: string) => parseResponsesCsv(row, { timezone })[0]!.submittedAt
  t.equal(read('Europe/London'), '2024-05-01T08:00:00.000000000Z', 'Area/Location is read')
  t.equal(read('UTC'), '2024-05-01T09:00:00.000000000Z', 'UTC is read')
  t.equal(read('Etc/GMT-6'), '2024-05-01T03:00:00.000000000Z', 'Etc/… is read')
  t.equal(read('America/Argentina/Buenos_Aires'), '2024-05-01T12:00:00.000000000Z', 'three-part names are read')
})

t.test('a file without an institution column is refused unless the request says institution=none', async (t) => {
  const text = csv('Timestamp,Email Address,Name,Why you?', '2024-05-01 09:00:00Z,a@example.org,Ann,Because')
  const error = refusal(text)
  t.equal(error.code, 'csv-missing-column')
  t.equal(error.column, 'Institution')
  t.match(error.message, 'found "Timestamp", "Email Address", "Name", "Why you?"', 'names the columns found')
  t.match(error.message, 'expected a column headed "Institution" or "Affiliation"', 'names the columns expected')
  t.match(error.message, '?institution=none', 'says how to import it anyway')
  t.same(
    parseResponsesCsv(text, { institution: 'none' }).map((r) => r.institution),
    [null],
    'with institution=none, everyone is unaffiliated',
  )
  const both = refusal(csv(HEADER, '2024-05-01 09:00:00Z,a@example.org,Ann,Oxford'), { institution: 'none' })
  t.equal(both.code, 'csv-invalid-columns', 'institution=none on a file that has the column is refused')
  t.match(both.message, 'leave out ?institution=none')
})

t.test('columns worded otherwise are mapped with columns=field:heading', async (t) => {
  const text = csv(
    'Horodateur,Your e-mail,Your full name,Your organisation,Name of your pet',
    '2024-05-01 09:00:00Z,a@example.org,Ann Smith,Oxford,Rex',
  )
  t.equal(refusal(text).code, 'csv-missing-column', 'unmapped, the headings are not found')
  const columns = 'timestamp:Horodateur, email:your E-MAIL ,name:Your full name,institution:Your organisation'
  t.same(parseResponsesCsv(text, { columns }), [
    {
      line: 2,
      submittedAt: '2024-05-01T09:00:00.000000000Z',
      name: 'Ann Smith',
      email: 'a@example.org',
      institution: 'Oxford',
    },
  ])
  // "Name of your pet" is not "Name"; but a mapped heading wins over a usual one.
  const usual = csv(HEADER + ',Full name', '2024-05-01 09:00:00Z,a@example.org,Ann,Oxford,Ann Smith')
  t.equal(refusal(usual).code, 'csv-ambiguous-column', 'two name columns are ambiguous…')
  t.equal(parseResponsesCsv(usual, { columns: 'name:Full name' })[0]!.name, 'Ann Smith', '…until one is mapped')

  const missing = refusal(text, { columns: 'name:Full name' })
  t.ok(
    missing.problems.some(
      (p) => p.column === 'Name' && p.message.includes('expected a column headed "full name" (as mapped in ?columns=)'),
    ),
    'a mapped heading not found is named',
  )
  for (const bad of ['nom:Nom', 'name', 'name:', 'name:A,name:B']) {
    t.equal(refusal(text, { columns: bad }).code, 'csv-invalid-columns', `columns=${bad} is refused`)
  }
  const long = refusal(
    csv('Timestamp,Email,Your full name,Institution', `2024-05-01 09:00:00Z,a@example.org,${'x'.repeat(301)},Oxford`),
    { columns: 'name:Your full name' },
  )
  t.equal(long.code, 'csv-field-too-long', 'a mapped column keeps its field’s length limit')
  t.equal(long.line, 2)
})

t.test('a header with no rows, and a file separated by semicolons, are refused saying why', async (t) => {
  // What curl -d @file sends: the line breaks stripped, the whole file one header row.
  const flattened = [
    HEADER,
    '2024-05-01 09:00:00Z,a@example.org,Ann,Oxford',
    '2024-05-01 10:00:00Z,b@example.org,Bob,Leeds',
  ].join('')
  for (const text of [flattened, HEADER, `${HEADER}\r\n\r\n`]) {
    const error = refusal(text)
    t.equal(error.code, 'csv-no-rows', JSON.stringify(text.slice(0, 50)))
    t.match(error.message, '--data-binary', 'hints at curl --data-binary')
  }
  const semicolons = refusal(
    csv('Timestamp;Email Address;Name;Institution', '2024-05-01 09:00:00Z;a@example.org;Ann;Oxford'),
  )
  t.equal(semicolons.code, 'csv-wrong-separator')
  t.match(semicolons.message, 'separated by ";" (semicolons)')
  t.equal(
    refusal(csv('Timestamp\tEmail Address\tName\tInstitution', 'x\ty\tz\tw')).code,
    'csv-wrong-separator',
    'tabs too',
  )
})
