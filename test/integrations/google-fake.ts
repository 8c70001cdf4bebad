/**
 * The fake Google (test/fakes/google.ts) driven by the REAL googleapis client, so what rota's
 * integrations will see is what these tests pin down: shapes, pages, timestamps, errors, retries.
 *
 * Auth, as production does it with GOOGLE_ACCESS_TOKEN: an OAuth2Client holding only an access
 * token sends `Authorization: Bearer <token>` and never tries to refresh (no refresh token), so
 * 401/403 reach the caller untouched.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { google } from 'googleapis'
import type { forms_v1 } from 'googleapis'
import {
  choiceItem,
  startFakeGoogle,
  textItem,
  type FakeGoogle,
  type FakeGoogleOptions,
  type FormResponse,
  type Operation,
} from '../fakes/google.js'

const TOKEN = 'test-access-token'
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SEED = `${ROOT}test/fixtures/google/seed.example.json`

// Started now, so that its boot (tsx, ~1 s) overlaps the tests above.
const cli = startCli()

function startCli() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fakes/google-server.ts', SEED], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', FAKE_GOOGLE_ACCESS_TOKEN: 'cli-token' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const state = { output: '' }
  child.stdout.setEncoding('utf8')
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      state.output += chunk
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(state.output)
      if (match?.[1]) resolve(match[1])
    })
    child.on('exit', (code) => reject(new Error(`CLI exited with ${code}: ${state.output}`)))
  })
  url.catch(() => {}) // reported by the subtest that awaits it
  return { child, url, state }
}

t.teardown(() => {
  if (cli.child.exitCode === null) cli.child.kill('SIGTERM')
})

interface Tap {
  teardown(fn: () => unknown): void
}

/** The fake plus googleapis clients pointed at it (retries as googleapis sets them by default). */
async function setup(t: Tap, options: FakeGoogleOptions = {}) {
  const fake = await startFakeGoogle(options)
  t.teardown(() => fake.close())
  const auth = new google.auth.OAuth2()
  auth.setCredentials({ access_token: options.accessToken ?? TOKEN })
  return {
    fake,
    auth,
    forms: google.forms({ version: 'v1', rootUrl: fake.url, auth }),
    /** The same client with gaxios' own retries off, as rota should configure it. */
    formsNoRetry: google.forms({ version: 'v1', rootUrl: fake.url, auth, retry: false }),
    gmail: google.gmail({ version: 'v1', rootUrl: fake.url, auth }),
  }
}

/** What a GaxiosError carries that callers use. */
interface ClientError {
  message: string
  status?: number
  code?: string | number
  response?: { status: number; data: unknown; headers: Headers }
}

/** The error a call rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof Error) return error as ClientError
    throw error
  }
  throw new Error('expected the call to fail')
}

function countOf(fake: FakeGoogle, operation: Operation): number {
  return fake.requests.filter((request) => request.operation === operation).length
}

const NAME = 'aaaa0001'
const INSTITUTION = 'aaaa0002'
const ROLE = 'aaaa0003'

function volunteerForm(fake: FakeGoogle, formId = 'form-1', emails = false) {
  return fake.forms.addForm({
    formId,
    info: { title: 'Call for volunteers' },
    ...(emails ? { settings: { emailCollectionType: 'VERIFIED' as const } } : {}),
    items: [
      textItem('Name', NAME),
      textItem('Institution', INSTITUTION),
      choiceItem('Role', ['Staff', 'Student'], { questionId: ROLE, type: 'CHECKBOX', other: true }),
    ],
  })
}

/** Reads every page of responses.list. */
async function listAll(
  forms: forms_v1.Forms,
  formId: string,
  params: { pageSize?: number; filter?: string } = {},
): Promise<{ responses: FormResponse[]; pages: Array<{ count: number; token: boolean }> }> {
  const responses: FormResponse[] = []
  const pages: Array<{ count: number; token: boolean }> = []
  let pageToken: string | undefined
  do {
    const { data } = await forms.forms.responses.list({ formId, ...params, ...(pageToken ? { pageToken } : {}) })
    responses.push(...((data.responses ?? []) as FormResponse[]))
    pageToken = data.nextPageToken ?? undefined
    pages.push({ count: data.responses?.length ?? 0, token: pageToken !== undefined })
  } while (pageToken)
  return { responses, pages }
}

function isoPlus(base: string, seconds: number): string {
  return new Date(Date.parse(base) + seconds * 1000).toISOString()
}

