import t from 'tap'
import fc from 'fast-check'
import {
  approvalNoticesDue,
  approvalPending,
  decideApproval,
  proposalsAtClose,
  type ApprovalAction,
  type ApprovalFacts,
  type ClosingDecision,
  type Proposal,
} from '../../src/domain/approval.js'
import { emailPremise } from '../../src/domain/email-premise.js'
import { parseInstant } from '../../src/domain/time.js'

const START = parseInstant('2027-01-01T00:00:00Z')
const END = parseInstant('2028-01-01T00:00:00Z')

interface Person {
  decision: ClosingDecision
  email: string
  institutionKey: string | null
}

/** A close's decisions: any mix of outcomes, seats named by the policy (opaque strings), shared institutions and addresses. */
const closes = fc
  .array(
    fc.record({
      outcome: fc.constantFrom('selected', 'alternate', 'excluded') as fc.Arbitrary<ClosingDecision['outcome']>,
      seat: fc.constantFrom('advisor', 'consortium', 'x'),
      email: fc.constantFrom('a@x', 'b@x', 'c@x', 'd@x', 'e@x', 'f@x', 'g@x'),
      institution: fc.option(fc.constantFrom('id:1', 'id:2', 'id:3', 'name:four'), { nil: null }),
    }),
    { maxLength: 10 },
  )
  .map((rows) =>
    rows.map((r, i): Person => ({
      decision: {
        responseId: `r${i}`,
        outcome: r.outcome,
        seat: r.outcome === 'excluded' ? null : r.seat,
        termStart: r.outcome === 'selected' ? START : null,
        termEnd: r.outcome === 'selected' ? END : null,
      },
      email: r.email,
      institutionKey: r.institution,
    })),
  )

const actions = fc.array(
  fc.oneof(
    fc.constant({ type: 'approve-all' } as const),
    fc.record({ type: fc.constant('approve' as const), index: fc.nat(12) }),
    fc.record({ type: fc.constant('decline' as const), index: fc.nat(12), reason: fc.constantFrom('', 'No') }),
  ),
  { maxLength: 12 },
)

t.test('property: approval never adds a member before approval', async (t) => {
  fc.assert(
    fc.property(
      closes,
      actions,
      fc.array(fc.constantFrom('a@x', 'id:1', 'id:3'), { maxLength: 2 }),
      (people, steps, servingThings) => {
        let proposals: Proposal[] = proposalsAtClose(
          people.map((p) => p.decision),
          [],
        )
        // The close itself seats nobody: every proposal waits.
        if (!proposals.every((p) => p.status === 'proposed')) return false
        const members: string[] = []
        const offered = new Map<string, number>()
        for (const p of proposals) offered.set(p.seat, (offered.get(p.seat) ?? 0) + 1)
        const facts = (): ApprovalFacts => ({
          proposals,
          people: new Map(
            people.map((p) => [p.decision.responseId, { email: p.email, institutionKey: p.institutionKey }]),
          ),
          alternates: people
            .filter((p) => p.decision.outcome === 'alternate')
            .map((p) => ({
              responseId: p.decision.responseId,
              seat: p.decision.seat,
              email: p.email,
              institutionKey: p.institutionKey,
            })),
          serving: {
            emails: new Set(servingThings.filter((s) => s.includes('@'))),
            institutionKeys: new Set(servingThings.filter((s) => !s.includes('@'))),
          },
        })
        for (const step of steps) {
          const target = people['index' in step ? step.index : 0]?.decision.responseId ?? 'nobody'
          const action: ApprovalAction =
            step.type === 'approve-all'
              ? step
              : step.type === 'approve'
                ? { type: 'approve', responseId: target }
                : { type: 'decline', responseId: target, reason: step.reason }
          const waitingBefore = new Set(proposals.filter((p) => p.status === 'proposed').map((p) => p.responseId))
          const decided = decideApproval(facts(), action)
          if (!decided.ok) continue // refused: nothing changes
          // Only an approval adds members, and only proposals that waited for it.
          if (action.type === 'decline' && decided.approved.length > 0) return false
          for (const p of decided.approved) {
            if (!waitingBefore.has(p.responseId)) return false
            if (action.type === 'approve' && p.responseId !== action.responseId) return false
            members.push(p.responseId)
          }
          proposals = decided.proposals
          if (decided.complete !== !approvalPending(proposals)) return false
        }
        // Members are exactly the approved proposals, once each; no seat holds more than the close offered.
        const approved = proposals.filter((p) => p.status === 'approved').map((p) => p.responseId)
        if (JSON.stringify([...members].sort()) !== JSON.stringify([...approved].sort())) return false
        if (new Set(members).size !== members.length) return false
        for (const [seat, count] of offered) {
          const live = proposals.filter((p) => p.seat === seat && p.status !== 'declined').length
          if (live > count) return false
        }
        // A promoted alternate was an alternate of the same seat, and is never a declined one again proposed.
        for (const p of proposals.filter((p) => p.replaces !== null)) {
          const person = people.find((x) => x.decision.responseId === p.responseId)!
          if (person.decision.outcome !== 'alternate' || person.decision.seat !== p.seat) return false
        }
        return true
      },
    ),
    { numRuns: 500 },
  )
  t.pass('500 random closes and action sequences')
})

