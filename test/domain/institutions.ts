import t from 'tap'
import fc from 'fast-check'
import {
  buildInstitutionIndex,
  findInstitutionNameCollision,
  institutionSkeleton,
  isUnaffiliated,
  lookalikeGroups,
  lookalikeSigns,
  matchInstitution,
  normaliseInstitutionName,
} from '../../src/domain/institutions.js'
import type { Institution } from '../../src/domain/institutions.js'
import { richInstitutions } from '../helpers/selection-input.js'

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
    ['University of Ox\u200Bford', 'university of oxford'],
    ['\uFEFFUniversity\u00AD of Oxford\u200D', 'university of oxford'],
    ['n\u200B/a', 'n a'],
  ]
  for (const [raw, normalised] of table) t.equal(normaliseInstitutionName(raw), normalised, JSON.stringify(raw))
})

t.test('isUnaffiliated recognises the ways people say "no institution"', async (t) => {
  const yes = [
    null,
    undefined,
    '',
    '   ',
    'none',
    ' None ',
    'NONE.',
    'n/a',
    'N/A',
    'N.A.',
    'na',
    'NA',
    'Independent',
    'independent ',
    'Unaffiliated',
    '-',
    '—',
  ]
  const no = [
    'Nato',
    'None Such Library',
    'Independent Scholars Association',
    'University of Oxford',
    'n/a university',
    'The',
  ]
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
  t.match(
    findInstitutionNameCollision({ name: 'BL', aliases: [] }, institutions),
    { institution: { id: 'bl' } },
    'an alias of another counts',
  )
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

/**
 * Suggestions worked out the plain way: every institution scored by max(trigram Dice, 1 − edit
 * distance / length) over its name and aliases, the best three names at or above 0.55 (ties by
 * name, then id; a name suggested once).
 */
function referenceSuggestions(query: string, world: readonly Institution[]): string[] {
  const grams = (text: string): Set<string> => {
    const out = new Set<string>()
    for (const word of text.split(' ').filter(Boolean)) {
      const padded = `  ${word} `
      for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3))
    }
    return out
  }
  const osa = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) =>
      Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
    )
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        const row = d[i]!
        row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
          row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1)
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
  const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0)
  const ranked = world
    .map((i) => ({
      i,
      s: Math.max(
        0,
        ...[i.name, ...i.aliases]
          .map(normaliseInstitutionName)
          .filter(Boolean)
          .map((x) => score(query, x)),
      ),
    }))
    .filter(({ s }) => s >= 0.55)
    .sort((a, b) => b.s - a.s || compare(a.i.name, b.i.name) || compare(a.i.id, b.i.id))
  const names: string[] = []
  for (const { i } of ranked) if (names.length < 3 && !names.includes(i.name)) names.push(i.name)
  return names
}

t.test('suggestions equal a plain reference ranking (the shortcuts change nothing)', async (t) => {
  const index = buildInstitutionIndex(institutions)
  const word = fc.constantFrom(
    'university',
    'univeristy',
    'of',
    'oxford',
    'oxfrod',
    'lyon',
    'de',
    'stanford',
    'mit',
    'mti',
    'kings',
    'college',
    'london',
    'bl',
    'library',
    'british',
    'cambrige',
    'x',
  )
  fc.assert(
    fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (words) => {
      const query = words.join(' ')
      const match = matchInstitution(query, index)
      return (
        match.kind !== 'unknown' ||
        JSON.stringify(match.suggestions) === JSON.stringify(referenceSuggestions(query, institutions))
      )
    }),
    { numRuns: 300 },
  )
  t.pass('same as the reference')
})

t.test(
  'suggestions equal the plain reference in a larger world, for misspellings, look-alikes and characters outside the BMP',
  async (t) => {
    const world = richInstitutions()
    const index = buildInstitutionIndex(world)
    const names = world.flatMap((i) => [i.name, ...i.aliases])
    const edit = fc.tuple(
      fc.nat(),
      fc.constantFrom('delete', 'insert', 'swap', 'replace', 'word'),
      fc.constantFrom('a', 'e', 'z', '\u{1F642}', '\u{1D41A}', '\u0430', '\u00E9', ' '),
    )
    const misspelt = fc
      .tuple(fc.constantFrom(...names), fc.array(edit, { minLength: 1, maxLength: 4 }))
      .map(([name, edits]) => {
        let chars = [...name]
        for (const [n, how, c] of edits) {
          const i = n % (chars.length + 1)
          if (how === 'delete') chars.splice(i, 1)
          else if (how === 'insert') chars.splice(i, 0, c)
          else if (how === 'swap' && i + 1 < chars.length) [chars[i], chars[i + 1]] = [chars[i + 1]!, chars[i]!]
          else if (how === 'replace' && i < chars.length) chars[i] = c
          else if (how === 'word') chars = [...chars, ' ', ...'studies']
        }
        return chars.join('')
      })
    let suggested = 0
    fc.assert(
      fc.property(misspelt, (query) => {
        const match = matchInstitution(query, index)
        if (match.kind !== 'unknown') return true
        if (match.suggestions.length > 0) suggested++
        return (
          JSON.stringify(match.suggestions) ===
          JSON.stringify(referenceSuggestions(normaliseInstitutionName(query), world))
        )
      }),
      { numRuns: 400 },
    )
    t.ok(suggested > 100, `same as the reference (${suggested} of 400 names got suggestions)`)
  },
)

