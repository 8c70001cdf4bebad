import { changedFields, recordAudit } from './audit.js'
import type { Static } from '@sinclair/typebox'
import type { Db } from '../db/client.js'
import * as queries from '../db/queries/templates.js'
import { AppError, invalid } from '../errors.js'
import {
  DEFAULT_TEMPLATES,
  isNoticeKind,
  NOTICE_KINDS,
  NOTICE_SPECS,
  renderTemplate,
  SAMPLE_VALUES,
  templateProblems,
  type NoticeKind,
  type Template,
} from '../domain/notices.js'
import type { TemplateView as TemplateViewSchema } from '../http/schemas/templates.js'
import { requireTeam } from './teams.js'

export type TemplateView = Static<typeof TemplateViewSchema>

function requireKind(kind: string): NoticeKind {
  if (!isNoticeKind(kind)) {
    throw new AppError(
      'not-found',
      'template-kind-not-found',
      `There is no email kind "${kind}"; kinds: ${NOTICE_KINDS.join(', ')}`,
    )
  }
  return kind
}

function view(kind: NoticeKind, row: queries.TemplateRow | null): TemplateView {
  const spec = NOTICE_SPECS[kind]
  const template = row ?? DEFAULT_TEMPLATES[kind]
  return {
    kind,
    audience: spec.audience,
    description: spec.description,
    subject: template.subject,
    body: template.body,
    placeholders: [...spec.placeholders],
    custom: row !== null,
    updatedAt: row?.updatedAt.toISOString() ?? null,
    updatedBy: row?.updatedBy ?? null,
  }
}

export async function listTemplates(db: Db, slug: string): Promise<TemplateView[]> {
  const team = await requireTeam(db, slug)
  const saved = new Map((await queries.listTemplates(db, team.id)).map((row) => [row.kind, row]))
  return NOTICE_KINDS.map((kind) => view(kind, saved.get(kind) ?? null))
}

export async function getTemplate(db: Db, slug: string, kind: string): Promise<TemplateView> {
  const known = requireKind(kind)
  const team = await requireTeam(db, slug)
  return view(known, await queries.findTemplate(db, team.id, known))
}

function checked(kind: NoticeKind, template: Template): void {
  const problems = templateProblems(kind, template)
  if (problems.length > 0)
    throw invalid(
      'invalid-template',
      problems.map((p) => ({ field: `body.${p.field}`, message: p.message })),
    )
}

/** Saves staff's wording for a kind; placeholders the kind does not know are refused (400 naming them). Emails already queued keep their text. */
export async function putTemplate(
  db: Db,
  slug: string,
  kind: string,
  template: Template,
  staff: string,
  now: Date,
): Promise<TemplateView> {
  const known = requireKind(kind)
  checked(known, template)
  return db.transaction(async (tx) => {
    const team = await requireTeam(tx, slug, true)
    const previous = await queries.findTemplate(tx, team.id, known)
    const saved = await queries.upsertTemplate(tx, {
      teamId: team.id,
      kind: known,
      subject: template.subject,
      body: template.body,
      updatedBy: staff,
      updatedAt: now,
    })
    await recordAudit(tx, {
      at: now,
      actor: staff,
      action: 'template.put',
      entity: 'template',
      entityId: `${team.slug}/${known}`,
      ...changedFields(wording(previous), wording(saved)),
    })
    return view(known, saved)
  })
}

/** A template's wording for its audit rows: null for rota's default. */
function wording(row: { subject: string; body: string } | null): { subject: string | null; body: string | null } {
  return { subject: row?.subject ?? null, body: row?.body ?? null }
}

/** Goes back to rota's default wording. */
export async function resetTemplate(
  db: Db,
  slug: string,
  kind: string,
  staff: string,
  now: Date,
): Promise<TemplateView> {
  const known = requireKind(kind)
  return db.transaction(async (tx) => {
    const team = await requireTeam(tx, slug, true)
    const previous = await queries.findTemplate(tx, team.id, known)
    await queries.deleteTemplate(tx, team.id, known)
    await recordAudit(tx, {
      at: now,
      actor: staff,
      action: 'template.reset',
      entity: 'template',
      entityId: `${team.slug}/${known}`,
      ...changedFields(wording(previous), wording(null)),
    })
    return view(known, null)
  })
}

/**
 * Renders a template with example values (the team's own name and form link): the saved one, or
 * a draft sent in the request, checked as a save would check it.
 */
export async function previewTemplate(
  db: Db,
  slug: string,
  kind: string,
  draft: Partial<Template>,
  values: Record<string, string>,
): Promise<Template & { values: Record<string, string> }> {
  const known = requireKind(kind)
  const team = await requireTeam(db, slug)
  const saved = await queries.findTemplate(db, team.id, known)
  const base = saved ?? DEFAULT_TEMPLATES[known]
  const template = { subject: draft.subject ?? base.subject, body: draft.body ?? base.body }
  checked(known, template)
  const unknown = Object.keys(values).filter((name) => !NOTICE_SPECS[known].placeholders.includes(name))
  if (unknown.length > 0)
    throw invalid(
      'invalid-template',
      unknown.map((name) => ({ field: `body.values.${name}`, message: `is not a placeholder of ${known}` })),
    )
  const filled: Record<string, string> = {}
  for (const name of NOTICE_SPECS[known].placeholders) filled[name] = SAMPLE_VALUES[name] ?? ''
  filled['team'] = team.name
  if (team.formUrl) filled['formUrl'] = team.formUrl
  Object.assign(filled, values)
  return { ...renderTemplate(template, filled), values: filled }
}
