import { useState } from 'preact/hooks'
import { api, unwrap, type Call, type ImportAnswer, type Selection, type Team } from '../api'
import { Link } from '../router'
import { ApprovalView } from './approval'
import {
  ErrorMessage,
  Field,
  Loading,
  PageTitle,
  Select,
  Status,
  formatDate,
  formatDateTime,
  seatsText,
  useAction,
  useLoad,
} from '../ui'

const ZONES: string[] = (() => {
  try {
    // Browsers list canonical zones, which leave UTC out.
    return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')]
  } catch {
    return ['UTC']
  }
})()
const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone

/** The call's moments in order, each marked done once passed. */
function Timeline({ call }: { call: Call }) {
  const now = Date.now()
  const steps: Array<[string, string | null, boolean]> = [
    ['Created (scheduled)', null, true],
    ['Opens', call.opensAt, now >= new Date(call.opensAt).getTime()],
    ['Closes', call.closesAt, now >= new Date(call.closesAt).getTime()],
    ['Selection final (closed)', null, call.status === 'closed'],
    ['Terms start', call.termStart, now >= new Date(call.termStart).getTime()],
  ]
  return (
    <ol class="timeline">
      {steps.map(([label, at, done]) => (
        <li key={label} class={done ? 'done' : ''}>
          <span class="visually-hidden">{done ? 'Done: ' : 'To come: '}</span>
          {label}
          {at && <> — {formatDateTime(at)}</>}
        </li>
      ))}
      {call.reopenedAt && <li class="done">Reopened — {formatDateTime(call.reopenedAt)}</li>}
      {call.status === 'cancelled' && <li class="done">Cancelled</li>}
    </ol>
  )
}

function GoogleForm({ call, onChange }: { call: Call; onChange: () => void }) {
  const form = useLoad(async () => {
    const answer = await api.GET('/calls/{id}/form', { params: { path: { id: call.id } } })
    return answer.response.status === 404 ? null : unwrap(answer)
  }, [call.id])
  const [formId, setFormId] = useState('')
  const [nameQ, setNameQ] = useState('')
  const [institutionQ, setInstitutionQ] = useState('')
  const [emailQ, setEmailQ] = useState('')
  const link = useAction()
  const sync = useAction()
  const [synced, setSynced] = useState<string | null>(null)
  return (
    <section aria-labelledby="form-title">
      <h2 id="form-title">Google Form</h2>
      {form.data ? (
        <p>
          Linked to “{form.data.formTitle}” ({form.data.formId}).
        </p>
      ) : (
        !form.loading && <p>No form linked.</p>
      )}
      <details>
        <summary>{form.data ? 'Link another form' : 'Link a Google Form'}</summary>
        <form
          onSubmit={async (e) => {
            e.preventDefault()
            const done = await link.run(async () =>
              unwrap(
                await api.PUT('/calls/{id}/form', {
                  params: { path: { id: call.id } },
                  body: {
                    formId,
                    questions: { name: nameQ, institution: institutionQ, ...(emailQ ? { email: emailQ } : {}) },
                  },
                }),
              ),
            )
            if (done) void form.reload()
          }}
        >
          <Field label="Form ID" name="formId" required value={formId} onInput={setFormId} error={link.error} />
          <Field label="Name question" name="name" required value={nameQ} onInput={setNameQ} error={link.error} />
          <Field
            label="Institution question"
            name="institution"
            required
            value={institutionQ}
            onInput={setInstitutionQ}
            error={link.error}
          />
          <Field
            label="Email question (empty: the respondent’s collected email)"
            name="email"
            value={emailQ}
            onInput={setEmailQ}
            error={link.error}
          />
          <ErrorMessage error={link.error} fields={['formId', 'name', 'institution', 'email']} />
          <button type="submit" disabled={link.busy}>
            Link form
          </button>
        </form>
      </details>
      {form.data && (
        <p>
          <button
            type="button"
            disabled={sync.busy}
            onClick={async () => {
              const answer = await sync.run(async () =>
                unwrap(await api.POST('/calls/{id}/sync', { params: { path: { id: call.id } } })),
              )
              if (answer) {
                setSynced(
                  `Read ${answer.fetched} responses: ${answer.inserted} new, ${answer.updated} updated, ${answer.unchanged} unchanged, ${answer.deletedUpstream} deleted in the form.`,
                )
                onChange()
              }
            }}
          >
            Sync now
          </button>
        </p>
      )}
      {synced && <p role="status">{synced}</p>}
      <ErrorMessage error={sync.error} />
    </section>
  )
}

