import t from 'tap'
import { defaultTermStart } from '../../src/domain/terms.js'
import { parseInstant } from '../../src/domain/time.js'

const policy = { callIntervalMonths: 12, windowDays: 28 }
const at = parseInstant

t.test('terms start when the call closes, or on the anniversary of the previous term start', async (t) => {
  const cases: Array<[string, string, string | null, string]> = [
    ['first call: when it closes', '2026-03-01T00:00:00Z', null, '2026-03-01T00:00:00Z'],
    ['aligned year: the same day', '2027-03-01T00:00:00Z', '2026-03-01T00:00:00Z', '2027-03-01T00:00:00Z'],
    [
      'leap year: the call closes on 29 Feb, terms start on 1 March',
      '2028-02-29T00:00:00Z',
      '2027-03-01T00:00:00Z',
      '2028-03-01T00:00:00Z',
    ],
    [
      'anniversary already passed: when it closes',
      '2028-04-01T00:00:00Z',
      '2027-03-01T00:00:00Z',
      '2028-04-01T00:00:00Z',
    ],
    [
      'anniversary more than a window later: when it closes',
      '2028-01-01T00:00:00Z',
      '2027-03-01T00:00:00Z',
      '2028-01-01T00:00:00Z',
    ],
  ]
  for (const [label, closesAt, previous, expected] of cases) {
    t.equal(defaultTermStart(at(closesAt), previous === null ? null : at(previous), policy), at(expected), label)
  }
})
