import fs from 'node:fs'
import type { google as Google } from 'googleapis'
import type { GoogleConfig } from '../config.js'

/** Scopes rota asks for: forms.get needs forms.body.readonly; responses.list needs forms.responses.readonly. */
export const FORMS_SCOPES = [
  'https://www.googleapis.com/auth/forms.body.readonly',
  'https://www.googleapis.com/auth/forms.responses.readonly',
]

/**
 * The credentials googleapis sends: a static bearer token (GOOGLE_ACCESS_TOKEN, for tests and
 * short experiments), or a service account from a key file (GOOGLE_APPLICATION_CREDENTIALS) or
 * inline JSON (GOOGLE_CREDENTIALS_JSON), optionally impersonating a user (GOOGLE_IMPERSONATE).
 * Null when none is configured.
 */
export function googleAuth(google: typeof Google, config: GoogleConfig, scopes: string[]) {
  if (config.accessToken) {
    const client = new google.auth.OAuth2()
    client.setCredentials({ access_token: config.accessToken })
    return client
  }
  const credentials =
    config.credentialsJson ?? (config.credentialsFile ? fs.readFileSync(config.credentialsFile, 'utf8') : null)
  if (credentials === null) return null
  return new google.auth.GoogleAuth({
    credentials: JSON.parse(credentials) as Record<string, string>,
    scopes,
    ...(config.impersonate ? { clientOptions: { subject: config.impersonate } } : {}),
  })
}
