import t from 'tap'
import { build } from '../helpers/build.js'
import { startFakeGoogle, textItem } from '../fakes/google.js'
import { startScheduler } from '../../src/jobs/scheduler.js'
import { syncOpenCalls } from '../../src/services/forms.js'
import { eq } from 'drizzle-orm'
import { outbox } from '../../src/db/schema.js'

const fake = await startFakeGoogle({ accessToken: 'tok' })
t.teardown(() => fake.close())
// A cron with seconds, so the ticker can be seen working within the test.
const { app, staff, clock, deps } = await build(t, {
  GOOGLE_API_ROOT_URL: fake.url,
  GOOGLE_ACCESS_TOKEN: 'tok',
  FORMS_SYNC_CRON: '* * * * * *',
})

const form = fake.forms.addForm({
  info: { title: 'Volunteers' },
  settings: { emailCollectionType: 'VERIFIED' },
  items: [textItem('Name', 'n'), textItem('Institution', 'i')],
})
fake.forms.addResponse(form.formId, {
  createTime: '2026-02-03T10:00:00.123Z',
  respondentEmail: 'a@example.org',
  answers: { n: 'Ann', i: 'Alpha' },
})

async function call(opensAt: string): Promise<string> {
  const id = (
    await app.inject({ method: 'POST', url: '/teams/coc/calls', headers: staff, payload: { opensAt } })
  ).json().id
  const linked = await app.inject({
    method: 'PUT',
    url: `/calls/${id}/form`,
    headers: staff,
    payload: { formId: form.formId, questions: { name: 'Name', institution: 'Institution' } },
  })
  if (linked.statusCode !== 200) throw new Error(`linking failed: ${linked.body}`)
  return id
}

const ack = { mailFrom: deps.config.mail.from, publicUrl: deps.config.publicUrl }

const open = await call('2026-02-01T00:00:00Z')
const later = await call('2027-02-01T00:00:00Z')

t.test('only calls open now are synced', async (t) => {
  const results = await syncOpenCalls(deps.database.db, deps.forms, new Date('2026-02-10T00:00:00Z'), ack)
  t.same(
    results.map((r) => r.callId),
    [open],
  )
  t.match(results[0], { counts: { fetched: 1, inserted: 1 } })
  const acks = async () =>
    (await deps.database.db.select().from(outbox).where(eq(outbox.kind, 'acknowledged'))).map((r) => r.toAddress)
  t.same(await acks(), ['a@example.org'], 'the new response is acknowledged to its volunteer')
  await syncOpenCalls(deps.database.db, deps.forms, new Date('2026-02-10T00:05:00Z'), ack)
  t.same(await acks(), ['a@example.org'], 'a second sync finds nothing new and queues nothing')
  t.same(
    await syncOpenCalls(deps.database.db, deps.forms, new Date('2026-03-10T00:00:00Z'), ack),
    [],
    'nothing is open after the window',
  )
  t.not(later, open)
})

t.test('a failing call is reported and the others go on', async (t) => {
  fake.forms.failNext('responses.list', [403])
  const results = await syncOpenCalls(deps.database.db, deps.forms, new Date('2026-02-10T00:00:00Z'), ack)
  t.equal(results.length, 1)
  t.ok('error' in results[0]!)
})

t.test('node-cron ticks the sync while a call is open', async (t) => {
  clock.set('2026-02-11T00:00:00Z')
  fake.forms.addResponse(form.formId, {
    createTime: '2026-02-04T10:00:00Z',
    respondentEmail: 'b@example.org',
    answers: { n: 'Ben', i: 'Beta' },
  })
  const logged: unknown[] = []
  const scheduler = startScheduler(deps, { info: (o) => logged.push(o), error: (o) => logged.push(o) })
  t.teardown(() => scheduler.stop())
  const deadline = Date.now() + 5000
  let count = 0
  // The sync logs once its transaction has committed: the response can be seen a moment before the line.
  while (Date.now() < deadline && (count < 2 || logged.length === 0)) {
    await new Promise((r) => setTimeout(r, 200))
    count = (await app.inject({ method: 'GET', url: `/calls/${open}/responses`, headers: staff })).json().responses
      .length
  }
  t.equal(count, 2, 'the new response arrived without anyone asking')
  t.ok(logged.length > 0, 'each scheduled sync is logged')
})

t.test('an exact tie is settled by responseId even across syncs', async (t) => {
  const tie = '2026-02-05T09:00:00.250Z'
  fake.forms.addResponse(form.formId, {
    responseId: 'ACYDBN-zz',
    createTime: tie,
    respondentEmail: 'zz@example.org',
    answers: { n: 'Zed', i: 'Zeta' },
  })
  t.equal((await app.inject({ method: 'POST', url: `/calls/${open}/sync`, headers: staff })).statusCode, 200)
  fake.forms.addResponse(form.formId, {
    responseId: 'ACYDBN-aa',
    createTime: tie,
    respondentEmail: 'aa@example.org',
    answers: { n: 'Abe', i: 'Aleph' },
  })
  t.equal((await app.inject({ method: 'POST', url: `/calls/${open}/sync`, headers: staff })).statusCode, 200)
  const decisions = (await app.inject({ method: 'GET', url: `/calls/${open}/selection`, headers: staff })).json()
    .decisions as Array<{ name: string; position: number }>
  const position = (name: string) => decisions.find((d) => d.name === name)!.position
  t.ok(position('Abe') < position('Zed'), 'ACYDBN-aa comes before ACYDBN-zz although it was synced later')
})