t.test('forms.get returns the form as Google shapes it', async (t) => {
  const { fake, forms } = await setup(t)
  const added = volunteerForm(fake)
  const { data, status, headers } = await forms.forms.get({ formId: 'form-1' })
  t.equal(status, 200)
  // Typed as a plain header object (googleapis-common http2.d.ts) but a fetch `Headers` at runtime.
  t.match((headers as unknown as Headers).get('content-type'), /^application\/json/)
  t.same(data, added)
  t.equal(data.info?.documentTitle, 'Call for volunteers', 'documentTitle defaults to the title')
  t.same(
    data.items?.[0]?.questionItem?.question,
    { questionId: NAME, textQuestion: {} },
    'a short text question is textQuestion: {}',
  )
  t.match(data.items?.[0]?.itemId, /^[0-9a-f]{8}$/, 'items get an itemId distinct from the questionId')
  t.same(data.items?.[2]?.questionItem?.question?.choiceQuestion?.options, [
    { value: 'Staff' },
    { value: 'Student' },
    { isOther: true },
  ])
  t.same(data.settings, { emailCollectionType: 'DO_NOT_COLLECT' })
  t.equal(fake.requests[0]?.path, '/v1/forms/form-1')
  t.equal(fake.requests[0]?.authorization, `Bearer ${TOKEN}`)
})

t.test('forms.get on an unknown form: 404 with Google error JSON, not retried', async (t) => {
  const { fake, forms } = await setup(t)
  const error = await rejection(forms.forms.get({ formId: 'nope' }))
  t.equal(error.status, 404)
  t.equal(error.code, 404)
  t.equal(error.message, 'Requested entity was not found.')
  t.same(error.response?.data, {
    error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' },
  })
  t.equal(countOf(fake, 'forms.get'), 1)
})

t.test('responses.list reads several pages: every response once, in no particular order', async (t) => {
  const { fake, forms } = await setup(t, { pageSizeDefault: 10 })
  volunteerForm(fake)
  const added = Array.from({ length: 23 }, (_, i) =>
    fake.forms.addResponse('form-1', {
      createTime: isoPlus('2025-03-03T09:00:00.000Z', i),
      answers: { [NAME]: `Person ${i}`, [INSTITUTION]: `Uni ${i}` },
    }),
  )
  const ids = added.map((response) => response.responseId)
  t.ok(
    ids.every((id) => /^ACYDBN[\w-]{60,}$/.test(id)),
    'generated responseIds look like Google opaque ones',
  )

  const first = await listAll(forms, 'form-1', { pageSize: 5 })
  t.same(first.pages, [
    { count: 5, token: true },
    { count: 5, token: true },
    { count: 5, token: true },
    { count: 5, token: true },
    { count: 3, token: false },
  ])
  const seen = first.responses.map((response) => response.responseId)
  t.equal(new Set(seen).size, 23)
  t.same([...seen].sort(), [...ids].sort(), 'every response exactly once')
  t.not(seen.join(), ids.join(), 'not in insertion order')
  t.not(seen.join(), [...ids].reverse().join(), 'nor in reverse order')
  const again = await listAll(forms, 'form-1', { pageSize: 5 })
  t.not(again.responses.map((r) => r.responseId).join(), seen.join(), 'another listing comes in another order')
  t.same(
    first.responses.find((r) => r.responseId === ids[4]),
    added[4],
    'each response exactly as stored',
  )
  t.notOk('formId' in (first.responses[0] ?? {}), 'list items carry no formId')

  const byDefault = await listAll(forms, 'form-1')
  t.same(
    byDefault.pages.map((page) => page.count),
    [10, 10, 3],
    'no pageSize: the default page size',
  )
  const tokens = fake.requests
    .filter((r) => r.operation === 'responses.list' && r.query['pageToken'])
    .map((r) => r.query['pageToken'])
  t.ok(
    tokens.every((token) => token && !/^\d+$/.test(token)),
    'page tokens are opaque',
  )
})

t.test('responses.list: pageSize defaults to and is capped at 5000', async (t) => {
  const { fake, forms } = await setup(t)
  volunteerForm(fake)
  for (let i = 0; i < 5001; i++)
    fake.forms.addResponse('form-1', { createTime: '2025-03-03T09:00:00.000Z', answers: { [NAME]: `P${i}` } })
  t.same(
    (await listAll(forms, 'form-1')).pages.map((page) => page.count),
    [5000, 1],
  )
  t.same(
    (await listAll(forms, 'form-1', { pageSize: 20000 })).pages.map((page) => page.count),
    [5000, 1],
  )
  t.same(
    (await listAll(forms, 'form-1', { pageSize: 0 })).pages.map((page) => page.count),
    [5000, 1],
  )
})

t.test('responses.list: short pages may still carry a nextPageToken', async (t) => {
  const { fake, forms } = await setup(t)
  volunteerForm(fake)
  fake.forms.partialPages = true
  for (let i = 0; i < 40; i++) fake.forms.addResponse('form-1', { createTime: '2025-03-03T09:00:00Z', answers: {} })
  const { responses, pages } = await listAll(forms, 'form-1', { pageSize: 10 })
  t.equal(new Set(responses.map((r) => r.responseId)).size, 40)
  t.ok(
    pages.some((page) => page.token && page.count < 10),
    'a short page that is not the last',
  )
})

