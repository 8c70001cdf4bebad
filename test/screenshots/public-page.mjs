// Makes docs/public-page.png: the built rota (npm run build first) on a temporary data folder, a call
// run through the API (institutions, a call whose window has passed, an import, the close, a staff
// member, the next call with its form), then the public page as Debian's Chromium shows it.
//   node test/screenshots/public-page.mjs [out.png] [width,height]
import { spawn, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const out = path.resolve(process.argv[2] ?? path.join(root, 'docs/public-page.png'))
const size = process.argv[3] ?? '960,1380'
const token = 'screenshot-staff-token-0123456789'

const port = await new Promise((resolve) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address()
    server.close(() => resolve(port))
  })
})
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-screenshot-'))
const base = `http://127.0.0.1:${port}`
const server = spawn(process.execPath, [path.join(root, 'dist/server.js')], {
  env: {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    STAFF_TOKEN: token,
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
})

async function api(method, url, body) {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : null
}

const day = 24 * 3600 * 1000
const at = (days) => new Date(Math.floor((Date.now() + days * day) / day) * day).toISOString()

try {
  for (let i = 0; ; i++) {
    const ready = await fetch(`${base}/readyz`).catch(() => null)
    if (ready?.ok) break
    if (i > 300) throw new Error('rota did not become ready')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const institutions = [
    ['Northbridge University Library', true],
    ['Museo de Arte Digital', true],
    ['Kestrel Archives', true],
    ['Harbour City Museum', true],
    ['Open Heritage Lab', false],
    ['Lantern Press', false],
    ['Fjordland Digital Collections', false],
  ]
  for (const [name, consortium] of institutions) await api('POST', '/institutions', { name, consortium })
  await api('PATCH', '/teams/coc', { formUrl: 'https://forms.example.org/coc-volunteers' })
  const call = await api('POST', '/teams/coc/calls', { opensAt: at(-45), closesAt: at(-17), termStart: at(-14) })
  const people = [
    ['Amara Okafor', 'Northbridge University Library'],
    ['Mateo Fernández', 'Museo de Arte Digital'],
    ['Ingrid Solberg', 'Fjordland Digital Collections'],
    ['Priya Raman', 'Open Heritage Lab'],
    ['Tomasz Nowak', 'Kestrel Archives'],
    ['Hannah Wright', 'Lantern Press'],
    ['Kenji Watanabe', 'Harbour City Museum'],
  ]
  await api('POST', `/calls/${call.id}/responses`, {
    responses: people.map(([name, institution], i) => ({
      submittedAt: new Date(Date.parse(at(-44)) + i * 3_600_000).toISOString(),
      name,
      email: `volunteer${i}@example.org`,
      institution,
    })),
  })
  await api('POST', `/calls/${call.id}/close`)
  await api('POST', '/teams/coc/members', {
    name: 'Rosa Lindqvist',
    email: 'staff@example.org',
    seat: 'staff',
    termStart: at(-400),
    reason: 'staff liaison',
  })
  await api('POST', '/teams/coc/calls', { opensAt: at(20) })
  execFileSync(
    '/usr/bin/chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${path.join(dataDir, 'chromium')}`,
      `--screenshot=${out}`,
      `--window-size=${size}`,
      `${base}/`,
    ],
    { stdio: 'inherit' },
  )
  console.log(`wrote ${out}`)
} finally {
  server.kill('SIGTERM')
  await new Promise((resolve) => server.once('exit', resolve))
  fs.rmSync(dataDir, { recursive: true, force: true })
}