// ---------------------------------------------------------------------------------------------
// Look-alikes: a spelling that only looks like another (UTS #39 confusables, invisible characters)
// is the same institution, and is flagged so that staff check it.

/** Latin letters and a look-alike from another script (Cyrillic, Greek, Armenian), all in confusables.txt. */
const HOMOGLYPHS: Readonly<Record<string, readonly string[]>> = {
  a: ['\u0430'],
  c: ['\u0441'],
  d: ['\u0501'],
  e: ['\u0435'],
  h: ['\u04BB', '\u0570'],
  i: ['\u0456'],
  j: ['\u0458'],
  o: ['\u043E', '\u03BF', '\u0585'],
  p: ['\u0440'],
  s: ['\u0455'],
  x: ['\u0445'],
  y: ['\u0443'],
  A: ['\u0410', '\u0391'],
  B: ['\u0412', '\u0392'],
  C: ['\u0421'],
  E: ['\u0415', '\u0395'],
  H: ['\u041D', '\u0397'],
  I: ['\u0406', '\u0399'],
  K: ['\u041A', '\u039A'],
  M: ['\u041C', '\u039C'],
  N: ['\u039D'],
  O: ['\u041E', '\u039F'],
  P: ['\u0420', '\u03A1'],
  S: ['\u0405'],
  T: ['\u0422', '\u03A4'],
  X: ['\u0425', '\u03A7'],
  Y: ['\u03A5'],
}
/** Invisible format characters (Cf): zero-width space, non-joiner and joiner, word joiner, soft hyphen, BOM, bidi marks. */
const INVISIBLE = ['\u200B', '\u200C', '\u200D', '\u2060', '\u00AD', '\uFEFF', '\u200E', '\u202E']

const world: Institution[] = [
  ...institutions,
  { id: 'msu', name: 'Московский университет', aliases: [], consortium: false },
  { id: 'spb', name: 'Санкт-Петербургский университет', aliases: [], consortium: false },
  { id: 'tokyo', name: '東京大学', aliases: ['University of Tokyo'], consortium: true },
  { id: 'kyoto', name: '京都大学', aliases: [], consortium: false },
  { id: 'ocha', name: 'お茶の水女子大学', aliases: [], consortium: false },
  { id: 'keio', name: 'Keio大学', aliases: [], consortium: false },
  { id: 'athens', name: 'Εθνικό και Καποδιστριακό Πανεπιστήμιο Αθηνών', aliases: [], consortium: false },
  { id: 'tehran', name: 'دانشگاه\u200Cتهران', aliases: [], consortium: false },
  { id: 'iitb', name: 'भारतीय प्रौद्योगिकी संस्थान मुंबई', aliases: [], consortium: false },
]

t.test('look-alike spellings of a known institution match it, with the signs that give them away', async (t) => {
  const index = buildInstitutionIndex(world)
  const table: [string, string, { invisible: string[]; scripts: string[] }][] = [
    ['University of Oxf\u043Erd', 'ox', { invisible: [], scripts: ['Cyrillic', 'Latin'] }],
    ['University of Ox\u200Bford', 'ox', { invisible: ['U+200B'], scripts: [] }],
    ['Ox\u00ADford', 'ox', { invisible: ['U+00AD'], scripts: [] }],
    ['\u041EXFORD', 'ox', { invisible: [], scripts: ['Cyrillic', 'Latin'] }],
    ['Οxford', 'ox', { invisible: [], scripts: ['Greek', 'Latin'] }],
    ['Oxfor\u0501', 'ox', { invisible: [], scripts: ['Cyrillic', 'Latin'] }],
    ['\u041CIT', 'mit', { invisible: [], scripts: ['Cyrillic', 'Latin'] }],
    ['\u039CIT', 'mit', { invisible: [], scripts: ['Greek', 'Latin'] }],
    ['Stanf\u043Er\u0501 Univ\u0435rsity', 'st', { invisible: [], scripts: ['Cyrillic', 'Latin'] }],
    ['Ox\u200Bf\u043Erd', 'ox', { invisible: ['U+200B'], scripts: ['Cyrillic', 'Latin'] }],
    ['Mосковский университет', 'msu', { invisible: [], scripts: ['Cyrillic', 'Latin'] }],
    ['東京\u200B大学', 'tokyo', { invisible: ['U+200B'], scripts: [] }],
  ]
  for (const [raw, id, signs] of table) {
    const match = matchInstitution(raw, index)
    t.match(match, { kind: 'known', key: `id:${id}`, institution: { id } }, `${JSON.stringify(raw)} is ${id}`)
    t.same(match.kind === 'known' && match.lookalike, signs, `${JSON.stringify(raw)} is flagged`)
  }
})