function Upload({ call, onImported }: { call: Call; onImported: () => void }) {
  const [file, setFile] = useState<{ name: string; text: string } | null>(null)
  const [timezone, setTimezone] = useState(ZONES.includes(LOCAL_ZONE) ? LOCAL_ZONE : 'UTC')
  const [dateOrder, setDateOrder] = useState<'MDY' | 'DMY'>('MDY')
  const [dryRun, setDryRun] = useState<ImportAnswer | null>(null)
  const [imported, setImported] = useState<ImportAnswer | null>(null)
  const [dragging, setDragging] = useState(false)
  const action = useAction()

  const send = async (text: string, dry: boolean) =>
    unwrap(
      await api.POST('/calls/{id}/responses', {
        params: { path: { id: call.id }, query: { timezone, dateOrder, dryRun: dry } },
        body: text as never,
        bodySerializer: (body: unknown) => body as string,
        headers: { 'content-type': 'text/csv' },
      }),
    )
  const preview = async (chosen: { name: string; text: string }) => {
    setImported(null)
    setDryRun((await action.run(() => send(chosen.text, true))) ?? null)
  }
  const choose = async (picked: File | undefined) => {
    if (!picked) return
    const chosen = { name: picked.name, text: await picked.text() }
    setFile(chosen)
    await preview(chosen)
  }
  return (
    <section aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a CSV</h2>
      <p>
        A Google Forms export (Responses → Download responses). It is shown first as a dry run; nothing is stored until
        “Import”.
      </p>
      <div class="row">
        <Select
          label="Time zone of the form’s timestamps"
          name="timezone"
          value={timezone}
          onInput={(v) => {
            setTimezone(v)
            setDryRun(null)
          }}
          options={ZONES.map((z) => [z, z])}
          error={action.error}
        />
        <Select
          label="Date order"
          name="dateOrder"
          value={dateOrder}
          onInput={(v) => {
            setDateOrder(v as 'MDY' | 'DMY')
            setDryRun(null)
          }}
          options={[
            ['MDY', 'Month/day/year (US)'],
            ['DMY', 'Day/month/year'],
          ]}
          error={action.error}
        />
      </div>
      <div
        class={`drop ${dragging ? 'dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault()
          setDragging(true)
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault()
          setDragging(false)
          void choose(e.dataTransfer?.files[0])
        }}
      >
        <label for="csv-file">CSV file</label>
        <input
          id="csv-file"
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => void choose((e.currentTarget as HTMLInputElement).files?.[0])}
        />
        <p class="hint">or drop the file here</p>
      </div>
      {file && !dryRun && !action.busy && (
        <button type="button" onClick={() => void preview(file)}>
          Preview again
        </button>
      )}
      <ErrorMessage error={action.error} fields={['timezone', 'dateOrder']} />
      {dryRun && file && (
        <div class="panel" aria-labelledby="dry-run-title">
          <h3 id="dry-run-title">Dry run of {file.name}</h3>
          <p>
            {dryRun.rows} rows: {dryRun.inserted} new, {dryRun.updated} updated, {dryRun.unchanged} unchanged,{' '}
            {dryRun.skipped} skipped. Nothing is stored yet.
          </p>
          <Warnings warnings={dryRun.warnings} />
          {dryRun.order && dryRun.order.length > 0 && (
            <table>
              <caption>First-come order after this import</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Submitted</th>
                  <th scope="col">Name</th>
                  <th scope="col">Institution</th>
                  <th scope="col">Change</th>
                </tr>
              </thead>
              <tbody>
                {dryRun.order.map((o) => (
                  <tr key={o.position}>
                    <td>{o.position}</td>
                    <td>{formatDateTime(o.submittedAt)}</td>
                    <td>{o.name}</td>
                    <td>{o.institution ?? '—'}</td>
                    <td>{o.change}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <button
            type="button"
            disabled={action.busy}
            onClick={async () => {
              const done = await action.run(() => send(file.text, false))
              if (done) {
                setImported(done)
                setDryRun(null)
                setFile(null)
                onImported()
              }
            }}
          >
            Import
          </button>
        </div>
      )}
      {imported && (
        <p role="status">
          Imported: {imported.inserted} new, {imported.updated} updated, {imported.unchanged} unchanged.
        </p>
      )}
    </section>
  )
}

function Warnings({ warnings }: { warnings: ImportAnswer['warnings'] }) {
  if (warnings.length === 0) return <p>No warnings.</p>
  return (
    <ul class="warnings">
      {warnings.map((w, i) => (
        <li key={i}>
          <strong>{w.code}</strong>: {w.message}
          {w.where.length > 0 && (
            <>
              {' '}
              ({w.where.slice(0, 10).join(', ')}
              {w.where.length > 10 ? '…' : ''})
            </>
          )}
        </li>
      ))}
    </ul>
  )
}

function Responses({ call, version, onChange }: { call: Call; version: number; onChange: () => void }) {
  const list = useLoad(
    async () => unwrap(await api.GET('/calls/{id}/responses', { params: { path: { id: call.id } } })),
    [call.id, version],
  )
  const [removing, setRemoving] = useState<string | null>(null)
  return (
    <section aria-labelledby="responses-title">
      <h2 id="responses-title">Responses</h2>
      <ErrorMessage error={list.error} />
      {list.data && list.data.responses.length === 0 && <p>No responses yet.</p>}
      {list.data && list.data.responses.length > 0 && (
        <div class="scroll">
          <table>
            <caption class="visually-hidden">Responses in first-come order</caption>
            <thead>
              <tr>
                <th scope="col">Submitted</th>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Institution</th>
                <th scope="col">Source</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.responses.map((r) => (
                <tr key={r.id}>
                  <td>{formatDateTime(r.submittedAt)}</td>
                  <td>{r.name}</td>
                  <td>{r.email}</td>
                  <td>{r.institution ?? '—'}</td>
                  <td>{r.source}</td>
                  <td>
                    {call.status !== 'closed' &&
                      (removing === r.id ? (
                        <ReasonForm
                          label={`Reason for removing ${r.name}`}
                          submit="Remove"
                          remove={(reason) =>
                            api.DELETE('/calls/{id}/responses/{responseId}', {
                              params: { path: { id: call.id, responseId: r.id } },
                              body: { reason },
                            })
                          }
                          onCancel={() => setRemoving(null)}
                          onDone={() => {
                            setRemoving(null)
                            onChange()
                          }}
                        />
                      ) : (
                        <button
                          type="button"
                          class="secondary"
                          onClick={() => setRemoving(r.id)}
                          aria-label={`Delete the response of ${r.name}`}
                        >
                          Delete
                        </button>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

/**
 * Removing something staff may want back (a response, an import) asks why first, inline: the reason is
 * kept on record; "Keep" leaves it be. Shows the API's error next to the field.
 */
function ReasonForm(props: {
  label: string
  submit: string
  remove: (reason: string) => Promise<Parameters<typeof unwrap>[0]>
  onCancel: () => void
  onDone: () => void
}) {
  const [reason, setReason] = useState('')
  const action = useAction()
  return (
    <form
      class="inline"
      onSubmit={async (e) => {
        e.preventDefault()
        const done = await action.run(async () => unwrap(await props.remove(reason)))
        if (done) props.onDone()
      }}
    >
      <Field
        label={props.label}
        name="reason"
        required
        value={reason}
        onInput={setReason}
        error={action.error}
        autoFocus
      />
      <ErrorMessage error={action.error} fields={['reason']} />
      <div class="actions">
        <button type="submit">{props.submit}</button>
        <button type="button" class="secondary" onClick={props.onCancel}>
          Keep
        </button>
      </div>
    </form>
  )
}

/** The call's imports, each removable (with a reason) before the close: a file read wrongly is undone, then imported again. */
function Imports({ call, version, onChange }: { call: Call; version: number; onChange: () => void }) {
  const list = useLoad(
    async () => unwrap(await api.GET('/calls/{id}/imports', { params: { path: { id: call.id } } })),
    [call.id, version],
  )
  const [removing, setRemoving] = useState<string | null>(null)
  if (!list.data || list.data.imports.length === 0) return <ErrorMessage error={list.error} />
  return (
    <section aria-labelledby="imports-title">
      <h2 id="imports-title">Imports</h2>
      <ul class="imports">
        {list.data.imports.map((i) => (
          <li key={i.id}>
            {formatDateTime(i.importedAt)}: {i.source}, {i.rows} rows ({i.inserted} new, {i.updated} updated) by{' '}
            {i.importedBy}
            {i.removed ? (
              <>
                {' '}
                — removed {formatDateTime(i.removed.at)}: {i.removed.reason}
              </>
            ) : (
              call.status !== 'closed' &&
              (removing === i.id ? (
                <ReasonForm
                  label="Reason for removing this import"
                  submit="Remove import"
                  remove={(reason) =>
                    api.DELETE('/calls/{id}/imports/{batch}', {
                      params: { path: { id: call.id, batch: i.id } },
                      body: { reason },
                    })
                  }
                  onCancel={() => setRemoving(null)}
                  onDone={() => {
                    setRemoving(null)
                    onChange()
                  }}
                />
              ) : (
                <>
                  {' '}
                  <button type="button" class="secondary" onClick={() => setRemoving(i.id)}>
                    Remove…
                  </button>
                </>
              ))
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}

function AddAlias({ name, suggestion, onDone }: { name: string; suggestion: string; onDone: () => void }) {
  const action = useAction()
  return (
    <>
      <button
        type="button"
        class="secondary"
        disabled={action.busy}
        onClick={async () => {
          const done = await action.run(async () => {
            const all = unwrap(await api.GET('/institutions'))
            const target = all.institutions.find((i) => i.name === suggestion)
            if (!target) throw new Error(`No institution named ${suggestion}`)
            return unwrap(
              await api.PATCH('/institutions/{id}', {
                params: { path: { id: target.id } },
                body: { aliases: [...target.aliases, name] },
              }),
            )
          })
          if (done) onDone()
        }}
      >
        Add “{name}” as alias of {suggestion}
      </button>
      <ErrorMessage error={action.error} />
    </>
  )
}

function SelectionView({ selection, onChange }: { selection: Selection; onChange: () => void }) {
  const byId = new Map(selection.decisions.map((d) => [d.responseId, d]))
  return (
    <section aria-labelledby="selection-title">
      <h2 id="selection-title">{selection.status === 'final' ? 'Selection (final)' : 'Selection preview'}</h2>
      <p>
        Seats: {seatsText(selection.seats)}. Shortfall: {seatsText(selection.shortfall)}. Terms start{' '}
        {formatDate(selection.termStart)}.
      </p>
      {selection.notes.map((n, i) => (
        <p key={i} class="note">
          {n}
        </p>
      ))}
      {selection.warnings.length > 0 && (
        <>
          <h3>Warnings to review</h3>
          <ul class="warnings">
            {selection.warnings.map((w, i) => (
              <li key={i}>
                <strong>{w.code}</strong>: {w.message}
                {w.code.includes('institution') &&
                  w.suggestions.map((s) => (
                    <AddAlias
                      key={s}
                      name={byId.get(w.responseId)?.institution ?? ''}
                      suggestion={s}
                      onDone={onChange}
                    />
                  ))}
              </li>
            ))}
          </ul>
        </>
      )}
      <div class="scroll">
        <table>
          <caption class="visually-hidden">Every decision with its explanation</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Name</th>
              <th scope="col">Institution</th>
              <th scope="col">Outcome</th>
              <th scope="col">Explanation</th>
            </tr>
          </thead>
          <tbody>
            {selection.decisions.map((d) => (
              <tr key={d.responseId} class={`outcome-${d.outcome}`}>
                <td>{d.position}</td>
                <td>{d.name}</td>
                <td>{d.institution ?? '—'}</td>
                <td>
                  {d.outcome}
                  {d.seat ? ` (${d.seat})` : ''}
                </td>
                <td>{d.explanation}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

function CloseReopen({ call, onChange }: { call: Call; onChange: () => void }) {
  const [confirming, setConfirming] = useState(false)
  const [startNow, setStartNow] = useState(false)
  const [reason, setReason] = useState('')
  const action = useAction()
  const early = Date.now() < new Date(call.closesAt).getTime()
  if (call.status === 'closed')
    return (
      <section aria-labelledby="reopen-title">
        <h2 id="reopen-title">Reopen</h2>
        <p>
          Undo the close: its selection is kept as history, the members it made are voided, unsent emails cancelled.
        </p>
        <form
          onSubmit={async (e) => {
            e.preventDefault()
            const done = await action.run(async () =>
              unwrap(await api.POST('/calls/{id}/reopen', { params: { path: { id: call.id } }, body: { reason } })),
            )
            if (done) onChange()
          }}
        >
          <Field
            label="Reason for reopening"
            name="reason"
            required
            value={reason}
            onInput={setReason}
            error={action.error}
          />
          <ErrorMessage error={action.error} fields={['reason']} />
          <button type="submit" disabled={action.busy}>
            Reopen
          </button>
        </form>
      </section>
    )
  if (call.status !== 'open' && call.status !== 'due') return null
  const close = async () => {
    const done = await action.run(async () =>
      unwrap(
        await api.POST('/calls/{id}/close', {
          params: { path: { id: call.id } },
          // The server's clock, not the browser's: the terms start at the close itself.
          body: early ? { early: true, ...(startNow ? { startTermsAtClose: true } : {}) } : {},
        }),
      ),
    )
    if (done) onChange()
  }
  return (
    <section aria-labelledby="close-title">
      <h2 id="close-title">Close</h2>
      <p>Closing makes the selection final: the selected volunteers become members and the result emails are queued.</p>
      {early && !confirming && (
        <button type="button" onClick={() => setConfirming(true)}>
          Close
        </button>
      )}
      {early && confirming && (
        <div class="warning" role="alertdialog" aria-labelledby="confirm-close">
          <p id="confirm-close">
            The window runs until {formatDateTime(call.closesAt)}. Close it early? Responses after now will not count.
          </p>
          <label class="check">
            <input
              type="checkbox"
              checked={startNow}
              onChange={(e) => setStartNow((e.currentTarget as HTMLInputElement).checked)}
            />
            Start the new terms now (otherwise on {formatDate(call.termStart)})
          </label>
          <div class="actions">
            <button type="button" onClick={close} disabled={action.busy} autoFocus>
              Close early
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>
              Keep open
            </button>
          </div>
        </div>
      )}
      {!early && (
        <button type="button" onClick={close} disabled={action.busy}>
          Close
        </button>
      )}
      <ErrorMessage error={action.error} />
    </section>
  )
}

export function CallPage({ id, team }: { id: string; team: Team }) {
  const [version, setVersion] = useState(0)
  const changed = () => setVersion((v) => v + 1)
  const call = useLoad(async () => unwrap(await api.GET('/calls/{id}', { params: { path: { id } } })), [id, version])
  const selection = useLoad(
    async () => unwrap(await api.GET('/calls/{id}/selection', { params: { path: { id } } })),
    [id, version],
  )
  const c = call.data
  return (
    <>
      <p class="crumbs">
        <Link to="calls">Calls</Link>
      </p>
      <PageTitle>{c ? `Call of ${formatDate(c.opensAt)} – ${formatDate(c.closesAt)}` : 'Call'}</PageTitle>
      <ErrorMessage error={call.error} />
      {!c && call.loading && <Loading what="the call" />}
      {c && c.team === team.slug && (
        <>
          <p>
            <Status status={c.status} /> Opens {formatDateTime(c.opensAt)}, closes {formatDateTime(c.closesAt)}; seats:{' '}
            {seatsText(c.seats)}.
          </p>
          <Timeline call={c} />
          <CloseReopen call={c} onChange={changed} />
          {c.status !== 'closed' && c.status !== 'cancelled' && (
            <>
              <GoogleForm call={c} onChange={changed} />
              <Upload call={c} onImported={changed} />
            </>
          )}
          {selection.data?.approval && (
            <ApprovalView callId={id} approval={selection.data.approval} onChange={changed} />
          )}
          {selection.data && <SelectionView selection={selection.data} onChange={changed} />}
          <ErrorMessage error={selection.error} />
          <Responses call={c} version={version} onChange={changed} />
          <Imports call={c} version={version} onChange={changed} />
        </>
      )}
    </>
  )
}
