import { createHash } from 'node:crypto'
import type { PublicPageView } from '../../services/public-page.js'
import { Html, html } from './html.js'

/**
 * The public page, rendered on the server: plain semantic HTML, no script at all, one small
 * stylesheet in a `<style>` element that the page's Content-Security-Policy allows by its hash.
 */

const STYLE = `
:root { color-scheme: light dark; --muted: #555; --line: #ccc; --accent: #0b5cad; }
@media (prefers-color-scheme: dark) { :root { --muted: #aaa; --line: #444; --accent: #8cc4ff; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1rem; font: 1rem/1.5 system-ui, sans-serif; }
a { color: var(--accent); }
a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
header { border-bottom: 1px solid var(--line); margin-bottom: 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; padding: 0; margin: .5rem 0; }
.people { list-style: none; padding: 0; margin: 0; display: grid; gap: .75rem; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); }
.people li { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; }
.people p { margin: 0; overflow-wrap: anywhere; }
.name { font-weight: 600; }
.muted, footer { color: var(--muted); }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .25rem 1rem; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; }
.people time { white-space: nowrap; }
.lead { margin: 0 0 .5rem; color: var(--muted); }
.volunteer { font-size: 1.1rem; }
footer { border-top: 1px solid var(--line); margin-top: 2rem; font-size: .9rem; }
`

/** The pages' Content-Security-Policy: nothing may load, run or frame, but the page's own stylesheet. */
export const PAGE_CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; ` +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** The `<style>` element, given whole: its text is exactly what the CSP's hash is of. */
const STYLE_ELEMENT = new Html(`<style>${STYLE}</style>`)

/** The first 3 fractional digits at most: what a JavaScript Date and HTML's `datetime` take. */
function toDate(instant: string): Date {
  return new Date(instant.replace(/(\.\d{3})\d+/, '$1'))
}

const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
const MOMENT = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
})

/** A date (`1 March 2027`), or with the time in UTC (`1 March 2027, 12:00 UTC`), as a `<time>` element. */
function time(instant: string, withTime = false): Html {
  const date = toDate(instant)
  if (Number.isNaN(date.getTime())) return html`${instant}`
  const text = withTime ? `${MOMENT.format(date)} UTC` : DAY.format(date)
  return html`<time datetime="${date.toISOString()}">${text}</time>`
}

const SEAT_LABELS: Record<string, string> = {
  staff: 'Staff',
  consortium: 'Consortium seat',
  community: 'Community seat',
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

/** "2 consortium seats and 2 community seats": every class with seats, in policy order. */
function seatCounts(seats: Record<string, number>): string {
  return Object.entries(seats)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => plural(n, `${c} seat`, `${c} seats`))
    .join(' and ')
}

function people(members: PublicPageView['members']): Html {
  return html`<ul class="people">
    ${members.map(
      (m) =>
        html`<li>
          <p class="name">${m.name}</p>
          <p>${m.institution ?? html`<span class="muted">No institution</span>`}</p>
          <p>${SEAT_LABELS[m.seat] ?? `${m.seat[0]!.toUpperCase()}${m.seat.slice(1)} seat`}</p>
          <p>
            ${m.termEnd === null ? html`Since ${time(m.termStart)}` : html`${time(m.termStart)} – ${time(m.termEnd)}`}
          </p>
        </li> `,
    )}
  </ul>`
}

const CALL_STATUS_LABELS: Record<string, string> = {
  planned: 'Planned',
  scheduled: 'Scheduled',
  open: 'Open',
  due: 'Closed; the selection is being made',
}

function howToVolunteer(page: PublicPageView): Html {
  const call = page.nextCall
  if (call === null) return html`<p>No call for volunteers is planned at the moment.</p>`
  const form = page.formUrl === null ? null : html`<a href="${page.formUrl}">the volunteer form</a>`
  switch (call.status) {
    case 'open':
      return form
        ? html`<p class="volunteer">To volunteer, fill in ${form} before ${time(call.closesAt, true)}.</p>`
        : html`<p class="volunteer">
            The call is open until ${time(call.closesAt, true)}; its form is linked in the call’s announcement.
          </p>`
    case 'scheduled':
      return form
        ? html`<p class="volunteer">When the call opens, volunteer with ${form}.</p>`
        : html`<p>The call’s form is linked in its announcement, when it opens.</p>`
    case 'due':
      return html`<p>Responses are no longer taken; the selected volunteers are announced soon.</p>`
    default:
      return html`<p>This call is planned on the team’s yearly cadence; it is announced when it opens.</p>`
  }
}

function nextCall(page: PublicPageView): Html {
  const call = page.nextCall
  if (call === null) return howToVolunteer(page)
  const seats = seatCounts(call.seatsToFill)
  return html`<dl>
      <dt>Status</dt>
      <dd>${CALL_STATUS_LABELS[call.status] ?? call.status}</dd>
      <dt>Opens</dt>
      <dd>${time(call.opensAt, true)}</dd>
      <dt>Closes</dt>
      <dd>${time(call.closesAt, true)}</dd>
      <dt>Terms start</dt>
      <dd>${time(call.termStart)}</dd>
      <dt>Seats to fill</dt>
      <dd>${seats === '' ? 'None expected' : seats}</dd>
    </dl>
    ${howToVolunteer(page)}`
}

function layout(title: string, body: Html, alternate?: string): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        ${alternate ? html`<link rel="alternate" type="application/json" href="${alternate}" />` : null}
        ${STYLE_ELEMENT}
      </head>
      <body>
        ${body}
        <footer>
          <p>Only public information is shown here: names, institutions, seats and terms. Served by rota.</p>
        </footer>
      </body>
    </html> `.text
}

function siteNav(): Html {
  return html`<nav aria-label="rota">
    <ul>
      <li><a href="/console/">Staff console</a></li>
      <li><a href="/docs">API documentation</a></li>
    </ul>
  </nav>`
}

/** The public page of a team, as a complete HTML document. */
export function renderPublicPage(page: PublicPageView): string {
  const vacant = seatCounts(page.vacancies)
  const body = html`<header>
      <h1>${page.team.name}</h1>
      <p class="lead">Who serves on the team now, and how to volunteer.</p>
      ${siteNav()}
    </header>
    <main>
      <section aria-labelledby="members">
        <h2 id="members">Members</h2>
        ${page.members.length > 0 ? people(page.members) : html`<p>Nobody serves on the team right now.</p>`}
        <p>${vacant === '' ? 'Every seat is filled.' : `Vacant: ${vacant}.`}</p>
      </section>
      ${
        page.incoming.length > 0
          ? html`<section aria-labelledby="incoming">
              <h2 id="incoming">Joining soon</h2>
              ${people(page.incoming)}
            </section>`
          : null
      }
      <section aria-labelledby="next-call">
        <h2 id="next-call">Next call for volunteers</h2>
        ${nextCall(page)}
      </section>
    </main>`
  return layout(page.team.name, body, page.links.roster)
}

/** A page for an error (an unknown team, say), saying what the JSON error says. */
export function renderErrorPage(status: number, message: string): string {
  const body = html`<header>
      <h1>${status === 404 ? 'Not found' : 'Something went wrong'}</h1>
      ${siteNav()}
    </header>
    <main>
      <p>${message}</p>
      <p><a href="/">The team’s public page</a></p>
    </main>`
  return layout(status === 404 ? 'Not found' : `Error ${status}`, body)
}
