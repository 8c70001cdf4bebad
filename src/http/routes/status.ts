import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { escape, layout, respond, sendPage, wantsJson } from '../pages/private-link.js'
import type { Deps } from '../../deps.js'
import { AppError } from '../../errors.js'
import * as status from '../../services/status.js'
import { errors } from '../schemas/common.js'
import { Confirmation, StatusParams, VolunteerStatus } from '../schemas/status.js'

/** Guesses at tokens are slowed down: requests per minute from one address on the status routes. */
const STATUS_RATE = { max: 60, timeWindow: 60_000 }

const ACTIONS = {
  withdraw: {
    title: 'Withdraw your response',
    question:
      'Withdraw your response? It will no longer count in this call’s selection, and this cannot be undone here (you may respond again while the call is open).',
    button: 'Yes, withdraw my response',
  },
  'step-down': {
    title: 'Step down from the team',
    question:
      'Step down from the team? Your service ends now (or at your term start, if it has not started), and the next alternate is asked to take your seat.',
    button: 'Yes, step down',
  },
} as const

/** The volunteer's own record: JSON when asked for (Accept: application/json), else a page without scripts. */
export function statusRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    // The pages' forms post application/x-www-form-urlencoded: read as plain fields.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })

    app.get(
      '/status/:token',
      {
        config: { rateLimit: STATUS_RATE },
        schema: {
          tags: ['status'],
          summary: 'A volunteer’s own record, behind the private link in their emails',
          description:
            'HTML without scripts, or JSON with `Accept: application/json`. Received at, position, category, outcome and the plain explanation; never names other volunteers. 404 `status-link-not-found` for a link rota did not sign, 410 `status-link-expired` once it expired (12 months after the call closed).',
          params: StatusParams,
          response: { 200: VolunteerStatus, ...errors(404, 410, 429) },
        },
      },
      async (request, reply) => {
        const now = deps.clock()
        const responseId = await status.resolveStatusToken(db, request.params.token, now)
        const view = await status.openVolunteerStatus(db, responseId, now)
        return respond(request, reply, view, () => page(view, request.params.token))
      },
    )

    for (const action of ['withdraw', 'step-down'] as const) {
      app.post(
        `/status/:token/${action}`,
        {
          config: { rateLimit: STATUS_RATE, signedLink: true },
          schema: {
            tags: ['status'],
            summary:
              action === 'withdraw'
                ? 'Withdraw one’s response before the close (with a confirmation step)'
                : 'Step down from the team, once selected (with a confirmation step)',
            description:
              action === 'withdraw'
                ? 'Without `confirm`: the confirmation page (HTML), or 400 `confirmation-required` (JSON). With it, the response is kept but marked removed, reason "withdrawn by the volunteer"; 409 `call-closed` once the call closed.'
                : 'Without `confirm`: the confirmation page (HTML), or 400 `confirmation-required` (JSON). With it, the member steps down as with POST /members/{id}/step-down, the next alternate taking the seat; 409 `not-a-member` when not selected.',
            params: StatusParams,
            body: Confirmation,
            response: { 200: VolunteerStatus, ...errors(400, 404, 409, 410, 429) },
          },
          preValidation: async (request) => {
            request.body ??= null
          },
        },
        async (request, reply) => {
          const now = deps.clock()
          const responseId = await status.resolveStatusToken(db, request.params.token, now)
          const confirmed = request.body?.confirm === true || request.body?.confirm === 'yes'
          if (!confirmed) {
            if (wantsJson(request))
              throw new AppError('invalid', 'confirmation-required', 'Send { "confirm": true } to do this', [
                { field: 'body.confirm', message: 'must be true' },
              ])
            return sendPage(reply, confirmPage(action, request.params.token))
          }
          const actor = status.volunteerActor(responseId)
          const view =
            action === 'withdraw'
              ? await status.withdrawResponse(db, responseId, actor, now)
              : await status.stepDownVolunteer(db, responseId, actor, now, { mailFrom: deps.config.mail.from })
          return respond(request, reply, view, () => page(view, request.params.token))
        },
      )
    }
  }
}

const OUTCOME_WORDS: Record<status.StatusView['outcome'], string> = {
  pending: 'Waiting for the call to close',
  selected: 'Selected',
  alternate: 'Alternate (on the waitlist)',
  excluded: 'Not selected',
  withdrawn: 'Withdrawn',
  removed: 'Removed by staff',
  'stepped-down': 'Stepped down',
  cancelled: 'Call cancelled',
}

function page(view: status.StatusView, token: string): string {
  const rows: Array<[string, string | null]> = [
    ['Received at', view.receivedAt],
    [
      // Before the close the order can still change (a response submitted earlier may arrive later).
      view.outcome === 'pending'
        ? 'Place so far in first-come order (final when the call closes)'
        : 'Position in first-come order',
      view.position === null ? null : String(view.position),
    ],
    ['Category', view.category],
    ['Outcome', OUTCOME_WORDS[view.outcome]],
    ['Term', view.termStart && view.termEnd ? `${view.termStart} to ${view.termEnd}` : null],
    ['Receipt hash (your line in the public report)', view.receiptHash],
  ]
  const form = (action: 'withdraw' | 'step-down', label: string) =>
    `<form method="post" action="/status/${encodeURIComponent(token)}/${action}"><button type="submit">${escape(label)}</button></form>`
  return layout(
    `Your response — ${view.team}`,
    `<h1>Your response to the ${escape(view.team)} call for volunteers</h1>
<p>The call was open from ${escape(view.call.opensAt)} until ${escape(view.call.closesAt)}.</p>
<dl>
${rows
  .filter(([, value]) => value !== null)
  .map(([label, value]) => `<dt>${escape(label)}</dt><dd>${escape(value!)}</dd>`)
  .join('\n')}
</dl>
<p>${escape(view.explanation)}</p>
${view.canWithdraw ? form('withdraw', 'Withdraw my response…') : ''}
${view.canStepDown ? form('step-down', 'Step down from the team…') : ''}
<p>This page is private: anyone with its link can see it. Do not share the link.</p>`,
  )
}

function confirmPage(action: 'withdraw' | 'step-down', token: string): string {
  const words = ACTIONS[action]
  return layout(
    words.title,
    `<h1>${escape(words.title)}</h1>
<p>${escape(words.question)}</p>
<form method="post" action="/status/${encodeURIComponent(token)}/${action}"><input type="hidden" name="confirm" value="yes"><button type="submit">${escape(words.button)}</button></form>
<p><a href="/status/${encodeURIComponent(token)}">No, go back</a></p>`,
  )
}
