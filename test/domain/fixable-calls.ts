import t from 'tap'
import fc from 'fast-check'
import {
  callSteps,
  closingTermStart,
  mayReopenCall,
  tickMayClose,
  wasAnnounced,
  type AutoCloseFacts,
  type LifecycleCall,
} from '../../src/domain/lifecycle.js'
import { DEFAULT_POLICY } from '../../src/domain/policy.js'
import { incomingAfter, vacanciesAt, vacanciesDuring, type RosterMember } from '../../src/domain/roster.js'
import { termStartFor } from '../../src/domain/terms.js'
import { addDays, compareInstants, parseInstant, type Instant } from '../../src/domain/time.js'

// Issue 12, "Staff cannot trap themselves": the pure rules behind calls that can be fixed.
const at = (text: string): Instant => parseInstant(text)
const OPENS = at('2026-02-01T00:00:00Z')
const CLOSES = at('2026-03-01T00:00:00Z')

const call = (extra: Partial<LifecycleCall> = {}): LifecycleCall => ({
  id: 'c',
  opensAt: OPENS,
  closesAt: CLOSES,
  openedAt: null,
  remindedAt: null,
  closed: false,
  cancelled: false,
  ...extra,
})
const live: AutoCloseFacts = { createdAt: at('2026-01-10T00:00:00Z'), reopenedAt: null, responses: 3, hasForm: false }

t.test('the tick closes a live call, and leaves a call run after the fact to staff', async (t) => {
  const announced = call({ openedAt: OPENS })
  t.same(tickMayClose(announced, live), { close: true }, 'created before its window, announced, with responses')
  t.same(tickMayClose(call(), live), { close: true }, 'not announced (rota was down) but with responses')
  t.same(tickMayClose(announced, { ...live, responses: 0 }), { close: true }, 'announced: an empty live call closes')
  t.same(tickMayClose(call(), { ...live, responses: 0, hasForm: true }), { close: true }, 'a linked form is live')

  const after = tickMayClose(call(), { ...live, createdAt: at('2026-03-08T00:00:00Z') })
  t.match(after, { close: false, reason: /created after its window ended/ }, 'created last week for a closed form')
  t.match(
    tickMayClose(call(), { ...live, createdAt: CLOSES }),
    { close: false },
    'created the instant the window ends: after it',
  )
  t.match(tickMayClose(call(), { ...live, responses: 0 }), {
    close: false,
    reason: /never announced, with no responses and no linked form/,
  })
  t.match(
    tickMayClose(call({ openedAt: at('2026-03-02T00:00:00Z') }), { ...live, responses: 0 }),
    { close: false },
    'an announcement decided only after the window (skipped) is no announcement',
  )
  t.match(tickMayClose(announced, { ...live, reopenedAt: at('2026-03-10T00:00:00Z') }), {
    close: false,
    reason: /reopened after its window ended/,
  })
  t.same(
    tickMayClose(announced, { ...live, reopenedAt: at('2026-02-20T00:00:00Z') }),
    { close: true },
    'reopened while its window was still open: live again',
  )
})

t.test('callSteps: no close step for a call the tick leaves to staff; open and remind as before', async (t) => {
  const now = at('2026-03-08T00:01:00Z')
  const facts = { ...live, createdAt: at('2026-03-08T00:00:00Z'), responses: 0 }
  const steps = callSteps(call(), DEFAULT_POLICY, now, facts)
  t.same(
    steps.map((s) => s.type),
    ['open', 'remind'],
    'recorded (as skipped notices), never closed',
  )
  t.same(
    callSteps(call(), DEFAULT_POLICY, now, live).map((s) => s.type),
    ['open', 'remind', 'close'],
  )
  t.same(
    callSteps(call(), DEFAULT_POLICY, now).map((s) => s.type),
    ['open', 'remind', 'close'],
    'without facts: as before',
  )
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 5 }), (days, responses) => {
      const createdAt = addDays(OPENS, days - 30)
      const closes = callSteps(call(), DEFAULT_POLICY, addDays(CLOSES, 60), { ...live, createdAt, responses }).some(
        (s) => s.type === 'close',
      )
      // Never closed when created at or after the window's end; never an empty unannounced call.
      if (compareInstants(createdAt, CLOSES) >= 0 || responses === 0) return !closes
      return closes
    }),
  )
})

t.test('wasAnnounced: marked open while the window was open', async (t) => {
  t.equal(wasAnnounced({ openedAt: null, closesAt: CLOSES }), false)
  t.equal(wasAnnounced({ openedAt: OPENS, closesAt: CLOSES }), true)
  t.equal(wasAnnounced({ openedAt: CLOSES, closesAt: CLOSES }), false)
})

