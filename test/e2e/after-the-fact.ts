import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { build } from '../helpers/build.js'
import { startFakeGoogle } from '../fakes/google.js'

// Issue 12's first "Done when", end to end through the HTTP API, following README's "After the
// fact, from an export" and "Undoing a close" requests as written: a Google Form that ran outside
// rota (1–28 June, owned in New York) is entered a week after it closed; the export is first read in
// the wrong zone (README's Europe/London), that import is removed and the file imported again in
// America/New_York; the call is previewed, closed, reopened with a reason, fixed and closed again.
//
// The tick runs throughout: a loop beside the steps calls POST /admin/tick, each time one second
// later on the test's clock (the clock moves only with the tick, so the run is deterministic in what
// the tick sees, while the steps' requests really do interleave with the ticks). After each step the
// test waits for two more ticks, so the tick always had the chance to act on what the step did.
//
// Gmail is the fake Google: after the first close it accepts two emails and then answers 429 for an
// hour, so the reopen meets some of the close's emails sent and the rest still pending.

interface Message {
  id: string
  kind: string
  to: string | null
  subject: string
  status: string
  attempts: number
  callId: string | null
  messageId: string
  lastError: string | null
  createdAt: string
}
interface Decision {
  responseId: string
  name: string
  institution: string | null
  submittedAt: string
  outcome: string
  seat: string | null
  reason: string | null
  explanation: string
}

// A Google Forms "Download responses" export from a form owned in New York (US locale: M/D/YYYY,
// local wall time, no offset). Two people from Alpha University; Ana answered just after the form
// opened (2:05 in New York, 06:05 UTC) and Hana after it closed (1:30 on 29 June, 05:30 UTC: the
// owner closed the form a few hours late). Read as London time (five hours ahead), Ana falls before
// the window and Hana inside it.
const CSV = `Timestamp,Email Address,Name,Institution,Why do you want to join?
6/1/2026 2:05:00,ana@alpha.example,Ana Early,Alpha University,I care about a welcoming community
6/1/2026 9:12:30,ben@beta.example,Ben Okafor,Beta Library,"Experience with moderation, and time"
6/2/2026 14:00:00,chloe@alpha.example,Chloé Martin,Alpha University,
6/3/2026 10:00:00,dev@gamma.example,Dev Patel,Gamma Museum,Happy to help
6/4/2026 11:00:00,eve@somewhere.example,Eve Adams,Library of Somewhere,
6/10/2026 16:45:00,finn@elsewhere.example,Finn Murphy,Museum of Elsewhere,
6/15/2026 8:00:00,gus@independent.example,Gus Lee,Independent,
6/29/2026 1:30:00,hana@delta.example,Hana Late,Delta Institute,
`
const NAMES = [
  'Ana Early',
  'Ben Okafor',
  'Chloé Martin',
  'Dev Patel',
  'Eve Adams',
  'Finn Murphy',
  'Gus Lee',
  'Hana Late',
]
const LIST = 'list@iiif.example'
const STAFF = 'staff@iiif.example'

