// Preloaded into each rota process that test/helpers/chaos.ts starts (`node --import <this file>
// dist/server.js`). Plain JavaScript, so that the compiled service runs with no TypeScript loader.
//
// With ROTA_CHAOS_PARENT_PID set, it SIGKILLs its own process as soon as its parent (the test) is
// gone, so that a test killed outright (SIGKILL, a crashed runner) never leaves rota instances
// ticking against a database nobody will drop.
const guardedParent = Number(process.env.ROTA_CHAOS_PARENT_PID ?? '')
if (Number.isInteger(guardedParent) && guardedParent > 0) {
  const check = () => {
    if (process.ppid !== guardedParent) process.kill(process.pid, 'SIGKILL')
  }
  check()
  setInterval(check, 250).unref()
}

// Diagnosis only (CHAOS_WARM_GOOGLEAPIS=1 in the test): load googleapis before rota starts, so that
// its first send does not first spend seconds importing it while holding its claim.
if (process.env.ROTA_CHAOS_WARM_GOOGLEAPIS === '1') await import('googleapis')
