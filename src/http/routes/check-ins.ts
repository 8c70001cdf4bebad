/**
 * Check-ins (issue 14): the member's private check-in link (src/services/check-ins.ts). Public,
 * signed-link routes like /status/…: the link is the authentication; HTML without scripts, or JSON
 * with `Accept: application/json`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { escape, layout, respond, sendPage, wantsJson } from '../pages/private-link.js'
import { Type } from '@sinclair/typebox'
import type { Deps } from '../../deps.js'
import { AppError } from '../../errors.js'
import * as checkIns from '../../services/check-ins.js'
import { errors } from '../schemas/common.js'
import { Confirmation, StatusParams } from '../schemas/status.js'

const RATE = { max: 60, timeWindow: 60_000 }

export const CheckInStatus = Type.Object(
  {
    team: Type.String(),
    termStart: Type.String(),
    termEnd: Type.Union([Type.String(), Type.Null()]),
    dueAt: Type.String({ description: 'When the check-in fell due: checkInMonths into the term.' }),
    answer: Type.Union([Type.Literal('continue'), Type.Literal('step-down'), Type.Null()]),
    answeredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    canAnswer: Type.Boolean({ description: 'False once answered, or when the member no longer serves.' }),
  },
  { title: 'CheckIn' },
)

const WORDS = {
  continue: {
    title: 'Continue on the team',
    question: 'Confirm that you can continue on the team until the end of your term?',
    button: 'Yes, I continue',
  },
  'step-down': {
    title: 'Step down from the team',
    question:
      'Step down from the team? Your service ends now, and the next alternate is asked to take your seat. This cannot be undone here.',
    button: 'Yes, step down',
  },
} as const

export function checkInRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })

    app.get(
      '/check-in/:token',
      {
        config: { rateLimit: RATE },
        schema: {
          tags: ['status'],
          summary: 'A member’s check-in, behind the private link in their check-in email',
          description:
            'HTML without scripts, or JSON with `Accept: application/json`: the term and the answer, if given. 404 `check-in-link-not-found` for a link rota did not sign as a check-in link (a status link included), 410 `check-in-link-expired` once the term ended.',
          params: StatusParams,
          response: { 200: CheckInStatus, ...errors(404, 410, 429) },
        },
      },
      async (request, reply) => {
        const memberId = await checkIns.resolveCheckInToken(db, request.params.token, deps.clock())
        const view = await checkIns.checkInView(db, memberId)
        return respond(request, reply, view, () => page(view, request.params.token))
      },
    )

    for (const answer of ['continue', 'step-down'] as const) {
      app.post(
        `/check-in/:token/${answer}`,
        {
          config: { rateLimit: RATE, signedLink: true },
          schema: {
            tags: ['status'],
            summary:
              answer === 'continue'
                ? 'Confirm one can continue on the team (check-in)'
                : 'Step down from the team at one’s check-in (with a confirmation step)',
            description: `Without \`confirm\`: the confirmation page (HTML), or 400 \`confirmation-required\` (JSON). With it, the answer is recorded once (audited as member:<id>)${answer === 'step-down' ? ' and the member steps down as with POST /members/{id}/step-down, the next alternate taking the seat' : ''}; 409 \`check-in-answered\` when the link was already used, \`check-in-closed\` when the member no longer serves.`,
            params: StatusParams,
            body: Confirmation,
            response: { 200: CheckInStatus, ...errors(400, 404, 409, 410, 429) },
          },
          preValidation: async (request) => {
            request.body ??= null
          },
        },
        async (request, reply) => {
          const now = deps.clock()
          const memberId = await checkIns.resolveCheckInToken(db, request.params.token, now)
          const confirmed = request.body?.confirm === true || request.body?.confirm === 'yes'
          if (!confirmed) {
            if (wantsJson(request))
              throw new AppError('invalid', 'confirmation-required', 'Send { "confirm": true } to do this', [
                { field: 'body.confirm', message: 'must be true' },
              ])
            return sendPage(reply, confirmPage(answer, request.params.token))
          }
          const view = await checkIns.answerCheckIn(db, memberId, answer, now, { mailFrom: deps.config.mail.from })
          return respond(request, reply, view, () => page(view, request.params.token))
        },
      )
    }
  }
}

function page(view: checkIns.CheckInView, token: string): string {
  const action = (answer: 'continue' | 'step-down', label: string, confirm: boolean) =>
    `<form method="post" action="/check-in/${encodeURIComponent(token)}/${answer}">${confirm ? '<input type="hidden" name="confirm" value="yes">' : ''}<button type="submit">${escape(label)}</button></form>`
  const answered =
    view.answer === null
      ? ''
      : `<p>You answered on ${escape(view.answeredAt ?? '')}: ${view.answer === 'continue' ? 'you continue on the team. Thank you.' : 'you stepped down from the team. Thank you for your service.'}</p>`
  return layout(
    `Your check-in — ${view.team}`,
    `<h1>Your check-in on the ${escape(view.team)}</h1>
<p>Your term runs from ${escape(view.termStart)}${view.termEnd ? ` until ${escape(view.termEnd)}` : ''}.</p>
${answered}
${view.canAnswer ? `<p>Can you continue until the end of your term?</p>\n${action('continue', 'Yes, I can continue', true)}\n${action('step-down', 'No, I step down…', false)}` : ''}
<p>This page is private: anyone with its link can see it. Do not share the link.</p>`,
  )
}

function confirmPage(answer: 'continue' | 'step-down', token: string): string {
  const words = WORDS[answer]
  return layout(
    words.title,
    `<h1>${escape(words.title)}</h1>
<p>${escape(words.question)}</p>
<form method="post" action="/check-in/${encodeURIComponent(token)}/${answer}"><input type="hidden" name="confirm" value="yes"><button type="submit">${escape(words.button)}</button></form>
<p><a href="/check-in/${encodeURIComponent(token)}">No, go back</a></p>`,
  )
}
