// The staff console as rota serves it at /console/ (the page itself is tested in a browser by
// test/e2e/console.ts): its own Content-Security-Policy, client routes answered with the page,
// hashed assets cached for good, and the API's headers unchanged elsewhere.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { build } from '../helpers/build.js'
import { CONSOLE_DIR } from '../../src/http/plugins/console.js'

const { app } = await build(t)
const built = fs.existsSync(path.join(CONSOLE_DIR, 'index.html'))

t.test(
  'the console page, with a policy that allows only its own scripts',
  { skip: !built && 'run npm run build' },
  async (t) => {
    const page = await app.inject({ url: '/console/' })
    t.equal(page.statusCode, 200)
    t.match(page.headers['content-type'], /^text\/html/)
    const csp = String(page.headers['content-security-policy'])
    t.match(csp, /script-src 'self'(;|$)/, "scripts from rota's own origin only")
    t.notMatch(csp, /unsafe-inline|unsafe-eval/, 'nothing inline, no eval')
    t.match(csp, /connect-src 'self'/, "it may call rota's API")
    t.match(csp, /frame-ancestors 'none'/)
    t.equal(page.headers['cache-control'], 'no-cache', 'a new build is picked up at once')
    t.notMatch(page.body, /<script>|<style>|style=/, 'no inline script or style in the page')
    t.notMatch(page.body, /https?:\/\//, 'nothing from another host')

    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.body)?.[1]
    t.ok(script, 'the page loads its script from /console/assets/')
    const asset = await app.inject({ url: script! })
    t.equal(asset.statusCode, 200)
    t.match(asset.headers['content-type'], /javascript/)
    t.match(asset.headers['cache-control'], /immutable/, 'hashed assets are cached for good')

    const bare = await app.inject({ url: '/console' })
    t.equal(bare.statusCode, 301)
    t.equal(bare.headers.location, '/console/')
  },
)

t.test(
  'a client route is answered with the page; a missing asset is a 404',
  { skip: !built && 'run npm run build' },
  async (t) => {
    const page = await app.inject({ url: '/console/' })
    for (const url of ['/console/calls/0192-abc', '/console/team', '/console/emails?status=failed']) {
      const answer = await app.inject({ url })
      t.equal(answer.statusCode, 200, url)
      t.equal(answer.body, page.body, `${url} is the page`)
    }
    const missing = await app.inject({ url: '/console/assets/index-old.js' })
    t.equal(missing.statusCode, 404, 'a stale tab asking for an old script gets a 404, not the page')
    const traversal = await app.inject({ url: '/console/..%2f..%2fpackage.json' })
    t.not(traversal.statusCode, 200, 'nothing outside dist/web')
    t.notMatch(traversal.body, /"name": "rota"/)
  },
)

t.test('the API keeps its own policy', async (t) => {
  const roster = await app.inject({ url: '/teams/coc/roster' })
  t.equal(roster.statusCode, 200)
  t.match(String(roster.headers['content-security-policy']), /^default-src 'none'/)
})
