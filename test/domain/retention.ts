import t from 'tap'
import fc from 'fast-check'
import { DEFAULT_RETENTION, type Retention } from '../../src/domain/policy.js'
import {
  erasureDue,
  monthsPassed,
  notAfter,
  type ErasureFacts,
  type MailFacts,
  type MemberFacts,
  type ResponseFacts,
} from '../../src/domain/retention.js'
import {
  addCalendarMonths,
  compareInstants,
  instantFromEpochNanos,
  parseInstant,
  type Instant,
} from '../../src/domain/time.js'

const at = (text: string) => parseInstant(text)
const CLOSED = at('2026-03-01T12:00:00Z')

function response(id: string, person: string, extra: Partial<ResponseFacts> = {}): ResponseFacts {
  return { id, person, callId: 'call-1', closedAt: CLOSED, memberId: null, ...extra }
}
function member(id: string, person: string, extra: Partial<MemberFacts> = {}): MemberFacts {
  return { id, person, seat: 'community', endsAt: at('2026-09-01T00:00:00Z'), voidedAt: null, ...extra }
}
function mail(id: string, extra: Partial<MailFacts> = {}): MailFacts {
  return { id, person: null, status: 'sent', createdAt: CLOSED, callId: null, memberId: null, ...extra }
}
const facts = (f: Partial<ErasureFacts>): ErasureFacts => ({ responses: [], members: [], mail: [], ...f })

t.test('a period has passed on the day it ends, not the day before; null never passes', async (t) => {
  t.ok(monthsPassed(CLOSED, 12, at('2027-03-01T12:00:00Z')))
  t.notOk(monthsPassed(CLOSED, 12, at('2027-03-01T11:59:59.999999999Z')))
  t.notOk(monthsPassed(CLOSED, null, at('2099-01-01T00:00:00Z')))
  // Month ends clamp: 31 January + 1 month is 28 February.
  t.ok(monthsPassed(at('2027-01-31T00:00:00Z'), 1, at('2027-02-28T00:00:00Z')))
})

t.test('applicants not selected are due applicantsMonths after their call closed', async (t) => {
  const input = facts({
    responses: [
      response('zed', 'zed@x'),
      response('open', 'ann@x', { closedAt: null }),
      response('ann', 'ann@x', { memberId: 'm-ann' }),
    ],
    members: [member('m-ann', 'ann@x')],
  })
  const before = erasureDue(input, DEFAULT_RETENTION, at('2027-03-01T11:00:00Z'))
  t.same(before.responses, [], 'not the day before')
  const due = erasureDue(input, DEFAULT_RETENTION, at('2027-03-01T12:00:00Z'))
  t.same(due.responses, ['zed'], 'the one not selected; a response still undecided and a member’s stay')
  t.same(
    erasureDue(input, { ...DEFAULT_RETENTION, applicantsMonths: null }, at('2040-01-01T00:00:00Z')).responses,
    ['ann'],
    'null keeps applicants (the member’s term and period have long passed)',
  )
})

t.test('members are kept while they serve, then go membersMonthsAfterTerm after their last term', async (t) => {
  const retention: Retention = { applicantsMonths: 12, membersMonthsAfterTerm: 24, mailMonths: 6 }
  const input = facts({
    responses: [response('r-ann', 'ann@x', { memberId: 'ann-1' }), response('r-staff', 'sam@x', { memberId: 'sam' })],
    members: [
      member('ann-1', 'ann@x', { endsAt: at('2026-09-01T00:00:00Z') }),
      // Ann serves again, later: nothing of hers goes while she does, nor before 24 months after that term.
      member('ann-2', 'ann@x', { endsAt: at('2028-09-01T00:00:00Z') }),
      member('sam', 'sam@x', { seat: 'staff', endsAt: null }),
      member('void', 'vic@x', { voidedAt: at('2026-04-01T00:00:00Z') }),
    ],
  })
  const during = erasureDue(input, retention, at('2028-09-01T00:00:00Z'))
  t.same(during.members, ['void'], 'a member voided by a reopen is an applicant: due 12 months after')
  t.same(during.responses, [])
  t.same(erasureDue(input, retention, at('2030-08-31T23:59:59Z')).members, ['void'])
  const after = erasureDue(input, retention, at('2030-09-01T00:00:00Z'))
  t.same(after.members.sort(), ['ann-1', 'ann-2', 'void'])
  t.same(after.responses, ['r-ann'], 'her response goes with her')
  t.notOk(after.members.includes('sam'), 'staff with no end of term are never due')
})

t.test('emails: mailMonths after they were queued, or with what they were about; never on their way', async (t) => {
  const input = facts({
    responses: [response('zed', 'zed@x')],
    mail: [
      mail('list', { createdAt: at('2026-01-01T00:00:00Z') }),
      mail('pending', { createdAt: at('2026-01-01T00:00:00Z'), status: 'pending' }),
      mail('to-zed', { person: 'zed@x', callId: 'call-1', createdAt: at('2027-02-01T00:00:00Z') }),
      mail('zed-other-call', { person: 'zed@x', callId: 'call-2', createdAt: at('2027-02-01T00:00:00Z') }),
    ],
  })
  t.same(erasureDue(input, DEFAULT_RETENTION, at('2026-06-30T23:59:59Z')).mail, [])
  t.same(erasureDue(input, DEFAULT_RETENTION, at('2026-07-01T00:00:00Z')).mail, ['list'])
  t.same(
    erasureDue(input, DEFAULT_RETENTION, at('2027-03-01T12:00:00Z')).mail,
    ['list', 'to-zed'],
    'the email about an erased response goes with it, whatever its age; the one pending stays',
  )
  t.same(erasureDue(input, { ...DEFAULT_RETENTION, mailMonths: null }, at('2026-07-01T00:00:00Z')).mail, [])
})

t.test('property: notAfter never leaves out a due record, and nothing is ever due early', async () => {
  const instant = fc
    .bigInt({ min: 1_600_000_000_000_000_000n, max: 2_000_000_000_000_000_000n })
    .map((n) => instantFromEpochNanos(n))
  fc.assert(
    fc.property(instant, instant, fc.option(fc.integer({ min: 1, max: 120 })), (from, now, months) => {
      const due = monthsPassed(from, months, now)
      if (due) {
        const cutoff = notAfter(months, now)!
        if (compareInstants(from, cutoff) > 0) return false
        if (compareInstants(addCalendarMonths(from, months!), now) > 0) return false
      }
      const input = facts({ responses: [response('r', 'p', { closedAt: from as Instant })] })
      const retention = { applicantsMonths: months, membersMonthsAfterTerm: null, mailMonths: null }
      return erasureDue(input, retention, now).responses.length === (due ? 1 : 0)
    }),
  )
})