t.test('a form with no responses lists as {} (no responses key)', async (t) => {
  const { fake, forms } = await setup(t)
  volunteerForm(fake)
  const empty = await forms.forms.responses.list({ formId: 'form-1' })
  t.same(empty.data, {})
  t.notOk('responses' in empty.data)
  const only = fake.forms.addResponse('form-1', { createTime: '2025-03-03T09:00:00Z', answers: { [NAME]: 'Ann' } })
  t.equal((await forms.forms.responses.list({ formId: 'form-1' })).data.responses?.length, 1)
  fake.forms.deleteResponse('form-1', only.responseId)
  t.same((await forms.forms.responses.list({ formId: 'form-1' })).data, {}, 'empty again after the delete')
  const unknown = await rejection(forms.forms.responses.list({ formId: 'nope' }))
  t.equal(unknown.status, 404)
})

t.test('timestamps come back byte for byte, with 0, 3, 6 or 9 fractional digits', async (t) => {
  const { fake, forms } = await setup(t)
  volunteerForm(fake)
  const stamps = [
    ['2025-03-03T09:00:01Z', '2025-03-03T09:00:01Z'],
    ['2025-03-03T09:00:00.412Z', '2025-03-03T09:00:00.412871Z'],
    ['2025-03-03T09:00:00.412000Z', '2025-03-04T14:22:09.531204Z'],
    ['2025-03-03T09:00:00.412000001Z', '2025-03-03T09:00:00.412000002Z'],
    ['2025-03-03T09:00:00.412000000Z', '2025-03-03T09:00:00.500Z'],
  ] as const
  for (const [createTime, lastSubmittedTime] of stamps)
    fake.forms.addResponse('form-1', { createTime, lastSubmittedTime, answers: { [NAME]: createTime } })
  const { responses } = await listAll(forms, 'form-1')
  for (const [createTime, lastSubmittedTime] of stamps) {
    const response = responses.find((r) => r.answers?.[NAME]?.textAnswers?.answers[0]?.value === createTime)
    t.equal(response?.createTime, createTime)
    t.equal(response?.lastSubmittedTime, lastSubmittedTime)
  }

  const unedited = fake.forms.addResponse('form-1', { createTime: '2021-03-25T01:23:58.146Z', answers: {} })
  t.match(
    unedited.lastSubmittedTime,
    /^2021-03-25T01:23:58\.146\d{3}Z$/,
    'unedited: lastSubmittedTime is createTime plus microseconds, as Google shows it',
  )
  t.not(unedited.lastSubmittedTime, unedited.createTime)
  t.notOk('answers' in unedited, 'no answers: no answers key')

  for (const bad of [
    '2025-03-03T09:00:00.41Z',
    '2025-03-03T09:00:00.41234Z',
    '2025-03-03T09:00:00+01:00',
    '2025-02-30T09:00:00Z',
  ]) {
    t.throws(
      () => fake.forms.addResponse('form-1', { createTime: bad, answers: {} }),
      /0, 3, 6 or 9 fractional digits/,
      `the fake refuses ${bad}`,
    )
  }
})

t.test('answers are keyed by questionId in Google shape; unanswered questions are absent', async (t) => {
  const { fake, forms } = await setup(t)
  volunteerForm(fake, 'form-1', true)
  fake.forms.addResponse('form-1', {
    responseId: 'ACYDBN-fixed',
    createTime: '2025-03-03T09:00:00Z',
    respondentEmail: 'ann@example.org',
    answers: { [NAME]: 'Ann', [INSTITUTION]: '', [ROLE]: ['Staff', 'Volunteer coordinator'] },
  })
  const { data } = await forms.forms.responses.list({ formId: 'form-1' })
  t.same(data.responses?.[0]?.answers, {
    [NAME]: { questionId: NAME, textAnswers: { answers: [{ value: 'Ann' }] } },
    [ROLE]: { questionId: ROLE, textAnswers: { answers: [{ value: 'Staff' }, { value: 'Volunteer coordinator' }] } },
  })
  t.equal(data.responses?.[0]?.respondentEmail, 'ann@example.org')
  t.throws(
    () => fake.forms.addResponse('form-1', { createTime: '2025-03-03T09:00:00Z', answers: { Name: 'Ann' } }),
    /keyed by questionId, not title/,
  )
  volunteerForm(fake, 'no-emails')
  t.throws(
    () =>
      fake.forms.addResponse('no-emails', {
        createTime: '2025-03-03T09:00:00Z',
        respondentEmail: 'a@b.c',
        answers: {},
      }),
    /does not collect emails/,
  )
})