t.test('reopen: only a closed call, with a reason, while nothing was built on it', async (t) => {
  const closed = { closed: true, cancelled: false }
  const clear = { laterClosed: null, departed: [], appointees: [] }
  t.same(mayReopenCall(closed, clear, 'imported the wrong export'), { ok: true })
  t.match(mayReopenCall(closed, clear, '  '), {
    ok: false,
    refusal: { kind: 'invalid', code: 'invalid-reopen', problems: [{ field: 'body.reason' }] },
  })
  t.match(mayReopenCall({ closed: false, cancelled: false }, clear, 'x'), {
    ok: false,
    refusal: { code: 'call-not-closed' },
  })
  t.match(mayReopenCall({ closed: false, cancelled: true }, clear, 'x'), {
    ok: false,
    refusal: { code: 'call-cancelled' },
  })
  t.match(mayReopenCall(closed, { ...clear, laterClosed: { id: 'next', opensAt: at('2027-02-01T00:00:00Z') } }, 'x'), {
    ok: false,
    refusal: { kind: 'conflict', code: 'later-call-closed', details: { callId: 'next' } },
  })
  t.match(mayReopenCall(closed, { ...clear, departed: [{ id: 'm1', name: 'Ada' }] }, 'x'), {
    ok: false,
    refusal: { code: 'members-departed', message: /Ada has stepped down or been replaced/ },
  })
  t.match(mayReopenCall(closed, { ...clear, appointees: [{ id: 'm2', name: 'Bo' }] }, 'x'), {
    ok: false,
    refusal: { code: 'call-has-appointees', message: /Bo was appointed/ },
  })
})

t.test('a close may start terms at once, never before the window ends', async (t) => {
  const early = at('2026-02-15T00:00:00Z')
  t.same(closingTermStart(null, CLOSES, early), { ok: true, termStart: CLOSES }, 'the call’s own, by default')
  t.same(closingTermStart(early, CLOSES, early), { ok: true, termStart: early }, 'at once')
  t.match(closingTermStart(at('2026-02-14T00:00:00Z'), CLOSES, early), {
    ok: false,
    refusal: { kind: 'invalid', problems: [{ field: 'body.termStart' }] },
  })
})

t.test('a defaulted term start follows the window; one staff set stays', async (t) => {
  const policy = { callIntervalMonths: 12, windowDays: 28 }
  const moved = at('2026-04-01T00:00:00Z')
  t.same(termStartFor({ closesAt: moved }, null, { termStart: CLOSES, explicit: false }, null, policy), {
    termStart: moved,
    explicit: false,
    problem: null,
  })
  const set = at('2026-05-01T00:00:00Z')
  t.same(termStartFor({ closesAt: moved }, null, { termStart: set, explicit: true }, null, policy), {
    termStart: set,
    explicit: true,
    problem: null,
  })
  t.match(
    termStartFor({ closesAt: at('2026-06-01T00:00:00Z') }, null, { termStart: set, explicit: true }, null, policy),
    { explicit: true, problem: /set to 2026-05-01T00:00:00Z by staff/ },
    'a move past a set term start is refused, not silently changed',
  )
  t.same(termStartFor({ closesAt: moved }, set, null, null, policy), { termStart: set, explicit: true, problem: null })
  t.match(termStartFor({ closesAt: moved }, CLOSES, null, null, policy), { problem: /must not be before closesAt/ })
})

const person = (id: string, seat: RosterMember['seat'], termStart: string, termEnd: string | null): RosterMember => ({
  id,
  name: id,
  institution: null,
  seat,
  termStart: at(termStart),
  termEnd: termEnd === null ? null : at(termEnd),
  endedAt: null,
})

t.test('vacancies throughout a term: the fewest at any instant of it', async (t) => {
  const seats = { consortium: 1, community: 1 }
  const team = [person('Later', 'community', '2026-06-01T00:00:00Z', '2028-06-01T00:00:00Z')]
  t.same(vacanciesAt(seats, team, CLOSES), { consortium: 1, community: 1 })
  t.same(vacanciesDuring(seats, team, CLOSES, null), { consortium: 1, community: 0 })
  t.same(vacanciesDuring(seats, team, CLOSES, at('2026-06-01T00:00:00Z')), { consortium: 1, community: 1 })
})

t.test('incoming: members whose terms start later, by term start', async (t) => {
  const team = [
    person('Now', 'community', '2026-01-01T00:00:00Z', '2028-01-01T00:00:00Z'),
    person('Soon', 'consortium', '2026-03-01T00:00:00Z', '2028-03-01T00:00:00Z'),
    person('Sooner', 'community', '2026-02-20T00:00:00Z', '2028-03-01T00:00:00Z'),
    { ...person('Never', 'community', '2026-03-01T00:00:00Z', '2028-03-01T00:00:00Z'), endedAt: CLOSES },
  ]
  t.same(
    incomingAfter(team, at('2026-02-15T00:00:00Z')).map((m) => m.id),
    ['Sooner', 'Soon'],
    'not those serving, nor one who leaves before starting',
  )
  t.same(incomingAfter(team, CLOSES), [])
})
