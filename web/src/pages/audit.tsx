import { useEffect, useState } from 'preact/hooks'
import { api, unwrap, type AuditEntry } from '../api'
import { ErrorMessage, Field, Loading, PageTitle, formatDateTime, localToRfc3339, useAction } from '../ui'

interface Filters {
  action: string
  actor: string
  entity: string
  since: string
}

const NO_FILTERS: Filters = { action: '', actor: '', entity: '', since: '' }

/** A value, short: JSON, cut at 60 characters. */
function short(value: unknown): string {
  const text = value === undefined ? '—' : JSON.stringify(value)
  return text.length > 60 ? `${text.slice(0, 59)}…` : text
}

/** before/after, field by field: `status: "open" → "closed"`. */
function Change({ entry }: { entry: AuditEntry }) {
  const before = (entry.before ?? {}) as Record<string, unknown>
  const after = (entry.after ?? {}) as Record<string, unknown>
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
  if (keys.length === 0) return <>—</>
  return (
    <ul class="changes">
      {keys.map((key) => (
        <li key={key}>
          <code>
            {key}: {entry.before ? short(before[key]) : '—'} → {entry.after ? short(after[key]) : '—'}
          </code>
        </li>
      ))}
    </ul>
  )
}

/** The audit log (admins): newest first, filtered, "Load more" with the cursor. */
export function Audit() {
  const [form, setForm] = useState<Filters>(NO_FILTERS)
  const [entries, setEntries] = useState<AuditEntry[] | null>(null)
  const [cursor, setCursor] = useState<string | null>(null)
  const [applied, setApplied] = useState<Filters>(NO_FILTERS)
  const action = useAction()

  const load = async (filters: Filters, after: string | null) => {
    const query = {
      ...(filters.action.trim() && { action: filters.action.trim() }),
      ...(filters.actor.trim() && { actor: filters.actor.trim() }),
      ...(filters.entity.trim() && { entity: filters.entity.trim() }),
      ...(filters.since && { since: localToRfc3339(filters.since) }),
      ...(after && { cursor: after }),
      limit: 50,
    }
    const page = await action.run(async () => unwrap(await api.GET('/audit', { params: { query } })))
    if (!page) return
    setEntries((old) => (after && old ? [...old, ...page.entries] : page.entries))
    setCursor(page.nextCursor)
    setApplied(filters)
    // "Load more" goes away on the last page: the focus moves to the entries, not to the page's start.
    if (after && !page.nextCursor) requestAnimationFrame(() => document.getElementById('audit-entries')?.focus())
  }

  // The first page, unfiltered.
  useEffect(() => void load(NO_FILTERS, null), [])

  const set = (key: keyof Filters) => (value: string) => setForm((f) => ({ ...f, [key]: value }))
  return (
    <>
      <PageTitle>Audit</PageTitle>
      <p>
        Every staff write, the tick’s changes and token management, newest first. People appear as person references.
      </p>
      <form
        class="panel"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault()
          void load(form, null)
        }}
      >
        <div class="grid filters">
          <Field
            label="Action"
            name="action"
            value={form.action}
            onInput={set('action')}
            error={action.error}
            hint="e.g. call.close"
          />
          <Field
            label="Actor"
            name="actor"
            value={form.actor}
            onInput={set('actor')}
            error={action.error}
            hint="a token’s name, env, tick or cli"
          />
          <Field
            label="Entity"
            name="entity"
            value={form.entity}
            onInput={set('entity')}
            error={action.error}
            hint="e.g. call, member, token"
          />
          <Field
            label="Since"
            name="since"
            type="datetime-local"
            value={form.since}
            onInput={set('since')}
            error={action.error}
          />
        </div>
        <div class="actions">
          <button type="submit" disabled={action.busy}>
            Filter
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setForm(NO_FILTERS)
              void load(NO_FILTERS, null)
            }}
          >
            Clear filters
          </button>
        </div>
      </form>
      <ErrorMessage error={action.error} fields={['action', 'actor', 'entity', 'since']} />
      {entries === null && action.busy && <Loading what="the audit log" />}
      {entries && (
        <>
          <p role="status">
            {entries.length === 0
              ? 'No entries.'
              : `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}${cursor ? ' so far' : ''}.`}
          </p>
          {entries.length > 0 && (
            <div class="scroll" id="audit-entries" role="region" aria-label="Audit entries" tabIndex={0}>
              <table>
                <caption class="visually-hidden">Audit entries, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">At</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Entity</th>
                    <th scope="col">Entity id</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Before → after</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((e) => (
                    <tr key={e.id}>
                      <td>
                        <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                      </td>
                      <td>{e.actor}</td>
                      <td>
                        <code>{e.action}</code>
                      </td>
                      <td>{e.entity}</td>
                      <td class="id">{e.entityId}</td>
                      <td>{e.reason ?? '—'}</td>
                      <td>
                        <Change entry={e} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {cursor && (
            <p>
              <button type="button" class="secondary" disabled={action.busy} onClick={() => void load(applied, cursor)}>
                Load more
              </button>
            </p>
          )}
        </>
      )}
    </>
  )
}
