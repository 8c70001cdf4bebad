/**
 * The emails rota sends and their templates (docs/rules.md#r3, #d10). The Code of Conduct: "A
 * message will go out to the IIIF-Discuss email list calling for individuals to serve"; the people
 * concerned hear about their own outcome and term. Templates use `{{placeholder}}`; each kind allows its own placeholders, so a typo is refused
 * when staff save the template, not discovered when the email goes out.
 */
import { teamPhrase, type Decision } from './selection.js'
import { compareInstants, formatInstant, type Instant } from './time.js'

/** Every kind of email rota sends. */
export const NOTICE_KINDS = [
  'call-scheduled',
  'call-opened',
  'call-reminder',
  'acknowledged',
  'call-results',
  'selected',
  'alternate',
  'not-selected',
  'shortfall',
  'needs-review',
  'term-ending',
  'replacement-selected',
  'appointed',
  'stepped-down',
  'member-joined',
  'privacy-notice',
  // Check-ins (issue 14, src/domain/check-ins.ts).
  'check-in',
  'check-in-overdue',
  'approval-requested',
  'approval-reminder',
] as const
export type NoticeKind = (typeof NOTICE_KINDS)[number]

/**
 * Where a queued email stands: pending (queued) → sending (claimed) → sent | failed | unknown (rota
 * cannot tell whether it went out), or skipped (stale, no address, or cancelled by staff).
 */
export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed', 'unknown', 'skipped'] as const
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number]

/** Who receives a kind: the team's mailing list, its staff address, a volunteer, a member, or the policy's approver (`approval.approverEmail`). */
export type Audience = 'mailing-list' | 'staff' | 'volunteer' | 'member' | 'approver'

export interface Template {
  subject: string
  body: string
}

const CALL = [
  'team',
  'opensAt',
  'closesAt',
  'termStart',
  'formUrl',
  'seatsConsortium',
  'seatsCommunity',
  'seatsTotal',
  /** Every class's seats in words, policy order: "2 consortium seats and 2 community seats" (any policy; the two above name the IIIF 2017 classes). */
  'seats',
] as const
const SHORTFALL = ['shortfallConsortium', 'shortfallCommunity', 'shortfallTotal', 'shortfall'] as const
const PERSON = ['name'] as const
/** A volunteer's own receipt code and private status link, in the emails about their response. */
const OWN = ['receipt', 'statusUrl'] as const
/** The privacy notice the outcome emails end with: a template part of its own (`privacy-notice`). */
const PRIVACY = ['privacyNotice'] as const

/** For each kind: its audience and the placeholders its template may use. */
export const NOTICE_SPECS: Record<
  NoticeKind,
  { audience: Audience; placeholders: readonly string[]; description: string }
