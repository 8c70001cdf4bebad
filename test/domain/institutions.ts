import t from 'tap'
import fc from 'fast-check'
import {
  buildInstitutionIndex,
  findInstitutionNameCollision,
  isUnaffiliated,
  matchInstitution,
  normaliseInstitutionName,
} from '../../src/domain/institutions.js'
import type { Institution } from '../../src/domain/institutions.js'

const institutions: Institution[] = [
  { id: 'ox', name: 'University of Oxford', aliases: ['Oxford University', 'Oxford'], consortium: true },
  { id: 'st', name: 'Stanford University', aliases: ['Stanford'], consortium: true },
  { id: 'ly', name: 'Université de Lyon', aliases: ['Univ.-Lyon'], consortium: false },
  { id: 'mit', name: 'Massachusetts Institute of Technology', aliases: ['MIT'], consortium: true },
  { id: 'bl', name: 'The British Library', aliases: ['BL'], consortium: true },
  { id: 'bnf', name: 'Bibliothèque nationale de France', aliases: ['BnF'], consortium: true },
  { id: 'cam', name: 'University of Cambridge', aliases: [], consortium: true },
  { id: 'kcl', name: "King's College London", aliases: ['KCL'], consortium: false },
  { id: 'ww', name: 'Wellcome & Collection', aliases: [], consortium: false },
]

t.test('normaliseInstitutionName makes spelling variants equal', async (t) => {
  const table: [string, string][] = [
    ['Université de Lyon', 'universite de lyon'],
    ['UNIVERSITÉ  DE   LYON ', 'universite de lyon'],
    ['Universite\u0301 de Lyon', 'universite de lyon'],
    ['Univ.-Lyon', 'univ lyon'],
    ["King's College London", 'kings college london'],
    ['King\u2019s College London', 'kings college london'],
    ['Wellcome & Collection', 'wellcome and collection'],
    ['Wellcome&Collection', 'wellcome and collection'],
    ['The British Library', 'british library'],
    ['the  british library', 'british library'],
    ['Theological Seminary', 'theological seminary'],
    ['British Library, The', 'british library the'],
    ['The', 'the'],
    ['Bibliothèque nationale de France', 'bibliotheque nationale de france'],
    ['Łódź University', 'lodz university'],
    ['Københavns Universitet', 'kobenhavns universitet'],
    ['Ｔｏｋｙｏ　Ｕｎｉｖｅｒｓｉｔｙ', 'tokyo university'],
    ['東京大学', '東京大学'],
    ['Trinity College (Dublin)', 'trinity college dublin'],
    ['  \t\n ', ''],
    ['N/A', 'n a'],
  ]
  for (const [raw, normalised] of table) t.equal(normaliseInstitutionName(raw), normalised, JSON.stringify(raw))
})

t.test('isUnaffiliated recognises the ways people say "no institution"', async (t) => {
  const yes = [null, undefined, '', '   ', 'none', ' None ', 'NONE.', 'n/a', 'N/A', 'N.A.', 'na', 'NA', 'Independent', 'independent ', 'Unaffiliated', '-', '—']
  const no = ['Nato', 'None Such Library', 'Independent Scholars Association', 'University of Oxford', 'n/a university', 'The']
  for (const raw of yes) t.ok(isUnaffiliated(raw), `${JSON.stringify(raw)} is unaffiliated`)
  for (const raw of no) t.notOk(isUnaffiliated(raw), `${JSON.stringify(raw)} is an institution`)
})

t.test('matchInstitution finds known institutions by name or alias', async (t) => {
  const index = buildInstitutionIndex(institutions)
  const table: [string, string][] = [
    ['University of Oxford', 'ox'],
    ['university of oxford.', 'ox'],
    ['Oxford', 'ox'],
    ['OXFORD UNIVERSITY', 'ox'],
    ['Universite de Lyon', 'ly'],
    ['Univ Lyon', 'ly'],
    ['univ. lyon', 'ly'],
    ['British Library', 'bl'],
    ['the british library', 'bl'],
    ['Kings College London', 'kcl'],
    ['kcl', 'kcl'],
    ['Wellcome and Collection', 'ww'],
    ['BNF', 'bnf'],
  ]
  for (const [raw, id] of table) {
    const match = matchInstitution(raw, index)
    t.match(match, { kind: 'known', key: `id:${id}`, institution: { id } }, raw)
  }
  t.same(matchInstitution('N/A', index), { kind: 'unaffiliated' })
  t.same(matchInstitution(null, index), { kind: 'unaffiliated' })
})

