import path from 'node:path'
import t from 'tap'
import { ConfigError, ConfigSchema, estimatedTokenBits, loadConfig } from '../src/config.js'
import {
  END_MARKER,
  envExample,
  readmeTable,
  START_MARKER,
  variableDocs,
  type VariableDoc,
} from '../src/cli/config-docs.js'
import fs from 'node:fs'

t.test('defaults: embedded database under ./data, port 3000 on 127.0.0.1', async (t) => {
  const config = loadConfig({}, '/srv/rota')
  t.same(config, {
    host: '127.0.0.1',
    port: 3000,
    databaseUrl: null,
    databasePoolMax: 10,
    dataDir: path.resolve('/srv/rota/data'),
    staffToken: null,
    authFailureLimit: 10,
    writeRateLimit: 600,
    trustProxy: false,
    logLevel: 'info',
    shutdownGraceMs: 10000,
    google: {
      apiRootUrl: null,
      accessToken: null,
      credentialsFile: null,
      credentialsJson: null,
      impersonate: null,
      maxAttempts: 5,
      retryBaseMs: 1000,
      retryMaxMs: 30000,
    },
    formsSyncCron: '0 * * * *',
    tickCron: '* * * * *',
    mail: {
      transport: 'log',
      smtp: null,
      from: 'rota@localhost',
      maxAttempts: 8,
      retryBaseMs: 60000,
      sendingLeaseMs: 300000,
      sendTimeoutMs: 30000,
      batchSize: 100,
    },
    webhooks: { allowPrivate: false, timeoutMs: 10000, maxAttempts: 10, retryBaseMs: 60000, leaseMs: 300000 },
    publicUrl: null,
  })
  t.equal(loadConfig({ FORMS_SYNC_CRON: 'off' }).formsSyncCron, null, 'the form sync can be turned off')
  t.equal(loadConfig({ TICK_CRON: 'off' }).tickCron, null, 'the tick can be turned off')
  const off = loadConfig({ SCHEDULER: 'off' })
  t.same([off.tickCron, off.formsSyncCron], [null, null], 'SCHEDULER=off turns every cron job off')
})

t.test('values are read and blank ones count as unset', async (t) => {
  const config = loadConfig(
    {
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://u:p@db:5432/rota',
      DATA_DIR: '',
      LOG_LEVEL: 'WARN',
      STAFF_TOKEN: 'a-long-enough-token',
    },
    '/x',
  )
  t.equal(config.port, 8080)
  t.equal(config.host, '0.0.0.0')
  t.equal(config.databaseUrl, 'postgres://u:p@db:5432/rota')
  t.equal(config.dataDir, path.resolve('/x/data'))
  t.equal(config.logLevel, 'warn')
  t.equal(config.staffToken, 'a-long-enough-token')
})

t.test('STAFF_TOKEN: a random token is accepted, a guessable one is refused with one line naming it', async (t) => {
  for (const token of [
    'Yq3-vR8x_Lm2Tz9a',
    'k2P9xQ7vL4mZ8rT1wB6n',
    'correct-horse-battery-staple',
    'test-staff-token-0123456789',
  ]) {
    t.equal(loadConfig({ STAFF_TOKEN: token }).staffToken, token, `${token} is accepted`)
  }
  t.throws(() => loadConfig({ STAFF_TOKEN: 'a'.repeat(16) }), {
    message: /^STAFF_TOKEN: is too easy to guess \(about \d+ bits, needs 64\)/,
  })
  t.ok(
    estimatedTokenBits('aaaabbbbccccdddd') < 16 && estimatedTokenBits('1234567890123456') < 16,
    'repeats and runs count for nearly nothing',
  )
})

