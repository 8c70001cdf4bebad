import t from 'tap'
import { DrizzleQueryError } from 'drizzle-orm/errors'
import { describeDatabaseError, isDatabaseUnavailable } from '../../src/db/unavailable.js'

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code })

t.test('connection-level failures are recognised, wrapped or not', async (t) => {
  const unavailable: Array<[string, unknown]> = [
    ['refused', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['reset', coded('ECONNRESET')],
    ['timed out', coded('ETIMEDOUT')],
    ['broken pipe', coded('EPIPE')],
    ['pg: connection ended', new Error('Connection terminated unexpectedly')],
    ['pg: connect timeout', new Error('Connection terminated due to connection timeout')],
    ['pg-pool: no connection in time', new Error('timeout exceeded when trying to connect')],
    ['SQLSTATE 08006 connection_failure', coded('08006')],
    ['SQLSTATE 08001 cannot establish', coded('08001')],
    ['57P01 admin_shutdown', coded('57P01', 'terminating connection due to administrator command')],
    ['57P02 crash_shutdown', coded('57P02')],
    ['57P03 cannot_connect_now', coded('57P03', 'the database system is starting up')],
    [
      "58P01 undefined_file (the embedded database's files are gone)",
      coded('58P01', 'could not open file "base/5/16482": No such file or directory'),
    ],
    ['58030 io_error', coded('58030')],
    ['53300 too_many_connections', coded('53300', 'sorry, too many clients already')],
    ['drizzle wrapping a refusal', new DrizzleQueryError('select 1', [], coded('ECONNREFUSED'))],
    [
      'AggregateError of refusals (localhost: ::1 and 127.0.0.1)',
      new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]),
    ],
  ]
  for (const [what, error] of unavailable) t.ok(isDatabaseUnavailable(error), what)
})

t.test('errors in the query or the data are not', async (t) => {
  const available: Array<[string, unknown]> = [
    ['unique violation', coded('23505', 'duplicate key value violates unique constraint')],
    ['syntax error', coded('42601')],
    ['serialization failure', coded('40001')],
    ['drizzle wrapping a constraint error', new DrizzleQueryError('insert …', ['x'], coded('23503'))],
    ['a plain error', new Error('something else')],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ]
  for (const [what, error] of available) t.notOk(isDatabaseUnavailable(error), what)
})

t.test(
  "what is logged of a query error: the driver's code and message, never the query or its parameters",
  async (t) => {
    const error = new DrizzleQueryError(
      'update "members" set "email" = $1',
      ['someone@example.org'],
      coded('ECONNRESET', 'read ECONNRESET'),
    )
    t.same(describeDatabaseError(error), { code: 'ECONNRESET', message: 'read ECONNRESET' })
    t.notMatch(JSON.stringify(describeDatabaseError(error)), /example\.org|members/)
  },
)
