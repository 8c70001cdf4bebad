import t from 'tap'
import fc from 'fast-check'
import {
  autoScheduleDue,
  callSteps,
  closeDecision,
  mayCloseCall,
  reminderAt,
  termNotice,
} from '../../src/domain/lifecycle.js'
import type { CallStep, ClosingCall, LifecycleCall, TermHolder } from '../../src/domain/lifecycle.js'
import { DEFAULT_POLICY } from '../../src/domain/policy.js'
import { addDays, compareInstants, epochNanos, instantFromEpochNanos, parseInstant } from '../../src/domain/time.js'
import type { Instant } from '../../src/domain/time.js'

const at = (text: string): Instant => parseInstant(text)
const JUST_BEFORE = (text: string): Instant => instantFromEpochNanos(epochNanos(at(text)) - 1n)

const ANNOUNCED_NOW = 'the call is announced only now; the announcement gives the deadline'
const WINDOW_CLOSED_OPEN = 'the window had already closed when rota came to announce it'
const WINDOW_CLOSED_REMIND = 'the window had already closed when the reminder came due'
const CLOSED_BEFORE_ANNOUNCED = 'the call was closed before rota announced it'
const SHORT_WINDOW = 'the window is not longer than reminderDays (7)'

// ---------------------------------------------------------------------------------------------
// One call: open through February 2027, a reminder 7 days before it closes (22 February).

const CALL: LifecycleCall = {
  id: 'c-2027',
  opensAt: at('2027-02-01T00:00:00Z'),
  closesAt: at('2027-03-01T00:00:00Z'),
  openedAt: null,
  remindedAt: null,
  closed: false,
  cancelled: false,
}
const OPENED = { openedAt: at('2027-02-01T00:00:00Z') }
const REMINDED = { remindedAt: at('2027-02-22T00:00:00Z') }
const policy = { reminderDays: 7 }

/** A compact view of the steps: `open send`, `remind skip: <reason>`, `close`. */
function show(steps: CallStep[]): string[] {
  return steps.map((s) => {
    if (s.type === 'close') return 'close'
    return s.notice.send ? `${s.type} send` : `${s.type} skip: ${s.notice.reason}`
  })
}

t.test('reminderAt is reminderDays before the call closes', async (t) => {
  t.equal(reminderAt(CALL, DEFAULT_POLICY), at('2027-02-22T00:00:00Z'), 'the default policy: 7 days')
  t.equal(reminderAt(CALL, { reminderDays: 1 }), at('2027-02-28T00:00:00Z'))
  t.equal(
    reminderAt({ closesAt: at('2028-03-01T12:34:56.123456789Z') }, policy),
    at('2028-02-23T12:34:56.123456789Z'),
    'across a leap day, to the nanosecond',
  )
  t.equal(reminderAt(CALL, { reminderDays: 0 }), null, 'reminders off')
})

t.test('callSteps over the timeline of one call', async (t) => {
  const table: Array<[string, Partial<LifecycleCall>, string, string[]]> = [
    ['before it opens: nothing', {}, '2027-01-15T00:00:00Z', []],
    ['a nanosecond before it opens: nothing', {}, JUST_BEFORE('2027-02-01T00:00:00Z'), []],
    ['as it opens: announce it', {}, '2027-02-01T00:00:00Z', ['open send']],
    ['a tick later than the opening: still announced', {}, '2027-02-03T10:00:00Z', ['open send']],
    ['open and announced: nothing until the reminder', OPENED, '2027-02-10T00:00:00Z', []],
    ['a nanosecond before the reminder: nothing', OPENED, JUST_BEFORE('2027-02-22T00:00:00Z'), []],
    ['7 days before it closes: remind the list', OPENED, '2027-02-22T00:00:00Z', ['remind send']],
    ['a late tick before it closes: still remind', OPENED, '2027-02-27T00:00:00Z', ['remind send']],
    ['reminded: nothing until it closes', { ...OPENED, ...REMINDED }, JUST_BEFORE('2027-03-01T00:00:00Z'), []],
    ['as it closes: close it', { ...OPENED, ...REMINDED }, '2027-03-01T00:00:00Z', ['close']],
    [
      'reminder due at the same tick as a late opening: the announcement alone',
      {},
      '2027-02-22T00:00:00Z',
      ['open send', `remind skip: ${ANNOUNCED_NOW}`],
    ],
    [
      'rota down until a day before closing: the announcement alone',
      {},
      '2027-02-28T00:00:00Z',
      ['open send', `remind skip: ${ANNOUNCED_NOW}`],
    ],
    [
      'rota down from before the reminder until after closing',
      OPENED,
      '2027-03-02T00:00:00Z',
      [`remind skip: ${WINDOW_CLOSED_REMIND}`, 'close'],
    ],
    [
      'rota down through the whole window: nothing stale is sent, and it closes',
      {},
      '2027-03-05T00:00:00Z',
      [`open skip: ${WINDOW_CLOSED_OPEN}`, `remind skip: ${WINDOW_CLOSED_REMIND}`, 'close'],
    ],
    [
      'rota down until exactly the closing: the window is over',
      {},
      '2027-03-01T00:00:00Z',
      [`open skip: ${WINDOW_CLOSED_OPEN}`, `remind skip: ${WINDOW_CLOSED_REMIND}`, 'close'],
    ],
  ]
  for (const [label, state, now, expected] of table) {
    t.same(show(callSteps({ ...CALL, ...state }, policy, at(now))), expected, label)
  }

  t.test('every step names its call', async (t) => {
    const steps = callSteps(CALL, policy, at('2027-03-05T00:00:00Z'))
    t.same(
      steps.map((s) => s.callId),
      ['c-2027', 'c-2027', 'c-2027'],
    )
  })
})

