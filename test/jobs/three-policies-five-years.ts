/**
 * Issue 14, "Done when": three policies run end to end over a simulated five-year period with the
 * tick, in one deployment (one app, three teams):
 * - `coc`, IIIF 2017 (today's policy): 4 consortium + 4 community seats, two-year terms staggered by
 *   halves, a call every 12 months;
 * - `advisors`, IIIF 2025: two advisors, one-year terms, no stagger, committee approval;
 * - `samvera`, Samvera-like: four seats, two-year terms staggered by halves, a check-in twelve months
 *   into each term, a term limit.
 * Staff create the first call of each team; every later call comes from the tick's auto-scheduling.
 * Volunteers answer each call as soon as the tick has opened it. The tick runs weekly plus at each
 * call's opening, an hour after it, and a minute after its close, and at each year boundary.
 *
 * Measured: 288 ticks; the file takes 53 s on PGlite and 50 s on PostgreSQL (63 s wall with tap's
 * start-up) on a 2-core machine shared with two other test runs.
 */
import t from 'tap'
import { sql } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { addInstitutions, staffApi } from '../helpers/api.js'
import { tick } from '../../src/services/tick.js'

t.setTimeout(300_000)
const started = Date.now()
const { app, staff, clock, deps, db } = await build(t, { PUBLIC_URL: 'https://rota.example.org' })
const api = staffApi({ app, staff })
const json = { accept: 'application/json' }

const TEAMS = ['coc', 'advisors', 'samvera'] as const
type TeamSlug = (typeof TEAMS)[number]
const APPROVER = 'committee@iiif.example'
const YEARS = [2027, 2028, 2029, 2030, 2031]
const KEEP = { applicantsMonths: null, membersMonthsAfterTerm: null, mailMonths: null }

interface OutboxRow {
  kind: string
  key: string
  to_address: string | null
  status: string
  body: string
  call_id: string | null
  member_id: string | null
  created_at: string
}
async function outbox(): Promise<OutboxRow[]> {
  const result = (await db.execute(
    sql`select kind, key, to_address, status, body, call_id, member_id, created_at::text from outbox order by created_at, key`,
  )) as unknown as { rows: OutboxRow[] }
  return result.rows
}

interface Call {
  id: string
  status: string
  opensAt: string
  closesAt: string
  termStart: string
  origin: string
}
const callsOf = async (team: TeamSlug): Promise<Call[]> => (await api('GET', `/teams/${team}/calls`)).body.calls

/** Names on the public roster at an instant (incoming members left out). */
async function rosterAt(team: TeamSlug, at: string): Promise<string[]> {
  const res = await app.inject({ method: 'GET', url: `/teams/${team}/roster?at=${encodeURIComponent(at)}` })
  if (res.statusCode !== 200) throw new Error(res.body)
  return (res.json().members as Array<{ name: string }>).map((m) => m.name).sort()
}

// Volunteers: a fixed list per team and year, each from an institution of their own (consortium
// members registered below); Pat Persistent volunteers first at every Samvera call.
const email = (name: string) => `${name.toLowerCase().replace(/\W+/g, '.')}@example.org`
function volunteersFor(team: TeamSlug, year: number): Array<{ name: string; institution: string | null }> {
  if (team === 'coc')
    return [
      ...['A', 'B', 'C', 'D', 'E'].map((x) => ({ name: `Cora ${year}${x}`, institution: `Consortium ${year}${x}` })),
      ...['F', 'G', 'H', 'I', 'J'].map((x) => ({ name: `Cody ${year}${x}`, institution: `Community ${year}${x}` })),
    ]
  if (team === 'advisors')
    return ['A', 'B', 'C'].map((x) => ({ name: `Avery ${year}${x}`, institution: `Advice ${year}${x}` }))
  return [
    { name: 'Pat Persistent', institution: 'Persistence Institute' },
    ...['A', 'B', 'C', 'D'].map((x) => ({ name: `Sam ${year}${x}`, institution: `Samvera ${year}${x}` })),
  ]
}
const everyVolunteer = new Set<string>()
for (const team of TEAMS)
  for (const year of YEARS) for (const v of volunteersFor(team, year)) everyVolunteer.add(v.name)

