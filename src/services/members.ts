import type { Db } from '../db/client.js'
import { listMembers as queryMembers } from '../db/queries/members.js'
import { findTeamBySlug } from '../db/queries/teams.js'
import { instantFromPg } from '../db/instants.js'
import { formatInstant } from '../domain/time.js'
import { teamNotFound } from './teams.js'

export interface MemberView {
  id: string
  name: string
  email: string
  institution: string | null
  seat: string
  termStart: string
  termEnd: string | null
  endedAt: string | null
  origin: string
  callId: string | null
}

const at = (value: string | null) => (value === null ? null : formatInstant(instantFromPg(value)))

/** Every member a team has had, with email and where they came from (staff only: personal data). */
export async function listMembers(db: Db, slug: string): Promise<MemberView[]> {
  const team = await findTeamBySlug(db, slug)
  if (!team) throw teamNotFound(slug)
  return (await queryMembers(db, team.id)).map(({ member, institutionName }) => ({
    id: member.id,
    name: member.name,
    email: member.email,
    institution: institutionName ?? member.institutionText,
    seat: member.seat,
    termStart: at(member.termStart)!,
    termEnd: at(member.termEnd),
    endedAt: at(member.endedAt),
    origin: member.origin,
    callId: member.callId,
  }))
}