t.test('decline promotes the first eligible alternate of the same seat; none left leaves the seat empty', async (t) => {
  const people: Person[] = [
    { decision: sel('ada', 'advisor'), email: 'ada@x', institutionKey: 'id:1' },
    { decision: sel('bea', 'advisor'), email: 'bea@x', institutionKey: 'id:2' },
    { decision: alt('cal', 'other'), email: 'cal@x', institutionKey: 'id:3' },
    { decision: alt('dan', 'advisor'), email: 'dan@x', institutionKey: 'id:2' }, // Bea's institution: not eligible
    { decision: alt('eve', 'advisor'), email: 'eve@x', institutionKey: 'id:1' }, // Ada's, once Ada is declined: eligible
  ]
  const facts: ApprovalFacts = {
    proposals: proposalsAtClose(
      people.map((p) => p.decision),
      [
        { responseId: 'ada', index: 1 },
        { responseId: 'bea', index: 2 },
      ],
    ),
    people: new Map(people.map((p) => [p.decision.responseId, { email: p.email, institutionKey: p.institutionKey }])),
    alternates: people
      .filter((p) => p.decision.outcome === 'alternate')
      .map((p) => ({
        responseId: p.decision.responseId,
        seat: p.decision.seat,
        email: p.email,
        institutionKey: p.institutionKey,
      })),
    serving: { emails: new Set(), institutionKeys: new Set() },
  }
  const declined = decideApproval(facts, { type: 'decline', responseId: 'ada', reason: 'No' })
  t.ok(declined.ok)
  if (!declined.ok) return
  t.match(declined.promoted, { responseId: 'eve', seat: 'advisor', slot: 1, replaces: 'ada', status: 'proposed' })
  t.equal(declined.complete, false)
  const again = decideApproval(
    { ...facts, proposals: declined.proposals },
    { type: 'decline', responseId: 'eve', reason: 'No' },
  )
  t.ok(again.ok && again.promoted === null, 'Dan shares Bea’s institution: nobody left')
  const blank = decideApproval(facts, { type: 'decline', responseId: 'ada', reason: ' ' })
  t.match(blank, {
    ok: false,
    refusal: { kind: 'invalid', code: 'invalid-decline', problems: [{ field: 'body.reason' }] },
  })
  const all = decideApproval({ ...facts, proposals: declined.proposals }, { type: 'approve-all' })
  t.ok(all.ok)
  if (!all.ok) return
  t.same(
    all.approved.map((p) => p.responseId),
    ['bea', 'eve'],
  )
  t.same(all.proposals.find((p) => p.responseId === 'ada')!.status, 'declined', 'approving all leaves the declined')
  t.match(decideApproval({ ...facts, proposals: all.proposals }, { type: 'approve-all' }), {
    ok: false,
    refusal: { kind: 'conflict', code: 'no-pending-proposals' },
  })
})

t.test('the approver: asked at once, then one reminder per week (the current one only)', async (t) => {
  const since = parseInstant('2027-01-01T00:00:00Z')
  const keys = (at: string) => approvalNoticesDue('s1', since, parseInstant(at)).map((n) => n.key)
  t.same(keys('2027-01-01T00:00:00Z'), ['approval:s1:requested'])
  t.same(keys('2027-01-07T23:59:59Z'), ['approval:s1:requested'])
  t.same(keys('2027-01-08T00:00:00Z'), ['approval:s1:requested', 'approval:s1:reminder-1'])
  t.same(keys('2027-01-29T12:00:00Z'), ['approval:s1:requested', 'approval:s1:reminder-4'])
  t.same(emailPremise('approval-reminder', { waiting: 0 }), {
    holds: false,
    reason: 'no proposal of the call waits for approval any more',
  })
  t.same(emailPremise('approval-reminder', { waiting: 2 }), { holds: true })
})

function sel(id: string, seat: string): ClosingDecision {
  return { responseId: id, outcome: 'selected', seat, termStart: START, termEnd: END }
}
function alt(id: string, seat: string): ClosingDecision {
  return { responseId: id, outcome: 'alternate', seat, termStart: null, termEnd: null }
}