const answered = new Set<string>()
async function volunteer(team: TeamSlug, call: Call): Promise<void> {
  const year = Number(call.opensAt.slice(0, 4))
  const base = Date.parse(call.opensAt)
  const responses = volunteersFor(team, year).map((v, i) => ({
    submittedAt: new Date(base + (i + 1) * 60_000).toISOString(),
    name: v.name,
    email: email(v.name),
    institution: v.institution,
  }))
  const imported = await api('POST', `/calls/${call.id}/responses`, { responses })
  if (imported.status !== 200) throw new Error(`import ${team} ${year}: ${JSON.stringify(imported.body)}`)
  answered.add(call.id)
}

const closes: Record<TeamSlug, Array<{ call: Call; selection: Record<string, unknown> }>> = {
  coc: [],
  advisors: [],
  samvera: [],
}
const approvals: Array<{ callId: string; year: number; rosterBefore: string[]; selectedBefore: number }> = []
async function runTick(at: number): Promise<void> {
  const iso = new Date(at).toISOString()
  clock.set(iso)
  await tick(deps, clock())
  for (const team of TEAMS) {
    for (const call of await callsOf(team)) {
      if (call.status === 'open' && !answered.has(call.id)) await volunteer(team, call)
      if (call.status === 'closed' && !closes[team].some((c) => c.call.id === call.id)) {
        const selection = (await api('GET', `/calls/${call.id}/selection`)).body
        closes[team].push({ call, selection })
        if (team === 'advisors') await approve(call, iso)
      }
    }
  }
  await answerCheckIns()
}

/** Samvera members answer their check-in on the day it arrives: Pat continues, Sam 2027A steps down, the rest never answer. */
const checkIns = new Map<string, { name: string; answer: 'continue' | 'step-down' | null; at: string }>()
async function answerCheckIns(): Promise<void> {
  const rows = (await outbox()).filter((m) => m.kind === 'check-in' && !checkIns.has(m.member_id!))
  if (rows.length === 0) return
  const members = (await api('GET', '/teams/samvera/members')).body.members as Array<{ id: string; name: string }>
  for (const row of rows) {
    const name = members.find((m) => m.id === row.member_id)!.name
    const answer = name === 'Pat Persistent' ? 'continue' : name === 'Sam 2027A' ? 'step-down' : null
    checkIns.set(row.member_id!, { name, answer, at: clock().toISOString() })
    if (!answer) continue
    const link = /https:\/\/rota\.example\.org(\/check-in\/[A-Za-z0-9._-]+)/.exec(row.body)![1]!
    const res = await app.inject({
      method: 'POST',
      url: `${link}/${answer}`,
      headers: json,
      payload: { confirm: true },
    })
    if (res.statusCode !== 200) throw new Error(`check-in ${name} ${answer}: ${res.body}`)
  }
}

/** The committee decides a week after the close; in 2029 it declines the first proposal first. */
async function approve(call: Call, now: string): Promise<void> {
  const year = Number(call.opensAt.slice(0, 4))
  const rosterBefore = await rosterAt('advisors', call.termStart)
  const selectedBefore = (await outbox()).filter((m) => m.call_id === call.id && m.kind === 'selected').length
  approvals.push({ callId: call.id, year, rosterBefore, selectedBefore })
  clock.set(new Date(Date.parse(now) + 7 * 86_400_000).toISOString())
  if (year === 2029) {
    const pending = (await api('GET', `/calls/${call.id}/selection`)).body.approval.proposals as Array<{
      responseId: string
      status: string
    }>
    const first = pending.find((p) => p.status === 'proposed')!
    const declined = await api('POST', `/calls/${call.id}/proposals/${first.responseId}/decline`, {
      reason: 'Conflict of interest',
    })
    if (declined.status !== 200) throw new Error(JSON.stringify(declined.body))
  }
  const res = await api('POST', `/calls/${call.id}/approve`, { reason: 'The committee agrees' })
  if (res.status !== 200) throw new Error(`approve ${year}: ${JSON.stringify(res.body)}`)
  clock.set(now)
}

