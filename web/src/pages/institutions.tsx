import { useState } from 'preact/hooks'
import { api, unwrap, type Institution } from '../api'
import { ErrorMessage, Field, Loading, PageTitle, useAction, useLoad } from '../ui'

/** Add or edit one institution: name, aliases (one per line), consortium membership. */
function InstitutionForm({
  institution,
  onDone,
  onCancel,
}: {
  institution?: Institution
  onDone: () => void
  onCancel: () => void
}) {
  const [name, setName] = useState(institution?.name ?? '')
  const [aliases, setAliases] = useState(institution?.aliases.join('\n') ?? '')
  const [consortium, setConsortium] = useState(institution?.consortium ?? false)
  const action = useAction()
  const title = institution ? `Edit ${institution.name}` : 'Add an institution'
  return (
    <form
      class="panel"
      aria-label={title}
      onSubmit={async (e) => {
        e.preventDefault()
        const body = {
          name: name.trim(),
          aliases: aliases
            .split('\n')
            .map((a) => a.trim())
            .filter(Boolean),
          consortium,
        }
        const done = await action.run(async () =>
          institution
            ? unwrap(await api.PATCH('/institutions/{id}', { params: { path: { id: institution.id } }, body }))
            : unwrap(await api.POST('/institutions', { body })),
        )
        if (done) onDone()
      }}
    >
      <h2>{title}</h2>
      <Field label="Name" name="name" required value={name} onInput={setName} error={action.error} />
      <div class="field">
        <label for="aliases">Aliases (one per line)</label>
        <textarea
          id="aliases"
          rows={3}
          value={aliases}
          onInput={(e) => setAliases((e.currentTarget as HTMLTextAreaElement).value)}
        />
      </div>
      <label class="check">
        <input
          type="checkbox"
          checked={consortium}
          onChange={(e) => setConsortium((e.currentTarget as HTMLInputElement).checked)}
        />
        IIIF Consortium member
      </label>
      <ErrorMessage error={action.error} fields={['name']} />
      <div class="actions">
        <button type="submit" disabled={action.busy}>
          Save
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}

export function Institutions() {
  const list = useLoad(async () => unwrap(await api.GET('/institutions')), [])
  const [editing, setEditing] = useState<string | null>(null)
  const [filter, setFilter] = useState('')
  const shown = list.data?.institutions.filter((i) =>
    [i.name, ...i.aliases].some((n) => n.toLowerCase().includes(filter.toLowerCase())),
  )
  const done = () => {
    setEditing(null)
    void list.reload()
  }
  return (
    <>
      <PageTitle>Institutions</PageTitle>
      {editing === 'new' ? (
        <InstitutionForm onDone={done} onCancel={() => setEditing(null)} />
      ) : (
        <p>
          <button type="button" onClick={() => setEditing('new')}>
            Add an institution
          </button>
        </p>
      )}
      <Field label="Filter" name="filter" type="search" value={filter} onInput={setFilter} />
      <ErrorMessage error={list.error} />
      {list.loading && !list.data && <Loading what="institutions" />}
      {shown && (
        <table>
          <caption class="visually-hidden">Institutions</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Aliases</th>
              <th scope="col">Consortium</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((i) =>
              editing === i.id ? (
                <tr key={i.id}>
                  <td colSpan={4}>
                    <InstitutionForm institution={i} onDone={done} onCancel={() => setEditing(null)} />
                  </td>
                </tr>
              ) : (
                <tr key={i.id}>
                  <td>{i.name}</td>
                  <td>{i.aliases.join(', ') || '—'}</td>
                  <td>{i.consortium ? 'Yes' : 'No'}</td>
                  <td>
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => setEditing(i.id)}
                      aria-label={`Edit ${i.name}`}
                    >
                      Edit
                    </button>
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      )}
    </>
  )
}
