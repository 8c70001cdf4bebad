import { useState } from 'preact/hooks'
import { api, unwrap, type Member, type Team } from '../api'
import { ErrorMessage, Field, Loading, PageTitle, Select, formatDate, localToRfc3339, useAction, useLoad } from '../ui'

function StepDown({ member, onDone }: { member: Member; onDone: (message: string) => void }) {
  const [reason, setReason] = useState('')
  const [replacement, setReplacement] = useState<'next-alternate' | 'none'>('next-alternate')
  const action = useAction()
  return (
    <form
      class="panel"
      aria-label={`Step down ${member.name}`}
      onSubmit={async (e) => {
        e.preventDefault()
        const done = await action.run(async () =>
          unwrap(
            await api.POST('/members/{id}/step-down', {
              params: { path: { id: member.id } },
              body: { reason, ...(member.seat === 'staff' ? {} : { replacement }) },
            }),
          ),
        )
        if (done)
          onDone(
            done.replacement
              ? `${member.name} stepped down; ${done.replacement.name} takes the seat until ${formatDate(done.replacement.termEnd)}.`
              : `${member.name} stepped down; the seat is ${done.vacancy ? 'vacant' : 'filled'}.`,
          )
      }}
    >
      <Field label="Reason" name="reason" required value={reason} onInput={setReason} error={action.error} autoFocus />
      {member.seat !== 'staff' && (
        <fieldset>
          <legend>The seat</legend>
          <label class="check">
            <input
              type="radio"
              name="replacement"
              checked={replacement === 'next-alternate'}
              onChange={() => setReplacement('next-alternate')}
            />
            Promote the next alternate
          </label>
          <label class="check">
            <input
              type="radio"
              name="replacement"
              checked={replacement === 'none'}
              onChange={() => setReplacement('none')}
            />
            Leave it vacant
          </label>
        </fieldset>
      )}
      <ErrorMessage error={action.error} fields={['reason']} />
      <button type="submit" disabled={action.busy}>
        Confirm step down
      </button>
    </form>
  )
}

function Appoint({ team, onDone }: { team: Team; onDone: () => void }) {
  const [name, setName] = useState('')
  const [email, setEmail] = useState('')
  const [institution, setInstitution] = useState('')
  const [seat, setSeat] = useState<'staff' | 'consortium' | 'community'>('staff')
  const [callId, setCallId] = useState('')
  const [termStart, setTermStart] = useState('')
  const [reason, setReason] = useState('')
  const calls = useLoad(
    async () => unwrap(await api.GET('/teams/{team}/calls', { params: { path: { team: team.slug } } })),
    [team.slug],
  )
  const action = useAction()
  return (
    <form
      class="panel"
      aria-labelledby="appoint-title"
      onSubmit={async (e) => {
        e.preventDefault()
        const done = await action.run(async () =>
          unwrap(
            await api.POST('/teams/{team}/members', {
              params: { path: { team: team.slug } },
              body: {
                name,
                email,
                institution: institution || null,
                seat,
                reason,
                ...(callId ? { callId } : {}),
                ...(termStart ? { termStart: localToRfc3339(termStart) } : {}),
              },
            }),
          ),
        )
        if (done) onDone()
      }}
    >
      <h2 id="appoint-title">Appoint</h2>
      <Field label="Name" name="name" required value={name} onInput={setName} error={action.error} />
      <Field label="Email" name="email" type="email" required value={email} onInput={setEmail} error={action.error} />
      <Field label="Institution" name="institution" value={institution} onInput={setInstitution} error={action.error} />
      <Select
        label="Seat"
        name="seat"
        value={seat}
        onInput={(v) => setSeat(v as typeof seat)}
        options={[
          ['staff', 'Staff'],
          ['consortium', 'Consortium (recruited volunteer)'],
          ['community', 'Community (recruited volunteer)'],
        ]}
        error={action.error}
      />
      {seat !== 'staff' && (
        <Select
          label="Into an empty slot of the call"
          name="callId"
          value={callId}
          onInput={setCallId}
          options={[
            ['', 'None'],
            ...(calls.data?.calls
              .filter((c) => c.status === 'closed')
              .map((c) => [c.id, `Call of ${formatDate(c.opensAt)}`] as [string, string]) ?? []),
          ]}
          error={action.error}
        />
      )}
      <Field
        label="Term start (empty: now)"
        name="termStart"
        type="datetime-local"
        value={termStart}
        onInput={setTermStart}
        error={action.error}
      />
      <Field label="Reason" name="reason" required value={reason} onInput={setReason} error={action.error} />
      <ErrorMessage
        error={action.error}
        fields={['name', 'email', 'institution', 'seat', 'callId', 'termStart', 'reason']}
      />
      <button type="submit" disabled={action.busy}>
        Appoint
      </button>
    </form>
  )
}

export function TeamPage({ team }: { team: Team }) {
  const members = useLoad(
    async () => unwrap(await api.GET('/teams/{team}/members', { params: { path: { team: team.slug } } })),
    [team.slug],
  )
  const [steppingDown, setSteppingDown] = useState<string | null>(null)
  const [appointing, setAppointing] = useState(false)
  const [message, setMessage] = useState<string | null>(null)
  const now = Date.now()
  const current =
    members.data?.members.filter((m) => !m.endedAt && (!m.termEnd || new Date(m.termEnd).getTime() > now)) ?? []
  const past = members.data?.members.filter((m) => !current.includes(m)) ?? []
  return (
    <>
      <PageTitle>Team</PageTitle>
      {message && (
        <p role="status" class="success">
          {message}
        </p>
      )}
      {appointing ? (
        <Appoint
          team={team}
          onDone={() => {
            setAppointing(false)
            setMessage('Appointed.')
            void members.reload()
          }}
        />
      ) : (
        <p>
          <button type="button" onClick={() => setAppointing(true)}>
            Appoint a member
          </button>
        </p>
      )}
      <ErrorMessage error={members.error} />
      {members.loading && !members.data && <Loading what="members" />}
      {members.data && (
        <>
          <h2>Members</h2>
          <div class="scroll">
            <table>
              <caption class="visually-hidden">Members serving now or soon</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Seat</th>
                  <th scope="col">Institution</th>
                  <th scope="col">Term</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {current.map((m) => (
                  <tr key={m.id}>
                    <td>
                      {m.name}
                      <span class="sub">{m.email}</span>
                    </td>
                    <td>{m.seat}</td>
                    <td>{m.institution ?? '—'}</td>
                    <td>
                      {formatDate(m.termStart)} – {m.termEnd ? formatDate(m.termEnd) : 'no end'}
                    </td>
                    <td>
                      {steppingDown === m.id ? (
                        <StepDown
                          member={m}
                          onDone={async (text) => {
                            await members.reload()
                            setSteppingDown(null)
                            setMessage(text)
                          }}
                        />
                      ) : (
                        <button
                          type="button"
                          class="secondary"
                          onClick={() => setSteppingDown(m.id)}
                          aria-label={`Step down ${m.name}`}
                        >
                          Step down
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {past.length > 0 && (
            <details>
              <summary>Former members ({past.length})</summary>
              <ul>
                {past.map((m) => (
                  <li key={m.id}>
                    {m.name} ({m.seat}), {formatDate(m.termStart)} – {formatDate(m.endedAt ?? m.termEnd)}
                    {m.reason ? `: ${m.reason}` : ''}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
    </>
  )
}
