import t from 'tap'
import { eq } from 'drizzle-orm'
import { build } from '../helpers/build.js'
import { institutionNames, institutions } from '../../src/db/schema.js'

const { app, db, staff, clock } = await build(t)

interface InstitutionBody {
  id: string
  name: string
  aliases: string[]
  consortium: boolean
}

async function create(payload: object) {
  return app.inject({ method: 'POST', url: '/institutions', headers: staff, payload })
}

async function patch(id: string, payload: object) {
  return app.inject({ method: 'PATCH', url: `/institutions/${id}`, headers: staff, payload })
}

async function list(): Promise<InstitutionBody[]> {
  const res = await app.inject({ method: 'GET', url: '/institutions' })
  return (res.json() as { institutions: InstitutionBody[] }).institutions
}

/** Everything stored, names table included, to show a refused request left no trace. */
async function snapshot() {
  const rows = await db.select().from(institutions)
  const names = await db.select().from(institutionNames)
  return {
    institutions: rows
      .map((r) => ({ id: r.id, name: r.name, aliases: r.aliases, consortium: r.consortium }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
    names: names.sort((a, b) => (a.normalised < b.normalised ? -1 : 1)),
  }
}

let oxford: InstitutionBody

t.test('staff add an institution with aliases; anyone can read it', async (t) => {
  t.same(await list(), [], 'a fresh database has no institutions')
  const res = await create({
    name: '  University of Oxford ',
    aliases: ['Oxford University', ' Univ. Oxford ', '', '  ', 'OXFORD UNIVERSITY', 'oxford'],
    consortium: true,
  })
  t.equal(res.statusCode, 201)
  oxford = res.json()
  t.match(oxford.id, /^[0-9a-f-]{36}$/)
  t.same(
    oxford,
    {
      id: oxford.id,
      name: 'University of Oxford',
      aliases: ['Oxford University', 'Univ. Oxford', 'oxford'],
      consortium: true,
      flags: ['consortium'],
    },
    'trimmed; blank aliases and later spellings of the same alias dropped',
  )

  const listed = await app.inject({ method: 'GET', url: '/institutions' })
  t.equal(listed.statusCode, 200, 'the list needs no token')
  t.same(listed.json(), { institutions: [oxford] })
  const one = await app.inject({ method: 'GET', url: `/institutions/${oxford.id}` })
  t.equal(one.statusCode, 200, 'one institution needs no token')
  t.same(one.json(), oxford)
})

t.test('an alias that reads the same as the name is dropped', async (t) => {
  const res = await create({
    name: 'Stanford University',
    aliases: ['stanford university.', 'Stanford'],
    consortium: false,
  })
  t.equal(res.statusCode, 201)
  t.same(res.json().aliases, ['Stanford'])
  const bare = await create({ name: 'Wellcome Collection', consortium: false, flags: [] })
  t.equal(bare.statusCode, 201)
  t.same(bare.json().aliases, [])
})

t.test('writing needs a staff token', async (t) => {
  const before = await snapshot()
  const post = await app.inject({
    method: 'POST',
    url: '/institutions',
    payload: { name: 'Nowhere College', consortium: false, flags: [] },
  })
  t.equal(post.statusCode, 401)
  t.equal(post.json().error.code, 'missing-token')
  const wrong = await app.inject({
    method: 'POST',
    url: '/institutions',
    payload: { name: 'Nowhere College', consortium: false, flags: [] },
    headers: { authorization: 'Bearer not-a-token' },
  })
  t.equal(wrong.statusCode, 401)
  t.equal(wrong.json().error.code, 'invalid-token')
  const edit = await app.inject({
    method: 'PATCH',
    url: `/institutions/${oxford.id}`,
    payload: { consortium: false, flags: [] },
  })
  t.equal(edit.statusCode, 401)
  t.equal(edit.json().error.code, 'missing-token')
  t.same(await snapshot(), before, 'nothing changed')
})

t.test('a second institution answering to a name already taken is refused, however it is spelt', async (t) => {
  const before = await snapshot()
  const cases: Array<[string, object, string, string]> = [
    [
      'a leading "The"',
      { name: 'The University of Oxford', consortium: true, flags: ['consortium'] },
      'university of oxford',
      'body.name',
    ],
    [
      'another case',
      { name: 'university of oxford', consortium: false, flags: [] },
      'university of oxford',
      'body.name',
    ],
    [
      'punctuation and spacing',
      { name: 'University  of Oxford.', consortium: false, flags: [] },
      'university of oxford',
      'body.name',
    ],
    [
      'the name is an existing alias',
      { name: 'UNIV OXFORD', consortium: false, flags: [] },
      'univ oxford',
      'body.name',
    ],
    [
      'an alias is an existing alias',
      { name: 'Oxford Brookes', aliases: ['Brookes', 'Univ Oxford'], consortium: false, flags: [] },
      'univ oxford',
      'body.aliases[1]',
    ],
    [
      'an alias is an existing name',
      { name: 'Leland Stanford Junior University', aliases: ['Stanford University'], consortium: false, flags: [] },
      'stanford university',
      'body.aliases[0]',
    ],
  ]
  for (const [label, payload, normalised, field] of cases) {
    const res = await create(payload)
    t.equal(res.statusCode, 409, `${label}: 409`)
    const { error } = res.json()
    t.equal(error.code, 'duplicate-institution', `${label}: coded`)
    const owner = normalised === 'stanford university' ? 'Stanford University' : 'University of Oxford'
    t.match(error.message, owner, `${label}: the message names the other institution`)
    t.match(error.message, normalised, `${label}: the message names the colliding text`)
    t.match(error.message, field, `${label}: the message names the field`)
    t.equal(error.details.name, owner, `${label}: details name the institution`)
    t.equal(error.details.normalised, normalised, `${label}: details give the colliding text`)
    t.same(Object.keys(error.details).sort(), ['institutionId', 'name', 'normalised'])
  }
  t.equal(
    (await create({ name: 'University of Oxford', consortium: true, flags: ['consortium'] })).json().error.details
      .institutionId,
    oxford.id,
  )
  t.same(await snapshot(), before, 'nothing was stored by the refused requests')
})

t.test('accents do not make a different institution', async (t) => {
  const lyon = await create({ name: 'Université de Lyon', aliases: ['Univ.-Lyon'], consortium: false, flags: [] })
  t.equal(lyon.statusCode, 201)
  t.equal(lyon.json().name, 'Université de Lyon', 'the name keeps its accents')
  const before = await snapshot()
  const plain = await create({ name: 'Universite de Lyon', consortium: false, flags: [] })
  t.equal(plain.statusCode, 409)
  t.equal(plain.json().error.details.institutionId, lyon.json().id)
  t.equal(plain.json().error.details.normalised, 'universite de lyon')
  const decomposed = await create({
    name: 'Other',
    aliases: ['UNIVERSITE\u0301 DE LYON'],
    consortium: false,
    flags: [],
  })
  t.equal(decomposed.statusCode, 409, 'a combining accent is the same letter')
  t.same(await snapshot(), before, 'nothing stored')
})

t.test('names that mean "no institution", or have no letters, are refused with the field named', async (t) => {
  const before = await snapshot()
  const cases: Array<[string, object, string[]]> = [
    ['none', { name: 'None', consortium: false, flags: [] }, ['body.name']],
    ['N/A', { name: 'N/A', consortium: false, flags: [] }, ['body.name']],
    ['independent', { name: ' Independent ', consortium: false, flags: [] }, ['body.name']],
    [
      'unaffiliated alias',
      { name: 'Nowhere College', aliases: ['NC', 'Nowhere', 'unaffiliated'], consortium: false, flags: [] },
      ['body.aliases[2]'],
    ],
    ['n.a. alias', { name: 'Nowhere College', aliases: ['n.a.'], consortium: false, flags: [] }, ['body.aliases[0]']],
    ['punctuation only', { name: '---', consortium: false, flags: [] }, ['body.name']],
    ['blank name', { name: '   ', consortium: false, flags: [] }, ['body.name']],
    [
      'every field at fault',
      { name: 'none', aliases: ['ok', '&', 'NA'], consortium: false, flags: [] },
      ['body.name', 'body.aliases[2]'],
    ],
  ]
  for (const [label, payload, fields] of cases) {
    const res = await create(payload)
    t.equal(res.statusCode, 400, `${label}: 400`)
    const { error } = res.json()
    t.equal(error.code, 'invalid-institution', `${label}: coded`)
    t.same(
      error.details.problems.map((p: { field: string }) => p.field),
      fields,
      `${label}: names ${fields.join(', ')}`,
    )
    t.match(error.message, fields[0]!, `${label}: the message names the field`)
  }
  // '&' normalises to "and": a word, so an alias of its own and no problem.
  t.same(await snapshot(), before, 'nothing stored')
})

t.test('the schema refuses what is not an institution', async (t) => {
  const before = await snapshot()
  const cases: Array<[string, object, string]> = [
    ['unknown key', { name: 'Nowhere College', consortium: false, colour: 'red' }, 'body.colour'],
    ['missing consortium', { name: 'Nowhere College' }, 'body.consortium'],
    ['consortium as text', { name: 'Nowhere College', consortium: 'yes' }, 'body.consortium'],
    ['empty name', { name: '', consortium: false, flags: [] }, 'body.name'],
    ['a name too long', { name: 'x'.repeat(301), consortium: false, flags: [] }, 'body.name'],
    [
      'too many aliases',
      {
        name: 'Nowhere College',
        aliases: Array.from({ length: 51 }, (_, i) => `alias ${i}`),
        consortium: false,
        flags: [],
      },
      'body.aliases',
    ],
    [
      'an alias that is not text',
      { name: 'Nowhere College', aliases: ['NC', 7], consortium: false, flags: [] },
      'body.aliases[1]',
    ],
  ]
  for (const [label, payload, field] of cases) {
    const res = await create(payload)
    t.equal(res.statusCode, 400, `${label}: 400`)
    const { error } = res.json()
    t.ok(
      error.details.problems.some((p: { field: string }) => p.field === field),
      `${label}: names ${field} (got ${JSON.stringify(error.details.problems)})`,
    )
  }
  const patchUnknown = await patch(oxford.id, { colour: 'red' })
  t.equal(patchUnknown.statusCode, 400)
  t.match(patchUnknown.json().error.message, 'body.colour')
  const patchEmpty = await patch(oxford.id, {})
  t.equal(patchEmpty.statusCode, 400, 'a PATCH must change something')
  t.same(await snapshot(), before, 'nothing stored')
})

t.test('an id that names no institution is 404; one that is not a UUID is 400', async (t) => {
  for (const id of ['00000000-0000-0000-0000-000000000000']) {
    const get = await app.inject({ method: 'GET', url: `/institutions/${encodeURIComponent(id)}` })
    t.equal(get.statusCode, 404, `GET ${id}: 404`)
    t.equal(get.json().error.code, 'institution-not-found')
    const edit = await patch(encodeURIComponent(id), { consortium: true, flags: ['consortium'] })
    t.equal(edit.statusCode, 404, `PATCH ${id}: 404`)
    t.equal(edit.json().error.code, 'institution-not-found')
  }
  for (const id of ['not-a-uuid', '123', "x' or 1=1", '6f1c1d3e-1c1a-4b1b-9c1d-1e1f1a1b1c1dx']) {
    const get = await app.inject({ method: 'GET', url: `/institutions/${encodeURIComponent(id)}` })
    t.equal(get.statusCode, 400, `GET ${id}: 400`)
    t.match(get.json().error, { code: 'validation-failed', message: 'params.id must be a UUID' })
    const edit = await patch(encodeURIComponent(id), { consortium: true, flags: ['consortium'] })
    t.equal(edit.statusCode, 400, `PATCH ${id}: 400`)
    t.equal(edit.json().error.code, 'validation-failed')
  }
})

t.test('PATCH renames, replaces aliases and frees the old names', async (t) => {
  const created = await create({
    name: 'British Library',
    aliases: ['BL', 'The British Library Board'],
    consortium: true,
  })
  t.equal(created.statusCode, 201)
  const bl = created.json() as InstitutionBody
  const createdAt = (await db.select().from(institutions).where(eq(institutions.id, bl.id)))[0]!

  clock.set('2026-02-01T09:30:00Z')
  const renamed = await patch(bl.id, { name: 'The British Library', aliases: ['BL', 'British Library St Pancras'] })
  t.equal(renamed.statusCode, 200)
  t.same(renamed.json(), {
    id: bl.id,
    name: 'The British Library',
    aliases: ['BL', 'British Library St Pancras'],
    consortium: true,
    flags: ['consortium'],
  })
  t.same(
    (await app.inject({ method: 'GET', url: `/institutions/${bl.id}` })).json(),
    renamed.json(),
    'the change is kept',
  )
  const stored = (await db.select().from(institutions).where(eq(institutions.id, bl.id)))[0]!
  t.equal(stored.updatedAt.toISOString(), '2026-02-01T09:30:00.000Z', 'updated_at is the time of the change')
  t.equal(stored.createdAt.toISOString(), createdAt.createdAt.toISOString(), 'created_at is kept')
  t.same(
    (await db.select().from(institutionNames).where(eq(institutionNames.institutionId, bl.id)))
      .map((r) => r.normalised)
      .sort(),
    ['bl', 'british library', 'british library st pancras'],
    'it answers to exactly its new names',
  )

  const taken = await create({ name: 'British Library Board', consortium: false, flags: [] })
  t.equal(taken.statusCode, 201, 'another institution can take a dropped alias')

  const flip = await patch(bl.id, { consortium: false, flags: [] })
  t.equal(flip.statusCode, 200)
  t.same(flip.json().aliases, ['BL', 'British Library St Pancras'], 'leaving aliases out keeps them')
  t.equal(flip.json().consortium, false)

  const cleared = await patch(bl.id, { aliases: [] })
  t.equal(cleared.statusCode, 200)
  t.same(cleared.json().aliases, [])
  t.equal((await create({ name: 'BL', consortium: false, flags: [] })).statusCode, 201, 'a cleared alias is free')

  const ownSpelling = await patch(oxford.id, {
    name: 'university of OXFORD',
    aliases: ['Oxford University', 'Univ. Oxford', 'Oxford'],
  })
  t.equal(ownSpelling.statusCode, 200, 'an institution never collides with itself')
  t.same(ownSpelling.json().aliases, ['Oxford University', 'Univ. Oxford', 'Oxford'])
  const renameToAlias = await patch(oxford.id, { name: 'Oxford University' })
  t.equal(renameToAlias.statusCode, 200, 'renaming to one of its own aliases is allowed')
  t.same(renameToAlias.json().aliases, ['Univ. Oxford', 'Oxford'], 'the alias now read as the name is dropped')
  await patch(oxford.id, { name: 'University of Oxford', aliases: ['Oxford University', 'Univ. Oxford', 'oxford'] })
})

t.test('PATCH into another institution’s name is refused and changes nothing', async (t) => {
  const cambridge = (
    await create({ name: 'University of Cambridge', aliases: ['Cambridge'], consortium: true, flags: ['consortium'] })
  ).json() as InstitutionBody
  const before = await snapshot()
  const cases: Array<[string, object, string]> = [
    ['name', { name: 'The University of Oxford' }, 'university of oxford'],
    ['alias', { aliases: ['Cambridge', 'Oxford'] }, 'oxford'],
    ['name and consortium', { name: 'Stanford', consortium: false, flags: [] }, 'stanford'],
  ]
  for (const [label, payload, normalised] of cases) {
    const res = await patch(cambridge.id, payload)
    t.equal(res.statusCode, 409, `${label}: 409`)
    t.equal(res.json().error.code, 'duplicate-institution')
    t.equal(res.json().error.details.normalised, normalised)
  }
  const unaffiliated = await patch(cambridge.id, { aliases: ['Cambridge', 'Independent'] })
  t.equal(unaffiliated.statusCode, 400)
  t.same(
    unaffiliated.json().error.details.problems.map((p: { field: string }) => p.field),
    ['body.aliases[1]'],
  )
  t.same(await snapshot(), before, 'nothing changed')
})

t.test('the list is ordered by name, ignoring case', async (t) => {
  await create({ name: 'aardvark institute', consortium: false, flags: [] })
  await create({ name: 'Zoological Society', consortium: false, flags: [] })
  const names = (await list()).map((i) => i.name)
  const expected = [...names].sort((a, b) =>
    a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0,
  )
  t.same(names, expected)
  t.equal(names[0], 'aardvark institute')
  t.equal(names.at(-1), 'Zoological Society')
})

t.test('five staff adding the same institution at once: one is added, four are told why not', async (t) => {
  const results = await Promise.all(
    [
      'Getty Research Institute',
      'The Getty Research Institute',
      'getty research institute',
      'Getty Research Institute.',
      'GETTY  RESEARCH INSTITUTE',
    ].map((name) => create({ name, aliases: ['Getty'], consortium: true, flags: ['consortium'] })),
  )
  const statuses = results.map((r) => r.statusCode).sort()
  t.same(statuses, [201, 409, 409, 409, 409])
  const winner = results.find((r) => r.statusCode === 201)!.json() as InstitutionBody
  for (const loser of results.filter((r) => r.statusCode === 409)) {
    t.equal(loser.json().error.code, 'duplicate-institution')
    t.equal(loser.json().error.details.institutionId, winner.id, 'the refusal names the one that was added')
  }
  t.equal((await list()).filter((i) => i.name.toLowerCase().includes('getty')).length, 1, 'exactly one is stored')

  const renames = await Promise.all(
    ['Rijksmuseum', 'Museo del Prado', 'Louvre'].map(
      async (name) => (await create({ name, consortium: false, flags: [] })).json() as InstitutionBody,
    ),
  )
  const clash = await Promise.all(renames.map((i) => patch(i.id, { aliases: ['National Museum'] })))
  t.same(clash.map((r) => r.statusCode).sort(), [200, 409, 409], 'concurrent renames into one name: one wins')
})
