import t from 'tap'
import { build } from '../helpers/build.js'
import { addInstitutions, staffApi } from '../helpers/api.js'
import { tick } from '../../src/services/tick.js'

// Several teams in one deployment (issue 14): admins add a team with its own policy; calls, the
// roster, templates and emails stay per team; the tick handles every team; only a team that never
// ran can be deleted, and the default team not at all.
const { app, staff, clock, deps } = await build(t)
const api = staffApi({ app, staff })

interface Message {
  kind: string
  to: string | null
  subject: string
  callId: string | null
}
const outbox = async (): Promise<Message[]> => (await api('GET', '/outbox')).body.messages as Message[]
const slugs = async () => ((await api('GET', '/teams')).body.teams as Array<{ slug: string }>).map((team) => team.slug)

t.test('setup: shared institutions and the default team’s list', async (t) => {
  await addInstitutions(t, api, ['University of Oxford', 'Stanford University'], { consortium: true, aliases: [] })
  await addInstitutions(t, api, ['Leiden University', 'Ghent University'], { consortium: false, aliases: [] })
  t.equal((await api('PATCH', '/teams/coc', { mailingList: 'coc-list@iiif.example' })).status, 200)
})

t.test('an admin adds a team: the default policy with the given fields over it', async (t) => {
  const res = await api('POST', '/teams', {
    slug: 'advisors',
    name: 'Code of Conduct Advisors',
    policy: { seats: [{ class: 'advisor', count: 2, eligible: 'any' }], termMonths: 12, stagger: 'none' },
    mailingList: 'advisors-list@iiif.example',
  })
  t.equal(res.status, 201, JSON.stringify(res.body))
  t.equal(res.body.slug, 'advisors')
  t.equal(res.body.mailingList, 'advisors-list@iiif.example')
  t.same(res.body.policy.seats, [{ class: 'advisor', count: 2, eligible: 'any' }])
  t.equal(res.headers['deprecation'], undefined, 'the current policy shape is not deprecated')
  t.equal(res.body.policy.termMonths, 12)
  t.equal(res.body.policy.windowDays, 28, 'a field left out takes the default')
  t.same(await slugs(), ['advisors', 'coc'])
  t.equal((await api('GET', '/teams/advisors')).body.name, 'Code of Conduct Advisors', 'public like every team')
})

t.test('bad requests name the field and add nothing', async (t) => {
  const taken = await api('POST', '/teams', { slug: 'advisors', name: 'Again' })
  t.equal(taken.status, 409)
  t.equal(taken.body.error.code, 'team-exists')
  const slug = await api('POST', '/teams', { slug: 'Bad Slug', name: 'X' })
  t.equal(slug.status, 400)
  t.match(JSON.stringify(slug.body.error), /slug/)
  const policy = await api('POST', '/teams', { slug: 'wide', name: 'X', policy: { windowDays: 400 } })
  t.equal(policy.status, 400)
  t.match(JSON.stringify(policy.body.error), /windowDays/)
  const rules = await api('POST', '/teams', { slug: 'odd', name: 'X', policy: { termMonths: 13 } })
  t.equal(rules.status, 400)
  t.equal(rules.body.error.code, 'invalid-policy', 'an odd term cannot be staggered by halves')
  const address = await api('POST', '/teams', { slug: 'mail', name: 'X', staffEmail: 'not an address' })
  t.equal(address.status, 400)
  t.match(JSON.stringify(address.body.error), /staffEmail/)
  const staffToken = (await api('POST', '/tokens', { name: 'sam', role: 'staff' })).body.token as string
  const refused = await api('POST', '/teams', { slug: 'mine', name: 'X' }, { authorization: `Bearer ${staffToken}` })
  t.equal(refused.status, 403)
  t.equal(refused.body.error.code, 'forbidden-role')
  t.same(await slugs(), ['advisors', 'coc'], 'nothing was added')
  const legacy = await api('POST', '/teams', {
    slug: 'legacy',
    name: 'Old shape',
    policy: { seats: { consortium: 1, community: 2 }, inauguralStagger: false },
  })
  t.equal(legacy.status, 201, 'the policy shape before seat classes is still accepted…')
  t.equal(legacy.headers['deprecation'], '@1796169600', '…and answered as deprecated')
  t.same(
    (legacy.body.policy.seats as Array<{ class: string; count: number }>).map((c) => [c.class, c.count]),
    [
      ['consortium', 1],
      ['community', 2],
    ],
  )
  t.equal(legacy.body.policy.stagger, 'none')
  t.equal((await api('DELETE', '/teams/legacy')).status, 200)
})

const VOLUNTEERS = [
  { name: 'Ada Oxford', email: 'ada@example.org', institution: 'University of Oxford' },
  { name: 'Ben Leiden', email: 'ben@example.org', institution: 'Leiden University' },
  { name: 'Cai Ghent', email: 'cai@example.org', institution: 'Ghent University' },
  { name: 'Dee Stanford', email: 'dee@example.org', institution: 'Stanford University' },
]
const calls: Record<string, string> = {}