t.test('an edit keeps responseId and createTime, moves lastSubmittedTime, replaces the answers', async (t) => {
  const { fake, forms } = await setup(t)
  volunteerForm(fake)
  const original = fake.forms.addResponse('form-1', {
    createTime: '2025-03-03T09:00:00.412Z',
    lastSubmittedTime: '2025-03-03T09:00:00.412871Z',
    answers: { [NAME]: 'placeholder', [ROLE]: 'Staff' },
  })
  fake.forms.editResponse(
    'form-1',
    original.responseId,
    { [NAME]: 'Ann Smith', [INSTITUTION]: 'University of A' },
    '2025-03-05T10:11:12.000001Z',
  )
  const { data } = await forms.forms.responses.list({ formId: 'form-1' })
  t.equal(data.responses?.length, 1)
  const edited = data.responses?.[0]
  t.equal(edited?.responseId, original.responseId)
  t.equal(edited?.createTime, '2025-03-03T09:00:00.412Z', 'createTime unchanged')
  t.equal(edited?.lastSubmittedTime, '2025-03-05T10:11:12.000001Z')
  t.same(
    Object.keys(edited?.answers ?? {}).sort(),
    [INSTITUTION, NAME].sort(),
    'answers replaced: the Role answer is gone',
  )
  t.equal(edited?.answers?.[NAME]?.textAnswers?.answers?.[0]?.value, 'Ann Smith')
  t.throws(() => fake.forms.editResponse('form-1', original.responseId, {}, '2025-03-04T00:00:00Z'), /must be after/)
})

t.test('a deleted response disappears, also from pages already being read', async (t) => {
  const { fake, forms } = await setup(t)
  volunteerForm(fake)
  const added = Array.from({ length: 6 }, () =>
    fake.forms.addResponse('form-1', { createTime: '2025-03-03T09:00:00Z', answers: {} }),
  )
  const first = await forms.forms.responses.list({ formId: 'form-1', pageSize: 3 })
  const seen = new Set((first.data.responses ?? []).map((r) => r.responseId))
  const later = added.find((r) => !seen.has(r.responseId))
  if (!later) throw new Error('expected an unread response')
  fake.forms.deleteResponse('form-1', later.responseId)
  const late = fake.forms.addResponse('form-1', { createTime: '2025-03-03T09:00:05Z', answers: {} })
  const second = await forms.forms.responses.list({
    formId: 'form-1',
    pageSize: 3,
    pageToken: first.data.nextPageToken ?? '',
  })
  t.equal(second.data.responses?.length, 2, 'the deleted one is skipped, so the page is short')
  t.notOk(second.data.nextPageToken)
  t.notOk(
    second.data.responses?.some((r) => r.responseId === late.responseId),
    'a response submitted mid-listing shows up in the next listing, not this one',
  )
  const all = await listAll(forms, 'form-1')
  t.equal(all.responses.length, 6)
  t.notOk(all.responses.some((r) => r.responseId === later.responseId))
  t.ok(all.responses.some((r) => r.responseId === late.responseId))
})

t.test('filter: timestamp > and >= on lastSubmittedTime, exact at the boundary', async (t) => {
  const { fake, forms } = await setup(t)
  volunteerForm(fake)
  const at = (lastSubmittedTime: string) =>
    fake.forms.addResponse('form-1', {
      createTime: '2025-03-01T00:00:00Z',
      lastSubmittedTime,
      answers: { [NAME]: lastSubmittedTime },
    })
  at('2025-03-03T09:00:00.412870Z')
  at('2025-03-03T09:00:00.412871Z')
  at('2025-03-03T09:00:00.412871001Z')
  at('2025-03-04T00:00:00Z')
  const names = async (filter: string) =>
    (await listAll(forms, 'form-1', { filter })).responses.map((r) => r.lastSubmittedTime).sort()
  t.same(await names('timestamp >= 2025-03-03T09:00:00.412871Z'), [
    '2025-03-03T09:00:00.412871001Z',
    '2025-03-03T09:00:00.412871Z',
    '2025-03-04T00:00:00Z',
  ])
  t.same(await names('timestamp > 2025-03-03T09:00:00.412871Z'), [
    '2025-03-03T09:00:00.412871001Z',
    '2025-03-04T00:00:00Z',
  ])
  t.same(
    await names('timestamp > 2025-03-03T09:00:00.412871000Z'),
    ['2025-03-03T09:00:00.412871001Z', '2025-03-04T00:00:00Z'],
    'compared as instants, not strings',
  )
  const logged = fake.requests.filter((r) => r.query['filter']).at(-1)
  t.equal(
    logged?.query['filter'],
    'timestamp > 2025-03-03T09:00:00.412871000Z',
    'the client sends %20, the fake decodes it',
  )

  fake.forms.filterField = 'createTime'
  t.equal((await names('timestamp > 2025-03-02T00:00:00Z')).length, 0, 'the compared field is configurable')
  fake.forms.filterField = 'lastSubmittedTime'

  for (const bad of [
    'timestamp > 2025-03-03T09:00:00+01:00',
    'createTime > 2025-03-03T09:00:00Z',
    'timestamp < 2025-03-03T09:00:00Z',
    'timestamp > yesterday',
  ]) {
    const error = await rejection(forms.forms.responses.list({ formId: 'form-1', filter: bad }))
    t.equal(error.status, 400, `400 for ${bad}`)
    t.same(error.response?.data, {
      error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' },
    })
  }

  const page = await forms.forms.responses.list({
    formId: 'form-1',
    pageSize: 1,
    filter: 'timestamp >= 2025-03-01T00:00:00Z',
  })
  const token = page.data.nextPageToken ?? ''
  t.ok(token)
  t.equal(
    (await rejection(forms.forms.responses.list({ formId: 'form-1', pageSize: 1, pageToken: token }))).status,
    400,
    'a pageToken with another filter is 400',
  )
  t.equal(
    (await rejection(forms.forms.responses.list({ formId: 'form-1', pageToken: 'made-up' }))).status,
    400,
    'a made-up pageToken is 400',
  )
  const next = await forms.forms.responses.list({
    formId: 'form-1',
    pageSize: 1,
    filter: 'timestamp >= 2025-03-01T00:00:00Z',
    pageToken: token,
  })
  t.equal(next.data.responses?.length, 1, 'the same filter continues')
})