t.test(
  'after the fact: wrong zone, undo, re-import, preview, close, reopen, close again — with the tick running',
  async (t) => {
    // Gmail takes two of the first close's emails, then refuses everything for an hour (429).
    let gmailPhase: 'before' | 'first-close' | 'after' = 'before'
    let storedInPhase = 0
    const fake = await startFakeGoogle({
      accessToken: 'tok',
      onGmailSend: (send) => {
        if (send.phase !== 'stored' || gmailPhase !== 'first-close') return
        if (++storedInPhase === 2) fake.gmail.failAlways('messages.send', { status: 429, retryAfter: '3600' })
      },
    })
    t.teardown(() => fake.close())
    const { app, staff, clock } = await build(t, {
      MAIL_TRANSPORT: 'gmail',
      MAIL_FROM: 'IIIF rota <rota@iiif.example>',
      GOOGLE_API_ROOT_URL: fake.url,
      GOOGLE_ACCESS_TOKEN: 'tok',
      MAIL_RETRY_BASE_MS: '3600000',
    })
    const J = { 'content-type': 'application/json' }
    const CSVTYPE = { 'content-type': 'text/csv' }
    async function api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers = {}) {
      const res = await app.inject({
        method,
        url,
        headers: { ...staff, ...headers },
        ...(payload === undefined ? {} : { payload: payload as string }),
      })
      return { status: res.statusCode, body: res.body ? res.json() : null }
    }
    const outbox = async (): Promise<Message[]> => {
      const res = await api('GET', '/outbox?limit=500')
      t.equal(res.status, 200)
      return res.body.messages
    }
    const members = async () =>
      ((await api('GET', '/teams/coc/members')).body.members as Array<{ name: string; seat: string; origin: unknown }>)
        .map((m) => m.name)
        .sort()
    const outcomes = (decisions: Decision[]) => Object.fromEntries(decisions.map((d) => [d.name, d.outcome]))

    // Set up (before the tick starts): the consortium members, the team's lists, two seats of each kind.
    clock.set('2026-07-06T09:00:00Z')
    for (const name of ['Alpha University', 'Beta Library', 'Gamma Museum'])
      t.equal((await api('POST', '/institutions', { name, consortium: true }, J)).status, 201)
    const team = await api(
      'PATCH',
      '/teams/coc',
      { mailingList: LIST, staffEmail: STAFF, policy: { seats: { consortium: 2, community: 2 } } },
      J,
    )
    t.equal(team.status, 200, JSON.stringify(team.body))

    // The tick, every second of the test's clock, from now to the end.
    interface Report {
      at: string
      actions: Array<{ type: string; callId?: string; notice?: string; reason?: string }>
    }
    const reports: Report[] = []
    const tickFailures: string[] = []
    let ticks = 0
    let running = true
    const ticker = (async () => {
      while (running) {
        clock.set(new Date(clock().getTime() + 1000))
        const res = await app.inject({ method: 'POST', url: '/admin/tick', headers: staff })
        if (res.statusCode === 200) reports.push(res.json())
        else tickFailures.push(`${res.statusCode} ${res.body}`)
        ticks++
        await sleep(5)
      }
    })()
    t.teardown(() => {
      running = false // a step that throws must not leave the ticker running
    })
    const ticksPass = async (n = 2) => {
      const target = ticks + n
      while (ticks < target) await sleep(2)
    }
    const until = async (what: string, ok: () => Promise<boolean>) => {
      for (let i = 0; i < 500; i++) {
        if (await ok()) return
        await ticksPass(1)
      }
      t.fail(`timed out waiting until ${what}`)
    }

    // 1. The form ran 1–28 June (midnight to midnight in New York); staff create its call a week later.
    const created = await api(
      'POST',
      '/teams/coc/calls',
      { opensAt: '2026-06-01T04:00:00Z', closesAt: '2026-06-29T04:00:00Z' },
      J,
    )
    t.equal(created.status, 201, JSON.stringify(created.body))
    const id = created.body.id as string
    t.equal(created.body.status, 'due', 'due at once')
    await ticksPass()
    t.equal((await api('GET', `/calls/${id}`)).body.status, 'due', 'the tick leaves it due')

    // 2. The export, read in README's zone: the wrong one for this form.
    const wrong = await api('POST', `/calls/${id}/responses?timezone=Europe/London`, CSV, CSVTYPE)
    t.equal(wrong.status, 200, JSON.stringify(wrong.body))
    t.match(wrong.body, { dryRun: false, rows: 8, inserted: 8 })
    t.same(
      wrong.body.warnings.map((w: { code: string; where: string[] }) => [w.code, w.where]),
      [['outside-window', ['line 2']]],
      "Ana's response reads as before the window",
    )
    const wrongBatch = wrong.body.batchId as string
    await ticksPass()
    // 3. The preview shows the mistake: Ana out, Chloé takes Alpha University's seat, Hana counts.
    const wrongPreview = (await api('GET', `/calls/${id}/selection`)).body
    t.equal(wrongPreview.status, 'preview')
    t.same(outcomes(wrongPreview.decisions), {
      'Ana Early': 'excluded',
      'Ben Okafor': 'selected',
      'Chloé Martin': 'selected',
      'Dev Patel': 'alternate',
      'Eve Adams': 'selected',
      'Finn Murphy': 'selected',
      'Gus Lee': 'alternate',
      'Hana Late': 'alternate',
    })
    t.equal(
      wrongPreview.decisions.find((d: Decision) => d.name === 'Ana Early').submittedAt,
      '2026-06-01T01:05:00Z',
      '2:05 read as London time',
    )
    t.equal((await api('GET', `/calls/${id}`)).body.status, 'due', 'still due: the tick does not close it')

    // Remove that import, with the reason.
    const imports = (await api('GET', `/calls/${id}/imports`)).body.imports
    t.match(imports, [
      {
        id: wrongBatch,
        source: 'csv',
        rows: 8,
        inserted: 8,
        remaining: 8,
        options: { timezone: 'Europe/London' },
        removed: null,
      },
    ])
    const removed = await api(
      'DELETE',
      `/calls/${id}/imports/${wrongBatch}`,
      { reason: 'read in the wrong time zone: the form is in New York' },
      J,
    )
    t.equal(removed.status, 200, JSON.stringify(removed.body))
    await ticksPass()
    const emptied = (await api('GET', `/calls/${id}/selection`)).body
    t.same(emptied.decisions, [], 'the removed import no longer counts')
    t.match((await api('GET', `/calls/${id}/imports`)).body.imports, [
      { id: wrongBatch, remaining: 0, removed: { reason: 'read in the wrong time zone: the form is in New York' } },
    ])

    // A dry run in the right zone first: the same answer as the import, plus the order, nothing stored.
    const right = `/calls/${id}/responses?timezone=America/New_York`
    const dry = await api('POST', `${right}&dryRun=true`, CSV, CSVTYPE)
    t.equal(dry.status, 200, JSON.stringify(dry.body))
    t.match(dry.body, { dryRun: true, rows: 8 })
    t.same(
      dry.body.warnings.map((w: { code: string; where: string[] }) => [w.code, w.where]),
      [['outside-window', ['line 9']]],
      'only Hana, who answered after the form should have closed',
    )
    t.same((await api('GET', `/calls/${id}/selection`)).body.decisions, [], 'the dry run stored nothing')

    const good = await api('POST', right, CSV, CSVTYPE)
    t.equal(good.status, 200, JSON.stringify(good.body))
    t.same(
      [
        good.body.dryRun,
        good.body.rows,
        good.body.inserted + good.body.updated + good.body.unchanged,
        good.body.warnings,
      ],
      [false, 8, 8, dry.body.warnings],
      'the import answers what its dry run said',
    )
    await ticksPass()

    const preview = (await api('GET', `/calls/${id}/selection`)).body
    t.equal(preview.status, 'preview')
    const expectedFirst = {
      'Ana Early': 'selected',
      'Ben Okafor': 'selected',
      'Chloé Martin': 'excluded',
      'Dev Patel': 'alternate',
      'Eve Adams': 'selected',
      'Finn Murphy': 'selected',
      'Gus Lee': 'alternate',
      'Hana Late': 'excluded',
    }
    t.same(outcomes(preview.decisions), expectedFirst)
    t.same(
      preview.decisions.map((d: Decision) => [d.name, d.submittedAt]).slice(0, 2),
      [
        ['Ana Early', '2026-06-01T06:05:00Z'],
        ['Ben Okafor', '2026-06-01T13:12:30Z'],
      ],
      'New York wall time read as New York time (UTC−4 in June)',
    )
    t.equal((await api('GET', `/calls/${id}`)).body.status, 'due')
    t.same(await members(), [], 'nobody is a member before the close')
    t.same(fake.gmail.sent, [], 'nothing was sent before staff closed the call')

    // 4. Close it (README: POST with no body).
    gmailPhase = 'first-close'
    // The tick moves the clock meanwhile: the close happens at this instant or a second or two later.
    const firstCloseAt = clock().toISOString()
    const closed = await api('POST', `/calls/${id}/close`)
    t.equal(closed.status, 200, JSON.stringify(closed.body))
    t.same(outcomes(closed.body.decisions), expectedFirst, 'the close stores what the preview showed')
    t.same(await members(), ['Ana Early', 'Ben Okafor', 'Eve Adams', 'Finn Murphy'])
    const roster = (await api('GET', '/teams/coc/roster')).body
    t.same(
      roster.members.map((m: { name: string }) => m.name).sort(),
      ['Ana Early', 'Ben Okafor', 'Eve Adams', 'Finn Murphy'],
      'terms started at closesAt: they serve at once',
    )
    // The tick sends two emails, then Gmail refuses the rest for an hour.
    await until('the tick tried every email of the close', async () => {
      const rows = (await outbox()).filter((m) => m.callId === id && m.createdAt >= firstCloseAt)
      return rows.length > 0 && rows.every((m) => m.status === 'sent' || (m.status === 'pending' && m.attempts > 0))
    })
    const firstCloseRows = (await outbox()).filter((m) => m.callId === id && m.createdAt >= firstCloseAt)
    const key = (m: { kind: string; to: string | null }) => `${m.kind} → ${m.to}`
    const FIRST_CLOSE_EMAILS = [
      'alternate → dev@gamma.example',
      'alternate → gus@independent.example',
      `call-results → ${LIST}`,
      'not-selected → chloe@alpha.example',
      'not-selected → hana@delta.example',
      'selected → ana@alpha.example',
      'selected → ben@beta.example',
      'selected → eve@somewhere.example',
      'selected → finn@elsewhere.example',
    ]
    t.same(
      firstCloseRows.map(key).sort(),
      FIRST_CLOSE_EMAILS,
      'the close queued one email per volunteer and one to the list',
    )
    const sentFirst = firstCloseRows.filter((m) => m.status === 'sent')
    const pendingFirst = firstCloseRows.filter((m) => m.status !== 'sent')
    t.equal(sentFirst.length, 2, 'Gmail took two of them')
    t.ok(
      pendingFirst.every((m) => m.status === 'pending' && m.lastError !== null),
      'the rest wait for their retry after Gmail’s 429',
    )

    // Undo the close.
    const reason = 'Ben Okafor withdrew by email on 20 June; we missed it'
    const reopened = await api('POST', `/calls/${id}/reopen`, { reason }, J)
    t.equal(reopened.status, 200, JSON.stringify(reopened.body))
    gmailPhase = 'after'
    fake.gmail.clearFailures()
    t.equal(reopened.body.call.status, 'due', 'after its window: due again, left to staff')
    t.same(reopened.body.removedMembers.map((m: { name: string }) => m.name).sort(), [
      'Ana Early',
      'Ben Okafor',
      'Eve Adams',
      'Finn Murphy',
    ])
    t.same(
      reopened.body.sentEmails.map((m: Message) => m.id).sort(),
      sentFirst.map((m) => m.id).sort(),
      'the answer lists the emails that had already gone',
    )
    t.same(
      reopened.body.cancelledEmails.map((m: Message) => m.id).sort(),
      pendingFirst.map((m) => m.id).sort(),
      '… and cancels every other email of the close',
    )
    await ticksPass()
    t.equal((await api('GET', `/calls/${id}`)).body.status, 'due', 'the tick does not close the reopened call')
    t.same(await members(), [], "the close's members are off the team")
    const rosterAfter = (await api('GET', '/teams/coc/roster')).body
    t.same([rosterAfter.members, rosterAfter.incoming], [[], []], 'and off the public roster')
    const history = (await api('GET', `/calls/${id}/selection`)).body
    t.equal(history.status, 'preview')
    t.equal(history.superseded.length, 1, 'the old decisions are kept as superseded history')
    t.match(history.superseded[0], {
      closedBy: 'STAFF_TOKEN',
      closedAt: firstCloseRows.find((m) => m.kind === 'call-results')!.createdAt,
      supersededAt: reopened.body.call.reopenedAt,
      supersededBy: 'STAFF_TOKEN',
      reason,
    })
    t.same(outcomes(history.superseded[0].decisions), expectedFirst)

    // Fix it: Ben's response out, with the reason; the preview now gives his seat to Dev.
    const ben = preview.decisions.find((d: Decision) => d.name === 'Ben Okafor').responseId
    const benOut = await api('DELETE', `/calls/${id}/responses/${ben}`, { reason: 'withdrew by email on 20 June' }, J)
    t.equal(benOut.status, 200, JSON.stringify(benOut.body))
    await ticksPass()
    const expectedSecond = {
      'Ana Early': 'selected',
      'Chloé Martin': 'excluded',
      'Dev Patel': 'selected',
      'Eve Adams': 'selected',
      'Finn Murphy': 'selected',
      'Gus Lee': 'alternate',
      'Hana Late': 'excluded',
    }
    t.same(outcomes((await api('GET', `/calls/${id}/selection`)).body.decisions), expectedSecond)
    t.equal((await api('GET', `/calls/${id}`)).body.status, 'due')

    // Close again.
    const secondCloseAt = clock().toISOString()
    const second = await api('POST', `/calls/${id}/close`)
    t.equal(second.status, 200, JSON.stringify(second.body))
    t.same(outcomes(second.body.decisions), expectedSecond)
    t.equal(second.body.superseded.length, 1)
    t.same(await members(), ['Ana Early', 'Dev Patel', 'Eve Adams', 'Finn Murphy'])
    await until('every email of the second close went', async () => {
      const rows = (await outbox()).filter((m) => m.callId === id && m.createdAt >= secondCloseAt)
      return rows.length > 0 && rows.every((m) => m.status === 'sent')
    })
    await ticksPass()
    running = false
    await ticker

    // The tick ran throughout, never failed, and never closed the call or asked for a review.
    t.ok(ticks >= 15, `the tick ran all along (${ticks} ticks)`)
    t.ok(
      reports.every((r, i) => i === 0 || Date.parse(r.at) - Date.parse(reports[i - 1]!.at) === 1000),
      'every second, without a gap',
    )
    t.ok(reports[0]!.at <= '2026-07-06T09:00:01.000Z', 'from before the call was created')
    t.ok(reports.at(-1)!.at > secondCloseAt, 'to after the second close')
    t.same(tickFailures, [])
    const tickActions = reports.flatMap((r) =>
      r.actions.map((a) => `${a.type} ${a.notice ?? ''} ${a.callId === id ? 'CALL' : a.callId}`),
    )
    t.same(
      tickActions,
      ['call-opened skipped CALL', 'call-reminder skipped CALL'],
      'the tick only recorded the missed announcement and reminder',
    )

    // Every email in the outbox.
    const all = await outbox()
    t.ok(
      all.every((m) => m.callId === id),
      'every email is about this call',
    )
    const shown = (m: Message) => `${m.kind} → ${m.to}: ${m.status}`
    const firstSent = new Set(sentFirst.map((m) => m.id))
    t.same(
      all
        .filter((m) => m.createdAt < firstCloseAt)
        .map(shown)
        .sort(),
      [`call-opened → ${LIST}: skipped`, `call-reminder → ${LIST}: skipped`],
      'before the close: the announcement and reminder, recorded as skipped (the window was over)',
    )
    t.same(
      all
        .filter((m) => m.createdAt >= firstCloseAt && m.createdAt < secondCloseAt)
        .map((m) => [key(m), m.status])
        .sort(),
      FIRST_CLOSE_EMAILS.map((k) => [
        k,
        firstCloseRows.some((m) => key(m) === k && firstSent.has(m.id)) ? 'sent' : 'skipped',
      ]),
      'the first close: two sent, the rest skipped by the reopen',
    )
    for (const m of all.filter(
      (m) => m.createdAt >= firstCloseAt && m.createdAt < secondCloseAt && m.status === 'skipped',
    ))
      t.match(m.lastError, /reopen|Ben Okafor withdrew/i, `${key(m)}: skipped with the reason`)
    const SECOND_CLOSE_EMAILS = [
      'alternate → gus@independent.example',
      `call-results → ${LIST}`,
      'not-selected → chloe@alpha.example',
      'not-selected → hana@delta.example',
      'selected → ana@alpha.example',
      'selected → dev@gamma.example',
      'selected → eve@somewhere.example',
      'selected → finn@elsewhere.example',
    ]
    t.same(
      all
        .filter((m) => m.createdAt >= secondCloseAt)
        .map((m) => [key(m), m.status])
        .sort(),
      SECOND_CLOSE_EMAILS.map((k) => [k, 'sent']),
      'the second close: each email queued once, and sent',
    )
    t.equal(all.length, 2 + FIRST_CLOSE_EMAILS.length + SECOND_CLOSE_EMAILS.length, 'nothing else')

    // What Gmail received: each sent row once, never a cancelled one.
    const sentRows = all.filter((m) => m.status === 'sent')
    t.same(
      fake.gmail.sent.map((m) => m.messageId).sort(),
      sentRows.map((m) => m.messageId).sort(),
      'Gmail holds exactly the emails marked sent, each once',
    )
    // Which two of the first close's emails Gmail took depends on the outbox's order (by id, random):
    // the list's results email may be one of them. The last one the list received is the second close's.
    const firstResultsSent = sentFirst.some((m) => m.kind === 'call-results')
    const results = fake.gmail.sent.filter((m) => m.recipients.includes(LIST)).map((m) => m.text)
    t.equal(
      results.length,
      firstResultsSent ? 2 : 1,
      'the list got the second close’s results (and the first’s if it had gone)',
    )
    t.match(
      results.at(-1),
      /Ana Early \(Alpha University\)\s+- Dev Patel \(Gamma Museum\)\s+- Eve Adams \(Library of Somewhere\)\s+- Finn Murphy \(Museum of Elsewhere\)/,
    )
    t.notMatch(results.at(-1), /Ben Okafor/, 'Ben, who withdrew, is not announced')
    if (firstResultsSent)
      t.match(results[0], /Ben Okafor \(Beta Library\)/, 'the results that had gone named Ben: the reopen listed them')
    for (const text of results) t.notMatch(text, /@/, 'names and institutions only, never an address')
    // No email to a volunteer names another volunteer.
    for (const m of fake.gmail.sent.filter((m) => !m.recipients.includes(LIST))) {
      const own = NAMES.find((n) => m.text.includes(`Dear ${n},`))
      t.ok(own, `${m.recipients[0]}: addressed by name`)
      for (const other of NAMES.filter((n) => n !== own))
        t.notOk(m.text.includes(other), `${m.recipients[0]}'s email does not name ${other}`)
    }
    const chloe = fake.gmail.sent.find((m) => m.recipients.includes('chloe@alpha.example'))!
    t.match(
      chloe.text,
      /Another volunteer from Alpha University answered earlier/,
      'Chloé learns why without learning who',
    )
  },
)