t.test('setup: three teams, institutions, the first call of each (staff)', async (t) => {
  clock.set('2027-01-05T00:00:00Z')
  const consortium = YEARS.flatMap((y) => ['A', 'B', 'C', 'D', 'E'].map((x) => `Consortium ${y}${x}`))
  await addInstitutions(t, api, consortium)
  const coc = await api('PATCH', '/teams/coc', {
    mailingList: 'iiif-discuss@groups.example',
    staffEmail: 'staff@iiif.example',
    policy: { retention: KEEP },
  })
  t.equal(coc.status, 200, JSON.stringify(coc.body))
  const advisors = await api('POST', '/teams', {
    slug: 'advisors',
    name: 'Code of Conduct Advisors',
    mailingList: 'advisors-list@iiif.example',
    staffEmail: 'advisors-staff@iiif.example',
    policy: {
      seats: [{ class: 'advisor', count: 2, eligible: 'any' }],
      termMonths: 12,
      stagger: 'none',
      approval: { mode: 'committee', approverEmail: APPROVER },
      retention: KEEP,
    },
  })
  t.equal(advisors.status, 201, JSON.stringify(advisors.body))
  const samvera = await api('POST', '/teams', {
    slug: 'samvera',
    name: 'Samvera-like Community Team',
    mailingList: 'samvera-list@samvera.example',
    staffEmail: 'staff@samvera.example',
    policy: {
      seats: [{ class: 'member', count: 4, eligible: 'any' }],
      termMonths: 24,
      stagger: 'halves',
      // Samvera allows three consecutive terms, but that limit cannot bite within five years: Pat,
      // first to answer in 2027, gets a two-year inaugural seat (2027–2029), is still serving at the
      // 2028 call (excluded as already on the team), serves 2029–2031, and a third consecutive term
      // would start at the 2031 call: under a limit of three Pat would be selected then, and excluded
      // only in 2033. With a limit of two, Pat is excluded with `term-limit` at the 2031 call, inside
      // the period, and the seat goes to the next volunteer.
      maxConsecutiveTerms: 2,
      checkInMonths: 12,
      checkInGraceDays: 14,
      retention: KEEP,
    },
  })
  t.equal(samvera.status, 201, JSON.stringify(samvera.body))
  for (const team of TEAMS) {
    const call = await api('POST', `/teams/${team}/calls`, { opensAt: '2027-02-01T00:00:00Z' })
    t.equal(call.status, 201, JSON.stringify(call.body))
  }
})

t.test('five years of ticks', async (t) => {
  const start = Date.parse('2027-01-10T00:00:00Z')
  // The five years end before the sixth call opens (2032-02-01).
  const end = Date.parse('2032-01-31T00:00:00Z')
  const instants = new Set<number>()
  for (let at = start; at <= end; at += 7 * 86_400_000) instants.add(at)
  for (const year of YEARS) {
    instants.add(Date.parse(`${year}-03-01T00:00:00Z`))
    instants.add(Date.parse(`${year}-03-02T00:00:00Z`))
  }
  let done = 0
  const seen = new Set<number>()
  // Calls appear as the tick schedules them: their instants are added as they become known.
  for (;;) {
    for (const team of TEAMS)
      for (const call of await callsOf(team))
        for (const at of [
          Date.parse(call.opensAt),
          Date.parse(call.opensAt) + 3_600_000,
          Date.parse(call.closesAt) + 60_000,
        ])
          if (at <= end) instants.add(at)
    const next = [...instants].filter((at) => !seen.has(at)).sort((a, b) => a - b)[0]
    if (next === undefined) break
    seen.add(next)
    await runTick(next)
    done++
  }
  t.pass(`${done} ticks`)
})

const BOUNDARIES = YEARS.map((y) => `${y}-03-02T00:00:00Z`)

t.test('each team: five calls, the first by staff, the rest scheduled by the tick, and a sixth waiting', async (t) => {
  for (const team of TEAMS) {
    t.same(
      (await callsOf(team)).map((c) => [c.opensAt.slice(0, 10), c.termStart.slice(0, 10), c.status, c.origin]),
      [
        ['2027-02-01', '2027-03-01', 'closed', 'staff'],
        ['2028-02-01', '2028-03-01', 'closed', 'auto'],
        ['2029-02-01', '2029-03-01', 'closed', 'auto'],
        ['2030-02-01', '2030-03-01', 'closed', 'auto'],
        ['2031-02-01', '2031-03-01', 'closed', 'auto'],
        ['2032-02-01', '2032-03-01', 'scheduled', 'auto'],
      ],
      team,
    )
  }
})