t.test('unknown institutions are their own institution, with suggestions', async (t) => {
  const index = buildInstitutionIndex(institutions)
  const table: [string, string, string[]][] = [
    ['  Univeristy of Oxfrod ', 'name:univeristy of oxfrod', ['University of Oxford']],
    ['Standford', 'name:standford', ['Stanford University']],
    ['MTI', 'name:mti', ['Massachusetts Institute of Technology']],
    ['Cambridge Uni', 'name:cambridge uni', ['University of Cambridge']],
    ['Bibliotheque Nationale', 'name:bibliotheque nationale', ['Bibliothèque nationale de France']],
    ['Acme Widgets Ltd', 'name:acme widgets ltd', []],
    ['Yale', 'name:yale', []],
  ]
  for (const [raw, key, first] of table) {
    const match = matchInstitution(raw, index)
    t.equal(match.kind, 'unknown', raw)
    if (match.kind !== 'unknown') continue
    t.equal(match.key, key)
    t.equal(match.text, raw.trim(), 'keeps the text as typed, trimmed')
    t.ok(match.suggestions.length <= 3, 'at most three suggestions')
    t.same(match.suggestions.slice(0, first.length), first, `${raw} suggests ${first.join(', ') || 'nothing'} first`)
    if (first.length === 0) t.same(match.suggestions, [], `${raw} suggests nothing`)
  }
  const generic = matchInstitution('University', index)
  t.equal(generic.kind === 'unknown' && generic.suggestions.length, 3, 'a generic word gets three suggestions, not all')
})

t.test('matching and suggestions do not depend on the order of the institutions', async (t) => {
  const queries = ['University', 'Univeristy of Oxfrod', 'Oxford', 'Lyon', 'Cambrige', 'College']
  fc.assert(
    fc.property(fc.shuffledSubarray(institutions, { minLength: institutions.length }), (shuffled) => {
      const a = buildInstitutionIndex(institutions)
      const b = buildInstitutionIndex(shuffled)
      return queries.every((q) => JSON.stringify(matchInstitution(q, a)) === JSON.stringify(matchInstitution(q, b)))
    }),
    { numRuns: 50 },
  )
  t.pass('order-independent')
})

t.test('findInstitutionNameCollision finds names and aliases that clash', async (t) => {
  t.match(findInstitutionNameCollision({ name: 'the university of oxford', aliases: [] }, institutions), {
    institution: { id: 'ox' },
    normalised: 'university of oxford',
  })
  t.match(findInstitutionNameCollision({ name: 'Oxford Brookes', aliases: ['Oxford'] }, institutions), {
    institution: { id: 'ox' },
    normalised: 'oxford',
  })
  t.match(findInstitutionNameCollision({ name: 'Bodleian', aliases: ['Univ Lyon'] }, institutions), {
    institution: { id: 'ly' },
    normalised: 'univ lyon',
  })
  t.match(findInstitutionNameCollision({ name: 'BL', aliases: [] }, institutions), { institution: { id: 'bl' } }, "an alias of another counts")
  t.equal(findInstitutionNameCollision({ name: 'Oxford Brookes University', aliases: ['Brookes'] }, institutions), null)
  t.equal(
    findInstitutionNameCollision({ name: 'University of Oxford', aliases: ['Oxford', 'Oxon'] }, institutions, 'ox'),
    null,
    'editing an institution does not collide with itself',
  )
  t.match(
    findInstitutionNameCollision({ name: 'University of Oxford', aliases: ['Stanford'] }, institutions, 'ox'),
    { institution: { id: 'st' } },
    'but still with others',
  )
})

t.test('suggestions equal a plain reference ranking (the shortcuts change nothing)', async (t) => {
  const index = buildInstitutionIndex(institutions)
  const grams = (text: string): Set<string> => {
    const out = new Set<string>()
    for (const word of text.split(' ').filter(Boolean)) {
      const padded = `  ${word} `
      for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3))
    }
    return out
  }
  const osa = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        const row = d[i]!
        row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1)
      }
    }
    return d[a.length]![b.length]!
  }
  const score = (a: string, b: string): number => {
    if (a === b) return 1
    const ga = grams(a)
    const gb = grams(b)
    const shared = [...ga].filter((g) => gb.has(g)).length
    const dice = ga.size + gb.size === 0 ? 0 : (2 * shared) / (ga.size + gb.size)
    return Math.max(dice, 1 - osa(a, b) / Math.max(a.length, b.length))
  }
  const reference = (query: string): string[] =>
    institutions
      .map((i) => ({ i, s: Math.max(...[i.name, ...i.aliases].map(normaliseInstitutionName).filter(Boolean).map((x) => score(query, x))) }))
      .filter(({ s }) => s >= 0.55)
      .sort((a, b) => b.s - a.s || (a.i.name < b.i.name ? -1 : a.i.name > b.i.name ? 1 : 0))
      .slice(0, 3)
      .map(({ i }) => i.name)
  const word = fc.constantFrom('university', 'univeristy', 'of', 'oxford', 'oxfrod', 'lyon', 'de', 'stanford', 'mit', 'mti', 'kings', 'college', 'london', 'bl', 'library', 'british', 'cambrige', 'x')
  fc.assert(
    fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (words) => {
      const query = words.join(' ')
      const match = matchInstitution(query, index)
      return match.kind !== 'unknown' || JSON.stringify(match.suggestions) === JSON.stringify(reference(query))
    }),
    { numRuns: 300 },
  )
  t.pass('same as the reference')
})