t.test('calls, emails and rosters stay per team; the tick runs every team', async (t) => {
  const opensAt = '2026-03-02T00:00:00Z'
  clock.set('2026-02-20T00:00:00Z')
  t.equal(
    (
      await api('PUT', '/teams/advisors/templates/call-opened', {
        subject: 'Advisors wanted for {{team}}',
        body: 'Apply at {{formUrl}} by {{closesAt}}',
      })
    ).status,
    200,
  )
  for (const team of ['coc', 'advisors']) {
    const call = await api('POST', `/teams/${team}/calls`, { opensAt })
    t.equal(call.status, 201, JSON.stringify(call.body))
    calls[team] = call.body.id as string
    const responses = VOLUNTEERS.map((v, i) => ({
      ...v,
      submittedAt: new Date(Date.parse(opensAt) + (i + 1) * 3_600_000).toISOString(),
    }))
    t.equal((await api('POST', `/calls/${call.body.id}/responses`, { responses })).status, 200)
  }
  t.same(
    ((await api('GET', '/teams/advisors/calls')).body.calls as Array<{ id: string }>).map((c) => c.id),
    [calls.advisors],
    "a team's calls are its own",
  )

  clock.set('2026-03-02T01:00:00Z')
  await tick(deps, clock())
  const announcements = (await outbox()).filter((m) => m.kind === 'call-opened')
  t.same(
    announcements
      .map((m) => ({ to: m.to, subject: m.subject, call: m.callId }))
      .sort((a, b) => a.to!.localeCompare(b.to!)),
    [
      {
        to: 'advisors-list@iiif.example',
        subject: 'Advisors wanted for Code of Conduct Advisors',
        call: calls.advisors,
      },
      {
        to: 'coc-list@iiif.example',
        subject: announcements.find((m) => m.callId === calls.coc)!.subject,
        call: calls.coc,
      },
    ],
    "each team's call is announced once, to its own list, with its own template",
  )
  t.notMatch(announcements.find((m) => m.callId === calls.coc)!.subject, /Advisors wanted/)

  const closesAt = (await api('GET', `/calls/${calls.coc}`)).body.closesAt as string
  clock.set(new Date(Date.parse(closesAt) + 60_000))
  await tick(deps, clock())
  for (const team of ['coc', 'advisors'])
    t.equal((await api('GET', `/calls/${calls[team]}`)).body.status, 'closed', `the tick closed ${team}'s call`)

  const names = async (team: string) =>
    ((await api('GET', `/teams/${team}/roster`)).body.members as Array<{ name: string }>).map((m) => m.name).sort()
  clock.set('2026-05-01T00:00:00Z')
  t.same(await names('coc'), ['Ada Oxford', 'Ben Leiden', 'Cai Ghent', 'Dee Stanford'], 'the 2017 rules seat all four')
  t.same(await names('advisors'), ['Ada Oxford', 'Ben Leiden'], "the advisors' two seats, first come")
  const advisors = (await api('GET', '/teams/advisors/members')).body.members as Array<{
    termStart: string
    termEnd: string
  }>
  t.same(
    advisors.map((m) => [m.termStart.slice(0, 10), m.termEnd.slice(0, 10)]),
    [
      ['2026-03-30', '2027-03-30'],
      ['2026-03-30', '2027-03-30'],
    ],
    "the advisors' one-year terms, unstaggered",
  )
})

t.test('only a team that never ran can be deleted; its templates and webhooks go with it', async (t) => {
  const inUse = await api('DELETE', '/teams/advisors')
  t.equal(inUse.status, 409)
  t.equal(inUse.body.error.code, 'team-in-use')
  t.match(inUse.body.error.message, /1 call/)
  t.equal((await api('GET', '/teams/advisors/roster')).status, 200, 'the team and its history stay')

  const home = await api('DELETE', '/teams/coc')
  t.equal(home.status, 409)
  t.equal(home.body.error.code, 'default-team')

  t.equal((await api('POST', '/teams', { slug: 'spare', name: 'Spare' })).status, 201)
  t.equal(
    (await api('PUT', '/teams/spare/templates/call-opened', { subject: 'Spare {{team}}', body: 'x {{formUrl}}' }))
      .status,
    200,
  )
  const viewer = (await api('POST', '/tokens', { name: 'vic', role: 'viewer' })).body.token as string
  const refused = await api('DELETE', '/teams/spare', undefined, { authorization: `Bearer ${viewer}` })
  t.equal(refused.status, 403)
  const gone = await api('DELETE', '/teams/spare')
  t.equal(gone.status, 200, JSON.stringify(gone.body))
  t.equal(gone.body.slug, 'spare')
  t.equal((await api('GET', '/teams/spare')).status, 404)
  t.equal((await api('GET', '/teams/spare/roster')).status, 404)
  t.same(await slugs(), ['advisors', 'coc'])

  const audit = (await api('GET', '/audit?entity=team')).body.entries as Array<{
    action: string
    entityId: string
    before: { templates?: number } | null
  }>
  const deleted = audit.find((e) => e.action === 'team.delete' && e.entityId === 'spare')
  t.ok(deleted, 'the deletion is in the audit log')
  t.equal(deleted?.before?.templates, 1, 'with what went with it')
  t.ok(
    audit.find((e) => e.action === 'team.create' && e.entityId === 'advisors'),
    'so is the creation',
  )

  const again = await api('POST', '/teams', { slug: 'spare', name: 'Spare again' })
  t.equal(again.status, 201, 'the slug is free again')
  t.equal(
    ((await api('GET', '/teams/spare/templates')).body.templates as Array<{ kind: string; custom: boolean }>).find(
      (tpl) => tpl.kind === 'call-opened',
    )!.custom,
    false,
    'the new team starts from the default templates',
  )
})