t.test('scripted 429 (with Retry-After) and 500 reach a client with retry: false as Google errors', async (t) => {
  const { fake, formsNoRetry } = await setup(t)
  volunteerForm(fake)
  fake.forms.failNext('responses.list', [{ status: 429, retryAfter: '7' }, 429, 500])
  const list = () => formsNoRetry.forms.responses.list({ formId: 'form-1' })

  const first = await rejection(list())
  t.equal(first.status, 429)
  t.equal(first.code, 429)
  t.equal(first.response?.headers.get('retry-after'), '7')
  t.same(first.response?.data, {
    error: {
      code: 429,
      message:
        "Quota exceeded for quota metric 'Expensive read requests' and limit 'Expensive read requests per minute per user' of service 'forms.googleapis.com' for consumer 'project_number:123456789012'.",
      status: 'RESOURCE_EXHAUSTED',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'RATE_LIMIT_EXCEEDED',
          domain: 'googleapis.com',
          metadata: { service: 'forms.googleapis.com', consumer: 'projects/123456789012' },
        },
      ],
    },
  })
  const second = await rejection(list())
  t.equal(second.code, 429)
  t.equal(second.response?.headers.get('retry-after'), null, 'no Retry-After unless scripted')
  const third = await rejection(list())
  t.equal(third.status, 500)
  t.same(third.response?.data, { error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } })
  t.same((await list()).data, {}, 'after the script, normal answers resume')
  t.same(
    fake.requests.map((r) => r.status),
    [429, 429, 500, 200],
    'one request per call: no retries',
  )

  fake.forms.failAlways('forms.get', 503)
  for (let i = 0; i < 2; i++) t.equal((await rejection(formsNoRetry.forms.get({ formId: 'form-1' }))).status, 503)
  fake.forms.clearFailures()
  t.equal((await formsNoRetry.forms.get({ formId: 'form-1' })).status, 200)
})

t.test('gaxios retries GETs itself: 3 retries after 100/500/1500 ms, Retry-After ignored', async (t) => {
  const { fake, forms } = await setup(t)
  volunteerForm(fake)

  fake.forms.failNext('responses.list', [{ status: 429, retryAfter: '30' }])
  t.same((await forms.forms.responses.list({ formId: 'form-1' })).data, {}, 'a single 429 is invisible to the caller')
  const [a, b] = fake.requests.filter((r) => r.operation === 'responses.list')
  t.same([a?.status, b?.status], [429, 200])
  t.ok((b?.at ?? 0) - (a?.at ?? 0) < 1000, `retried after ${(b?.at ?? 0) - (a?.at ?? 0)} ms, not the 30 s Retry-After`)

  fake.forms.failNext('forms.get', [500, 502])
  t.equal(
    (await forms.forms.get({ formId: 'form-1' })).status,
    200,
    '5xx (even an HTML 502) then success: still a success',
  )
  t.equal(countOf(fake, 'forms.get'), 3)

  fake.forms.failNext('forms.get', ['reset'])
  t.equal((await forms.forms.get({ formId: 'form-1' })).status, 200, 'a dropped connection on a GET is retried too')
  t.equal(countOf(fake, 'forms.get'), 5)

  fake.requests.length = 0
  fake.forms.failAlways('forms.get', 503)
  const started = Date.now()
  const persistent = await rejection(forms.forms.get({ formId: 'form-1' }))
  const elapsed = Date.now() - started
  t.equal(persistent.status, 503)
  t.equal(countOf(fake, 'forms.get'), 4, 'four requests in all')
  t.ok(elapsed >= 1900 && elapsed < 5000, `gave up after ${elapsed} ms (100 + 500 + 1500)`)
  const gaps = fake.requests.slice(1).map((r, i) => r.at - (fake.requests[i]?.at ?? 0))
  t.ok(gaps[0]! < 450 && gaps[1]! >= 450 && gaps[2]! >= 1400, `gaps ${gaps.join('/')} ms`)
  fake.forms.clearFailures()

  fake.forms.failNext('forms.get', [403])
  t.equal((await rejection(forms.forms.get({ formId: 'form-1' }))).status, 403)
  t.equal(countOf(fake, 'forms.get'), 5, '403 is not retried')

  fake.forms.failNext('forms.get', [408, 'reset', 502])
  const noRetry = { retry: false }
  t.equal((await rejection(forms.forms.get({ formId: 'form-1' }, noRetry))).status, 408, 'retry: false per call')
  t.equal((await rejection(forms.forms.get({ formId: 'form-1' }, noRetry))).code, 'ECONNRESET')
  const html = await rejection(forms.forms.get({ formId: 'form-1' }, noRetry))
  t.equal(html.status, 502)
  t.match(
    html.response?.data,
    /<title>Error 502 \(Bad Gateway\)!!1<\/title>/,
    'a 502 from the front end is HTML, not JSON',
  )
  fake.forms.failNext('forms.get', ['hang'])
  const timedOut = await rejection(forms.forms.get({ formId: 'form-1' }, { retry: false, timeout: 200 }))
  t.equal(timedOut.response, undefined, 'a hanging request ends with the client timeout')
  t.equal(countOf(fake, 'forms.get'), 9)
})