> = {
  'call-scheduled': {
    audience: 'staff',
    placeholders: [...CALL, 'callId'],
    description: 'To staff when rota creates the next call on the cadence, before it opens.',
  },
  'call-opened': {
    audience: 'mailing-list',
    placeholders: CALL,
    description: 'To the mailing list when a call opens.',
  },
  'call-reminder': {
    audience: 'mailing-list',
    placeholders: CALL,
    description: 'To the mailing list reminderDays before a call closes.',
  },
  acknowledged: {
    audience: 'volunteer',
    placeholders: [...CALL, ...PERSON, 'institution', 'receivedAt', 'explanation', ...OWN, ...PRIVACY],
    description:
      'To a volunteer, once per response, when rota first stores a response to a call that is open: what was received and when, and their private status link (to check it, or withdraw before the close). Not for responses outside the window, nor for responses rota first sees after the window closed (the result email tells them).',
  },
  'call-results': {
    audience: 'mailing-list',
    placeholders: [...CALL, ...SHORTFALL, 'newMembers'],
    description: 'To the mailing list when a call closes: the new members (names and institutions only).',
  },
  selected: {
    audience: 'volunteer',
    placeholders: [...CALL, ...PERSON, 'seat', 'termEnd', 'explanation', ...OWN, ...PRIVACY],
    description: 'To each selected volunteer.',
  },
  alternate: {
    audience: 'volunteer',
    placeholders: [...CALL, ...PERSON, 'explanation', ...OWN, ...PRIVACY],
    description: 'To each volunteer who is an alternate (may be asked if a seat frees up).',
  },
  'not-selected': {
    audience: 'volunteer',
    placeholders: [...CALL, ...PERSON, 'explanation', ...OWN, ...PRIVACY],
    description: 'To each volunteer who was not selected, with the reason.',
  },
  shortfall: {
    audience: 'staff',
    placeholders: [...CALL, ...SHORTFALL, 'newMembers', 'callId'],
    description: 'To staff when seats stay empty after a call: staff recruit directly.',
  },
  'needs-review': {
    audience: 'staff',
    placeholders: [...CALL, 'callId', 'warningCount'],
    description:
      'To staff, once, when a call passes closesAt but the tick leaves it open: responses name institutions with look-alike or invisible characters; staff review and close it.',
  },
  'term-ending': {
    audience: 'member',
    placeholders: ['team', ...PERSON, 'termEnd', 'seat'],
    description: 'To a volunteer termNoticeDays before their term ends.',
  },
  'replacement-selected': {
    audience: 'member',
    placeholders: ['team', ...PERSON, 'seat', 'termStart', 'termEnd'],
    description: 'To an alternate promoted when a member stepped down: her seat and the remainder of the term.',
  },
  appointed: {
    audience: 'member',
    placeholders: ['team', ...PERSON, 'seat', 'termStart', 'termEnd'],
    description: 'To someone staff appointed to the team: their seat and term.',
  },
  'stepped-down': {
    audience: 'member',
    placeholders: ['team', ...PERSON, 'endedAt'],
    description: 'To a member who stepped down: thanks, and when their service ends.',
  },
  'member-joined': {
    audience: 'mailing-list',
    placeholders: ['team', 'newMember', 'termStart'],
    description:
      'To the mailing list when an alternate promoted after a step-down starts her term (held back until then; the list is not told who left).',
  },
  'privacy-notice': {
    audience: 'volunteer',
    placeholders: ['team', 'applicantsRetention', 'membersRetention', 'mailRetention'],
    description:
      "Never sent on its own: the privacy notice that ends the acknowledged, selected, alternate and not-selected emails (their {{privacyNotice}}), filled from the team's retention policy. Its subject is not used.",
  },
  'check-in': {
    audience: 'member',
    placeholders: ['team', ...PERSON, 'termStart', 'termEnd', 'checkInUrl', 'graceDays'],
    description:
      'To a volunteer checkInMonths into their own term: a private link to confirm they can continue, or to step down.',
  },
  'check-in-overdue': {
    audience: 'staff',
    placeholders: ['team', 'memberName', 'memberId', 'sentAt', 'termEnd', 'graceDays'],
    description: 'To staff, once, when a member has not answered their check-in within checkInGraceDays.',
  },
  'approval-requested': {
    audience: 'approver',
    placeholders: [...CALL, 'callId', 'proposals', 'approveUrl'],
    description:
      "To the policy's approver when a call closes under committee approval: the volunteers proposed (names, institutions, seats), and where to approve or decline them.",
  },
  'approval-reminder': {
    audience: 'approver',
    placeholders: [...CALL, 'callId', 'proposals', 'approveUrl', 'waitingSince'],
    description:
      "To the policy's approver once a week while proposals of a call still wait (skipped if they were decided before it goes).",
  },
}

export function isNoticeKind(value: string): value is NoticeKind {
  return (NOTICE_KINDS as readonly string[]).includes(value)
}

