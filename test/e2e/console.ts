// The staff console in a real browser: Debian's Chromium (/usr/bin/chromium, installed by .ci/run)
// driven by playwright-core, against rota on a fresh database (the app of test/helpers/build.ts,
// listening on a free port). One browser for the whole file; the flows run in order on one state,
// as a staff member would: sign in, create a call, upload a CSV (dry run, then import), preview,
// close, step a member down promoting the alternate, retry a failed email, and see the public page.
// Every page visited is checked with axe-core (no serious or critical violation) and for
// Content-Security-Policy violations; each flow leaves a screenshot in test/.output/console/.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import t, { type Test } from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { build, STAFF_TOKEN } from '../helpers/build.js'
import { CONSOLE_DIR } from '../../src/http/plugins/console.js'
import { ROOT } from '../../src/paths.js'
import { MailError, type Mailer } from '../../src/integrations/mail.js'

const CHROMIUM = '/usr/bin/chromium'
const OUTPUT = path.join(ROOT, 'test', '.output', 'console')
const require = createRequire(import.meta.url)
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

if (!fs.existsSync(CHROMIUM)) {
  t.fail(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`)
  process.exit(1)
}
if (!fs.existsSync(path.join(CONSOLE_DIR, 'index.html'))) {
  t.fail('dist/web is missing: run npm run build')
  process.exit(1)
}
fs.mkdirSync(OUTPUT, { recursive: true })
// About 45 s on a quiet 2-core machine; much more when the whole suite shares it.
t.setTimeout(300_000)

const built = await build(t)
const { app, clock } = built
// The server's clock is the real time, as the browser's: the call's window is judged the same on
// both sides, and the browser's clock is never ahead of the server's (as in production).
clock.real()

// A mailer that refuses while `failing` (a permanent error: staff must retry), then sends.
let failing = true
const realMailer = built.deps.mailer
const flaky: Mailer = {
  transport: realMailer.transport,
  prepare: () => realMailer.prepare(),
  wasSent: (id) => realMailer.wasSent(id),
  send: async (mail) => {
    if (failing) throw new MailError('permanent', 'the mail server refused the message (test)')
    return realMailer.send(mail)
  },
}
built.deps.mailer = flaky

await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address() as { port: number }
const BASE = `http://127.0.0.1:${address.port}`

// Institutions staff already know: the consortium's and the community's.
const CONSORTIUM = ['University of Oxford', 'Stanford University', 'British Library', 'Yale University', 'Getty']
const COMMUNITY = ['Leeds Museum', 'Bergen Archive', 'Lyon Library', 'Kyoto Lab', 'Lima Press', 'Cork Gallery']
// The volunteers, one per institution, in the order they answered the form.
const CONSORTIUM_PEOPLE = ['Ana Souza', 'Ben Okafor', 'Chloé Martin', 'Dev Patel', 'Eva Lindqvist']
const COMMUNITY_PEOPLE = ['Femi Adeyemi', 'Greta Holm', 'Hugo Blanc', 'Ines Sato', 'Jon Quispe', 'Kate Byrne']
const LEAVER = COMMUNITY_PEOPLE[0]! // steps down
const ALTERNATE = COMMUNITY_PEOPLE[4]! // the first community alternate: promoted
for (const [names, consortium] of [
  [CONSORTIUM, true],
  [COMMUNITY, false],
] as const)
  for (const name of names) {
    const answer = await app.inject({
      method: 'POST',
      url: '/institutions',
      headers: built.staff,
      payload: { name, consortium },
    })
    if (answer.statusCode !== 201) throw new Error(`seeding ${name}: ${answer.body}`)
  }

const browser: Browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
})
t.teardown(() => browser.close())
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC', locale: 'en-GB' })
const page: Page = await context.newPage()
page.setDefaultTimeout(60_000)
const cspViolations: string[] = []
page.on('console', (message) => {
  if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
})
const requests: string[] = []
page.on('request', (request) => requests.push(request.url()))