t.test('with an accessToken configured, a missing or wrong token gets Google 401', async (t) => {
  const { fake, forms, gmail } = await setup(t, { accessToken: 'the-right-one' })
  volunteerForm(fake)
  t.equal((await forms.forms.get({ formId: 'form-1' })).status, 200, 'the right token passes')

  const anonymous = google.forms({ version: 'v1', rootUrl: fake.url })
  const missing = await rejection(anonymous.forms.get({ formId: 'form-1' }))
  t.equal(missing.status, 401)
  t.equal(missing.code, 401)
  t.same(missing.response?.data, {
    error: {
      code: 401,
      message:
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      status: 'UNAUTHENTICATED',
    },
  })
  t.equal(missing.response?.headers.get('www-authenticate'), 'Bearer realm="https://accounts.google.com/"')
  t.equal(fake.requests.at(-1)?.authorization, undefined)

  const wrongAuth = new google.auth.OAuth2()
  wrongAuth.setCredentials({ access_token: 'stale' })
  const wrong = await rejection(
    google.forms({ version: 'v1', rootUrl: fake.url, auth: wrongAuth }).forms.responses.list({ formId: 'form-1' }),
  )
  t.equal(wrong.status, 401)
  t.equal(countOf(fake, 'responses.list'), 1, '401 is not retried, and the token is not refreshed')

  const withKey = await rejection(
    google.forms({ version: 'v1', rootUrl: fake.url, auth: 'AIza-key' }).forms.get({ formId: 'form-1' }),
  )
  t.equal(withKey.status, 401)
  t.match(withKey.message, /API keys are not supported/)

  const gmailWrong = await rejection(
    google.gmail({ version: 'v1', rootUrl: fake.url, auth: wrongAuth }).users.messages.list({ userId: 'me' }),
  )
  t.equal(gmailWrong.status, 401)
  t.match(gmailWrong.response?.data, {
    error: {
      code: 401,
      status: 'UNAUTHENTICATED',
      errors: [{ reason: 'authError', domain: 'global', location: 'Authorization' }],
    },
  })
  t.equal((await gmail.users.messages.list({ userId: 'me' })).status, 200)
})

t.test('without an accessToken option any bearer token passes, none is still 401', async (t) => {
  const { fake, forms } = await setup(t, { accessToken: undefined })
  volunteerForm(fake)
  t.equal((await forms.forms.get({ formId: 'form-1' })).status, 200)
  t.equal(
    (await rejection(google.forms({ version: 'v1', rootUrl: fake.url }).forms.get({ formId: 'form-1' }))).status,
    401,
  )
})

/** An RFC 822 message, base64url-encoded as Gmail's `raw` wants it. */
function rawMessage(headers: Record<string, string>, body: string): string {
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}`)
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`, 'utf8').toString('base64url')
}

