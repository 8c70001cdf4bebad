import t from 'tap'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'

// docs/rules.md names, for every rule, the functions that implement it and the tests that check
// it; a rename or a removed test must not leave it pointing at nothing. Comments cite its rules as
// `docs/rules.md#r6`, so every such id must exist.
const root = join(import.meta.dirname, '..', '..')
const doc = await readFile(join(root, 'docs', 'rules.md'), 'utf8')
const ids = new Set([...doc.matchAll(/<a id="([rd]\d+)"><\/a>/g)].map((m) => m[1]!))

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

t.test('every rule has an id, R1–R16 for the sentences of the Code of Conduct, then D1…', async (t) => {
  const sentences = [...ids].filter((id) => id.startsWith('r'))
  t.same(
    sentences,
    Array.from({ length: 16 }, (_, i) => `r${i + 1}`),
    'one id per quoted sentence, in order',
  )
  t.equal(doc.split('\n').filter((line) => line.startsWith('> ')).length, 16, 'sixteen quoted sentences')
  const decisions = [...ids].filter((id) => id.startsWith('d'))
  t.same(
    decisions,
    Array.from({ length: decisions.length }, (_, i) => `d${i + 1}`),
    "rota's own rules numbered without gaps",
  )
  t.ok(decisions.length > 0)
})

t.test('every function the rules name is declared in the file named', async (t) => {
  let checked = 0
  for (const [, path, rest] of doc.matchAll(/^- `(src\/[^`]+)`: (.*)$/gm)) {
    const source = await readFile(join(root, path!), 'utf8')
    // Parenthesised notes (`call-opened` goes to the mailing list) name codes, not functions.
    for (const [, name] of rest!.replace(/\(.*?\)/g, '').matchAll(/`([A-Za-z_]\w*)`/g)) {
      const declared = new RegExp(
        `(function\\*?\\s+${name}\\b|(const|class|interface|type)\\s+${name}\\b|async\\s+${name}\\s*\\(|^\\s+${name}\\s*\\()`,
        'm',
      )
      t.match(source, declared, `${path}: ${name}`)
      checked++
    }
  }
  t.ok(checked > 50, `${checked} functions checked`)
})

t.test('every test the rules name exists in the file named, by its title', async (t) => {
  let checked = 0
  for (const [, path, rest] of doc.matchAll(/^- `(test\/[^`]+)`: (.*)$/gm)) {
    const source = await readFile(join(root, path!), 'utf8')
    const titles = [...rest!.matchAll(/"(.*?)"(?=;|\s*\(|\s*$)/g)].map((m) => m[1]!)
    t.ok(titles.length > 0, `${path} names at least one test`)
    for (const title of titles) {
      const quoted = [`'${title.replace(/'/g, "\\'")}'`, `"${title}"`, `\`${title}\``]
      t.ok(
        quoted.some((q) => new RegExp(`\\.test\\(\\s*${escape(q)}`).test(source)),
        `${path}: "${title}"`,
      )
      checked++
    }
  }
  t.ok(checked > 50, `${checked} tests checked`)
})

t.test('every docs/rules.md#id cited in src/ and test/ exists', async (t) => {
  const files: string[] = []
  for (const dir of ['src', 'test']) {
    for (const entry of await readdir(join(root, dir), { recursive: true }))
      if (entry.endsWith('.ts')) files.push(join(dir, entry))
  }
  let cited = 0
  for (const file of files) {
    const text = await readFile(join(root, file), 'utf8')
    for (const [, citation] of text.matchAll(/docs\/rules\.md((?:[#:][^)\n*]*))/g)) {
      for (const [, id] of citation!.matchAll(/#([a-z]+\d+)/g)) {
        t.ok(ids.has(id!), `${file}: #${id}`)
        cited++
      }
    }
  }
  for (const [, id] of doc.matchAll(/\]\(#([rd]\d+)\)/g)) t.ok(ids.has(id!), `docs/rules.md links to #${id}`)
  t.ok(cited > 20, `${cited} citations checked`)
})
