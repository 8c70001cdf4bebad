/**
 * How rota refers to a person in records that must outlive their personal data (the audit log,
 * tombstones): by an opaque reference such as `person_3k9v2q7x1m4t`, looked up from their email
 * address. The address is the person's key: compared trimmed and lower-cased (the domain is
 * case-insensitive, and no provider volunteers use treats the local part otherwise).
 */
export function emailKey(email: string): string {
  return email.trim().toLowerCase()
}

/** Whether a value looks like a person reference (so it can be told apart from data in a diff). */
export function isPersonRef(value: string): boolean {
  return /^person_[a-z0-9]{12}$/.test(value)
}