t.test('IIIF 2017: the roster at every year boundary', async (t) => {
  // First call: 4 + 4 seats, the first two of each class for two years, the next two for one; after
  // that each call fills the two seats per class whose terms just ended, first come first served.
  const expected = [
    ['Cody 2027F', 'Cody 2027G', 'Cody 2027H', 'Cody 2027I', 'Cora 2027A', 'Cora 2027B', 'Cora 2027C', 'Cora 2027D'],
    ['Cody 2027F', 'Cody 2027G', 'Cody 2028F', 'Cody 2028G', 'Cora 2027A', 'Cora 2027B', 'Cora 2028A', 'Cora 2028B'],
    ['Cody 2028F', 'Cody 2028G', 'Cody 2029F', 'Cody 2029G', 'Cora 2028A', 'Cora 2028B', 'Cora 2029A', 'Cora 2029B'],
    ['Cody 2029F', 'Cody 2029G', 'Cody 2030F', 'Cody 2030G', 'Cora 2029A', 'Cora 2029B', 'Cora 2030A', 'Cora 2030B'],
    ['Cody 2030F', 'Cody 2030G', 'Cody 2031F', 'Cody 2031G', 'Cora 2030A', 'Cora 2030B', 'Cora 2031A', 'Cora 2031B'],
  ]
  for (const [i, at] of BOUNDARIES.entries()) t.same(await rosterAt('coc', at), expected[i], at)
  t.same(await rosterAt('coc', '2027-02-28T23:00:00Z'), [], 'nobody before the first term')
  const first = closes.coc[0]!.selection.decisions as Array<{ name: string; explanation: string }>
  t.same(
    first.filter((d) => /until 2028-03-01/.test(d.explanation)).map((d) => d.name),
    ['Cora 2027C', 'Cora 2027D', 'Cody 2027H', 'Cody 2027I'],
    'the inaugural stagger: half the seats of each class for one year',
  )
})

t.test('IIIF 2025 advisors: nobody joins before approval; a declined proposal is replaced', async (t) => {
  t.equal(approvals.length, 5, 'the committee decided each year')
  for (const a of approvals) {
    t.same(a.rosterBefore, [], `${a.year}: between the close and the approval nobody new is on the roster`)
    t.equal(a.selectedBefore, 0, `${a.year}: no selected email before the approval`)
  }
  const expected = [
    ['Avery 2027A', 'Avery 2027B'],
    ['Avery 2028A', 'Avery 2028B'],
    ['Avery 2029B', 'Avery 2029C'],
    ['Avery 2030A', 'Avery 2030B'],
    ['Avery 2031A', 'Avery 2031B'],
  ]
  for (const [i, at] of BOUNDARIES.entries())
    t.same(await rosterAt('advisors', at), expected[i], `${at}: one-year terms, no stagger`)
  t.same(await rosterAt('advisors', '2032-03-02T00:00:00Z'), [], 'the 2031 advisors’ terms ended')
  const declinedYear = approvals.find((a) => a.year === 2029)!
  const selection = (await api('GET', `/calls/${declinedYear.callId}/selection`)).body
  t.equal(selection.approval.status, 'complete', 'nothing waits any more')
  t.same(
    selection.approval.proposals.map((p: { name: string; status: string }) => `${p.name}:${p.status}`).sort(),
    ['Avery 2029A:declined', 'Avery 2029B:approved', 'Avery 2029C:approved'],
    'the declined proposal’s seat went to the next alternate, then approved',
  )
  const rows = await outbox()
  for (const a of approvals) {
    const asked = rows.filter((m) => m.call_id === a.callId && m.kind === 'approval-requested')
    t.same(
      asked.map((m) => m.to_address),
      [APPROVER],
      `${a.year}: the approver asked once`,
    )
  }
  const avery2029A = rows.filter((m) => m.to_address === email('Avery 2029A') && m.call_id === declinedYear.callId)
  t.notOk(
    avery2029A.some((m) => m.kind === 'selected'),
    'the declined volunteer is not told they were selected',
  )
})