/** rota's own wording, used until staff save a template of their own. */
export const DEFAULT_TEMPLATES: Record<NoticeKind, Template> = {
  'call-scheduled': {
    subject: '[{{team}}] Next call for volunteers scheduled: opens {{opensAt}}',
    body: [
      'rota has scheduled the next call for volunteers of the {{team}}.',
      '',
      'Opens: {{opensAt}}',
      'Closes: {{closesAt}}',
      'Terms start: {{termStart}}',
      'Seats to fill: {{seatsConsortium}} for people from IIIF Consortium member institutions, {{seatsCommunity}} for people from elsewhere.',
      '',
      'It will be announced on the mailing list when it opens. Edit or cancel it before then if needed (call {{callId}}).',
    ].join('\n'),
  },
  'call-opened': {
    subject: '[{{team}}] Call for volunteers: open until {{closesAt}}',
    body: [
      'The {{team}} is looking for volunteers.',
      '',
      'Volunteer here: {{formUrl}}',
      'The call is open until {{closesAt}}. Seats: {{seatsConsortium}} for people from IIIF Consortium member institutions and {{seatsCommunity}} for people from elsewhere in the community.',
      'Volunteers are selected first come, first served, one person per institution. Terms last two years and start {{termStart}}.',
    ].join('\n'),
  },
  'call-reminder': {
    subject: '[{{team}}] Reminder: the call for volunteers closes {{closesAt}}',
    body: [
      'A reminder: the call for volunteers for the {{team}} closes {{closesAt}}.',
      '',
      'Volunteer here: {{formUrl}}',
      'Seats: {{seatsConsortium}} for people from IIIF Consortium member institutions and {{seatsCommunity}} for people from elsewhere in the community.',
    ].join('\n'),
  },
  acknowledged: {
    subject: '[{{team}}] We have received your response',
    body: [
      'Dear {{name}},',
      '',
      'Thank you for volunteering for the {{team}}. We have received your response:',
      '',
      'Received at: {{receivedAt}}',
      'Name: {{name}}',
      'Institution: {{institution}}',
      '',
      '{{explanation}}',
      '',
      'Your receipt: {{receipt}}. Keep it: once the call closes, the public selection report lists the sha256 of each receipt, so you can find your own line (and nobody else can).',
      'Your record, and what you can still change: {{statusUrl}} (private: do not share this link). Until the call closes you can withdraw your response there.',
      '',
      '{{privacyNotice}}',
    ].join('\n'),
  },
  'call-results': {
    subject: '[{{team}}] Welcome to the new team members',
    body: [
      'The call for volunteers for the {{team}} has closed. Welcome to the new members, whose terms start {{termStart}}:',
      '',
      '{{newMembers}}',
      '',
      'Thank you to everyone who volunteered.',
    ].join('\n'),
  },
  selected: {
    subject: '[{{team}}] You have been selected',
    body: [
      'Dear {{name}},',
      '',
      'Thank you for volunteering. You have been selected for the {{team}} ({{seat}} seat). Your term runs from {{termStart}} to {{termEnd}}.',
      '',
      '{{explanation}}',
      '',
      'Your receipt: {{receipt}}. The public selection report lists the sha256 of each receipt, so you can find your own line (and nobody else can).',
      'Your record, and what you can still change: {{statusUrl}} (private: do not share this link).',
      '',
      '{{privacyNotice}}',
    ].join('\n'),
  },
  alternate: {
    subject: '[{{team}}] Thank you for volunteering',
    body: [
      'Dear {{name}},',
      '',
      'Thank you for volunteering for the {{team}}. Every seat was filled before your response, so you are an alternate: if a seat frees up before the next call, staff may ask you to join.',
      '',
      '{{explanation}}',
      '',
      'Your receipt: {{receipt}}. The public selection report lists the sha256 of each receipt, so you can find your own line (and nobody else can).',
      'Your record, and what you can still change: {{statusUrl}} (private: do not share this link).',
      '',
      '{{privacyNotice}}',
    ].join('\n'),
  },
  'not-selected': {
    subject: '[{{team}}] Thank you for volunteering',
    body: [
      'Dear {{name}},',
      '',
      'Thank you for volunteering for the {{team}}. We could not select you this time:',
      '',
      '{{explanation}}',
      '',
      'Your receipt: {{receipt}}. The public selection report lists the sha256 of each receipt, so you can find your own line (and nobody else can).',
      'Your record, and what you can still change: {{statusUrl}} (private: do not share this link).',
      '',
      '{{privacyNotice}}',
    ].join('\n'),
  },
  shortfall: {
    subject: '[{{team}}] Seats left empty: {{shortfallTotal}}',
    body: [
      'The call for volunteers (call {{callId}}) closed with seats left empty:',
      '{{shortfallConsortium}} for people from IIIF Consortium member institutions, {{shortfallCommunity}} for people from elsewhere.',
      '',
      'Selected:',
      '{{newMembers}}',
      '',
      'Staff recruit directly for the empty seats (POST /teams/{team}/members).',
    ].join('\n'),
  },
  'needs-review': {
    subject: '[{{team}}] A call for volunteers needs review before it closes',
    body: [
      'The call for volunteers (call {{callId}}) passed its closing time, {{closesAt}}, but rota has not closed it:',
      'some responses name their institution with look-alike or invisible characters, which can take or block a seat.',
      '',
      'Warnings to review: {{warningCount}}',
      '',
      'Review them in the selection preview (GET /calls/{{callId}}/selection), then close the call (POST /calls/{{callId}}/close).',
      'No results are announced until then.',
    ].join('\n'),
  },
  'term-ending': {
    subject: '[{{team}}] Your term ends {{termEnd}}',
    body: [
      'Dear {{name}},',
      '',
      'Your term on the {{team}} ({{seat}} seat) ends {{termEnd}}. Thank you for your service.',
      'You are welcome to volunteer again in the next call.',
    ].join('\n'),
  },
  'replacement-selected': {
    subject: '[{{team}}] You have been selected: a seat has freed up',
    body: [
      'Dear {{name}},',
      '',
      'A seat on the {{team}} has freed up, and as the next alternate you have been selected for it ({{seat}} seat).',
      'Your term runs from {{termStart}} to {{termEnd}}.',
    ].join('\n'),
  },
  appointed: {
    subject: '[{{team}}] Welcome to the {{team}}',
    body: [
      'Dear {{name}},',
      '',
      'You have been appointed to the {{team}} ({{seat}} seat). Your term runs from {{termStart}} to {{termEnd}}.',
    ].join('\n'),
  },
  'stepped-down': {
    subject: '[{{team}}] Thank you for your service',
    body: [
      'Dear {{name}},',
      '',
      'Thank you for your time on the {{team}}. As you asked, your service ends {{endedAt}}.',
      'You are welcome to volunteer again in a future call.',
    ].join('\n'),
  },
  'member-joined': {
    subject: '[{{team}}] Welcome to a new team member',
    body: ['Welcome to {{newMember}}, who joins the {{team}} from {{termStart}}, taking up a seat that freed up.'].join(
      '\n',
    ),
  },
  'privacy-notice': {
    subject: 'Your personal data',
    body: [
      'Your personal data: the {{team}} keeps your name, email address and institution in rota, the tool that selects its volunteers, to run this call and the team.',
      'If you are not selected, they are erased {{applicantsRetention}}; if you join the team, {{membersRetention}}. The text of emails such as this one is erased {{mailRetention}}.',
      'What stays afterwards is the record of the selection without your name or address: your place in the queue, the outcome and the reason.',
      'To see your data or have it erased sooner, reply to the team.',
    ].join('\n'),
  },
  'check-in': {
    subject: '[{{team}}] Can you continue on the team?',
    body: [
      'Dear {{name}},',
      '',
      'You have been on the {{team}} since {{termStart}}, and your term runs until {{termEnd}}.',
      'Can you continue until then? Please tell us within {{graceDays}} days through your private link:',
      '',
      '{{checkInUrl}}',
      '',
      'It lets you confirm that you continue, or step down. Do not share the link: it works only for you, once, until your term ends.',
    ].join('\n'),
  },
  'check-in-overdue': {
    subject: '[{{team}}] {{memberName}} has not answered their check-in',
    body: [
      '{{memberName}} (member {{memberId}}) was asked on {{sentAt}} whether they can continue on the {{team}} until {{termEnd}}, and has not answered in {{graceDays}} days.',
      'Nothing has changed on the roster: you may want to get in touch.',
    ].join('\n'),
  },
  'approval-requested': {
    subject: '[{{team}}] Volunteers proposed for approval',
    body: [
      'The call for volunteers for the {{team}} has closed. Its selection waits for your approval; nobody joins the team, and no volunteer is told, until you decide.',
      '',
      'Proposed, with terms from {{termStart}}:',
      '{{proposals}}',
      '',
      'Approve them all, or approve or decline each (declining needs a reason; the next eligible alternate is then proposed): {{approveUrl}}',
    ].join('\n'),
  },
  'approval-reminder': {
    subject: '[{{team}}] Reminder: volunteers still wait for approval',
    body: [
      'A reminder: volunteers proposed for the {{team}} have waited for your approval since {{waitingSince}}.',
      '',
      'Still proposed:',
      '{{proposals}}',
      '',
      'Approve or decline them here: {{approveUrl}}',
    ].join('\n'),
  },
}