t.test('limits and the proxy setting', async (t) => {
  const config = loadConfig({ AUTH_FAILURE_LIMIT: '0', WRITE_RATE_LIMIT: '50', TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' })
  t.same([config.authFailureLimit, config.writeRateLimit, config.trustProxy], [0, 50, '127.0.0.1,10.0.0.0/8'])
  t.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1, 'a number of proxies')
  t.equal(loadConfig({ TRUST_PROXY: 'off' }).trustProxy, false)
})

t.test('an invalid value names the variable and what is wrong, on one line', async (t) => {
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ PORT: 'abc' }, 'PORT', /whole number/],
    [{ PORT: '70000' }, 'PORT', /between 0 and 65535/],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL', /postgres:\/\//],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL', /not a URL/],
    [{ STAFF_TOKEN: 'short' }, 'STAFF_TOKEN', /at least 16/],
    [{ STAFF_TOKEN: 'a'.repeat(16) }, 'STAFF_TOKEN', /too easy to guess/],
    [{ STAFF_TOKEN: 'aaaabbbbccccdddd' }, 'STAFF_TOKEN', /too easy to guess/],
    [{ STAFF_TOKEN: '1234567890123456' }, 'STAFF_TOKEN', /too easy to guess/],
    [{ STAFF_TOKEN: 'abcdefghijklmnopqrstuvwxyz' }, 'STAFF_TOKEN', /too easy to guess/],
    [{ STAFF_TOKEN: 'acacacacacacacacacacacac' }, 'STAFF_TOKEN', /too easy to guess/],
    [{ AUTH_FAILURE_LIMIT: 'ten' }, 'AUTH_FAILURE_LIMIT', /whole number/],
    [{ WRITE_RATE_LIMIT: '-1' }, 'WRITE_RATE_LIMIT', /whole number/],
    [{ TRUST_PROXY: 'yes please' }, 'TRUST_PROXY', /number of proxies/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of/],
    [{ SCHEDULER: 'maybe' }, 'SCHEDULER', /on or off/],
    [{ TICK_CRON: 'every minute' }, 'TICK_CRON', /cron expression/],
    [{ MAIL_TRANSPORT: 'sendmail' }, 'MAIL_TRANSPORT', /one of log, gmail, smtp/],
    [{ MAIL_TRANSPORT: 'smtp' }, 'MAIL_FROM', /required with MAIL_TRANSPORT=smtp/],
    [{ MAIL_TRANSPORT: 'smtp', MAIL_FROM: 'rota@example.org' }, 'SMTP_HOST', /required/],
    [{ MAIL_TRANSPORT: 'smtp', MAIL_FROM: 'a@b.org', SMTP_HOST: 'smtp://mail.example.org' }, 'SMTP_HOST', /no scheme/],
    [{ MAIL_TRANSPORT: 'smtp', MAIL_FROM: 'a@b.org', SMTP_HOST: 'x', SMTP_PORT: '0' }, 'SMTP_PORT', /between 1/],
    [
      { MAIL_TRANSPORT: 'smtp', MAIL_FROM: 'a@b.org', SMTP_HOST: 'x', SMTP_SECURITY: 'ssl' },
      'SMTP_SECURITY',
      /starttls/,
    ],
    [{ MAIL_TRANSPORT: 'smtp', MAIL_FROM: 'a@b.org', SMTP_HOST: 'x', SMTP_USER: 'rota' }, 'SMTP_PASSWORD', /required/],
    [
      { MAIL_TRANSPORT: 'smtp', MAIL_FROM: 'a@b.org', SMTP_HOST: 'x', SMTP_PASSWORD: 'pw-Secret-1' },
      'SMTP_USER',
      /required/,
    ],
    [{ MAIL_TRANSPORT: 'gmail' }, 'MAIL_FROM', /required/],
    [{ MAIL_FROM: 'not an address' }, 'MAIL_FROM', /email address/],
    [{ MAIL_SENDING_LEASE_MS: '10000', MAIL_SEND_TIMEOUT_MS: '6000' }, 'MAIL_SEND_TIMEOUT_MS', /half/],
    [{ DATABASE_POOL_MAX: '0' }, 'DATABASE_POOL_MAX', /between 1/],
    [{ SHUTDOWN_GRACE_MS: '-5' }, 'SHUTDOWN_GRACE_MS', /whole number/],
    [{ GOOGLE_API_ROOT_URL: 'localhost:4040' }, 'GOOGLE_API_ROOT_URL', /http\(s\) URL/],
    [{ GOOGLE_CREDENTIALS_JSON: '{"type": "x"}' }, 'GOOGLE_CREDENTIALS_JSON', /service-account key/],
    [{ FORMS_SYNC_CRON: 'hourly' }, 'FORMS_SYNC_CRON', /cron expression/],
    [{ GOOGLE_MAX_ATTEMPTS: '0' }, 'GOOGLE_MAX_ATTEMPTS', /between 1/],
    [{ PORT: '3000.5' }, 'PORT', /whole number/],
    [{ MAIL_BATCH_SIZE: '10001' }, 'MAIL_BATCH_SIZE', /^MAIL_BATCH_SIZE: must be between 1 and 10000 \(got 10001\)$/],
    [
      { LOG_LEVEL: 'LOUD' },
      'LOG_LEVEL',
      /^LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)$/,
    ],
    [{ HOST: 'my host' }, 'HOST', /^HOST: must be a host name or IP address \(got "my host"\)$/],
    [{ HOST: 'a\nb' }, 'HOST', /host name/],
    [{ MAIL_FROM: 'Rota <a@b>\nBcc: x@y' }, 'MAIL_FROM', /email address/],
  ]
  for (const [env, variable, problem] of cases) {
    let error: unknown = null
    try {
      loadConfig(env)
    } catch (e) {
      error = e
    }
    t.type(error, ConfigError, `${JSON.stringify(env)} is refused`)
    const e = error as ConfigError
    t.equal(e.variable, variable)
    t.ok(e.message.startsWith(`${variable}: `), e.message)
    t.match(e.message, problem)
    t.notMatch(e.message, /\n/)
  }
})

