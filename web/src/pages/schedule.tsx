import { useState } from 'preact/hooks'
import { api, unwrap, type Team } from '../api'
import { ErrorMessage, Loading, PageTitle, Status, formatDate, useLoad } from '../ui'

export function Schedule({ team }: { team: Team }) {
  const schedule = useLoad(
    async () =>
      unwrap(await api.GET('/teams/{team}/schedule', { params: { path: { team: team.slug }, query: { years: 3 } } })),
    [team.slug],
  )
  const [copied, setCopied] = useState<string | null>(null)
  const ics = `${location.origin}/teams/${encodeURIComponent(team.slug)}/schedule.ics`
  // Calls and term ends on one line of time.
  const events = schedule.data
    ? [
        ...schedule.data.calls.map((c) => ({
          at: c.opensAt,
          key: `call-${c.opensAt}`,
          text: `Call ${formatDate(c.opensAt)} – ${formatDate(c.closesAt)}, ${c.seatsToFill.consortium} consortium and ${c.seatsToFill.community} community seats to fill`,
          status: c.status,
        })),
        ...schedule.data.termEnds.map((t) => ({
          at: t.termEnd,
          key: `end-${t.memberId}`,
          text: `${t.name}’s ${t.seat} term ends`,
          status: null,
        })),
      ].sort((a, b) => a.at.localeCompare(b.at))
    : []
  return (
    <>
      <PageTitle>Schedule</PageTitle>
      <section aria-labelledby="ics-title" class="panel">
        <h2 id="ics-title">Calendar subscription</h2>
        <p>Subscribe to this link in a calendar app to see the calls and term ends:</p>
        <div class="row">
          <label class="visually-hidden" for="ics-link">
            Calendar link
          </label>
          <input id="ics-link" readOnly value={ics} onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
          <button
            type="button"
            onClick={async () => {
              try {
                await navigator.clipboard.writeText(ics)
                setCopied('Link copied.')
              } catch {
                const input = document.getElementById('ics-link') as HTMLInputElement
                input.select()
                setCopied('Select and copy the link (the browser refused the clipboard).')
              }
            }}
          >
            Copy link
          </button>
        </div>
        {copied && <p role="status">{copied}</p>}
      </section>
      <ErrorMessage error={schedule.error} />
      {schedule.loading && !schedule.data && <Loading what="the schedule" />}
      {schedule.data && (
        <ol class="timeline">
          {events.map((e) => (
            <li key={e.key}>
              <time dateTime={e.at}>{formatDate(e.at)}</time> {e.text} {e.status && <Status status={e.status} />}
            </li>
          ))}
          {events.length === 0 && <li>Nothing planned.</li>}
        </ol>
      )}
    </>
  )
}
