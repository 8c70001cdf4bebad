/**
 * `npm run fake-google [seed.json]` — the fake Google (Forms + Gmail) as a standalone server, so a
 * person can try rota's sync and mail by hand:
 *
 *     npm run fake-google test/fixtures/google/seed.example.json
 *     GOOGLE_API_ROOT_URL=http://127.0.0.1:4040/ GOOGLE_ACCESS_TOKEN=dev-token npm start
 *
 * Input:
 * - the seed file path: argv[2], else env FAKE_GOOGLE_SEED; without one, it starts empty;
 * - PORT (default 4040; 0 picks a free one), listening on 127.0.0.1;
 * - FAKE_GOOGLE_ACCESS_TOKEN: when set, only `Authorization: Bearer <it>` is accepted
 *   (otherwise any Bearer token is; a request with none always gets Google's 401);
 * - FAKE_GOOGLE_PAGE_SIZE: the responses.list page size when the client sends none (default 5000).
 *
 * Seed format (see test/fixtures/google/seed.example.json):
 *
 *     { "forms": [ { "formId": "…", "info": { "title": "…" },
 *                    "settings": { "emailCollectionType": "VERIFIED" },     // optional
 *                    "items": [ <Forms API Item>, … ],                       // as forms.get returns
 *                    "responses": [ { "responseId"?: "…",
 *                                     "createTime": "2025-03-03T09:00:00.412Z",
 *                                     "lastSubmittedTime"?: "…", "respondentEmail"?: "…",
 *                                     "answers": { "<questionId>": "text" | ["a", "b"] } } ] } ] }
 *
 * Timestamps are served byte for byte (0, 3, 6 or 9 fractional digits). While it runs, the control
 * API under /_fake (see google.ts) adds, edits and deletes responses and scripts failures, e.g.
 *
 *     curl -X POST localhost:4040/_fake/failures -d '{"method":"responses.list","failures":[429,500]}'
 *
 * It prints one line per API request. Stop it with Ctrl-C.
 */
import { loadSeedFile, startFakeGoogle, type FakeGoogleSeed } from './google.js'

const seedPath = process.argv[2] ?? process.env['FAKE_GOOGLE_SEED']
const port = Number(process.env['PORT'] ?? 4040)
const accessToken = process.env['FAKE_GOOGLE_ACCESS_TOKEN'] || undefined
const pageSize = process.env['FAKE_GOOGLE_PAGE_SIZE'] ? Number(process.env['FAKE_GOOGLE_PAGE_SIZE']) : undefined

try {
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, not ${process.env['PORT']}`)
  const seed: FakeGoogleSeed | undefined = seedPath ? await loadSeedFile(seedPath) : undefined
  const fake = await startFakeGoogle({
    port,
    ...(seed ? { seed } : {}),
    ...(accessToken ? { accessToken } : {}),
    ...(pageSize ? { pageSizeDefault: pageSize } : {}),
    onRequest: (entry) => {
      const query = new URLSearchParams(entry.query).toString()
      console.log(
        `${new Date(entry.at).toISOString()} ${entry.method} ${entry.path}${query ? `?${query}` : ''} → ${entry.status ?? 'hanging'}`,
      )
    },
  })
  console.log(`fake Google listening on ${fake.url}`)
  for (const formId of fake.forms.formIds()) {
    const form = fake.forms.form(formId)
    console.log(`  form ${formId} "${form.info.title}": ${fake.forms.responses(formId).length} responses`)
  }
  console.log(`  try: GOOGLE_API_ROOT_URL=${fake.url} GOOGLE_ACCESS_TOKEN=${accessToken ?? 'dev-token'}`)

  let closing = false
  const stop = (): void => {
    if (closing) return
    closing = true
    fake.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
} catch (error) {
  console.error(`fake Google: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