t.test('a closed call is never reminded or closed again', async (t) => {
  const table: Array<[string, Partial<LifecycleCall>, string, string[]]> = [
    [
      'closed early, after its announcement, during the window',
      { ...OPENED, closed: true },
      '2027-02-25T00:00:00Z',
      [],
    ],
    ['closed, after the window', { ...OPENED, closed: true }, '2027-03-05T00:00:00Z', []],
    ['closed and reminded', { ...OPENED, ...REMINDED, closed: true }, '2027-03-05T00:00:00Z', []],
    [
      'closed before rota announced it: the announcement is skipped',
      { closed: true },
      '2027-02-25T00:00:00Z',
      [`open skip: ${CLOSED_BEFORE_ANNOUNCED}`],
    ],
    [
      'closed before rota announced it, seen after the window',
      { closed: true },
      '2027-03-05T00:00:00Z',
      [`open skip: ${CLOSED_BEFORE_ANNOUNCED}`],
    ],
  ]
  for (const [label, state, now, expected] of table) {
    t.same(show(callSteps({ ...CALL, ...state }, policy, at(now))), expected, label)
  }
})

t.test('a cancelled call is never announced, reminded or closed', async (t) => {
  for (const now of ['2027-02-01T00:00:00Z', '2027-02-22T00:00:00Z', '2027-02-25T00:00:00Z', '2027-03-05T00:00:00Z']) {
    t.same(callSteps({ ...CALL, cancelled: true }, policy, at(now)), [], `not yet opened, at ${now.slice(0, 10)}`)
    t.same(callSteps({ ...CALL, ...OPENED, cancelled: true }, policy, at(now)), [], `opened, at ${now.slice(0, 10)}`)
  }
})

t.test('with reminderDays 0 the list is never reminded', async (t) => {
  const off = { reminderDays: 0 }
  t.same(show(callSteps(CALL, off, at('2027-02-01T00:00:00Z'))), ['open send'])
  t.same(show(callSteps({ ...CALL, ...OPENED }, off, at('2027-02-22T00:00:00Z'))), [])
  t.same(show(callSteps({ ...CALL, ...OPENED }, off, JUST_BEFORE('2027-03-01T00:00:00Z'))), [])
  t.same(show(callSteps({ ...CALL, ...OPENED }, off, at('2027-03-01T00:00:00Z'))), ['close'])
  t.same(
    show(callSteps(CALL, off, at('2027-03-05T00:00:00Z'))),
    [`open skip: ${WINDOW_CLOSED_OPEN}`, 'close'],
    'nor after an outage',
  )
})

