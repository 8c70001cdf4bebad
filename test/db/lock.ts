import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'
import t from 'tap'
import { DataDirLockedError, lockDataDir } from '../../src/db/lock.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rota-lock-'))
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))

t.test('a data directory locked by a live process is refused with a clear message', async (t) => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'])
  t.teardown(() => child.kill())
  fs.writeFileSync(
    path.join(dir, 'rota.lock'),
    JSON.stringify({ pid: child.pid, host: os.hostname(), since: '2026-01-01T00:00:00Z' }),
  )
  let refused: unknown = null
  try {
    await lockDataDir(dir).release()
  } catch (error) {
    refused = error
  }
  t.ok(
    refused instanceof DataDirLockedError,
    `refused (${String(refused)}; lock ${fs.readFileSync(path.join(dir, 'rota.lock'), 'utf8')})`,
  )
  t.match(String(refused), `rota process ${child.pid}`)
  t.match(String(refused), /one process at a time/)
})

t.test('a lock left by a dead process is taken over, and released on close', async (t) => {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((resolve) => child.on('exit', resolve))
  fs.writeFileSync(
    path.join(dir, 'rota.lock'),
    JSON.stringify({ pid: child.pid, host: os.hostname(), since: '2026-01-01T00:00:00Z' }),
  )
  const lock = lockDataDir(dir)
  const owner = JSON.parse(fs.readFileSync(path.join(dir, 'rota.lock'), 'utf8'))
  t.equal(owner.pid, process.pid)
  await lock.release()
  t.notOk(fs.existsSync(path.join(dir, 'rota.lock')))
})

t.test('a lock from another host is refused (shared volumes)', async (t) => {
  fs.writeFileSync(
    path.join(dir, 'rota.lock'),
    JSON.stringify({ pid: 1, host: 'some-other-host', since: '2026-01-01T00:00:00Z' }),
  )
  t.throws(() => lockDataDir(dir), /on host some-other-host/)
  fs.unlinkSync(path.join(dir, 'rota.lock'))
})