/**
 * The privacy notice's values from a team's retention policy (README, "Personal data"): how long
 * each kind of personal data is kept, as a sentence part.
 */
export function retentionValues(retention: {
  applicantsMonths: number | null
  membersMonthsAfterTerm: number | null
  mailMonths: number | null
}): Record<'applicantsRetention' | 'membersRetention' | 'mailRetention', string> {
  const months = (n: number) => (n === 1 ? '1 month' : `${n} months`)
  return {
    applicantsRetention:
      retention.applicantsMonths === null
        ? 'only when you ask'
        : `${months(retention.applicantsMonths)} after the call closes`,
    membersRetention:
      retention.membersMonthsAfterTerm === null
        ? 'when you ask once your term has ended'
        : `${months(retention.membersMonthsAfterTerm)} after your term ends`,
    mailRetention:
      retention.mailMonths === null ? 'only when you ask' : `${months(retention.mailMonths)} after it is sent`,
  }
}

export interface TemplateProblem {
  field: 'subject' | 'body'
  message: string
}

/** A `{{placeholder}}` found in a template: where it starts and ends, and its name without the spaces round it. */
export interface PlaceholderAt {
  start: number
  end: number
  name: string
}

/**
 * Every `{{ name }}` in `text`, left to right, without overlaps: `{{`, then text without braces,
 * then `}}`; the name is that text trimmed. A linear scan — a regular expression for this
 * (`/\{\{\s*([^{}]*?)\s*\}\}/g`) backtracks cubically on a long unclosed `{{`, and templates
 * come from staff input.
 */
