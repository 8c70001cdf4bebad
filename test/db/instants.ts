import t from 'tap'
import { and, eq, gte, lte, sql } from 'drizzle-orm'
import { openTestDatabase } from '../helpers/database.js'
import { instantFromPg, instantToPg } from '../../src/db/instants.js'
import { findTeamBySlug } from '../../src/db/queries/teams.js'
import { findCall, insertCall, markClosed } from '../../src/db/queries/calls.js'
import { insertResponses, listResponses } from '../../src/db/queries/responses.js'
import { calls } from '../../src/db/schema.js'
import { parseInstant, type Instant } from '../../src/domain/time.js'

// Instant columns (src/db/instants.ts) read and write exact instants on PGlite and on PostgreSQL
// (run this file with TEST_DATABASE_URL too): what PostgreSQL keeps is the microsecond, cut, never
// rounded into the next one, and reading does not depend on the session's time zone.

const at = (text: string): Instant => parseInstant(text)

t.test('reads every form PostgreSQL prints a timestamptz in', async (t) => {
  t.equal(instantFromPg('2024-05-01 08:00:00.123456+00'), '2024-05-01T08:00:00.123456000Z', 'ISO DateStyle, UTC')
  t.equal(instantFromPg('2024-05-01 08:00:00+00'), '2024-05-01T08:00:00.000000000Z', 'whole seconds')
  t.equal(instantFromPg('2024-05-01 13:30:00.5+05:30'), '2024-05-01T08:00:00.500000000Z', 'a half-hour offset')
  t.equal(instantFromPg('2024-05-01 00:00:00-08'), '2024-05-01T08:00:00.000000000Z', 'a negative offset in hours')
  t.equal(
    instantFromPg('1900-01-01 00:19:32.5+00:19:32'),
    '1900-01-01T00:00:00.500000000Z',
    'local mean time: an offset with seconds',
  )
  t.equal(
    instantFromPg('1900-01-01 00:00:00-00:01:15'),
    '1900-01-01T00:01:15.000000000Z',
    'a negative offset with seconds',
  )
  t.equal(instantFromPg('2024-05-01T08:00:00.123456+00:00'), '2024-05-01T08:00:00.123456000Z', 'inside JSON')
  t.equal(instantFromPg('0001-01-01 00:00:00+00'), '0001-01-01T00:00:00.000000000Z')
  t.throws(
    () => instantFromPg('infinity'),
    { code: 'invalid-instant' },
    'a value that is not an instant is refused, not guessed',
  )
  t.throws(
    () => instantFromPg(new Date() as unknown as string),
    TypeError,
    'a Date (microseconds already lost) is refused',
  )
})

t.test('writes microseconds, cut rather than rounded', async (t) => {
  t.equal(instantToPg(at('2024-05-01T08:00:00.123456789Z')), '2024-05-01T08:00:00.123456Z')
  t.equal(instantToPg(at('2024-12-31T23:59:59.999999999Z')), '2024-12-31T23:59:59.999999Z', 'never into the next year')
  t.throws(
    () => instantToPg('2024-05-01T08:00:00Z' as Instant),
    { code: 'invalid-instant' },
    'text that only claims to be an instant is refused',
  )
})

const database = await openTestDatabase(t)
const { db } = database
const team = (await findTeamBySlug(db, 'coc'))!

t.test('a call round-trips as instants, and instants compare in SQL', async (t) => {
  const call = await insertCall(db, {
    teamId: team.id,
    opensAt: at('0001-01-01T00:00:00.000001Z'),
    closesAt: at('9999-12-31T23:59:59.999999999Z'),
    termStart: at('2026-03-01T10:00:00.123456+05:30'),
  })
  t.same(
    { opensAt: call.opensAt, closesAt: call.closesAt, termStart: call.termStart },
    {
      opensAt: '0001-01-01T00:00:00.000001000Z',
      closesAt: '9999-12-31T23:59:59.999999000Z',
      termStart: '2026-03-01T04:30:00.123456000Z',
    },
    'returning() gives Instants: the extreme years, the microsecond kept, nanoseconds cut',
  )
  const found = await findCall(db, call.id)
  t.same(found!.call.termStart, call.termStart, 'a select reads the same')

  const window = and(
    eq(calls.id, call.id),
    lte(calls.opensAt, at('0001-01-01T00:00:00.000001Z')),
    gte(calls.closesAt, at('9999-12-31T23:59:59.999999Z')),
  )
  t.equal(
    (await db.select({ id: calls.id }).from(calls).where(window)).length,
    1,
    'comparisons bind Instants through the column',
  )
  const finer = and(eq(calls.id, call.id), eq(calls.termStart, at('2026-03-01T04:30:00.123456999Z')))
  t.equal(
    (await db.select({ id: calls.id }).from(calls).where(finer)).length,
    1,
    'and bind them as the column stores them',
  )

  await markClosed(db, call.id, { closedAt: new Date('2026-01-01T00:00:00Z'), closesAt: at('2026-04-01T00:00:00.5Z') })
  t.equal((await findCall(db, call.id))!.call.closesAt, '2026-04-01T00:00:00.500000000Z', 'set() takes an Instant')
})

t.test('reading does not depend on the session’s time zone', async (t) => {
  const call = await insertCall(db, {
    teamId: team.id,
    opensAt: at('2030-01-01T00:00:00Z'),
    closesAt: at('2030-02-01T00:00:00Z'),
    termStart: at('2030-02-01T00:00:00Z'),
  })
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local time zone 'Asia/Kolkata'`)
    const printed = (await tx.execute(
      sql`select ${calls.opensAt}::text as text from ${calls} where ${calls.id} = ${call.id}`,
    )) as unknown as { rows: { text: string }[] }
    t.equal(printed.rows[0]!.text, '2030-01-01 05:30:00+05:30', 'the session prints local time')
    t.equal(
      (await findCall(tx, call.id))!.call.opensAt,
      '2030-01-01T00:00:00.000000000Z',
      'rota reads the same instant',
    )
  })
})

t.test('the JSON bulk insert converts submitted_at_ts through the column', async (t) => {
  const call = await insertCall(db, {
    teamId: team.id,
    opensAt: at('2031-01-01T00:00:00Z'),
    closesAt: at('2031-02-01T00:00:00Z'),
    termStart: at('2031-02-01T00:00:00Z'),
  })
  const submittedAt = at('2031-12-31T23:59:59.999999999Z')
  await insertResponses(db, [
    {
      callId: call.id,
      ingestSeq: 1,
      submittedAt,
      submittedAtTs: submittedAt,
      name: 'Ann',
      email: 'ann@example.org',
      source: 'json',
    },
  ])
  const [row] = await listResponses(db, call.id)
  t.equal(row!.submittedAt, submittedAt, 'the exact instant, as text')
  t.equal(
    row!.submittedAtTs,
    '2031-12-31T23:59:59.999999000Z',
    'the timestamptz: cut to the microsecond, not rounded into 2032',
  )
})
