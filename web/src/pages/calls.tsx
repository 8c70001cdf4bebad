import { useState } from 'preact/hooks'
import { api, unwrap, type Team } from '../api'
import { Link, navigate } from '../router'
import {
  ErrorMessage,
  Field,
  Loading,
  PageTitle,
  Status,
  formatDate,
  localToRfc3339,
  seatsText,
  toLocalInput,
  useAction,
  useLoad,
} from '../ui'

const DAY = 86_400_000

function NewCall({ team, onCancel }: { team: Team; onCancel: () => void }) {
  // Defaults from the policy: opens now, closes windowDays later, terms start at the close.
  const [opensAt, setOpensAt] = useState(() => toLocalInput(new Date()))
  const [closesAt, setClosesAt] = useState('')
  const [termStart, setTermStart] = useState('')
  // One count per seat class of the team's policy (IIIF 2017: consortium and community; 2025: advisor).
  const classes = team.policy.seats.map((c) => c.class)
  const [seats, setSeats] = useState<Record<string, string>>({})
  const seatsGiven = classes.some((c) => (seats[c] ?? '') !== '')
  const [confirmPast, setConfirmPast] = useState(false)
  const action = useAction()
  const closes =
    closesAt || (opensAt ? toLocalInput(new Date(new Date(opensAt).getTime() + team.policy.windowDays * DAY)) : '')
  const past = closes !== '' && new Date(closes).getTime() <= Date.now()
  const submit = async (e: Event) => {
    e.preventDefault()
    if (past && !confirmPast) return
    const created = await action.run(async () =>
      unwrap(
        await api.POST('/teams/{team}/calls', {
          params: { path: { team: team.slug } },
          body: {
            opensAt: localToRfc3339(opensAt),
            ...(closesAt ? { closesAt: localToRfc3339(closesAt) } : {}),
            ...(termStart ? { termStart: localToRfc3339(termStart) } : {}),
            ...(seatsGiven
              ? {
                  // A class left empty keeps its policy count.
                  seats: Object.fromEntries(
                    team.policy.seats.map((c) => [c.class, Number((seats[c.class] ?? '') || c.count)]),
                  ),
                }
              : {}),
          },
        }),
      ),
    )
    if (created) navigate(`calls/${created.id}`)
  }
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="new-call-title">
      <h2 id="new-call-title">New call</h2>
      <Field
        label="Opens"
        name="opensAt"
        type="datetime-local"
        required
        value={opensAt}
        onInput={setOpensAt}
        error={action.error}
      />
      <Field
        label="Closes"
        name="closesAt"
        type="datetime-local"
        value={closesAt}
        onInput={setClosesAt}
        error={action.error}
        hint={`Empty: ${team.policy.windowDays} days after it opens (the policy), ${closes ? new Date(closes).toLocaleString() : ''}.`}
      />
      <Field
        label="Term start"
        name="termStart"
        type="datetime-local"
        value={termStart}
        onInput={setTermStart}
        error={action.error}
        hint="Empty: when the call closes (or the anniversary of the previous call’s term start)."
      />
      <fieldset>
        <legend>Seats to fill (empty: the vacancies at the close)</legend>
        {team.policy.seats.map((c) => (
          <Field
            key={c.class}
            label={`${c.class.charAt(0).toUpperCase()}${c.class.slice(1)} seats`}
            name={c.class}
            type="number"
            min="0"
            value={seats[c.class] ?? ''}
            onInput={(value) => setSeats((s) => ({ ...s, [c.class]: value }))}
            error={action.error}
            hint={`The policy offers ${c.count}.`}
          />
        ))}
      </fieldset>
      {past && (
        <div class="warning" role="alert">
          <p>This call’s window has already passed: it will be due at once, waiting for an import and a close.</p>
          <label class="check">
            <input
              type="checkbox"
              checked={confirmPast}
              onChange={(e) => setConfirmPast((e.currentTarget as HTMLInputElement).checked)}
            />
            Create it anyway (a call run outside rota, imported from an export)
          </label>
        </div>
      )}
      <ErrorMessage error={action.error} fields={['opensAt', 'closesAt', 'termStart', ...classes]} />
      <div class="actions">
        <button type="submit" disabled={action.busy || (past && !confirmPast)}>
          Create call
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}

export function Calls({ team }: { team: Team }) {
  const { data, error, loading } = useLoad(
    async () => unwrap(await api.GET('/teams/{team}/calls', { params: { path: { team: team.slug } } })),
    [team.slug],
  )
  const [creating, setCreating] = useState(false)
  return (
    <>
      <PageTitle>Calls</PageTitle>
      {creating ? (
        <NewCall team={team} onCancel={() => setCreating(false)} />
      ) : (
        <p>
          <button type="button" onClick={() => setCreating(true)}>
            New call
          </button>
        </p>
      )}
      <ErrorMessage error={error} />
      {loading && !data && <Loading what="calls" />}
      {data && data.calls.length === 0 && <p>No calls yet.</p>}
      {data && data.calls.length > 0 && (
        <table>
          <caption class="visually-hidden">Calls, by opening time</caption>
          <thead>
            <tr>
              <th scope="col">Call</th>
              <th scope="col">Status</th>
              <th scope="col">Term start</th>
              <th scope="col">Seats</th>
            </tr>
          </thead>
          <tbody>
            {[...data.calls].reverse().map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`calls/${c.id}`}>
                    {formatDate(c.opensAt)} – {formatDate(c.closesAt)}
                  </Link>
                </td>
                <td>
                  <Status status={c.status} />
                </td>
                <td>{formatDate(c.termStart)}</td>
                <td>{seatsText(c.seats)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}