t.test('a window no longer than reminderDays gets no reminder, and says why', async (t) => {
  t.test('4 days', async (t) => {
    const short = { ...CALL, closesAt: at('2027-02-05T00:00:00Z') }
    t.same(show(callSteps(short, policy, at('2027-02-01T00:00:00Z'))), ['open send', `remind skip: ${SHORT_WINDOW}`])
    t.same(
      show(callSteps({ ...short, ...OPENED }, policy, at('2027-02-03T00:00:00Z'))),
      [`remind skip: ${SHORT_WINDOW}`],
      'opened at an earlier tick',
    )
  })
  t.test('exactly 7 days: the reminder would coincide with the announcement', async (t) => {
    const week = { ...CALL, closesAt: at('2027-02-08T00:00:00Z') }
    t.same(show(callSteps(week, policy, at('2027-02-01T00:00:00Z'))), ['open send', `remind skip: ${SHORT_WINDOW}`])
  })
  t.test('7 days and a nanosecond: a reminder a nanosecond after it opens', async (t) => {
    const longer = { ...CALL, ...OPENED, closesAt: instantFromEpochNanos(epochNanos(at('2027-02-08T00:00:00Z')) + 1n) }
    t.same(show(callSteps(longer, policy, instantFromEpochNanos(epochNanos(at('2027-02-01T00:00:00Z')) + 1n))), [
      'remind send',
    ])
  })
})

// ---------------------------------------------------------------------------------------------
// Properties of callSteps over random calls and ticks.

const DAY = 86_400n * 1_000_000_000n
const Y2020 = epochNanos(at('2020-01-01T00:00:00Z'))
const Y2035 = epochNanos(at('2035-01-01T00:00:00Z'))

const callArb = fc.record({
  opensAt: fc.bigInt({ min: Y2020, max: Y2035 }),
  window: fc.oneof(
    fc.bigInt({ min: 1n, max: 60n * DAY }),
    fc.integer({ min: 1, max: 60 }).map((d) => BigInt(d) * DAY),
  ),
  reminderDays: fc.integer({ min: 0, max: 40 }),
})

/** Applies steps as the tick service does: each one recorded, at `now`. */
function apply(call: LifecycleCall, steps: CallStep[], now: Instant): LifecycleCall {
  let next = call
  for (const step of steps) {
    if (step.type === 'open') next = { ...next, openedAt: now }
    else if (step.type === 'remind') next = { ...next, remindedAt: now }
    else next = { ...next, closed: true }
  }
  return next
}

t.test('property: a step once applied is never asked for again, now or later', async (t) => {
  const instantOrNull = (base: bigint) =>
    fc.option(fc.bigInt({ min: base - 90n * DAY, max: base + 90n * DAY }).map(instantFromEpochNanos))
  const arb = callArb.chain((c) =>
    fc.record({
      call: fc.record({
        id: fc.constant('c'),
        opensAt: fc.constant(instantFromEpochNanos(c.opensAt)),
        closesAt: fc.constant(instantFromEpochNanos(c.opensAt + c.window)),
        openedAt: instantOrNull(c.opensAt),
        remindedAt: instantOrNull(c.opensAt),
        closed: fc.boolean(),
        cancelled: fc.boolean(),
      }),
      reminderDays: fc.constant(c.reminderDays),
      now: fc.bigInt({ min: c.opensAt - 90n * DAY, max: c.opensAt + 90n * DAY }),
      later: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 90n * DAY })),
    }),
  )
  fc.assert(
    fc.property(arb, ({ call, reminderDays, now, later }) => {
      const p = { reminderDays }
      const steps = callSteps(call, p, instantFromEpochNanos(now))
      const types = steps.map((s) => s.type)
      if (new Set(types).size !== types.length) return false
      const order = ['open', 'remind', 'close']
      if (types.some((type, i) => i > 0 && order.indexOf(type) <= order.indexOf(types[i - 1]!))) return false
      const after = apply(call, steps, instantFromEpochNanos(now))
      const again = callSteps(after, p, instantFromEpochNanos(now + later))
      return again.every((s) => !types.includes(s.type))
    }),
    { numRuns: 1000 },
  )
  t.pass('held for 1000 random calls and ticks')
})