t.test('names in any script match as written and are not flagged for their script', async (t) => {
  const index = buildInstitutionIndex(world)
  const table: [string, string][] = [
    ['Московский университет', 'msu'],
    ['МОСКОВСКИЙ УНИВЕРСИТЕТ', 'msu'],
    ['Санкт-Петербургский университет', 'spb'],
    ['東京大学', 'tokyo'],
    ['京都大学', 'kyoto'],
    ['お茶の水女子大学', 'ocha'],
    ['Keio大学', 'keio'],
    ['Εθνικό και Καποδιστριακό Πανεπιστήμιο Αθηνών', 'athens'],
    ['ΕΘΝΙΚΟ ΚΑΙ ΚΑΠΟΔΙΣΤΡΙΑΚΟ ΠΑΝΕΠΙΣΤΗΜΙΟ ΑΘΗΝΩΝ', 'athens'],
    ['دانشگاه\u200Cتهران', 'tehran'],
    ['भारतीय प्रौद्योगिकी संस्थान मुंबई', 'iitb'],
    ['University of Tokyo', 'tokyo'],
    ['Université de Lyon', 'ly'],
    ['Ｏｘｆｏｒｄ', 'ox'],
    ['OXFORD', 'ox'],
    // Invisible characters at the edges change nothing a reader sees: the name reads as known.
    ['\u200DOxford\u200D', 'ox'],
  ]
  for (const [raw, id] of table) {
    t.match(matchInstitution(raw, index), { kind: 'known', key: `id:${id}`, lookalike: null }, raw)
  }
  for (const raw of [
    'Московский университет',
    '東京大学',
    'お茶の水女子大学',
    'Keio大学'.slice(4),
    'Εθνικό Πανεπιστήμιο',
    'Université de Lyon',
    'Ｏｘｆｏｒｄ',
  ]) {
    t.equal(lookalikeSigns(raw), null, `${raw}: one script, no signs`)
  }
  t.same(
    lookalikeSigns('دانشگاه\u200Cتهران'),
    { invisible: ['U+200C'], scripts: [] },
    'a joiner is a sign, but one that only matters when the match needed the skeleton',
  )
  // Names that differ in real letters stay apart in every script.
  const apart: [string, string][] = [
    ['Московский университет', 'Санкт-Петербургский университет'],
    ['東京大学', '京都大学'],
    ['Kiel University', 'Kiei University'],
    ['Lille University', 'Iille University'],
    ['University of Oxford', 'University of Oxbridge'],
  ]
  for (const [a, b] of apart) {
    t.not(institutionSkeleton(a), institutionSkeleton(b), `${a} ≠ ${b}`)
  }
})

t.test('unknown look-alike spellings are one institution, keyed by the plain spelling', async (t) => {
  const index = buildInstitutionIndex(world)
  const table: [string[], string][] = [
    [['Foo Institute', 'F\u043E\u043E Institute'], 'name:foo institute'],
    [['F\u043E\u043E Institute', 'Foo Institute'], 'name:foo institute'],
    [['Foo Ins\u200Btitute', 'Foo Institute'], 'name:foo institute'],
    [['Acme Labs', '\u0410cme Labs', 'Acme L\u0430bs'], 'name:acme labs'],
    [['Москва Институт', 'Mосква Институт'], 'name:москва институт'],
  ]
  for (const [raws, key] of table) {
    const matches = raws.map((raw) => matchInstitution(raw, index))
    const unknown = matches.filter((m) => m.kind === 'unknown')
    t.equal(unknown.length, raws.length, `${raws.join(' / ')}: unknown`)
    const groups = lookalikeGroups(unknown)
    t.same(new Set(unknown.map((m) => groups.get(m.key))), new Set([key]), `${raws.join(' / ')} → ${key}`)
  }
  const apart = ['Foo Institute', 'Bar Institute', '東京研究所', '京都研究所']
    .map((raw) => matchInstitution(raw, index))
    .filter((m) => m.kind === 'unknown')
  const groups = lookalikeGroups(apart)
  t.equal(new Set(groups.values()).size, 4, 'different names stay different institutions')
})

