import { useEffect, useState } from 'preact/hooks'
import { api, unwrap, type StaffRole, type StaffToken } from '../api'
import { ErrorMessage, Field, Loading, PageTitle, Select, formatDateTime, useAction, useLoad } from '../ui'

const ROLES: Array<[StaffRole, string]> = [
  ['viewer', 'viewer: every staff read'],
  ['staff', 'staff: also runs calls and the team'],
  ['admin', 'admin: also tokens, team policy, erasure'],
]

/** The token just created: shown this once, with a copy button. */
function NewToken({ created, onDismiss }: { created: StaffToken & { token: string }; onDismiss: () => void }) {
  const [copied, setCopied] = useState<string | null>(null)
  useEffect(() => document.getElementById('new-token')?.focus(), [created.token])
  return (
    <section class="panel" aria-labelledby="new-token-title">
      <h2 id="new-token-title">
        Token for {created.name} ({created.role})
      </h2>
      <p class="warning" id="new-token-warning">
        Shown once: copy it now and hand it over safely. rota keeps only its hash; it cannot show it again.
      </p>
      <div class="row">
        <label class="visually-hidden" for="new-token">
          New token
        </label>
        <input
          id="new-token"
          readOnly
          value={created.token}
          aria-describedby="new-token-warning"
          onFocus={(e) => (e.currentTarget as HTMLInputElement).select()}
        />
        <button
          type="button"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(created.token)
              setCopied('Token copied.')
            } catch {
              ;(document.getElementById('new-token') as HTMLInputElement).select()
              setCopied('Select and copy the token (the browser refused the clipboard).')
            }
          }}
        >
          Copy token
        </button>
        <button type="button" class="secondary" onClick={onDismiss}>
          Done
        </button>
      </div>
      {copied && <p role="status">{copied}</p>}
    </section>
  )
}

function CreateToken({ onCreated }: { onCreated: (created: StaffToken & { token: string }) => void }) {
  const [name, setName] = useState('')
  const [role, setRole] = useState<StaffRole>('viewer')
  const [days, setDays] = useState('')
  const action = useAction()
  return (
    <form
      class="panel"
      aria-labelledby="create-token-title"
      onSubmit={async (e) => {
        e.preventDefault()
        const created = await action.run(async () =>
          unwrap(
            await api.POST('/tokens', {
              body: { name: name.trim(), role, ...(days.trim() && { expiresInDays: Number(days.trim()) }) },
            }),
          ),
        )
        if (created) {
          setName('')
          setDays('')
          onCreated(created)
        }
      }}
    >
      <h2 id="create-token-title">Create a token</h2>
      <Field
        label="Name"
        name="name"
        required
        value={name}
        onInput={setName}
        error={action.error}
        hint="Who holds it, e.g. alice; one live token per name."
      />
      <Select
        label="Role"
        name="role"
        value={role}
        onInput={(v) => setRole(v as StaffRole)}
        options={ROLES}
        error={action.error}
      />
      <Field
        label="Expires in (days, optional)"
        name="expiresInDays"
        type="number"
        min={1}
        max={3650}
        step={1}
        inputMode="numeric"
        value={days}
        onInput={setDays}
        error={action.error}
        hint="Empty: it never expires."
      />
      <ErrorMessage error={action.error} fields={['name', 'role', 'expiresInDays']} />
      <div class="actions">
        <button type="submit" disabled={action.busy}>
          Create token
        </button>
      </div>
    </form>
  )
}

/** Revoke, after a confirmation. */
function Revoke({
  token,
  onDone,
  onCancel,
}: {
  token: StaffToken
  onDone: () => void | Promise<void>
  onCancel: () => void
}) {
  const action = useAction()
  const id = `revoke-${token.name.replace(/[^A-Za-z0-9_-]/g, '_')}`
  useEffect(() => document.getElementById(`${id}-question`)?.focus(), [])
  return (
    <div role="group" aria-labelledby={`${id}-question`}>
      <p id={`${id}-question`} tabIndex={-1}>
        Revoke {token.name}? Whoever uses it is refused from the next request. This cannot be undone.
      </p>
      <ErrorMessage error={action.error} />
      <div class="actions">
        <button
          type="button"
          disabled={action.busy}
          onClick={async () => {
            const done = await action.run(async () =>
              unwrap(await api.DELETE('/tokens/{name}', { params: { path: { name: token.name } } })),
            )
            if (done) await onDone()
          }}
        >
          Confirm revoke
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  )
}

/** Staff tokens (admins): list, create (shown once), revoke. */
export function Tokens() {
  const list = useLoad(async () => unwrap(await api.GET('/tokens')), [])
  const [created, setCreated] = useState<(StaffToken & { token: string }) | null>(null)
  const [revoking, setRevoking] = useState<string | null>(null)
  const [message, setMessage] = useState<string | null>(null)
  return (
    <>
      <PageTitle>Tokens</PageTitle>
      <p>
        Staff tokens by name and role. A token is shown once, when it is created; revoking it refuses it from the next
        request.
      </p>
      {message && (
        <p role="status" class="success">
          {message}
        </p>
      )}
      {created ? (
        <NewToken
          created={created}
          onDismiss={() => {
            setCreated(null)
            document.getElementById('page-title')?.focus()
          }}
        />
      ) : (
        <CreateToken
          onCreated={(c) => {
            setMessage(null)
            setCreated(c)
            void list.reload()
          }}
        />
      )}
      <ErrorMessage error={list.error} />
      {list.loading && !list.data && <Loading what="tokens" />}
      {list.data && (
        <div class="scroll">
          <table>
            <caption class="visually-hidden">Staff tokens, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Revoked</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.tokens.map((t) => (
                <tr key={`${t.name}/${t.createdAt}`}>
                  <td>{t.name}</td>
                  <td>{t.role}</td>
                  <td>{formatDateTime(t.createdAt)}</td>
                  <td>{t.expiresAt ? formatDateTime(t.expiresAt) : 'never'}</td>
                  <td>{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : 'never'}</td>
                  <td>{t.revokedAt ? formatDateTime(t.revokedAt) : '—'}</td>
                  <td>
                    {t.revokedAt ? null : revoking === t.name ? (
                      <Revoke
                        token={t}
                        onCancel={() => setRevoking(null)}
                        onDone={async () => {
                          // The list first, then the message: the Revoke button never shows again
                          // on a token already revoked.
                          await list.reload()
                          setRevoking(null)
                          setMessage(`${t.name}’s token is revoked.`)
                          document.getElementById('page-title')?.focus()
                        }}
                      />
                    ) : (
                      <button
                        type="button"
                        class="secondary"
                        onClick={() => setRevoking(t.name)}
                        aria-label={`Revoke ${t.name}`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
              {list.data.tokens.length === 0 && (
                <tr>
                  <td colSpan={7}>No tokens yet (the environment’s STAFF_TOKEN is not listed).</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}
