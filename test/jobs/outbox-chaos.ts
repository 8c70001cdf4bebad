import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomInt } from 'node:crypto'
import t, { type Test } from 'tap'
import { sql } from 'drizzle-orm'
import { startFakeGoogle, type GmailSendEvent, type RequestLogEntry } from '../fakes/google.js'
import { seededRandom, sleep, spawnRota, type RotaProcess } from '../helpers/chaos.js'
import { createPostgresDatabase } from '../helpers/database.js'
import { openPostgres, type Database } from '../../src/db/client.js'
import { teams } from '../../src/db/schema.js'
import { DEFAULT_POLICY } from '../../src/domain/policy.js'
import { createCall } from '../../src/services/calls.js'
import { messageIdFor } from '../../src/services/notices.js'
import { importResponses, readJsonBatch, type JsonResponse } from '../../src/services/responses.js'
import { updateTeam } from '../../src/services/teams.js'

// Issue "Done when": with 3 instances on PostgreSQL ticking at once, and with the process killed
// (SIGKILL) at random points 50 times during sending: 0 duplicate and 0 lost emails, 0 duplicate
// selections. Real rota processes (the compiled `node dist/server.js`) share one PostgreSQL database and
// one fake Gmail (in this process, so it outlives every kill). The fake holds each send for a few
// ms and tells the test who is sending (each process has its own access token), so the test kills
// the very process that is sending: as Gmail receives the request (Gmail keeps it, or it never
// arrives), while Gmail holds it, once Gmail stored it but before rota hears back, or a few ms
// after the answer (rota may or may not have recorded `sent`, or is claiming the next message).
// Counts are printed on one line (`chaos: …`); on failure, each duplicated or lost Message-ID is
// printed with its outbox row and its story (who received, stored, checked it; who was killed).
//
// Knobs (environment): CHAOS_KILLS (50), CHAOS_INSTANCES (3), CHAOS_TEAMS (3), CHAOS_VOLUNTEERS
// (100 per call), CHAOS_SEED (the test's own random choices), CHAOS_LOG_LEVEL (the instances'
// LOG_LEVEL, default warn) with CHAOS_LOG_FILE (a file that gets every instance log line),
// CHAOS_TIMELINE_FILE (a file that gets every send/check/kill event), and, for diagnosis only,
// CHAOS_WARM_GOOGLEAPIS=1 (instances load googleapis before rota starts; see helpers/parent-guard.mjs).
// Most of the run time is instances starting, 53 of them: ~1 s of CPU each to listen (module loading,
// fastify compiling its schemas), then ~0.9 s importing googleapis on the first send; ~160 s of CPU
// in all, so on 2 cores the test is bound by CPU, not by its own waits.

const KILLS = Number(process.env['CHAOS_KILLS'] ?? 50)
const INSTANCES = Number(process.env['CHAOS_INSTANCES'] ?? 3)
const TEAMS = Number(process.env['CHAOS_TEAMS'] ?? 3)
const VOLUNTEERS = Number(process.env['CHAOS_VOLUNTEERS'] ?? 100)
const SEED = Number(process.env['CHAOS_SEED'] ?? randomInt(1, 2 ** 31))
const LEASE_MS = 3000
const SEND_TIMEOUT_MS = 1500
const MAIL_FROM = 'IIIF rota <rota@chaos.example>'
// Bounds that leave the test time to count and clean up before tap's timeout (t.setTimeout below).
const KILL_PHASE_MAX_MS = 330_000
const DRAIN_TIMEOUT_MS = 45_000

const adminUrl = process.env['TEST_DATABASE_URL']

t.setTimeout(420_000)

// On the embedded database the test is reported as skipped (tap's `# SKIP`), not as passed.
t.test(
  `${INSTANCES} instances, ${KILLS} SIGKILLs while sending: no duplicate, no lost email, one selection per call`,
  {
    skip: adminUrl
      ? false
      : 'needs PostgreSQL (TEST_DATABASE_URL): an embedded PGlite database cannot be shared by processes',
  },
  (t) => chaos(t, adminUrl!),
)

type Phase = 'received' | 'received-drop' | 'holding' | 'stored' | 'answered'
const PHASES: readonly Phase[] = ['received', 'received-drop', 'holding', 'stored', 'answered']