t.test(
  'property: whenever the ticks come, each call is announced, reminded and closed once, and nothing stale is sent',
  async (t) => {
    const arb = callArb.chain((c) =>
      fc.record({
        c: fc.constant(c),
        // Ticks from well before the opening to after the closing; the last one always after it.
        offsets: fc.array(fc.bigInt({ min: -70n * DAY, max: c.window + 10n * DAY }), { maxLength: 12 }),
        last: fc.bigInt({ min: c.window, max: c.window + 30n * DAY }),
      }),
    )
    fc.assert(
      fc.property(arb, ({ c, offsets, last }) => {
        const p = { reminderDays: c.reminderDays }
        const opensAt = c.opensAt
        const closesAt = c.opensAt + c.window
        const remindAt = c.reminderDays > 0 ? closesAt - BigInt(c.reminderDays) * DAY : null
        const ticks = [...offsets, last].map((o) => opensAt + o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        let call: LifecycleCall = {
          ...CALL,
          opensAt: instantFromEpochNanos(opensAt),
          closesAt: instantFromEpochNanos(closesAt),
        }
        const history: Array<{ at: bigint; step: CallStep }> = []
        for (const tick of ticks) {
          const now = instantFromEpochNanos(tick)
          const steps = callSteps(call, p, now)
          for (const step of steps) history.push({ at: tick, step })
          call = apply(call, steps, now)
        }
        const once = (type: CallStep['type']) => history.filter((h) => h.step.type === type)
        const [open, close, remind] = [once('open'), once('close'), once('remind')]
        if (open.length !== 1 || close.length !== 1 || remind.length !== (remindAt === null ? 0 : 1)) return false

        // Opened and closed at the first tick past each boundary; announced only while the window is open.
        const firstFrom = (instant: bigint) => ticks.find((x) => x >= instant)!
        if (open[0]!.at !== firstFrom(opensAt) || close[0]!.at !== firstFrom(closesAt)) return false
        const announced = open[0]!.step.type === 'open' && open[0]!.step.notice.send
        if (announced !== open[0]!.at < closesAt) return false

        // A reminder is sent only after an announcement at an earlier tick, and before the call closes.
        if (remindAt !== null) {
          const r = remind[0]!
          const sent = r.step.type === 'remind' && r.step.notice.send
          const expected = remindAt > opensAt && r.at >= remindAt && r.at < closesAt && open[0]!.at < r.at
          if (sent !== expected) return false
          if (sent && r.at !== firstFrom(remindAt)) return false
        }
        return true
      }),
      { numRuns: 1000 },
    )
    t.pass('held for 1000 random calls and tick schedules')
  },
)

// ---------------------------------------------------------------------------------------------
// termNotice: a volunteer hears termNoticeDays before their term ends.

const MEMBER: TermHolder = { id: 'm-ada', termEnd: at('2027-03-01T00:00:00Z'), endedAt: null, seat: 'community' }
const notice = { termNoticeDays: 30 }

t.test('termNotice is due termNoticeDays before the term ends', async (t) => {
  const ENDED = { send: false, reason: 'the term had already ended when the notice came due' }
  const table: Array<[string, string, unknown]> = [
    ['months before: not yet', '2026-12-01T00:00:00Z', null],
    ['a nanosecond before the 30 days: not yet', JUST_BEFORE('2027-01-30T00:00:00Z'), null],
    ['30 days before the end: send', '2027-01-30T00:00:00Z', { send: true }],
    ['a week before the end: send', '2027-02-22T00:00:00Z', { send: true }],
    ['a nanosecond before the end: send', JUST_BEFORE('2027-03-01T00:00:00Z'), { send: true }],
    ['as the term ends: too late, skipped', '2027-03-01T00:00:00Z', ENDED],
    ['months after: skipped', '2027-06-01T00:00:00Z', ENDED],
  ]
  for (const [label, now, expected] of table) t.same(termNotice(MEMBER, notice, at(now)), expected, label)
  t.same(termNotice(MEMBER, DEFAULT_POLICY, at('2027-01-30T00:00:00Z')), { send: true }, 'the default policy: 30 days')
  t.same(termNotice(MEMBER, { termNoticeDays: 7 }, at('2027-02-21T00:00:00Z')), null, 'a shorter notice comes later')
  t.same(termNotice(MEMBER, { termNoticeDays: 7 }, at('2027-02-22T00:00:00Z')), { send: true })
})

t.test('termNotice has nothing to say to some members', async (t) => {
  const now = at('2027-02-15T00:00:00Z')
  const table: Array<[string, TermHolder, { termNoticeDays: number }]> = [
    ['staff', { ...MEMBER, seat: 'staff' }, notice],
    ['a member who left early', { ...MEMBER, endedAt: at('2027-01-10T00:00:00Z') }, notice],
    [
      'a member who is leaving early, later than the notice',
      { ...MEMBER, endedAt: at('2027-02-20T00:00:00Z') },
      notice,
    ],
    ['a term with no end', { ...MEMBER, termEnd: null }, notice],
    ['notices off', MEMBER, { termNoticeDays: 0 }],
  ]
  for (const [label, member, p] of table) t.equal(termNotice(member, p, now), null, label)
  t.same(termNotice({ ...MEMBER, seat: 'consortium' }, notice, now), { send: true }, 'both volunteer seats hear')
})

// ---------------------------------------------------------------------------------------------
// autoScheduleDue: rota creates the next call autoScheduleDays before it opens.

t.test('autoScheduleDue from autoScheduleDays before the next call opens', async (t) => {
  const planned = { opensAt: at('2027-02-01T00:00:00Z') }
  const table: Array<[string, string, boolean]> = [
    ['months before: not yet', '2026-06-01T00:00:00Z', false],
    ['a nanosecond before the 60 days: not yet', JUST_BEFORE('2026-12-03T00:00:00Z'), false],
    ['60 days before it opens', '2026-12-03T00:00:00Z', true],
    ['a week before it opens', '2027-01-25T00:00:00Z', true],
    ['after it should have opened (rota was down): still due', '2027-02-10T00:00:00Z', true],
  ]
  for (const [label, now, expected] of table)
    t.equal(autoScheduleDue(planned, true, DEFAULT_POLICY, at(now)), expected, label)

  t.test('but never for a team without calls, with nothing planned, or with auto-scheduling off', async (t) => {
    const now = at('2027-01-25T00:00:00Z')
    t.equal(autoScheduleDue(planned, false, DEFAULT_POLICY, now), false, 'the first call is staff’s decision')
    t.equal(autoScheduleDue(null, true, DEFAULT_POLICY, now), false, 'nothing planned')
    t.equal(autoScheduleDue(planned, true, { autoScheduleDays: 0 }, now), false, 'autoScheduleDays 0')
    t.equal(autoScheduleDue(planned, true, { autoScheduleDays: 10 }, now), true, 'a shorter lead time is due later…')
    t.equal(
      autoScheduleDue(planned, true, { autoScheduleDays: 10 }, at('2027-01-21T00:00:00Z')),
      false,
      '…and not before',
    )
  })
})

t.test('property: once due, autoScheduleDue stays due', async (t) => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: Y2020, max: Y2035 }),
      fc.integer({ min: 1, max: 400 }),
      fc.bigInt({ min: -500n * DAY, max: 500n * DAY }),
      fc.bigInt({ min: 0n, max: 500n * DAY }),
      (opens, days, offset, later) => {
        const planned = { opensAt: instantFromEpochNanos(opens) }
        const now = instantFromEpochNanos(opens + offset)
        const due = autoScheduleDue(planned, true, { autoScheduleDays: days }, now)
        if (due !== compareInstants(now, addDays(planned.opensAt, -days)) >= 0) return false
        return (
          !due ||
          autoScheduleDue(planned, true, { autoScheduleDays: days }, instantFromEpochNanos(opens + offset + later))
        )
      },
    ),
    { numRuns: 500 },
  )
  t.pass('held for 500 random calls and lead times')
})

