import t from 'tap'
import { build } from '../helpers/build.js'
import { staffApi } from '../helpers/api.js'

// Email addresses are checked by the one rule (src/domain/email.ts) wherever they enter over HTTP:
// a JSON import of responses, an appointment, the team's addresses. A refused address is a coded
// 400 naming the field, and nothing is stored.
const { app, staff } = await build(t)

const api = staffApi({ app, staff })

type Problem = { field: string; message: string }
const problems = (body: { error: { details?: { problems?: Problem[] } } }) => body.error.details?.problems ?? []

// Each would put a second recipient or a header into a mail, or is no address at all.
const BAD = [
  'ann@example.org, evil@example.org',
  'ann@example.org;evil@example.org',
  'Ann <ann@example.org>',
  'ann smith@example.org',
  'ann@example',
  '"ann"@example.org',
]

t.test(
  'a JSON import refuses an address that fails the email check, naming its index, and stores nothing',
  async (t) => {
    const call = (await api('POST', '/teams/coc/calls', { opensAt: '2026-01-01T00:00:00Z' })).body.id as string
    const response = (i: number, email: string) => ({
      submittedAt: `2026-01-0${i + 2}T10:00:00Z`,
      name: `Volunteer ${i}`,
      email,
      institution: null,
    })
    for (const bad of BAD) {
      const res = await api('POST', `/calls/${call}/responses`, {
        responses: [0, 1, 2, 3].map((i) => response(i, i === 3 ? bad : `v${i}@example.org`)),
      })
      t.equal(res.status, 400, `${bad}: 400`)
      t.equal(res.body.error.code, 'invalid-responses', `${bad}: coded`)
      t.same(
        problems(res.body).map((p) => p.field),
        ['body.responses[3].email'],
        `${bad}: names body.responses[3].email`,
      )
      t.match(res.body.error.message, /^body\.responses\[3\]\.email must be an email address: it /)
      t.notOk(JSON.stringify(res.body).includes('evil@'), `${bad}: the address is not echoed`)
    }
    const both = await api('POST', `/calls/${call}/responses`, {
      responses: [
        response(0, 'ok@example.org'),
        { ...response(1, 'x@example.org'), submittedAt: 'yesterday' },
        response(2, 'a,b@example.org'),
      ],
    })
    t.equal(both.status, 400)
    t.same(
      problems(both.body).map((p) => p.field),
      ['body.responses[1].submittedAt', 'body.responses[2].email'],
      'timestamp and email problems together, by index',
    )
    const header = await api('POST', `/calls/${call}/responses`, {
      responses: [response(0, 'ann@example.org\r\nBcc: evil@example.org')],
    })
    t.equal(header.status, 400)
    t.equal(header.body.error.code, 'validation-failed', 'a line break is refused by the schema')
    t.match(header.body.error.message, /^body\.responses\[0\]\.email must be one line/)
    t.same((await api('GET', `/calls/${call}/responses`)).body.responses, [], 'nothing was stored')

    const ok = await api('POST', `/calls/${call}/responses`, {
      responses: [response(0, ' ann@example.org '), response(1, '')],
    })
    t.match(
      ok.body,
      { rows: 2, inserted: 2, updated: 0, unchanged: 0 },
      'a valid address and a blank one (excluded later as missing) are stored',
    )
  },
)

t.test('an appointment refuses an address that fails the email check', async (t) => {
  const before = (await api('GET', '/teams/coc/members')).body.members.length
  for (const bad of BAD) {
    const res = await api('POST', '/teams/coc/members', { name: 'Ann', email: bad, seat: 'staff', reason: 'staff' })
    t.equal(res.status, 400, `${bad}: 400`)
    t.equal(res.body.error.code, 'invalid-member')
    t.same(
      problems(res.body).map((p) => p.field),
      ['body.email'],
    )
  }
  const header = await api('POST', '/teams/coc/members', {
    name: 'Ann',
    email: 'ann@example.org\nBcc: evil@example.org',
    seat: 'staff',
    reason: 'staff',
  })
  t.equal(header.status, 400)
  t.match(header.body.error.message, /^body\.email must be one line/)
  t.equal((await api('GET', '/teams/coc/members')).body.members.length, before, 'nobody was appointed')
  const ok = await api('POST', '/teams/coc/members', {
    name: 'Ann',
    email: 'ann@example.org',
    seat: 'staff',
    reason: 'staff',
  })
  t.equal(ok.status, 201)
})

t.test("the team's mailing list and staff address are checked the same way", async (t) => {
  const before = (await api('GET', '/teams/coc/settings')).body
  for (const field of ['mailingList', 'staffEmail']) {
    for (const bad of BAD) {
      const res = await api('PATCH', '/teams/coc', { [field]: bad })
      t.equal(res.status, 400, `${field} ${bad}: 400`)
      t.equal(res.body.error.code, 'invalid-team')
      t.same(
        problems(res.body).map((p) => p.field),
        [`body.${field}`],
      )
    }
    const header = await api('PATCH', '/teams/coc', { [field]: 'list@example.org\r\nBcc: evil@example.org' })
    t.equal(header.status, 400, `${field} with a line break: 400`)
  }
  t.same((await api('GET', '/teams/coc/settings')).body, before, 'nothing changed')
  const ok = await api('PATCH', '/teams/coc', { mailingList: 'list@example.org', staffEmail: 'staff@example.org' })
  t.match(ok.body, { mailingList: 'list@example.org', staffEmail: 'staff@example.org' })
})