interface Instance {
  slot: number
  generation: number
  token: string
  process: RotaProcess
  state: 'running' | 'killed' | 'stopping'
  spawnedAt: number
  firstSendAt: number | null
}

interface Kill {
  at: number
  token: string
  phase: Phase
  messageId: string | undefined
}

interface TimelineEvent {
  at: number
  what: string
  token?: string | undefined
  messageId?: string | undefined
}

async function chaos(t: Test, adminUrl: string): Promise<void> {
  const started = Date.now()
  const elapsed = (): number => Date.now() - started
  const random = seededRandom(SEED)
  t.comment(`chaos seed ${SEED} (CHAOS_SEED=${SEED} replays the test's own random choices; timing still varies)`)

  // ----- database: one per run, shared by every instance --------------------------------------
  const created = await createPostgresDatabase(adminUrl)
  const databaseUrl = created.url
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-chaos-'))

  const instances: Instance[] = []
  const killAll = (): void => {
    for (const instance of instances)
      if (instance.process.child.exitCode === null && instance.process.child.signalCode === null)
        instance.process.child.kill('SIGKILL')
  }
  // Even when tap times out (SIGALRM) or the test throws, no instance outlives this process.
  process.once('exit', killAll)
  let database: Database | null = null
  t.teardown(async () => {
    killAll()
    await Promise.all(instances.map((i) => i.process.exited))
    await database?.close()
    await created.drop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  database = await openPostgres(databaseUrl, { poolMax: 4, log: { error() {}, warn() {} } })
  await database.migrate()
  const { db } = database

  // ----- seed: one due call per team, VOLUNTEERS volunteers each ------------------------------
  const now = Date.now()
  const day = 86_400_000
  const slugs = ['coc', ...Array.from({ length: TEAMS - 1 }, (_, i) => `chaos-${i + 2}`)]
  for (const slug of slugs.slice(1)) {
    await db.insert(teams).values({ slug, name: `Chaos Team ${slug}`, policy: DEFAULT_POLICY })
  }
  const callIds: string[] = []
  for (const slug of slugs) {
    await updateTeam(
      db,
      slug,
      { mailingList: `list@${slug}.example.org`, staffEmail: `staff@${slug}.example.org` },
      new Date(now - 31 * day),
      'test',
    )
    const opensAt = new Date(now - 20 * day)
    const call = await createCall(
      db,
      slug,
      { opensAt: opensAt.toISOString(), closesAt: new Date(now - 60_000).toISOString() },
      new Date(now - 30 * day),
      'test',
    )
    callIds.push(call.id)
    const responses: JsonResponse[] = []
    for (let i = 1; i <= VOLUNTEERS; i++) {
      const email = `volunteer.${i}@${slug}.example.org`
      const submitted = opensAt.getTime() + i * 60_000
      responses.push({
        submittedAt: new Date(submitted).toISOString(),
        name: `Volunteer ${i} of ${slug}`,
        email,
        institution: `Institution ${i} of ${slug}`,
      })
      // Some answer twice: one outcome email each all the same.
      if (i % 25 === 0)
        responses.push({
          submittedAt: new Date(submitted + 3 * day).toISOString(),
          name: `Volunteer ${i} of ${slug}`,
          email: email.toUpperCase(),
          institution: `Institution ${i} of ${slug}`,
        })
    }
    await importResponses(db, call.id, readJsonBatch(responses), 'json', new Date(now - 2 * day))
  }
  t.comment(
    `seeded ${slugs.length} teams, ${callIds.length} due calls, ${VOLUNTEERS} volunteers each (${elapsed()} ms)`,
  )

  // ----- the fake Gmail, and the killer riding on its hooks -----------------------------------
  const timeline: TimelineEvent[] = []
  const kills: Kill[] = []
  const byToken = new Map<string, Instance>()
  const dropNext = new Set<string>() // Message-IDs whose request the fake drops once its client is gone
  let dropped = 0
  const holdFor = new Map<string, number>()
  let plan: { phase: Phase; afterMs: number; skip: number } | null = null
  let killing = true
  let queued = 0 // outbox rows to send, for pacing (read from the database)
  let spawned = 0
  const crashes: string[] = [] // instances that exited without being killed or stopped

  const instanceOf = (authorization: string | undefined): Instance | undefined =>
    byToken.get(/^Bearer\s+(\S+)/i.exec(authorization ?? '')?.[1] ?? '')

  const sendDelay = (messageId: string | undefined): number => {
    const forced = messageId === undefined ? undefined : holdFor.get(messageId)
    if (forced !== undefined) {
      holdFor.delete(messageId!)
      return forced
    }
    if (!killing) return random.int(0, 5)
    // Gmail slows down when the emails left might not last the kills left (each kill needs a send).
    const perKill = (queued - fake.gmail.sent.length) / Math.max(1, KILLS - kills.length)
    return perKill > 20 ? random.int(20, 120) : perKill > 10 ? random.int(150, 300) : random.int(400, 700)
  }

  function kill(instance: Instance, phase: Phase, messageId: string | undefined): void {
    if (instance.state !== 'running' || kills.length >= KILLS) {
      // It died or stopped meanwhile: wait for another send.
      if (kills.length < KILLS) arm()
      return
    }
    instance.state = 'killed'
    instance.process.child.kill('SIGKILL')
    kills.push({ at: elapsed(), token: instance.token, phase, messageId })
    timeline.push({ at: elapsed(), what: `SIGKILL (${phase})`, token: instance.token, messageId })
    start(instance.slot, instance.generation + 1)
    if (kills.length < KILLS) setTimeout(arm, random.int(50, 600))
    else killing = false
  }

  function arm(): void {
    const phase = random.pick(PHASES)
    // holding: killed while the fake holds the request; answered: killed a few ms after the answer.
    // skip: let the next few sends through first, so that warm instances die too, not only fresh ones.
    plan = { phase, afterMs: phase === 'holding' ? random.int(0, 500) : random.int(0, 15), skip: random.int(0, 3) }
  }

  function onSend(event: GmailSendEvent): void {
    timeline.push({
      at: elapsed(),
      what: event.phase,
      token: event.authorization?.replace(/^Bearer\s+/i, ''),
      messageId: event.messageId,
    })
    if (event.phase === 'dropped') dropped++
    const instance = instanceOf(event.authorization)
    if (!instance) return
    if (event.phase === 'received' && instance.firstSendAt === null) instance.firstSendAt = elapsed()
    if (!plan || !killing || instance.state !== 'running') return
    const onReceive = plan.phase === 'received' || plan.phase === 'received-drop' || plan.phase === 'holding'
    if (event.phase !== (onReceive ? 'received' : 'stored')) return
    if (plan.skip-- > 0) return
    const { phase, afterMs } = plan
    plan = null
    // The fake holds the request until well after the dead client's connection has closed (a
    // SIGKILLed process closes its sockets only once its memory is freed: tens to hundreds of ms).
    if (event.messageId && phase !== 'stored' && phase !== 'answered')
      holdFor.set(event.messageId, random.int(600, 900))
    if (event.messageId) {
      if (phase === 'received-drop') dropNext.add(event.messageId)
      else dropNext.delete(event.messageId)
    }
    if (phase === 'received' || phase === 'received-drop') {
      kill(instance, phase, event.messageId)
    } else if (phase === 'stored') {
      kill(instance, phase, event.messageId) // before the answer is written: rota never hears back
    } else {
      setTimeout(() => kill(instance, phase, event.messageId), afterMs)
    }
  }

  const fake = await startFakeGoogle({
    randomSeed: SEED,
    gmailSendDelayMs: (send) => sendDelay(send.messageId),
    gmailKeepIfClientGone: (send) => !(send.messageId !== undefined && dropNext.delete(send.messageId)),
    onGmailSend: onSend,
    onRequest: (entry: RequestLogEntry) => {
      if (entry.operation === 'messages.list')
        timeline.push({
          at: elapsed(),
          what: `messages.list → ${entry.status}`,
          token: entry.authorization?.replace(/^Bearer\s+/i, ''),
          messageId: entry.query['q']?.replace(/^rfc822msgid:/, ''),
        })
    },
  })
  t.teardown(() => fake.close())

  const warnings: string[] = []
  function start(slot: number, generation: number): void {
    const token = `chaos-${slot}-${generation}`
    const proc = spawnRota(
      {
        DATABASE_URL: databaseUrl,
        DATABASE_POOL_MAX: '4',
        DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env['CHAOS_LOG_LEVEL'] ?? 'warn',
        SHUTDOWN_GRACE_MS: '3000',
        TICK_CRON: '* * * * * *',
        FORMS_SYNC_CRON: 'off',
        MAIL_TRANSPORT: 'gmail',
        MAIL_FROM,
        MAIL_SENDING_LEASE_MS: String(LEASE_MS),
        MAIL_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS),
        MAIL_RETRY_BASE_MS: '500',
        GOOGLE_API_ROOT_URL: fake.url,
        GOOGLE_ACCESS_TOKEN: token,
        ...(process.env['CHAOS_WARM_GOOGLEAPIS'] === '1' ? { ROTA_CHAOS_WARM_GOOGLEAPIS: '1' } : {}),
      },
      (line) => warnings.push(`${token}: ${line}`),
    )
    const instance: Instance = {
      slot,
      generation,
      token,
      process: proc,
      state: 'running',
      spawnedAt: elapsed(),
      firstSendAt: null,
    }
    spawned++
    instances.push(instance)
    byToken.set(token, instance)
    timeline.push({ at: elapsed(), what: 'spawned', token })
    void proc.exited.then((code) => {
      timeline.push({ at: elapsed(), what: `exited (${code})`, token })
      if (instance.state === 'running' && killing) {
        // It died on its own: keep the slot filled, and say so.
        crashes.push(`${token}: exited by itself with ${code}: ${proc.tail()}`)
        start(slot, generation + 1)
      }
    })
  }

  const countQuery = async (): Promise<Record<string, number>> => {
    const result = (await db.execute(
      sql`select status, count(*)::int as n from outbox group by status`,
    )) as unknown as { rows: Array<{ status: string; n: number }> }
    return Object.fromEntries(result.rows.map((r) => [r.status, Number(r.n)]))
  }

  // ----- run: all instances at once, then kill the sender, again and again --------------------
  for (let slot = 1; slot <= INSTANCES; slot++) start(slot, 1)
  arm()
  let lastProgress = -1
  let stalledSince = Date.now()
  let reportedAt = Date.now()
  while (killing) {
    await sleep(250)
    const counts = await countQuery()
    queued = Object.entries(counts).reduce((n, [status, c]) => (status === 'skipped' ? n : n + c), 0)
    const open = (counts['pending'] ?? 0) + (counts['sending'] ?? 0)
    if (Date.now() - reportedAt >= 15_000) {
      reportedAt = Date.now()
      t.comment(
        `+${(elapsed() / 1000).toFixed(0)}s kills=${kills.length} gmail=${fake.gmail.sent.length} outbox=${JSON.stringify(counts)} running=${instances
          .filter((i) => i.state === 'running')
          .map((i) => `${i.token}${i.firstSendAt === null ? '(starting)' : ''}`)
          .join(',')}`,
      )
    }
    if (queued > 0 && open === 0) break // nothing left to interrupt: reported below as too few kills
    if (elapsed() > KILL_PHASE_MAX_MS) break // reported below as too few kills
    const progress = kills.length * 1e6 + fake.gmail.sent.length
    if (progress !== lastProgress) {
      lastProgress = progress
      stalledSince = Date.now()
    } else if (Date.now() - stalledSince > 60_000) {
      break // no send and no kill for a minute: reported below
    }
  }
  killing = false
  const killsDoneAt = elapsed()
  t.comment(`${kills.length} kills in ${killsDoneAt} ms; draining`)

  // ----- drain: until nothing is pending or sending, then a lease more for late sends ---------
  const deadline = Date.now() + DRAIN_TIMEOUT_MS
  let counts = await countQuery()
  while (Date.now() < deadline && (counts['pending'] ?? 0) + (counts['sending'] ?? 0) > 0) {
    await sleep(250)
    counts = await countQuery()
  }
  const drainedAt = elapsed()
  await sleep(LEASE_MS + 1000)
  for (const instance of instances) {
    if (instance.state === 'running') {
      instance.state = 'stopping'
      instance.process.child.kill('SIGTERM')
    }
  }
  const stopping = instances.filter((i) => i.state === 'stopping')
  const exits = await Promise.race([Promise.all(stopping.map((i) => i.process.exited)), sleep(15_000).then(() => null)])
  t.ok(exits !== null, 'every instance stops on SIGTERM')
  if (exits !== null)
    t.same(
      exits,
      stopping.map(() => 0),
      'and exits with status 0',
    )

  // ----- count ------------------------------------------------------------------------------
  const rows = async <T>(query: ReturnType<typeof sql>): Promise<T[]> =>
    ((await db.execute(query)) as unknown as { rows: T[] }).rows

  const selectionsPerCall = await rows<{ call_id: string; n: number }>(
    sql`select c.id as call_id, count(s.id)::int as n from calls c left join selections s on s.call_id = c.id group by c.id`,
  )
  const doubleMembers = await rows<{ response_id: string; n: number }>(
    sql`select response_id, count(*)::int as n from members where response_id is not null group by response_id having count(*) > 1`,
  )
  const memberMismatch = await rows<{ call_id: string; selected: number; members: number }>(sql`
    select s.call_id, count(*) filter (where d.outcome = 'selected')::int as selected,
           (select count(*) from members m where m.call_id = s.call_id)::int as members
    from selections s join decisions d on d.selection_id = s.id
    group by s.call_id
    having count(*) filter (where d.outcome = 'selected') <> (select count(*) from members m where m.call_id = s.call_id)`)

  // What the decisions imply, read from decisions/responses/selections (not from the outbox).
  const implied = await rows<{
    call_id: string
    mailing_list: string | null
    staff_email: string | null
    shortfall: { consortium: number; community: number }
    emails: string[] | null
  }>(sql`
    select s.call_id, t.mailing_list, t.staff_email, s.shortfall,
           array_agg(distinct lower(trim(r.email))) filter (where trim(r.email) <> '') as emails
    from selections s
    join calls c on c.id = s.call_id
    join teams t on t.id = c.team_id
    join decisions d on d.selection_id = s.id
    join responses r on r.id = d.response_id
    group by s.call_id, t.mailing_list, t.staff_email, s.shortfall`)
  const expectedKeys = new Map<string, string>() // Message-ID → key
  for (const call of implied) {
    const keys: string[] = []
    if (call.mailing_list) keys.push(`call:${call.call_id}:call-results`)
    for (const email of call.emails ?? []) keys.push(`call:${call.call_id}:result:${email}`)
    if (call.shortfall.consortium + call.shortfall.community > 0 && call.staff_email)
      keys.push(`call:${call.call_id}:shortfall`)
    for (const key of keys) expectedKeys.set(messageIdFor(key, MAIL_FROM), key)
  }

  const outbox = await rows<{
    key: string
    message_id: string
    kind: string
    status: string
    attempts: number
    last_error: string | null
    claimed_at: string | null
  }>(
    sql`select key, message_id, kind, status, attempts, last_error, claimed_at::text from outbox where status <> 'skipped' order by created_at, key`,
  )
  const statusCount = (status: string): number => outbox.filter((r) => r.status === status).length

  const stored = new Map<string, number>()
  for (const message of fake.gmail.sent) stored.set(message.messageId, (stored.get(message.messageId) ?? 0) + 1)
  const duplicated = [...stored].filter(([, n]) => n > 1).map(([id]) => id)
  const lostIds = new Set([...expectedKeys.keys()].filter((id) => !stored.has(id)))
  const unsent = outbox.filter((r) => r.status !== 'sent')
  for (const row of unsent) lostIds.add(row.message_id)
  const stray = [...stored.keys()].filter((id) => !expectedKeys.has(id))
  const outboxOnly = outbox.filter((r) => !expectedKeys.has(r.message_id))
  const missingFromOutbox = [...expectedKeys].filter(([id]) => !outbox.some((r) => r.message_id === id))

  const lists = fake.requests.filter((r) => r.operation === 'messages.list').length
  const phases = Object.fromEntries(PHASES.map((p) => [p, kills.filter((k) => k.phase === p).length]))
  const firstSends = instances.filter((i) => i.firstSendAt !== null).map((i) => i.firstSendAt! - i.spawnedAt)
  const line =
    `chaos: kills=${kills.length} instances=${INSTANCES} spawned=${spawned} calls=${callIds.length} ` +
    `selections=${selectionsPerCall.reduce((n, r) => n + Number(r.n), 0)} expected=${expectedKeys.size} outbox=${outbox.length} ` +
    `sent=${statusCount('sent')} gmail=${fake.gmail.sent.length} duplicates=${duplicated.length} lost=${lostIds.size} ` +
    `unknown=${statusCount('unknown')} failed=${statusCount('failed')} stray=${stray.length} ` +
    `dropped=${dropped} checks=${lists} phases=${JSON.stringify(phases)} ` +
    `boot-to-first-send=${firstSends.length ? Math.round(firstSends.reduce((a, b) => a + b, 0) / firstSends.length) : '-'}ms ` +
    `kills-done=${(killsDoneAt / 1000).toFixed(1)}s drained=${(drainedAt / 1000).toFixed(1)}s total=${(elapsed() / 1000).toFixed(1)}s seed=${SEED}`
  console.log(line)
  if (process.env['CHAOS_TIMELINE_FILE'])
    fs.writeFileSync(
      process.env['CHAOS_TIMELINE_FILE'],
      timeline.map((e) => `${e.at} ${e.token ?? '-'} ${e.what} ${e.messageId ?? ''}`).join('\n') + '\n',
    )

  t.equal(kills.length, KILLS, `${KILLS} instances were killed while sending (the seed outlasted the kills)`)
  t.same(crashes, [], 'no instance exited unless killed or stopped')
  t.equal(callIds.length, TEAMS, 'one due call per team')
  t.ok(
    selectionsPerCall.length === TEAMS && selectionsPerCall.every((r) => Number(r.n) === 1),
    'every call has exactly one selection',
  )
  t.same(doubleMembers, [], 'no response became two members')
  t.same(memberMismatch, [], 'each call has one member per selected decision')
  t.equal(duplicated.length, 0, 'no Message-ID was stored twice at Gmail')
  t.equal(lostIds.size, 0, 'every email the decisions imply is at Gmail, and every outbox row is sent')
  t.equal(stray.length, 0, 'Gmail holds nothing the decisions do not imply')
  t.same(
    { outboxOnly: outboxOnly.map((r) => r.key), missingFromOutbox: missingFromOutbox.map(([, key]) => key) },
    { outboxOnly: [], missingFromOutbox: [] },
    'the outbox holds exactly the emails the decisions imply',
  )
  t.equal(outbox.length, expectedKeys.size)
  t.equal(fake.gmail.sent.length, expectedKeys.size, 'Gmail stored each expected email once')
  t.equal(statusCount('unknown'), 0)
  t.equal(statusCount('failed'), 0)

  if (duplicated.length > 0 || lostIds.size > 0 || stray.length > 0 || kills.length !== KILLS) {
    // Enough to see what happened to each message that went wrong.
    const interesting = new Set([...duplicated, ...lostIds, ...stray])
    for (const id of interesting) {
      const row = outbox.find((r) => r.message_id === id)
      t.comment(
        `${id} ${row ? `outbox ${row.kind} ${row.status} attempts=${row.attempts} claimed_at=${row.claimed_at} last_error=${row.last_error}` : 'not in the outbox'}; stored ${stored.get(id) ?? 0}×`,
      )
      const bare = id.replace(/^<|>$/g, '')
      const story = timeline.filter((e) => e.messageId === id || e.messageId === bare)
      const tokens = new Set(story.map((e) => e.token))
      for (const e of timeline) {
        if (
          story.includes(e) ||
          (tokens.has(e.token) && (e.what.startsWith('SIGKILL') || e.what === 'spawned' || e.what.startsWith('exited')))
        ) {
          t.comment(
            `  +${e.at}ms ${e.token ?? '-'} ${e.what}${e.messageId && e.messageId !== id && e.messageId !== bare ? ` ${e.messageId}` : ''}`,
          )
        }
      }
    }
    t.comment(`kills: ${JSON.stringify(kills)}`)
  }
  if (!t.passing() && warnings.length > 0)
    t.comment(`instance warnings (${warnings.length}), first 20:\n${warnings.slice(0, 20).join('\n')}`)
}