t.test('gmail: send stores the parsed message; list finds it by rfc822msgid', async (t) => {
  const { fake, gmail } = await setup(t)
  const raw = rawMessage(
    {
      From: 'Rota <rota@example.org>',
      To: '"Code of Conduct, list" <coc-list@example.org>, ann@example.org',
      Subject: `=?UTF-8?B?${Buffer.from('Call opened: Chō’s team').toString('base64')}?=`,
      'Message-ID': '<call-7.call-opened.coc-list@rota.example.org>',
      'MIME-Version': '1.0',
      'Content-Type': 'text/plain; charset=UTF-8',
      'Content-Transfer-Encoding': 'quoted-printable',
    },
    'The call is open until 1 May.=0D=0AForm: https://forms.gle/x=\r\nyz\r\nCh=C5=8D',
  )
  const sent = await gmail.users.messages.send({ userId: 'me', requestBody: { raw } })
  t.equal(sent.status, 200)
  t.match(sent.data.id, /^[0-9a-f]{16}$/)
  t.same(sent.data, { id: sent.data.id, threadId: sent.data.id, labelIds: ['SENT'] })
  t.equal(countOf(fake, 'messages.send'), 1)
  t.equal(fake.requests[0]?.path, '/gmail/v1/users/me/messages/send')

  const message = fake.gmail.sent[0]
  t.match(message, {
    id: sent.data.id,
    userId: 'me',
    messageId: '<call-7.call-opened.coc-list@rota.example.org>',
    from: 'Rota <rota@example.org>',
    to: '"Code of Conduct, list" <coc-list@example.org>, ann@example.org',
    subject: 'Call opened: Chō’s team',
    recipients: ['coc-list@example.org', 'ann@example.org'],
    text: 'The call is open until 1 May.\r\nForm: https://forms.gle/xyz\r\nChō',
    rawBase64url: raw,
  })
  t.match(message?.raw, /^From: Rota <rota@example\.org>\r\n/)

  for (const q of [
    'rfc822msgid:<call-7.call-opened.coc-list@rota.example.org>',
    'rfc822msgid:call-7.call-opened.coc-list@rota.example.org',
  ]) {
    const { data } = await gmail.users.messages.list({ userId: 'me', q })
    t.same(data, { messages: [{ id: sent.data.id, threadId: sent.data.threadId }], resultSizeEstimate: 1 }, q)
  }
  t.equal(fake.requests.at(-1)?.query['q'], 'rfc822msgid:call-7.call-opened.coc-list@rota.example.org')
  const none = await gmail.users.messages.list({
    userId: 'me',
    q: 'rfc822msgid:<call-7.call-opened.coc-list@rota.example.org.x>',
  })
  t.same(none.data, { resultSizeEstimate: 0 }, 'no match: only resultSizeEstimate 0')
  const prefix = await gmail.users.messages.list({ userId: 'me', q: 'rfc822msgid:call-7' })
  t.same(prefix.data, { resultSizeEstimate: 0 }, 'the id must match exactly, not as a prefix')

  const reply = await gmail.users.messages.send({
    userId: 'rota@example.org',
    requestBody: {
      raw: rawMessage(
        {
          From: 'rota@example.org',
          To: 'ann@example.org',
          Subject: 'Re',
          'In-Reply-To': '<call-7.call-opened.coc-list@rota.example.org>',
        },
        'hi',
      ),
    },
  })
  t.equal(reply.data.threadId, sent.data.threadId, 'a reply joins the thread')
  t.match(fake.gmail.sent[1]?.messageId, /^<CA[\w-]+@mail\.gmail\.com>$/, 'Gmail adds a Message-ID when there is none')
  const all = await gmail.users.messages.list({ userId: 'me', maxResults: 1 })
  t.equal(all.data.messages?.[0]?.id, reply.data.id, 'newest first')
  t.equal(all.data.resultSizeEstimate, 2)
  t.ok(all.data.nextPageToken)
})

t.test('gmail: bad messages get Gmail 400s', async (t) => {
  const { fake, gmail } = await setup(t)
  const send = (raw: string) => rejection(gmail.users.messages.send({ userId: 'me', requestBody: { raw } }))
  const invalidTo = await send(rawMessage({ From: 'rota@example.org', To: 'the list', Subject: 'x' }, 'x'))
  t.same(invalidTo.response?.data, {
    error: {
      code: 400,
      message: 'Invalid To header',
      errors: [{ message: 'Invalid To header', domain: 'global', reason: 'invalidArgument' }],
      status: 'INVALID_ARGUMENT',
    },
  })
  t.equal(invalidTo.message, 'Invalid To header')
  t.match((await send(rawMessage({ From: 'rota@example.org', Subject: 'x' }, 'x'))).response?.data, {
    error: { message: 'Recipient address required' },
  })
  t.equal((await rejection(gmail.users.messages.send({ userId: 'me', requestBody: {} }))).status, 400)
  t.equal(fake.gmail.sent.length, 0)
})

t.test('gmail: scripted failures; a POST send is never retried by the client', async (t) => {
  const { fake, gmail } = await setup(t)
  const raw = rawMessage(
    { From: 'rota@example.org', To: 'ann@example.org', Subject: 'x', 'Message-ID': '<m1@rota>' },
    'x',
  )
  fake.gmail.failNext('messages.send', [429, 500, { status: 400, reason: 'failedPrecondition' }])
  const limited = await rejection(gmail.users.messages.send({ userId: 'me', requestBody: { raw } }))
  t.equal(limited.code, 429)
  t.match(limited.response?.data, {
    error: {
      code: 429,
      status: 'RESOURCE_EXHAUSTED',
      errors: [{ domain: 'usageLimits', reason: 'rateLimitExceeded' }],
    },
  })
  t.match(limited.message, /^User-rate limit exceeded\. {2}Retry after \d{4}-\d\d-\d\dT/)
  t.equal(countOf(fake, 'messages.send'), 1, '429 on send: one request')
  t.equal((await rejection(gmail.users.messages.send({ userId: 'me', requestBody: { raw } }))).status, 500)
  t.equal(countOf(fake, 'messages.send'), 2, '500 on send: one request')
  const precondition = await rejection(gmail.users.messages.send({ userId: 'me', requestBody: { raw } }))
  t.same(precondition.response?.data, {
    error: {
      code: 400,
      message: 'Precondition check failed.',
      errors: [{ message: 'Precondition check failed.', domain: 'global', reason: 'failedPrecondition' }],
      status: 'FAILED_PRECONDITION',
    },
  })
  t.equal(fake.gmail.sent.length, 0, 'nothing was sent')
  t.equal((await gmail.users.messages.send({ userId: 'me', requestBody: { raw } })).status, 200)

  fake.gmail.failNext('messages.list', [503])
  const list = await gmail.users.messages
    .list({ userId: 'me', q: 'rfc822msgid:m1@rota' }, { retry: false })
    .catch((error: ClientError) => error)
  t.equal((list as ClientError).status, 503)
})