export function findPlaceholders(text: string): PlaceholderAt[] {
  const found: PlaceholderAt[] = []
  let from = 0
  for (;;) {
    const start = text.indexOf('{{', from)
    if (start === -1) return found
    // The first brace after the opening pair decides: `}}` closes the placeholder, anything else
    // means none starts here. No opening pair can start strictly between here and that brace, so
    // every character is looked at a bounded number of times.
    const brace = nextBrace(text, start + 2)
    if (brace === -1) return found
    if (text.charCodeAt(brace) === CLOSE && text.charCodeAt(brace + 1) === CLOSE) {
      found.push({ start, end: brace + 2, name: text.slice(start + 2, brace).trim() })
      from = brace + 2
    } else {
      from = start + 1
    }
  }
}

const OPEN = 0x7b
const CLOSE = 0x7d

function nextBrace(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === OPEN || c === CLOSE) return i
  }
  return -1
}

/** `text` with each placeholder replaced by `replace(placeholder, itsText)`. */
function replacePlaceholders(text: string, replace: (name: string, whole: string) => string): string {
  let out = ''
  let last = 0
  for (const { start, end, name } of findPlaceholders(text)) {
    out += text.slice(last, start) + replace(name, text.slice(start, end))
    last = end
  }
  return out + text.slice(last)
}

/**
 * What is wrong with a template for `kind`: an empty or multi-line subject, an empty body, a
 * placeholder the kind does not know, or a `{{`/`}}` that opens or closes nothing.
 */
export function templateProblems(kind: NoticeKind, template: Template): TemplateProblem[] {
  const problems: TemplateProblem[] = []
  const allowed = NOTICE_SPECS[kind].placeholders
  if (template.subject.trim() === '') problems.push({ field: 'subject', message: 'must not be blank' })
  if (/[\r\n]/.test(template.subject)) problems.push({ field: 'subject', message: 'must be one line' })
  if (template.body.trim() === '') problems.push({ field: 'body', message: 'must not be blank' })
  for (const field of ['subject', 'body'] as const) {
    const text = template[field]
    const unknown = new Set<string>()
    for (const { name } of findPlaceholders(text)) {
      if (!allowed.includes(name)) unknown.add(name)
    }
    for (const name of unknown) {
      problems.push({
        field,
        message: `unknown placeholder {{${name}}}; ${kind} allows ${allowed.map((p) => `{{${p}}}`).join(', ')}`,
      })
    }
    const rest = replacePlaceholders(text, () => '')
    if (rest.includes('{{') || rest.includes('}}'))
      problems.push({ field, message: 'has a "{{" or "}}" that is not part of a {{placeholder}}' })
  }
  return problems
}

