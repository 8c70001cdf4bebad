/**
 * What a staff token may do. `viewer` reads every staff route (responses with emails, the outbox,
 * the audit log) and changes nothing; `staff` also runs calls and the team (imports, closes,
 * appointments, templates, the outbox); `admin` also manages tokens and the team's policy, and
 * erases personal data. Each role includes the ones before it.
 */
export const STAFF_ROLES = ['viewer', 'staff', 'admin'] as const
export type StaffRole = (typeof STAFF_ROLES)[number]

/** Whether a token of role `held` may use a route that needs `needed`. */
export function roleAllows(held: StaffRole, needed: StaffRole): boolean {
  return STAFF_ROLES.indexOf(held) >= STAFF_ROLES.indexOf(needed)
}