t.test('gmail: sent upstream but the client does not hear back; rfc822msgid tells', async (t) => {
  const { fake, gmail } = await setup(t)
  const raw = (id: string) =>
    rawMessage({ From: 'rota@example.org', To: 'ann@example.org', Subject: 'x', 'Message-ID': `<${id}@rota>` }, 'x')
  fake.gmail.failAfterSendingNext(1)
  fake.gmail.failAfterSendingNext(1, 500)
  const dropped = await rejection(gmail.users.messages.send({ userId: 'me', requestBody: { raw: raw('lost-1') } }))
  t.equal(dropped.response, undefined, 'a dropped connection: no response at all')
  t.equal(dropped.code, 'ECONNRESET')
  t.equal(countOf(fake, 'messages.send'), 1, 'and no retry')
  const errored = await rejection(gmail.users.messages.send({ userId: 'me', requestBody: { raw: raw('lost-2') } }))
  t.equal(errored.status, 500)
  t.same(
    fake.gmail.sent.map((m) => m.messageId),
    ['<lost-1@rota>', '<lost-2@rota>'],
    'both were delivered',
  )
  for (const id of ['lost-1', 'lost-2']) {
    const { data } = await gmail.users.messages.list({ userId: 'me', q: `rfc822msgid:${id}@rota` })
    t.equal(data.resultSizeEstimate, 1, `${id} is found`)
  }
  t.equal(
    (await gmail.users.messages.send({ userId: 'me', requestBody: { raw: raw('ok') } })).status,
    200,
    'later sends answer normally',
  )
})

t.test('a wrong rootUrl path gets Google HTML 404; the path prefix is dropped by googleapis', async (t) => {
  const { fake, auth } = await setup(t)
  volunteerForm(fake)
  const prefixed = google.forms({ version: 'v1', rootUrl: `${fake.url}some/prefix/`, auth })
  t.equal(
    (await prefixed.forms.get({ formId: 'form-1' })).status,
    200,
    'the prefix is dropped (googleapis-common #351)',
  )
  const response = await fetch(`${fake.url}forms/v1/form-1`, { headers: { authorization: `Bearer ${TOKEN}` } })
  t.equal(response.status, 404)
  t.match(response.headers.get('content-type'), /^text\/html/)
})

t.test('npm run fake-google: the CLI serves a seed file', async (t) => {
  const { child, state } = cli
  const url = await cli.url
  const auth = new google.auth.OAuth2()
  auth.setCredentials({ access_token: 'cli-token' })
  const forms = google.forms({ version: 'v1', rootUrl: url, auth })
  const formId = '1u7iYB0rC3kQ2yX8vVx9Fq0HfZ4mZp1sJbLwT5aNcE2o'
  const form = await forms.forms.get({ formId })
  t.equal(form.data.info?.title, 'Code of Conduct Team: call for volunteers 2025')
  const { responses } = await listAll(forms, formId, { pageSize: 2 })
  t.equal(responses.length, 5)
  t.ok(responses.some((r) => r.createTime === '2025-03-03T09:00:01.000000001Z'))
  t.same((await forms.forms.responses.list({ formId: '1EmptyFormNoResponsesYetxxxxxxxxxxxxxxxxxxxx' })).data, {})

  const added = await fetch(`${url}_fake/forms/${formId}/responses`, {
    method: 'POST',
    body: JSON.stringify({
      createTime: '2025-03-06T08:00:00.000Z',
      respondentEmail: 'eve@example.org',
      answers: { '4b1d2c3e': 'Eve', '1e9b0ead': 'Uni E' },
    }),
  })
  t.equal(added.status, 200, 'the control API adds a response')
  t.equal((await listAll(forms, formId)).responses.length, 6)
  await fetch(`${url}_fake/failures`, {
    method: 'POST',
    body: JSON.stringify({ method: 'forms.get', failures: [404] }),
  })
  t.equal((await rejection(forms.forms.get({ formId }))).status, 404, 'the control API scripts failures')
  t.match(state.output, /GET \/v1\/forms\/1u7iYB0rC3kQ2yX8vVx9Fq0HfZ4mZp1sJbLwT5aNcE2o → 200/)

  child.kill('SIGTERM')
  const [code] = (await once(child, 'exit')) as [number | null]
  t.equal(code, 0, 'stops cleanly on SIGTERM')
})