t.test('Samvera-like: staggered two-year terms, check-ins, a step-down, the term limit', async (t) => {
  const expected = [
    ['Pat Persistent', 'Sam 2027A', 'Sam 2027B', 'Sam 2027C'],
    // Sam 2027A stepped down through the check-in link on 2028-03-01: the 2027 call's first alternate
    // (Sam 2027D) took the seat for the rest of that term.
    ['Pat Persistent', 'Sam 2027D', 'Sam 2028A', 'Sam 2028B'],
    ['Pat Persistent', 'Sam 2028A', 'Sam 2028B', 'Sam 2029A'],
    ['Pat Persistent', 'Sam 2029A', 'Sam 2030A', 'Sam 2030B'],
    // Pat reached the limit of two consecutive terms (2027–2029, 2029–2031).
    ['Sam 2030A', 'Sam 2030B', 'Sam 2031A', 'Sam 2031B'],
  ]
  for (const [i, at] of BOUNDARIES.entries()) t.same(await rosterAt('samvera', at), expected[i], at)

  const members = (await api('GET', '/teams/samvera/members')).body.members as Array<{
    id: string
    name: string
    termStart: string
    termEnd: string
    endedAt: string | null
    origin: string
  }>
  t.match(
    members.find((m) => m.name === 'Sam 2027A'),
    { endedAt: '2028-03-01T00:00:00Z' },
    'the step-down ended the term',
  )
  t.match(
    members.find((m) => m.name === 'Sam 2027D'),
    { origin: 'replacement', termStart: '2028-03-01T00:00:00Z', termEnd: '2029-03-01T00:00:00Z' },
    'the next alternate took the seat until the end of that term',
  )

  // Check-ins: exactly one per two-year term, twelve months in, up to the end of the run (one-year
  // inaugural terms and the replacement's year have none: twelve months in is their end).
  const rows = await outbox()
  const checkInRows = rows.filter((m) => m.kind === 'check-in')
  t.same(
    checkInRows.map((m) => `${members.find((x) => x.id === m.member_id)!.name}@${m.created_at.slice(0, 10)}`).sort(),
    [
      'Pat Persistent@2028-03-01',
      'Pat Persistent@2030-03-01',
      'Sam 2027A@2028-03-01',
      'Sam 2028A@2029-03-01',
      'Sam 2028B@2029-03-01',
      'Sam 2029A@2030-03-01',
      'Sam 2030A@2031-03-01',
      'Sam 2030B@2031-03-01',
    ],
    'one check-in per member term, on its day',
  )
  t.equal(new Set(checkInRows.map((m) => m.member_id)).size, checkInRows.length, 'never twice for a term')
  for (const m of checkInRows) {
    const member = members.find((x) => x.id === m.member_id)!
    t.equal(m.to_address, email(member.name), `${member.name}: to the member`)
  }
  const unanswered = [...checkIns.entries()].filter(([, c]) => c.answer === null)
  const overdue = rows.filter((m) => m.kind === 'check-in-overdue')
  t.same(
    overdue.map((m) => m.member_id).sort(),
    unanswered.map(([id]) => id).sort(),
    'exactly one overdue notice per unanswered check-in, none for the answered ones',
  )
  for (const m of overdue) {
    t.equal(m.to_address, 'staff@samvera.example', 'to the team’s staff')
    t.match(m.body, checkIns.get(m.member_id!)!.name, 'naming the member')
    const checkIn = rows.find((r) => r.kind === 'check-in' && r.member_id === m.member_id)!
    const days = (Date.parse(m.created_at) - Date.parse(checkIn.created_at)) / 86_400_000
    t.ok(days >= 14 && days < 21, `after the 14 grace days (${days})`)
  }
  t.equal(rows.filter((m) => m.kind === 'stepped-down').length, 1, 'the step-down is confirmed once')

  const pat = (year: number) =>
    (
      closes.samvera.find((c) => c.call.opensAt.startsWith(String(year)))!.selection.decisions as Array<
        Record<string, string>
      >
    ).find((d) => d.name === 'Pat Persistent')!
  t.match(pat(2028), { outcome: 'excluded', reason: 'already-on-team' }, '2028: still serving')
  t.notMatch(pat(2028).explanation, /Code of Conduct Team/, 'the explanation does not name another team')
  t.match(pat(2028).explanation, /is already on the Samvera/, 'it names this team')
  t.match(pat(2029), { outcome: 'selected' }, '2029: one term served, selected again')
  t.match(pat(2031), { outcome: 'excluded', reason: 'term-limit' }, '2031: excluded by the term limit')
  t.match(pat(2031).explanation, /2027–2029, 2029–2031/, 'the explanation names both terms')
  const patMail = rows.find(
    (m) =>
      m.to_address === email('Pat Persistent') && m.call_id === closes.samvera[4]!.call.id && m.kind === 'not-selected',
  )
  t.ok(patMail, 'Pat is told')
  t.match(patMail?.body, /consecutive/, 'why')
  const sam2031 = closes.samvera[4]!.selection.decisions as Array<Record<string, string>>
  t.same(
    sam2031.filter((d) => d.outcome === 'selected').map((d) => d.name),
    ['Sam 2031A', 'Sam 2031B'],
    'the seats went to the next volunteers',
  )
})