t.test('no reminder is decided before the call opens, even when the window is short', async (t) => {
  const call = {
    id: 'c',
    opensAt: at('2027-02-01T00:00:00Z'),
    closesAt: at('2027-02-05T00:00:00Z'),
    openedAt: null,
    remindedAt: null,
    closed: false,
    cancelled: false,
  }
  t.same(
    callSteps(call, { reminderDays: 7 }, at('2027-01-30T00:00:00Z')),
    [],
    'a scheduled call has nothing to do yet (staff may still lengthen its window)',
  )
  t.same(
    callSteps(call, { reminderDays: 7 }, at('2027-02-01T00:00:00Z')).map((s) => [
      s.type,
      'notice' in s ? s.notice.send : null,
    ]),
    [
      ['open', true],
      ['remind', false],
    ],
    'at opening: announced, and the reminder skipped for the short window',
  )
})

t.test('closeDecision: the tick closes a call unless look-alike institutions need a person to look', async (t) => {
  const w = (code: string) => ({ code })
  const table: Array<[string, Array<{ code: string }>, ReturnType<typeof closeDecision>]> = [
    ['no warnings', [], { close: true }],
    [
      'unknown institutions, edits, deletions',
      [w('unknown-institution'), w('edited-after-submission'), w('deleted-upstream')],
      { close: true },
    ],
    ['one look-alike', [w('confusable-institution')], { close: false, review: 1 }],
    [
      'look-alikes among other warnings',
      [w('unknown-institution'), w('confusable-institution'), w('confusable-institution')],
      { close: false, review: 2 },
    ],
  ]
  for (const [label, warnings, expected] of table) t.same(closeDecision(warnings), expected, label)
})