/** The greeting a template falls back to when the person's name is blank: never "Dear ,". */
export const NEUTRAL_GREETING = 'Hello'

/** What `{{name}}` becomes outside a greeting line when the name is blank. */
export const NEUTRAL_NAME = 'volunteer'

/**
 * A template for someone whose name is blank (a response without one): each greeting line — a few
 * words, `{{name}}` and its punctuation, like `Dear {{name}},` — becomes `Hello,`, and `{{name}}`
 * anywhere else reads `volunteer`.
 */
function withoutName(template: Template): Template {
  const greeting = (text: string) =>
    text
      .split('\n')
      .map((line) => {
        const found = findPlaceholders(line)
        if (found.length !== 1 || found[0]!.name !== 'name') return line
        const before = line.slice(0, found[0]!.start).trim()
        const after = line.slice(found[0]!.end).trim()
        // A greeting: up to three words before the name, at most a punctuation mark after it.
        if (!/^[\p{L}'’-]+(?: [\p{L}'’-]+){0,2}$/u.test(before) || !/^[,.!:;]?$/.test(after)) return line
        return `${NEUTRAL_GREETING}${after}`
      })
      .join('\n')
  return { subject: template.subject, body: greeting(template.body) }
}

/**
 * Fills a template's placeholders; every placeholder of the kind must have a value. A blank
 * `name` never leaves "Dear ,": greeting lines fall back to a neutral one (see withoutName).
 */
export function renderTemplate(template: Template, values: Readonly<Record<string, string>>): Template {
  if (Object.hasOwn(values, 'name') && values['name']!.trim() === '') {
    template = withoutName(template)
    values = { ...values, name: NEUTRAL_NAME }
  }
  // Own keys only: `{{constructor}}` must not find Object.prototype's.
  const fill = (text: string) =>
    replacePlaceholders(text, (name, whole) => (Object.hasOwn(values, name) ? values[name]! : whole))
  // A value never makes a subject span lines (a header injection, or just a broken subject): each
  // run of spaces holding a line break becomes one space. `\s+` matches each run once (linear),
  // where `\s*[\r\n]+\s*` would retry every space of a long run.
  const subject = fill(template.subject).replace(/\s+/g, (run) => (/[\r\n]/.test(run) ? ' ' : run))
  return { subject: subject.trim(), body: fill(template.body) }
}

/** An example value for every placeholder, for previews when no real call is at hand. */
export const SAMPLE_VALUES: Readonly<Record<string, string>> = {
  team: 'IIIF Code of Conduct Team',
  opensAt: '2027-02-01 00:00 UTC',
  closesAt: '2027-03-01 00:00 UTC',
  termStart: '2027-03-01 00:00 UTC',
  termEnd: '2029-03-01 00:00 UTC',
  formUrl: 'https://forms.gle/example',
  seatsConsortium: '2',
  seatsCommunity: '2',
  seatsTotal: '4',
  shortfallConsortium: '1',
  shortfallCommunity: '0',
  shortfallTotal: '1',
  seats: '2 consortium seats and 2 community seats',
  shortfall: '1 consortium seat',
  newMembers: '- Ada Example (Example University)\n- Grace Sample (Sample Library)',
  name: 'Ada Example',
  seat: 'IIIF Consortium',
  explanation: 'Selected: the first volunteer from Example University, for a IIIF Consortium seat.',
  callId: '00000000-0000-4000-8000-000000000000',
  warningCount: '2',
  proposals: '- Ada Example (Example University), IIIF Consortium seat, term to 2029-03-01 00:00 UTC',
  approveUrl: 'https://rota.example.org/console/calls/0192d3c4-0000-7000-8000-000000000000',
  waitingSince: '2027-02-01 00:00 UTC',
  endedAt: '2028-01-15 00:00 UTC',
  newMember: 'Ada Example (Example University)',
  institution: 'Example University',
  receivedAt: '2027-02-03T10:15:42.123456Z',
  receipt: 'K7QX2-M4PZD-5RW3T-HB6NC',
  statusUrl: 'https://rota.example.org/status/00000000-0000-4000-8000-000000000000.example',
  applicantsRetention: '12 months after the call closes',
  membersRetention: '24 months after your term ends',
  mailRetention: '6 months after it is sent',
  privacyNotice:
    'Your personal data: the IIIF Code of Conduct Team keeps your name, email address and institution in rota … (the team’s privacy-notice template)',
  // Check-ins (issue 14).
  checkInUrl: 'https://rota.example.org/check-in/00000000-0000-4000-8000-000000000000.example',
  graceDays: '14',
  memberName: 'Ada Example',
  memberId: '00000000-0000-4000-8000-000000000000',
  sentAt: '2028-03-01 00:00 UTC',
}

