import { useState } from 'preact/hooks'
import { api, unwrap, type Selection } from '../api'
import { ErrorMessage, formatDate, useAction } from '../ui'

type Approval = NonNullable<Selection['approval']>

/**
 * The approval step (policy `approval: committee`): the volunteers the close proposed, each with
 * Approve and Decline (a reason, kept on record), and Approve all. Proposed people are not members.
 */
export function ApprovalView({
  callId,
  approval,
  onChange,
}: {
  callId: string
  approval: Approval
  onChange: () => void
}) {
  const action = useAction()
  const [declining, setDeclining] = useState<string | null>(null)
  const [reason, setReason] = useState('')
  const waiting = approval.proposals.filter((p) => p.status === 'proposed')
  const decide = (responseId: string, verdict: 'approve' | 'decline', body: { reason?: string }) =>
    action.run(async () => {
      const path = { id: callId, responseId }
      const answer =
        verdict === 'approve'
          ? await api.POST('/calls/{id}/proposals/{responseId}/approve', { params: { path }, body })
          : await api.POST('/calls/{id}/proposals/{responseId}/decline', {
              params: { path },
              body: { reason: body.reason ?? '' },
            })
      return unwrap(answer)
    })
  return (
    <section aria-labelledby="approval-title">
      <h2 id="approval-title">Approval ({approval.status})</h2>
      <p>
        The team’s committee approves the selection. Proposed volunteers are not members and have not been told until
        approved; declining one proposes the next eligible alternate.
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Seat</th>
              <th scope="col">Term</th>
              <th scope="col">Status</th>
              <th scope="col">Explanation</th>
              <th scope="col">Decide</th>
            </tr>
          </thead>
          <tbody>
            {approval.proposals.map((p) => (
              <tr key={p.responseId}>
                <td>{p.name}</td>
                <td>{p.seat}</td>
                <td>
                  {formatDate(p.termStart)} – {formatDate(p.termEnd)}
                </td>
                <td>{p.status}</td>
                <td>{p.explanation}</td>
                <td>
                  {p.status === 'proposed' && declining !== p.responseId && (
                    <div class="actions">
                      <button
                        type="button"
                        disabled={action.busy}
                        onClick={async () => {
                          if (await decide(p.responseId, 'approve', {})) onChange()
                        }}
                      >
                        Approve
                      </button>
                      <button type="button" class="secondary" onClick={() => setDeclining(p.responseId)}>
                        Decline
                      </button>
                    </div>
                  )}
                  {declining === p.responseId && (
                    <form
                      class="inline"
                      onSubmit={async (e) => {
                        e.preventDefault()
                        if (await decide(p.responseId, 'decline', { reason })) {
                          setDeclining(null)
                          setReason('')
                          onChange()
                        }
                      }}
                    >
                      <label>
                        Reason for declining
                        <input
                          name="reason"
                          required
                          value={reason}
                          onInput={(e) => setReason((e.target as HTMLInputElement).value)}
                        />
                      </label>
                      <button type="submit">Decline</button>
                      <button type="button" class="secondary" onClick={() => setDeclining(null)}>
                        Keep
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {waiting.length > 0 && (
        <button
          type="button"
          disabled={action.busy}
          onClick={async () => {
            const done = await action.run(async () =>
              unwrap(await api.POST('/calls/{id}/approve', { params: { path: { id: callId } }, body: {} })),
            )
            if (done) onChange()
          }}
        >
          Approve all {waiting.length} waiting
        </button>
      )}
      <ErrorMessage error={action.error} fields={['reason']} />
    </section>
  )
}