t.test('bounds are inclusive, and a secret is never repeated in its error', async (t) => {
  t.same([loadConfig({ PORT: '0' }).port, loadConfig({ PORT: '65535' }).port], [0, 65535])
  t.equal(
    loadConfig({ MAIL_SENDING_LEASE_MS: '10000', MAIL_SEND_TIMEOUT_MS: '5000' }).mail.sendTimeoutMs,
    5000,
    'exactly half the lease is allowed',
  )
  t.equal(
    loadConfig({ MAIL_TRANSPORT: 'Gmail', MAIL_FROM: 'Rota <rota@example.org>' }).mail.transport,
    'gmail',
    'words are read case-insensitively',
  )
  for (const token of ['s3cr3t-short', 'a'.repeat(16)]) {
    const error = t.throws(() => loadConfig({ STAFF_TOKEN: token }), ConfigError, `${token} is refused`) as ConfigError
    t.notMatch(error.message, token, 'without repeating it')
  }
})

t.test('smtp: the server, its port by security, and the password kept out of errors', async (t) => {
  const base = { MAIL_TRANSPORT: 'smtp', MAIL_FROM: 'Rota <rota@example.org>', SMTP_HOST: 'smtp.example.org' }
  t.same(loadConfig(base).mail.smtp, {
    host: 'smtp.example.org',
    port: 587,
    security: 'starttls',
    user: null,
    password: null,
  })
  t.equal(loadConfig({ ...base, SMTP_SECURITY: 'TLS' }).mail.smtp!.port, 465)
  t.equal(loadConfig({ ...base, SMTP_SECURITY: 'none' }).mail.smtp!.port, 25)
  t.equal(loadConfig({ ...base, SMTP_PORT: '2525' }).mail.smtp!.port, 2525)
  t.equal(loadConfig({ ...base, SMTP_HOST: '[::1]' }).mail.smtp!.host, '::1')
  t.same(loadConfig({ ...base, SMTP_USER: 'rota', SMTP_PASSWORD: 'pw-Secret-1' }).mail.smtp, {
    host: 'smtp.example.org',
    port: 587,
    security: 'starttls',
    user: 'rota',
    password: 'pw-Secret-1',
  })
  t.equal(loadConfig({ SMTP_HOST: 'smtp.example.org' }).mail.smtp, null, 'ignored with another transport')
  const error = t.throws(() => loadConfig({ ...base, SMTP_PASSWORD: 'pw-Secret-1' }), ConfigError) as ConfigError
  t.notMatch(error.message, 'pw-Secret-1')
})

t.test('rota reads exactly the variables of the schema, no others', async (t) => {
  const asked = new Set<string>()
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_target, name) => {
      if (typeof name === 'string') asked.add(name)
      return undefined
    },
  })
  loadConfig(env)
  t.same([...asked].sort(), Object.keys(ConfigSchema.properties).sort())
})

/** The cells of one Markdown table row (`\|` is a pipe inside a cell). */
function cells(row: string): string[] {
  return row
    .slice(2, -2)
    .split(/ (?<!\\)\| /)
    .map((cell) => cell.replaceAll('\\|', '|'))
}