/**
 * An ASCII institution name with some letters swapped for look-alikes and invisible characters
 * slipped inside words (at a word's edge an invisible character changes nothing a reader sees).
 */
function disguise(name: string) {
  const positions = [...name].map((c, i) => ({ c, i })).filter(({ c }) => HOMOGLYPHS[c])
  const inside = [...name].map((_, i) => i).filter((i) => i > 0 && /\w/.test(name[i - 1]!) && /\w/.test(name[i]!))
  return fc
    .record({
      swaps: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 }),
      inserts: fc.array(fc.tuple(fc.constantFrom(...inside), fc.constantFrom(...INVISIBLE)), { maxLength: 2 }),
    })
    .map(({ swaps, inserts }) => {
      const chars = [...name]
      if (positions.length > 0) {
        for (const [p, g] of swaps) {
          const { c, i } = positions[p % positions.length]!
          const glyphs = HOMOGLYPHS[c]!
          chars[i] = glyphs[g % glyphs.length]!
        }
      }
      for (const [at, invisible] of [...inserts].sort((a, b) => b[0] - a[0])) chars.splice(at, 0, invisible)
      return chars.join('')
    })
}

t.test('property: a disguised known name matches its institution, flagged exactly when disguised', async (t) => {
  const index = buildInstitutionIndex(world)
  const ascii = world.filter((i) => /^[\x20-\x7e]+$/.test(i.name))
  fc.assert(
    fc.property(
      fc.constantFrom(...ascii).chain((institution) => fc.tuple(fc.constant(institution), disguise(institution.name))),
      ([institution, raw]) => {
        const match = matchInstitution(raw, index)
        if (match.kind !== 'known' || match.institution.id !== institution.id) return false
        return (match.lookalike !== null) === (raw !== institution.name)
      },
    ),
    { numRuns: 1000 },
  )
  t.pass('matched and flagged')
})

t.test("property: disguised unknown names share the plain spelling's key, whatever the order", async (t) => {
  const index = buildInstitutionIndex(world)
  const names = ['Example Research Centre', 'Hypothetical Archive of Maps', 'Sample Museum', 'Texas Image Exchange']
  fc.assert(
    fc.property(
      fc
        .constantFrom(...names)
        .chain((name) => fc.tuple(fc.constant(name), fc.array(disguise(name), { minLength: 1, maxLength: 4 }))),
      fc.boolean(),
      ([name, disguised], plainFirst) => {
        const raws = plainFirst ? [name, ...disguised] : [...disguised, name]
        const matches = raws.map((raw) => matchInstitution(raw, index))
        if (!matches.every((m) => m.kind === 'unknown')) return false
        const groups = lookalikeGroups(matches.filter((m) => m.kind === 'unknown'))
        return matches.every(
          (m) => m.kind === 'unknown' && groups.get(m.key) === `name:${normaliseInstitutionName(name)}`,
        )
      },
    ),
    { numRuns: 500 },
  )
  t.pass('one key per disguised name')
})

t.test('property: a name in one script, matched as written, is never flagged', async (t) => {
  const scripts = [
    fc.string({ unit: fc.constantFrom(...'абвгдеёжзийклмнопрстуфхцчшщъыьэюя АБВГД'), minLength: 1, maxLength: 20 }),
    fc.string({ unit: fc.constantFrom(...'αβγδεζηθικλμνξοπρστυφχψω ΑΒΓΔ'), minLength: 1, maxLength: 20 }),
    fc.string({
      unit: fc.constantFrom(...'東京大学京都研究所お茶の水女子アーカイブ図書館'),
      minLength: 1,
      maxLength: 12,
    }),
    fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz ABCXYZ&'.-"), minLength: 1, maxLength: 20 }),
  ]
  fc.assert(
    fc.property(fc.oneof(...scripts), (name) => {
      fc.pre(normaliseInstitutionName(name) !== '' && !isUnaffiliated(name))
      const index = buildInstitutionIndex([...world, { id: 'zz', name, aliases: [], consortium: false }])
      const match = matchInstitution(name, index)
      return match.kind === 'known' && match.lookalike === null && lookalikeSigns(name) === null
    }),
    { numRuns: 500 },
  )
  t.pass('never flagged for its script')
})
