import { useEffect, useState } from 'preact/hooks'
import { api, unwrap, type Team } from '../api'
import { Link } from '../router'
import {
  ErrorMessage,
  Loading,
  PageTitle,
  Status,
  countdown,
  formatDate,
  formatDateTime,
  seatsText,
  useLoad,
} from '../ui'

const SEAT_NAMES = { staff: 'Staff', consortium: 'Consortium', community: 'Community' } as const

async function loadOverview(team: string) {
  const [roster, calls, failed, unknown] = await Promise.all([
    api.GET('/teams/{team}/roster', { params: { path: { team } } }).then(unwrap),
    api.GET('/teams/{team}/calls', { params: { path: { team } } }).then(unwrap),
    api.GET('/outbox', { params: { query: { team, status: 'failed', limit: 100 } } }).then(unwrap),
    api.GET('/outbox', { params: { query: { team, status: 'unknown', limit: 100 } } }).then(unwrap),
  ])
  // The call that matters now: open or due first, else the next scheduled one, else the last closed.
  const live = calls.calls.filter((c) => c.status === 'open' || c.status === 'due')
  const next = calls.calls.filter((c) => c.status === 'scheduled')
  const current = live[0] ?? next[0] ?? calls.calls.filter((c) => c.status === 'closed').at(-1) ?? null
  const selection =
    current && current.status !== 'cancelled'
      ? await api.GET('/calls/{id}/selection', { params: { path: { id: current.id } } }).then(unwrap)
      : null
  return { roster, current, selection, failed: failed.messages, unknown: unknown.messages }
}

/** The next moment of a call: when it opens, closes, or (due) that staff must close it. */
function nextMoment(call: { status: string; opensAt: string; closesAt: string; termStart: string }) {
  if (call.status === 'scheduled') return { label: 'Opens', at: call.opensAt }
  if (call.status === 'open') return { label: 'Closes', at: call.closesAt }
  if (call.status === 'closed') return { label: 'Terms start', at: call.termStart }
  return { label: 'Window ended', at: call.closesAt }
}

export function Overview({ team }: { team: Team }) {
  const { data, error, loading } = useLoad(() => loadOverview(team.slug), [team.slug])
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000)
    return () => clearInterval(timer)
  }, [])
  return (
    <>
      <PageTitle>Overview</PageTitle>
      <p class="lead">{team.name}</p>
      <ErrorMessage error={error} />
      {loading && !data && <Loading what="the overview" />}
      {data && (
        <div class="grid">
          <section aria-labelledby="team-now" class="wide">
            <h2 id="team-now">The team now</h2>
            <p>
              {data.roster.members.length} members; vacancies: {seatsText(data.roster.vacancies)} (of{' '}
              {seatsText(Object.fromEntries(team.policy.seats.map((c) => [c.class, c.count])))} seats).
            </p>
            {data.roster.members.length > 0 ? (
              <table>
                <caption class="visually-hidden">Members serving now</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Seat</th>
                    <th scope="col">Term</th>
                  </tr>
                </thead>
                <tbody>
                  {data.roster.members.map((m) => (
                    <tr key={m.id}>
                      <td>
                        {m.name}
                        {m.institution && <span class="sub">{m.institution}</span>}
                      </td>
                      <td>{SEAT_NAMES[m.seat as keyof typeof SEAT_NAMES] ?? m.seat}</td>
                      <td>
                        {formatDate(m.termStart)} – {m.termEnd ? formatDate(m.termEnd) : 'no end'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p>Nobody serves yet.</p>
            )}
            {data.roster.incoming.length > 0 && (
              <p>
                Incoming: {data.roster.incoming.map((m) => `${m.name} (from ${formatDate(m.termStart)})`).join(', ')}
              </p>
            )}
            <p>
              <Link to="team">Manage the team</Link>
            </p>
          </section>
          <section aria-labelledby="call-now">
            <h2 id="call-now">Call</h2>
            {data.current ? (
              <>
                <p>
                  <Link to={`calls/${data.current.id}`}>
                    Call of {formatDate(data.current.opensAt)} – {formatDate(data.current.closesAt)}
                  </Link>{' '}
                  <Status status={data.current.status} />
                </p>
                {(() => {
                  const moment = nextMoment(data.current)
                  return (
                    <p>
                      {moment.label} {formatDateTime(moment.at)} (<strong>{countdown(moment.at, now)}</strong>)
                    </p>
                  )
                })()}
              </>
            ) : (
              <p>
                No call yet. <Link to="calls">Create one</Link>
              </p>
            )}
          </section>
          <section aria-labelledby="needs-staff">
            <h2 id="needs-staff">Needs staff</h2>
            <ul>
              {data.selection && Object.values(data.selection.shortfall).some((n) => n > 0) && (
                <li>
                  Shortfall in the {data.selection.status === 'final' ? 'selection' : 'preview'}:{' '}
                  {seatsText(data.selection.shortfall)}
                  seats unfilled.
                </li>
              )}
              {data.selection && data.selection.warnings.length > 0 && data.current && (
                <li>
                  <Link to={`calls/${data.current.id}`}>{data.selection.warnings.length} warnings awaiting review</Link>
                </li>
              )}
              {data.failed.length + data.unknown.length > 0 && (
                <li>
                  <Link to="emails">
                    {data.failed.length} failed and {data.unknown.length} unknown emails
                  </Link>
                </li>
              )}
              {!Object.values(data.selection?.shortfall ?? {}).some((n) => n > 0) &&
                !data.selection?.warnings.length &&
                data.failed.length + data.unknown.length === 0 && <li>Nothing right now.</li>}
            </ul>
          </section>
        </div>
      )}
    </>
  )
}