/** An instant to the second, as a volunteer reads it: `2027-02-03 10:15:42 UTC`. */
function toTheSecond(instant: Instant): string {
  return `${instant.slice(0, 10)} ${instant.slice(11, 19)} UTC`
}

/**
 * The explanation an email to a volunteer carries: the staff explanation, except where that names
 * another person — emails to a volunteer never name another volunteer or member (staff views keep
 * the full sentence). "Another volunteer from your institution answered earlier (at …)", "held by
 * another member of the team".
 */
export function volunteerExplanation(decision: Decision, decisions: readonly Decision[], teamName?: string): string {
  const institution = decision.institution ?? 'your institution'
  switch (decision.reason) {
    case 'institution-already-selected': {
      const first = decisions.find(
        (d) =>
          d.outcome === 'selected' &&
          d.institutionKey !== null &&
          d.institutionKey === decision.institutionKey &&
          d.position < decision.position,
      )
      const when = first ? ` (at ${toTheSecond(first.submittedAt)})` : ''
      return `Another volunteer from ${institution} answered earlier${when} and was selected, and only the first volunteer from an institution is selected.`
    }
    case 'institution-on-team':
      return `${institution} already has a volunteer seat on ${teamPhrase(teamName)}, held by another member of the team, and each institution holds only one.`
    default:
      return decision.explanation
  }
}

/** A call as the acknowledgement rules need it. */
export interface AckCall {
  opensAt: Instant
  closesAt: Instant
  closed: boolean
  cancelled: boolean
}

/**
 * Whether a response rota has just stored is acknowledged (the `acknowledged` email, README "The
 * tick and the emails"): only while its call is open — neither closed nor cancelled, and `now`
 * inside the window `[opensAt, closesAt)` — and only for a response submitted inside that window,
 * the ones that count. A response rota first sees after the window closed (a late sync, a file
 * imported after the fact) is not acknowledged: the close is at hand or past, and the result email
 * carries the same status link; weeks-late "we received your response" emails would only confuse.
 */
export function acknowledgementDue(call: AckCall, submittedAt: Instant, now: Instant): boolean {
  if (call.closed || call.cancelled) return false
  const inside = (at: Instant) => compareInstants(at, call.opensAt) >= 0 && compareInstants(at, call.closesAt) < 0
  return inside(now) && inside(submittedAt)
}

/**
 * What an acknowledgement says about the response's place: nothing before the close (the order can
 * still change: responses submitted earlier may arrive later), and, when the same address had
 * already responded, that only a person's first response counts (docs/rules.md#d4) — with the time
 * of that earlier response, which is the recipient's own.
 */
export function acknowledgementExplanation(call: Pick<AckCall, 'closesAt'>, earlier: Instant | null): string {
  const when = `Volunteers are selected first come, first served, one per institution, when the call closes at ${formatInstant(call.closesAt)}: your place in line is known only then, and you will hear the outcome by email.`
  if (earlier === null) return when
  return `We already had a response from this email address, received at ${formatInstant(earlier)}. Only a person's first response counts, so this one counts only if you withdraw the earlier one (each response has its own link). ${when}`
}