function unquote(cell: string): string {
  return cell.replace(/^`(.*)`$/, '$1')
}

t.test("README's Configuration table is the schema's, variable by variable", async (t) => {
  const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const start = readme.indexOf(START_MARKER)
  const end = readme.indexOf(END_MARKER)
  t.ok(start !== -1 && end > start, 'README has the config markers')
  const block = readme.slice(start, end + END_MARKER.length)
  const rows = block.split('\n').filter((line) => line.startsWith('| `'))
  const shown = rows.map((row): Omit<VariableDoc, 'examples'> => {
    const [name = '', value = '', allowed = '', description = ''] = cells(row)
    return { name: unquote(name), default: value === 'unset' ? null : unquote(value), allowed, description }
  })
  const docs = variableDocs()
  t.same(
    shown.map((row) => row.name),
    docs.map((doc) => doc.name),
    'the same variables in the same order',
  )
  for (const { examples: _examples, ...doc } of docs) {
    t.same(
      shown.find((row) => row.name === doc.name),
      doc,
      `README: ${doc.name} (run npm run docs:config)`,
    )
  }
  t.equal(block, readmeTable(), 'the block is exactly what npm run docs:config writes')
})

t.test('.env.example is the schema, variable by variable, and copying it changes nothing', async (t) => {
  const example = fs.readFileSync(new URL('../.env.example', import.meta.url), 'utf8')
  const shown: VariableDoc[] = []
  let comments: string[] = []
  for (const line of example.split('\n')) {
    const assignment = /^([A-Z_]+)=(.*)$/.exec(line)
    if (assignment) {
      const [, name = '', value = ''] = assignment
      const text = comments.map((comment) => comment.replace(/^# ?/, ''))
      shown.push({
        name,
        default: value === '' ? null : value,
        allowed: text.find((c) => c.startsWith('Allowed: '))?.replace(/^Allowed: (.*)\.$/, '$1') ?? '',
        description: text.filter((c) => !c.startsWith('Allowed: ') && !c.startsWith(`${name}=`)).join(' '),
        examples: text.filter((c) => c.startsWith(`${name}=`)).map((c) => c.slice(name.length + 1)),
      })
    }
    comments = line.startsWith('#') ? [...comments, line] : []
  }
  const docs = variableDocs()
  t.same(
    shown.map((row) => row.name),
    docs.map((doc) => doc.name),
    'the same variables in the same order',
  )
  for (const doc of docs)
    t.same(
      shown.find((row) => row.name === doc.name),
      doc,
      `.env.example: ${doc.name} (run npm run docs:config)`,
    )
  t.equal(example, envExample(), 'the file is exactly what npm run docs:config writes')
  const env = Object.fromEntries(shown.map((row) => [row.name, row.default ?? '']))
  t.same(loadConfig(env, '/srv/rota'), loadConfig({}, '/srv/rota'), 'its values are the defaults rota uses')
})

t.test('webhooks: PUBLIC_URL, private addresses off by default, a lease never shorter than two timeouts', async (t) => {
  t.equal(loadConfig({ PUBLIC_URL: 'https://rota.example.org/' }).publicUrl, 'https://rota.example.org')
  t.equal(
    (t.throws(() => loadConfig({ PUBLIC_URL: 'ftp://rota.example.org' }), ConfigError) as ConfigError).variable,
    'PUBLIC_URL',
  )
  t.equal(
    (t.throws(() => loadConfig({ PUBLIC_URL: 'https://rota.example.org/?x=1' }), ConfigError) as ConfigError).variable,
    'PUBLIC_URL',
  )
  t.equal(loadConfig({}).webhooks.allowPrivate, false)
  t.equal(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'ON' }).webhooks.allowPrivate, true)
  t.equal(
    (t.throws(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'yes' }), ConfigError) as ConfigError).variable,
    'WEBHOOK_ALLOW_PRIVATE',
  )
  t.equal(
    loadConfig({ MAIL_SENDING_LEASE_MS: '10000', MAIL_SEND_TIMEOUT_MS: '5000', WEBHOOK_TIMEOUT_MS: '20000' }).webhooks
      .leaseMs,
    40000,
  )
})