t.test('mayCloseCall: a call closes once, not before it opens, and before closesAt only when asked to', async (t) => {
  const call: ClosingCall = { opensAt: CALL.opensAt, closesAt: CALL.closesAt, closed: false, cancelled: false }
  const refusal = (code: string, message: string) => ({ ok: false, refusal: { kind: 'conflict', code, message } })
  const table: Array<[string, Partial<ClosingCall>, Instant, boolean, unknown]> = [
    [
      'cancelled',
      { cancelled: true },
      at('2027-03-05T00:00:00Z'),
      false,
      refusal('call-cancelled', 'This call was cancelled; there is nothing to select'),
    ],
    [
      'cancelled and closed: cancelled is said first',
      { cancelled: true, closed: true },
      at('2027-03-05T00:00:00Z'),
      true,
      refusal('call-cancelled', 'This call was cancelled; there is nothing to select'),
    ],
    [
      'closed already',
      { closed: true },
      at('2027-03-05T00:00:00Z'),
      false,
      refusal('already-closed', 'This call is already closed; its selection is final'),
    ],
    [
      'closed already, even early',
      { closed: true },
      at('2027-02-10T00:00:00Z'),
      true,
      refusal('already-closed', 'This call is already closed; its selection is final'),
    ],
    [
      'a nanosecond before it opens, even early',
      {},
      JUST_BEFORE('2027-02-01T00:00:00Z'),
      true,
      refusal('call-not-open', 'This call opens at 2027-02-01T00:00:00Z; it cannot be closed before it opens'),
    ],
    [
      'open, not asked to close early',
      {},
      at('2027-02-10T00:00:00Z'),
      false,
      refusal('window-open', 'The window is open until 2027-03-01T00:00:00Z; send { "early": true } to close it now'),
    ],
    [
      'a nanosecond before closesAt, not early',
      {},
      JUST_BEFORE('2027-03-01T00:00:00Z'),
      false,
      refusal('window-open', 'The window is open until 2027-03-01T00:00:00Z; send { "early": true } to close it now'),
    ],
    [
      'as it opens, early: the window ends now',
      {},
      at('2027-02-01T00:00:00Z'),
      true,
      { ok: true, closesAt: at('2027-02-01T00:00:00Z'), early: true },
    ],
    [
      'open, early: the window ends now',
      {},
      at('2027-02-10T12:00:00.000000001Z'),
      true,
      { ok: true, closesAt: at('2027-02-10T12:00:00.000000001Z'), early: true },
    ],
    [
      'at closesAt: the window as planned',
      {},
      at('2027-03-01T00:00:00Z'),
      false,
      { ok: true, closesAt: CALL.closesAt, early: false },
    ],
    [
      'long after closesAt (due): the window as planned, not now',
      {},
      at('2027-04-15T00:00:00Z'),
      false,
      { ok: true, closesAt: CALL.closesAt, early: false },
    ],
    [
      'after closesAt, "early" changes nothing',
      {},
      at('2027-04-15T00:00:00Z'),
      true,
      { ok: true, closesAt: CALL.closesAt, early: false },
    ],
  ]
  for (const [what, change, now, early, expected] of table)
    t.same(mayCloseCall({ ...call, ...change }, now, early), expected, what)
})

t.test(
  'property: a close mayCloseCall allows ends the window within [opensAt, closesAt], at now when early',
  async (t) => {
    const instant = fc
      .bigInt({ min: epochNanos(at('2027-01-01T00:00:00Z')), max: epochNanos(at('2027-05-01T00:00:00Z')) })
      .map(instantFromEpochNanos)
    fc.assert(
      fc.property(instant, fc.boolean(), (now, early) => {
        const decision = mayCloseCall(
          { opensAt: CALL.opensAt, closesAt: CALL.closesAt, closed: false, cancelled: false },
          now,
          early,
        )
        if (!decision.ok)
          return compareInstants(now, CALL.closesAt) < 0 && (!early || compareInstants(now, CALL.opensAt) < 0)
        const within =
          compareInstants(decision.closesAt, CALL.opensAt) >= 0 &&
          compareInstants(decision.closesAt, CALL.closesAt) <= 0
        return (
          within &&
          decision.early === compareInstants(now, CALL.closesAt) < 0 &&
          decision.closesAt === (decision.early ? now : CALL.closesAt)
        )
      }),
      { numRuns: 300 },
    )
    t.pass('held for 300 random instants')
  },
)