t.test('the emails of all three teams', async (t) => {
  const rows = await outbox()
  t.equal(new Set(rows.map((r) => r.key)).size, rows.length, 'no email twice (outbox keys unique)')
  t.same(
    rows.filter((r) => r.status !== 'sent' && r.status !== 'skipped').map((r) => [r.key, r.status]),
    [],
    'everything sent or deliberately skipped',
  )
  const lists: Record<TeamSlug, string> = {
    coc: 'iiif-discuss@groups.example',
    advisors: 'advisors-list@iiif.example',
    samvera: 'samvera-list@samvera.example',
  }
  for (const team of TEAMS) {
    const members = (await api('GET', `/teams/${team}/members`)).body.members as Array<{
      id: string
      termEnd: string
      endedAt: string | null
    }>
    for (const { call } of closes[team]) {
      const of = (kind: string) => rows.filter((m) => m.call_id === call.id && m.kind === kind)
      t.same(
        of('call-opened').map((m) => m.to_address),
        [lists[team]],
        `${team} ${call.opensAt}: one call-opened to the list`,
      )
      t.same(
        of('call-results').map((m) => m.to_address),
        [lists[team]],
        `${team} ${call.opensAt}: one results email`,
      )
      t.equal(of('call-reminder').length, 1, `${team} ${call.opensAt}: one reminder`)
      t.equal(
        of('call-scheduled').length,
        call.origin === 'auto' ? 1 : 0,
        `${team} ${call.opensAt}: staff told of the scheduled call once`,
      )
      const results = rows.filter(
        (m) => m.call_id === call.id && ['selected', 'alternate', 'not-selected'].includes(m.kind),
      )
      const year = Number(call.opensAt.slice(0, 4))
      t.same(
        results.map((m) => m.to_address).sort(),
        volunteersFor(team, year)
          .map((v) => email(v.name))
          .sort(),
        `${team} ${year}: one result email per volunteer`,
      )
      t.same(
        of('acknowledged').length,
        volunteersFor(team, year).length,
        `${team} ${year}: each response acknowledged once`,
      )
    }
    // Term-ending notices: every term that ended (or ends 30 days after the run) by its end, once.
    const ending = rows.filter((m) => m.kind === 'term-ending' && members.some((x) => x.id === m.member_id))
    t.same(
      ending.map((m) => m.member_id).sort(),
      members
        .filter((m) => m.endedAt === null && m.termEnd < '2032-03-01T00:00:00Z')
        .map((m) => m.id)
        .sort(),
      `${team}: one term-ending notice per term ending in the run`,
    )
  }
  // No email to a volunteer names another volunteer.
  const byEmail = new Map([...everyVolunteer].map((name) => [email(name), name]))
  let checked = 0
  for (const row of rows) {
    const own = row.to_address ? byEmail.get(row.to_address) : undefined
    if (!own) continue
    checked++
    const others = [...everyVolunteer].filter((name) => name !== own && row.body.includes(name))
    t.same(others, [], `${row.kind} to ${own} names nobody else`)
  }
  t.ok(checked > 200, `${checked} volunteer emails checked`)
  t.comment(`five-year run, three teams: ${rows.length} outbox rows, ${Date.now() - started} ms since the start`)
})
