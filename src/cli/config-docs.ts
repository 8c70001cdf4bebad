import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { KindGuard, type TSchema } from '@sinclair/typebox'
import { ConfigSchema } from '../config.js'

export const README_FILE = fileURLToPath(new URL('../../README.md', import.meta.url))
export const ENV_EXAMPLE_FILE = fileURLToPath(new URL('../../.env.example', import.meta.url))
export const START_MARKER = '<!-- config:start -->'
export const END_MARKER = '<!-- config:end -->'

/** One environment variable as README and .env.example show it, all taken from ConfigSchema. */
export interface VariableDoc {
  name: string
  /** The default as written in the environment; null when the variable is unset by default. */
  default: string | null
  /** What the schema allows (bounds, words, length), in Markdown; '' when only the description says. */
  allowed: string
  description: string
  /** Example values, shown commented out in .env.example. */
  examples: string[]
}

function code(value: string): string {
  return `\`${value}\``
}

function allowed(schema: TSchema): string {
  if (KindGuard.IsInteger(schema)) return `${schema['minimum']}–${schema['maximum']}`
  if (KindGuard.IsUnion(schema)) return schema.anyOf.map((option) => code(String(option['const']))).join(', ')
  if (schema['minLength'] !== undefined) return `at least ${schema['minLength']} characters`
  return ''
}

/** Every variable of ConfigSchema, in its order. */
export function variableDocs(): VariableDoc[] {
  return Object.entries(ConfigSchema.properties).map(([name, schema]: [string, TSchema]) => ({
    name,
    default: schema.default === undefined ? null : String(schema.default),
    allowed: allowed(schema),
    description: String(schema.description),
    examples: ((schema['examples'] as unknown[] | undefined) ?? []).map(String),
  }))
}

const GENERATED = 'generated from ConfigSchema in src/config.ts by `npm run docs:config`: edit the descriptions there'

/** A Markdown table cell: code spans for values; a pipe would end the cell. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|')
}

/** README's Configuration table, markers included. */
export function readmeTable(docs: VariableDoc[] = variableDocs()): string {
  const rows = docs.map(
    (doc) =>
      `| ${code(doc.name)} | ${doc.default === null ? 'unset' : code(doc.default)} | ${cell(doc.allowed)} | ${cell(doc.description)} |`,
  )
  return [
    START_MARKER,
    `<!-- ${GENERATED} -->`,
    '',
    '| Variable | Default | Allowed | Meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    END_MARKER,
  ].join('\n')
}

/** README.md with the text between the config markers replaced by the generated table. */
export function renderReadme(readme: string): string {
  const start = readme.indexOf(START_MARKER)
  const end = readme.indexOf(END_MARKER)
  if (start === -1 || end < start) throw new Error(`README.md has no ${START_MARKER} … ${END_MARKER} block`)
  return readme.slice(0, start) + readmeTable() + readme.slice(end + END_MARKER.length)
}

/** Comment lines of at most `width` characters, broken between words. */
function comment(text: string, width = 100): string[] {
  const lines: string[] = []
  let line = '#'
  for (const word of text.split(/\s+/)) {
    if (line !== '#' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = '#'
    }
    line += ` ${word}`
  }
  lines.push(line)
  return lines
}

/** The whole of .env.example. */
export function envExample(docs: VariableDoc[] = variableDocs()): string {
  const lines = [
    '# rota reads its configuration from the environment; this file lists every variable with its default.',
    "# Copy the lines you need into your environment (or a process manager's env file). Blank = unset.",
    `# This file is ${GENERATED}.`,
  ]
  for (const doc of docs) {
    lines.push('', ...comment(doc.description))
    if (doc.allowed !== '') lines.push(`# Allowed: ${doc.allowed}.`)
    for (const example of doc.examples) lines.push(`# ${doc.name}=${example}`)
    lines.push(`${doc.name}=${doc.default ?? ''}`)
  }
  lines.push(
    '',
    '# --- docker compose only (read by docker-compose.yml from .env, not by rota) ---',
    "# Password of the `rota` role in the db service, also put into the app's DATABASE_URL. Required.",
    '# Use URL-safe characters (it goes into a URL), e.g. `openssl rand -hex 24`.',
    '# POSTGRES_PASSWORD=',
  )
  return lines.join('\n') + '\n'
}

/** `npm run docs:config`: rewrites README's Configuration table and .env.example from ConfigSchema. */
function main(): void {
  fs.writeFileSync(README_FILE, renderReadme(fs.readFileSync(README_FILE, 'utf8')))
  fs.writeFileSync(ENV_EXAMPLE_FILE, envExample())
  process.stdout.write(`wrote ${README_FILE} (Configuration table) and ${ENV_EXAMPLE_FILE}\n`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main()