/** axe-core on the page as it is now: no serious or critical violation; no CSP violation so far. */
async function checkPage(t: Test, name: string): Promise<void> {
  await page.waitForLoadState('networkidle')
  await page.evaluate(AXE_SOURCE)
  // A string: evaluated in the page (whose types, DOM's, are not the tests').
  const violations = await page.evaluate(`axe.run(document).then((result) => result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.map((n) => n.target.join(' ')).join('; ')))`)
  t.same(violations, [], `${name}: axe-core finds no serious or critical violation`)
  t.same(cspViolations, [], `${name}: no Content-Security-Policy violation`)
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(OUTPUT, `${name}.png`), fullPage: true })
}

const nav = (name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true })
const isoMinute = (date: Date) => date.toISOString().slice(0, 16)
const DAY = 86_400_000
let callUrl = ''

t.test('sign in: a wrong token is refused next to the field, the right one opens the overview', async (t) => {
  await page.goto(`${BASE}/console/`)
  await checkPage(t, 'sign-in')
  await page.getByLabel('Staff token').fill('not-the-token-at-all')
  await page.getByRole('button', { name: 'Sign in' }).click()
  const error = page.locator('.field-error')
  await error.waitFor()
  t.match(await error.textContent(), /not a valid staff token/, "the API's message, next to the field")
  t.equal(await page.getByLabel('Staff token').getAttribute('aria-invalid'), 'true', 'the field is marked invalid')
  await page.getByLabel('Staff token').fill(STAFF_TOKEN)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
  t.equal(
    await page.evaluate(`sessionStorage.getItem('rota.staffToken')`),
    STAFF_TOKEN,
    'the token is kept in sessionStorage',
  )
  t.equal(await page.evaluate('localStorage.length'), 0, 'nothing in localStorage')
  t.equal(await page.evaluate('document.activeElement?.id'), 'page-title', "the page's heading has the focus")
  for (const name of ['Overview', 'Calls', 'Team', 'Institutions', 'Schedule', 'Emails', 'Audit', 'Tokens'])
    t.equal(await nav(name).count(), 1, `a navigation link named ${name}`)
  await checkPage(t, 'overview')
  await screenshot('sign-in')
})

t.test('every page opens from the navigation, by keyboard, and passes axe-core', async (t) => {
  for (const name of ['Institutions', 'Schedule', 'Team', 'Emails', 'Calls']) {
    await nav(name).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name }).waitFor()
    t.equal(await page.evaluate('document.activeElement?.id'), 'page-title', `${name}: the heading has the focus`)
    await checkPage(t, name)
  }
  t.match(await page.getByLabel('Calendar link').count(), 0, 'not on the schedule page any more')
  await page.setViewportSize({ width: 360, height: 800 })
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')
  t.ok(overflow <= 0, `readable at 360 px: no page-wide horizontal scroll (${overflow} px)`)
  await screenshot('calls-360px')
  await page.setViewportSize({ width: 1280, height: 900 })
})

t.test('create a call: a past window is warned about; the new call opens on its page', async (t) => {
  await nav('Calls').click()
  await page.getByRole('button', { name: 'New call' }).click()
  await page.getByLabel('Opens').fill('2020-01-01T00:00')
  await page.getByLabel('Closes').fill('2020-02-01T00:00')
  await page.getByText('window has already passed').waitFor()
  t.ok(await page.getByRole('button', { name: 'Create call' }).isDisabled(), 'not created before confirming')
  await checkPage(t, 'new call (past window)')
  // The real one: open since ten days, closing in twenty.
  await page.getByLabel('Opens').fill(isoMinute(new Date(Date.now() - 10 * DAY)))
  await page.getByLabel('Closes').fill(isoMinute(new Date(Date.now() + 20 * DAY)))
  t.equal(await page.getByText('window has already passed').count(), 0, 'no warning for a window to come')
  // One seat count per class of the team's policy, each with the policy's number beside it.
  for (const label of ['Consortium seats', 'Community seats']) {
    const field = page.getByLabel(label)
    t.equal(await field.inputValue(), '', `${label}: empty (the vacancies at the close)`)
    t.match(await field.getAttribute('aria-describedby'), /hint/, `${label}: described by its hint`)
  }
  t.equal(await page.getByText('The policy offers 4.').count(), 2, 'the policy’s counts are shown')
  await page.getByRole('button', { name: 'Create call' }).click()
  await page.getByRole('heading', { level: 1, name: /^Call of / }).waitFor()
  callUrl = page.url()
  t.match(callUrl, /\/console\/calls\/[^/]+$/, 'the call has its own address')
  t.equal(await page.locator('.status').first().textContent(), 'open')
  await checkPage(t, 'call page')
  await screenshot('create-call')
})

