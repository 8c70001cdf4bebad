import { useEffect, useState } from 'preact/hooks'
import { api, unwrap, type OutboxStatus, type Team } from '../api'
import { ErrorMessage, Field, Loading, PageTitle, Select, Status, formatDateTime, useAction, useLoad } from '../ui'

const STATUSES: OutboxStatus[] = ['pending', 'sending', 'sent', 'failed', 'unknown', 'skipped']

function Outbox({ team }: { team: Team }) {
  const [status, setStatus] = useState<OutboxStatus | ''>('')
  const list = useLoad(
    async () =>
      unwrap(
        await api.GET('/outbox', { params: { query: { team: team.slug, limit: 200, ...(status ? { status } : {}) } } }),
      ),
    [team.slug, status],
  )
  const action = useAction()
  const [message, setMessage] = useState<string | null>(null)
  const act = async (id: string, what: 'retry' | 'cancel') => {
    const done = await action.run(async () =>
      what === 'retry'
        ? unwrap(await api.POST('/outbox/{id}/retry', { params: { path: { id } } }))
        : unwrap(await api.POST('/outbox/{id}/cancel', { params: { path: { id } } })),
    )
    if (done) {
      setMessage(
        what === 'retry' ? `“${done.subject}” will be sent on the next tick.` : `“${done.subject}” will not be sent.`,
      )
      void list.reload()
    }
  }
  return (
    <section aria-labelledby="outbox-title">
      <h2 id="outbox-title">Outbox</h2>
      <div class="row">
        <Select
          label="Status"
          name="status"
          value={status}
          onInput={(v) => setStatus(v as OutboxStatus | '')}
          options={[['', 'All'], ...STATUSES.map((s) => [s, s] as [string, string])]}
        />
        <button
          type="button"
          class="secondary"
          disabled={action.busy}
          onClick={async () => {
            const done = await action.run(async () => unwrap(await api.POST('/admin/tick')))
            if (done) {
              setMessage(`Sent ${done.outbox.sent}, failed ${done.outbox.failed}, retrying ${done.outbox.retrying}.`)
              void list.reload()
            }
          }}
        >
          Send now
        </button>
      </div>
      {message && <p role="status">{message}</p>}
      <ErrorMessage error={action.error ?? list.error} />
      {list.loading && !list.data && <Loading what="emails" />}
      {list.data && list.data.messages.length === 0 && <p>No emails{status ? ` with status ${status}` : ''}.</p>}
      {list.data && list.data.messages.length > 0 && (
        <div class="scroll">
          <table>
            <caption class="visually-hidden">Emails, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Queued</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.messages.map((m) => (
                <tr key={m.id}>
                  <td>{formatDateTime(m.createdAt)}</td>
                  <td>{m.to ?? '—'}</td>
                  <td>
                    {m.subject}
                    <span class="sub">{m.kind}</span>
                  </td>
                  <td>
                    <Status status={m.status} />
                    {m.lastError && <span class="sub">{m.lastError}</span>}
                  </td>
                  <td class="actions">
                    {['failed', 'unknown', 'skipped'].includes(m.status) && (
                      <button
                        type="button"
                        onClick={() => act(m.id, 'retry')}
                        aria-label={`Retry “${m.subject}” to ${m.to ?? 'the list'}`}
                      >
                        Retry
                      </button>
                    )}
                    {['pending', 'failed', 'unknown'].includes(m.status) && (
                      <button
                        type="button"
                        class="secondary"
                        onClick={() => act(m.id, 'cancel')}
                        aria-label={`Cancel “${m.subject}” to ${m.to ?? 'the list'}`}
                      >
                        Cancel
                      </button>
                    )}
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

function Templates({ team }: { team: Team }) {
  const list = useLoad(
    async () => unwrap(await api.GET('/teams/{team}/templates', { params: { path: { team: team.slug } } })),
    [team.slug],
  )
  const [kind, setKind] = useState('')
  const [subject, setSubject] = useState('')
  const [body, setBody] = useState('')
  const [preview, setPreview] = useState<{ subject: string; body: string } | null>(null)
  const [previewError, setPreviewError] = useState<Error | null>(null)
  const save = useAction()
  const [saved, setSaved] = useState<string | null>(null)
  const chosen = list.data?.templates.find((t) => t.kind === kind)
  useEffect(() => {
    if (!kind && list.data?.templates[0]) setKind(list.data.templates[0].kind)
  }, [list.data])
  useEffect(() => {
    if (chosen) {
      setSubject(chosen.subject)
      setBody(chosen.body)
      setSaved(null)
    }
  }, [chosen?.kind, chosen?.updatedAt])
  // Live preview: rendered by the API, a moment after the last keystroke.
  useEffect(() => {
    if (!kind) return
    const timer = setTimeout(async () => {
      try {
        setPreview(
          unwrap(
            await api.POST('/teams/{team}/templates/{kind}/preview', {
              params: { path: { team: team.slug, kind } },
              body: { subject, body },
            }),
          ),
        )
        setPreviewError(null)
      } catch (error) {
        setPreviewError(error as Error)
      }
    }, 300)
    return () => clearTimeout(timer)
  }, [kind, subject, body])
  return (
    <section aria-labelledby="templates-title">
      <h2 id="templates-title">Templates</h2>
      <ErrorMessage error={list.error} />
      {list.data && (
        <>
          <Select
            label="Email"
            name="kind"
            value={kind}
            onInput={setKind}
            options={list.data.templates.map((t) => [t.kind, `${t.kind} (${t.audience})`])}
          />
          {chosen && (
            <p class="hint">
              {chosen.description} Placeholders: {chosen.placeholders.map((p) => `{{${p}}}`).join(', ')}.
            </p>
          )}
          <div class="split">
            <form
              onSubmit={async (e) => {
                e.preventDefault()
                const done = await save.run(async () =>
                  unwrap(
                    await api.PUT('/teams/{team}/templates/{kind}', {
                      params: { path: { team: team.slug, kind } },
                      body: { subject, body },
                    }),
                  ),
                )
                if (done) {
                  setSaved('Saved.')
                  void list.reload()
                }
              }}
            >
              <Field
                label="Subject"
                name="subject"
                value={subject}
                onInput={setSubject}
                error={save.error ?? previewError}
              />
              <div class="field">
                <label for="template-body">Body</label>
                <textarea
                  id="template-body"
                  rows={14}
                  value={body}
                  onInput={(e) => setBody((e.currentTarget as HTMLTextAreaElement).value)}
                />
              </div>
              <ErrorMessage error={save.error} fields={['subject']} />
              <div class="actions">
                <button type="submit" disabled={save.busy}>
                  Save wording
                </button>
                {chosen?.custom && (
                  <button
                    type="button"
                    class="secondary"
                    onClick={async () => {
                      const done = await save.run(async () =>
                        unwrap(
                          await api.DELETE('/teams/{team}/templates/{kind}', {
                            params: { path: { team: team.slug, kind } },
                          }),
                        ),
                      )
                      if (done) {
                        setSaved('Back to the default wording.')
                        void list.reload()
                      }
                    }}
                  >
                    Use the default wording
                  </button>
                )}
              </div>
              {saved && <p role="status">{saved}</p>}
            </form>
            <div class="preview" aria-live="polite" aria-labelledby="preview-title">
              <h3 id="preview-title">Preview</h3>
              <ErrorMessage error={previewError} fields={['subject']} />
              {preview && (
                <>
                  <p>
                    <strong>{preview.subject}</strong>
                  </p>
                  <pre>{preview.body}</pre>
                </>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  )
}

export function Emails({ team }: { team: Team }) {
  return (
    <>
      <PageTitle>Emails</PageTitle>
      <Outbox team={team} />
      <Templates team={team} />
    </>
  )
}