t.test('upload a Google Forms CSV: the dry run stores nothing, "Import" does', async (t) => {
  const at = (minutes: number) => {
    const d = new Date(Date.now() - 5 * DAY + minutes * 60_000)
    const pad = (n: number) => String(n).padStart(2, '0')
    return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:00`
  }
  const people = [
    ...CONSORTIUM.map((institution, i) => [CONSORTIUM_PEOPLE[i]!, institution]),
    ...COMMUNITY.map((institution, i) => [COMMUNITY_PEOPLE[i]!, institution]),
    ['Lena Park', 'Stanford Univ'], // a spelling staff do not know yet: a warning with a suggestion
  ]
  const csv = [
    'Timestamp,Email Address,Name,Institution',
    ...people.map(
      ([name, institution], i) => `${at(i)},${name!.split(' ')[0]!.toLowerCase()}@example.org,${name},${institution}`,
    ),
  ].join('\r\n')
  await page.getByLabel('Time zone of the form’s timestamps').selectOption('UTC')
  await page.getByLabel('Date order').selectOption('MDY')
  await page
    .getByLabel('CSV file')
    .setInputFiles({ name: 'responses.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
  await page.getByRole('heading', { name: 'Dry run of responses.csv' }).waitFor()
  t.match(await page.locator('.panel').last().textContent(), /12 rows: 12 new/, 'the dry run counts the rows')
  t.equal(await page.getByRole('table', { name: 'First-come order after this import' }).locator('tbody tr').count(), 12)
  const stored = await app.inject({ url: `/calls/${callUrl.split('/').pop()}/responses`, headers: built.staff })
  t.equal(stored.json().responses.length, 0, 'the dry run stored nothing')
  await checkPage(t, 'dry run')
  await screenshot('dry-run')
  await page.getByRole('button', { name: 'Import', exact: true }).click()
  await page.getByText('Imported: 12 new').waitFor()
  const after = await app.inject({ url: `/calls/${callUrl.split('/').pop()}/responses`, headers: built.staff })
  t.equal(after.json().responses.length, 12, 'stored on "Import"')
  await page.getByRole('cell', { name: 'lena@example.org' }).waitFor()
  await checkPage(t, 'imported')
  await screenshot('imported')
})

t.test('preview: every decision with its explanation', async (t) => {
  const preview = page.getByRole('table', { name: 'Every decision with its explanation' })
  await preview.waitFor()
  t.equal(await preview.locator('tbody tr').count(), 12, 'a decision for every response')
  t.equal(await preview.locator('tbody tr', { hasText: 'selected' }).count(), 8, 'eight selected for eight seats')
  t.match(await preview.locator('tbody tr', { hasText: ALTERNATE }).textContent(), /alternate/)
  t.match(await page.getByRole('heading', { name: 'Selection preview' }).count(), 1)
  await checkPage(t, 'preview')
  await screenshot('preview')
  // One click makes the unknown spelling an alias of the institution it suggests.
  await page.getByRole('button', { name: 'Add “Stanford Univ” as alias of Stanford University' }).click()
  await page.getByRole('button', { name: /as alias of/ }).waitFor({ state: 'detached' })
  t.match(await preview.locator('tbody tr', { hasText: 'Lena Park' }).textContent(), /Stanford University|excluded/)
  const stanford = (await app.inject({ url: '/institutions' }))
    .json()
    .institutions.find((i: { name: string }) => i.name === 'Stanford University')
  t.same(stanford.aliases, ['Stanford Univ'], 'stored as an alias')
})

t.test('close early, after a confirmation', async (t) => {
  await page.getByRole('button', { name: 'Close', exact: true }).click()
  await page.getByText('Close it early?').waitFor()
  await checkPage(t, 'close confirmation')
  await page.getByLabel('Start the new terms now').check()
  await page.getByRole('button', { name: 'Close early' }).click()
  // The selection, or the API's refusal (then named here rather than left to a timeout).
  const alert = page.locator('p.error[role=alert]')
  await page.getByRole('heading', { name: 'Selection (final)' }).or(alert).first().waitFor()
  t.same(await alert.allTextContents(), [], 'the close is not refused')
  await page.getByRole('heading', { name: 'Selection (final)' }).waitFor()
  t.equal(await page.locator('.status').first().textContent(), 'closed')
  t.equal(await page.getByRole('button', { name: 'Reopen' }).count(), 1, 'it can be reopened, with a reason')
  await checkPage(t, 'closed call')
  await screenshot('closed')
})

t.test('step a member down, promoting the next alternate', async (t) => {
  await nav('Team').click()
  await page.getByRole('button', { name: `Step down ${LEAVER}` }).click()
  await page.getByLabel('Reason').fill('moved on to another role')
  await page.getByLabel('Promote the next alternate').check()
  await checkPage(t, 'step down')
  await page.getByRole('button', { name: 'Confirm step down' }).click()
  const status = page.locator('p.success')
  await status.waitFor()
  t.match(await status.textContent(), new RegExp(`${LEAVER} stepped down; ${ALTERNATE} takes the seat`))
  const members = page.getByRole('table', { name: 'Members serving now or soon' })
  await members.getByRole('row', { name: new RegExp(ALTERNATE) }).waitFor()
  t.equal(await members.getByRole('row', { name: new RegExp(LEAVER) }).count(), 0, 'gone from the members')
  t.equal(await members.getByRole('row', { name: new RegExp(ALTERNATE) }).count(), 1, 'the alternate serves')
  await checkPage(t, 'team')
  await screenshot('step-down')
  await nav('Overview').click()
  const teamNow = page.getByRole('region', { name: 'The team now' })
  await teamNow.getByRole('row', { name: new RegExp(ALTERNATE) }).waitFor()
  t.equal(await teamNow.getByRole('row', { name: new RegExp(LEAVER) }).count(), 0, 'the overview shows the team now')
  t.equal(await teamNow.getByRole('row').count(), 9, 'eight members and the heading row')
  await checkPage(t, 'overview after the changes')
  if (process.env.ROTA_DOCS_SCREENSHOT) {
    await page.waitForLoadState('networkidle')
    await page.screenshot({ path: path.join(ROOT, 'docs', 'console.png') })
  }
})

t.test('retry a failed email', async (t) => {
  await nav('Emails').click()
  await page.getByRole('button', { name: 'Send now' }).click()
  await page.getByText(/failed [1-9]/).waitFor()
  await page.getByLabel('Status').selectOption('failed')
  const retry = page.getByRole('button', { name: /^Retry / }).first()
  await retry.waitFor()
  t.match(
    await page.locator('td .sub').filter({ hasText: 'refused' }).first().textContent(),
    /refused/,
    'why it failed',
  )
  await checkPage(t, 'emails (failed)')
  await screenshot('failed-email')
  failing = false
  const subject = (await retry.getAttribute('aria-label'))!.replace(/^Retry “(.*)” to .*$/, '$1')
  await retry.click()
  await page.getByText(`“${subject}” will be sent on the next tick.`).waitFor()
  await page.getByLabel('Status').selectOption('')
  await page.getByRole('button', { name: 'Send now' }).click()
  await page.getByText(/Sent [1-9]/).waitFor()
  await page.getByLabel('Status').selectOption('sent')
  await page
    .getByRole('cell', { name: new RegExp(subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) })
    .first()
    .waitFor()
  t.pass('the retried email was sent')
  await checkPage(t, 'emails')
  await screenshot('emails')
})

t.test('admin: the audit log shows what was done, newest first, filtered by action', async (t) => {
  // More than a page (50) of newer entries: the close is on the second page, behind "Load more".
  const getty = (await app.inject({ url: '/institutions' }))
    .json()
    .institutions.find((i: { name: string }) => i.name === 'Getty')
  for (let i = 0; i <= 50; i++) {
    const answer = await app.inject({
      method: 'PATCH',
      url: `/institutions/${getty.id}`,
      headers: built.staff,
      payload: { aliases: i === 50 ? [] : [`Getty Museum ${i}`] },
    })
    if (answer.statusCode !== 200) throw new Error(`editing Getty: ${answer.body}`)
  }
  await nav('Audit').click()
  await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor()
  const entries = page.getByRole('table', { name: 'Audit entries, newest first' })
  await entries.waitFor()
  t.equal(await entries.locator('tbody tr').count(), 50, 'a first page of 50')
  const close = entries.locator('tbody tr', { hasText: 'call.close' })
  t.equal(await close.count(), 0, 'the close is older than the first page')
  await page.getByRole('button', { name: 'Load more' }).click()
  await close.waitFor()
  t.ok((await entries.locator('tbody tr').count()) > 50, '"Load more" adds the next page below')
  t.equal(await close.count(), 1, 'the close made earlier')
  t.match(await close.textContent(), /env/, 'by STAFF_TOKEN (actor env)')
  t.match(await close.textContent(), /status: "open" → "closed"|→/, 'with a compact before/after')
  const stepDown = entries.locator('tbody tr', { hasText: 'member.step-down' })
  t.match(await stepDown.first().textContent(), /moved on to another role/, 'with its reason')
  const actions = await entries.locator('tbody tr td:nth-child(3)').allTextContents()
  t.ok(actions.indexOf('member.step-down') < actions.indexOf('call.close'), 'newest first')
  t.notMatch(await entries.textContent(), /@example\.org/, 'no email in the log')
  await checkPage(t, 'audit')
  await screenshot('audit')
  await page.getByLabel('Action').fill('call.close')
  await page.getByRole('button', { name: 'Filter', exact: true }).click()
  await page.getByText('1 entry.').waitFor()
  t.same(
    await entries.locator('tbody tr td:nth-child(3)').allTextContents(),
    ['call.close'],
    'only the close after filtering by action',
  )
  await page.getByLabel('Action').fill('Not An Action!')
  await page.getByRole('button', { name: 'Filter', exact: true }).click()
  const fieldError = page.locator('.field-error')
  await fieldError.waitFor()
  t.match(await fieldError.textContent(), /action/, "a bad filter: the API's message next to the field")
  t.equal(await page.getByLabel('Action').getAttribute('aria-invalid'), 'true')
  await page.setViewportSize({ width: 360, height: 800 })
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')
  t.ok(overflow <= 0, `readable at 360 px: no page-wide horizontal scroll (${overflow} px)`)
  await screenshot('audit-360px')
  await page.setViewportSize({ width: 1280, height: 900 })
})

let viewerToken = ''
t.test('admin: create a viewer token, shown once', async (t) => {
  await nav('Tokens').click()
  await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor()
  await checkPage(t, 'tokens')
  await page.getByLabel('Name').fill('vera')
  await page.getByLabel('Role').selectOption('viewer')
  await page.getByLabel('Expires in (days, optional)').fill('30')
  await page.getByRole('button', { name: 'Create token' }).click()
  const shown = page.getByLabel('New token')
  await shown.waitFor()
  viewerToken = await shown.inputValue()
  t.ok(viewerToken.length >= 20, 'the token is shown')
  t.match(await page.locator('.warning').textContent(), /Shown once/, 'with a clear "shown once" warning')
  t.equal(await page.evaluate('document.activeElement?.id'), 'new-token', 'the token has the focus, to copy it')
  t.equal(await page.getByRole('button', { name: 'Copy token' }).count(), 1, 'a copy button')
  const row = page.getByRole('table', { name: 'Staff tokens, oldest first' }).locator('tbody tr', { hasText: 'vera' })
  await row.waitFor()
  t.match(await row.textContent(), /viewer/, 'listed with its role')
  t.notMatch(await row.textContent(), /never.*never/, 'with its expiry')
  await checkPage(t, 'token shown once')
  await screenshot('token-created')
  await page.getByRole('button', { name: 'Done' }).click()
  t.equal(await page.getByLabel('New token').count(), 0, 'gone once dismissed')
  t.notMatch(await page.content(), new RegExp(viewerToken), 'not anywhere on the page any more')
  // The same name again while it is live: the API's message.
  await page.getByLabel('Name').fill('vera')
  await page.getByRole('button', { name: 'Create token' }).click()
  await page.locator('.field-error, .error').first().waitFor()
  t.pass('a second live token of the same name is refused')
})

t.test('a viewer sees no admin pages, and a write shows the API’s 403 message', async (t) => {
  await page.getByRole('button', { name: 'Sign out' }).click()
  // Signing in again opens the page the console was on: the overview, here.
  await page.goto(`${BASE}/console/`)
  await page.getByLabel('Staff token').fill(viewerToken)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
  await page.waitForLoadState('networkidle')
  t.equal(await nav('Overview').count(), 1)
  t.equal(await nav('Audit').count(), 0, 'no Audit link')
  t.equal(await nav('Tokens').count(), 0, 'no Tokens link')
  await nav('Institutions').click()
  await page.getByRole('button', { name: 'Add an institution' }).click()
  await page.getByLabel('Name').fill('Viewer Institute')
  await page.getByRole('button', { name: 'Save' }).click()
  const error = page.locator('p.error[role=alert]')
  await error.waitFor()
  t.match(await error.textContent(), /needs a token with the staff role; this one is viewer/, "the API's 403 message")
  const stored = (await app.inject({ url: '/institutions' })).json().institutions
  t.notOk(
    stored.some((i: { name: string }) => i.name === 'Viewer Institute'),
    'nothing was stored',
  )
  await checkPage(t, 'viewer refused')
  await screenshot('viewer-refused')
  await page.goto(`${BASE}/console/tokens`)
  await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor()
  t.pass('the Tokens address is not a page for a viewer')
})

t.test('admin: revoke the viewer token after a confirmation', async (t) => {
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.goto(`${BASE}/console/`)
  await page.getByLabel('Staff token').fill(STAFF_TOKEN)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
  await nav('Tokens').click()
  await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor()
  await page.getByRole('button', { name: 'Revoke vera' }).click()
  await page.getByText('Revoke vera?').waitFor()
  await checkPage(t, 'revoke confirmation')
  await page.getByRole('button', { name: 'Confirm revoke' }).click()
  await page.getByText('vera’s token is revoked.').waitFor()
  const row = page.getByRole('table', { name: 'Staff tokens, oldest first' }).locator('tbody tr', { hasText: 'vera' })
  t.equal(await row.getByRole('button', { name: 'Revoke vera' }).count(), 0, 'no revoke button any more')
  const refused = await app.inject({ url: '/outbox', headers: { authorization: `Bearer ${viewerToken}` } })
  t.equal(refused.statusCode, 401, 'the revoked token is refused')
  await checkPage(t, 'token revoked')
  await screenshot('token-revoked')
  await page.setViewportSize({ width: 360, height: 800 })
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')
  t.ok(overflow <= 0, `readable at 360 px: no page-wide horizontal scroll (${overflow} px)`)
  await screenshot('tokens-360px')
  await page.setViewportSize({ width: 1280, height: 900 })
})

t.test('sign out forgets the token', async (t) => {
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByLabel('Staff token').waitFor()
  t.equal(await page.evaluate(`sessionStorage.getItem('rota.staffToken')`), null)
})

t.test('the public page lists the new members', async (t) => {
  await page.goto(`${BASE}/`)
  for (const name of [ALTERNATE, CONSORTIUM_PEOPLE[0]!])
    t.equal((await page.getByText(name).count()) > 0, true, `${name} is listed`)
  t.equal(await page.getByText(LEAVER, { exact: true }).count(), 0, 'not the member who stepped down')
  await checkPage(t, 'public page')
  await screenshot('public-page')
})

t.test('nothing was loaded from another host', async (t) => {
  const foreign = requests.filter((url) => !url.startsWith(BASE) && !url.startsWith('data:'))
  t.same(foreign, [])
})
