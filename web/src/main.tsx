import { render } from 'preact'
import { useEffect, useLayoutEffect, useState } from 'preact/hooks'
import { ApiError, api, token, unwrap, whenUnauthorized, type Team } from './api'
import { ErrorMessage, Field, Loading, useAction } from './ui'
import { Overview } from './pages/overview'
import { Calls } from './pages/calls'
import { CallPage } from './pages/call'
import { TeamPage } from './pages/team'
import { Institutions } from './pages/institutions'
import { Schedule } from './pages/schedule'
import { Emails } from './pages/emails'
import { Audit } from './pages/audit'
import { Tokens } from './pages/tokens'
import { Link, currentPath } from './router'
import './style.css'

const NAV: Array<[string, string]> = [
  ['', 'Overview'],
  ['calls', 'Calls'],
  ['team', 'Team'],
  ['institutions', 'Institutions'],
  ['schedule', 'Schedule'],
  ['emails', 'Emails'],
]
/** Shown to admins only (the API refuses the others anyway). */
const ADMIN_NAV: Array<[string, string]> = [
  ['audit', 'Audit'],
  ['tokens', 'Tokens'],
]

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [value, setValue] = useState('')
  const action = useAction()
  useEffect(() => document.getElementById('page-title')?.focus(), [])
  const submit = async (e: Event) => {
    e.preventDefault()
    const entered = value.trim()
    await action.run(async () => {
      token.set(entered)
      try {
        // Any staff read checks the token: the outbox's newest message.
        unwrap(await api.GET('/outbox', { params: { query: { limit: 1 } } }))
      } catch (error) {
        token.clear()
        throw error
      }
      onSignedIn()
    })
  }
  const error = action.error
  // A wrong token is the token field's error.
  const tokenError =
    error instanceof ApiError && error.status === 401
      ? new ApiError(401, error.code, error.message, { token: error.message })
      : error
  return (
    <main id="main" class="signin">
      <h1 id="page-title" tabIndex={-1}>
        rota staff console
      </h1>
      <p>
        Paste a staff token (from <code>npm run token -- create</code> or <code>STAFF_TOKEN</code>).
      </p>
      <form onSubmit={submit}>
        <Field
          label="Staff token"
          name="token"
          type="password"
          autoComplete="off"
          required
          value={value}
          onInput={setValue}
          error={tokenError}
          hint="Kept in this browser tab only, until you sign out or close the tab."
        />
        <ErrorMessage error={tokenError} fields={['token']} />
        <button type="submit" disabled={action.busy}>
          Sign in
        </button>
      </form>
    </main>
  )
}

function Page({ path, team, admin }: { path: string; team: Team; admin: boolean | null }) {
  const [first, second] = path.split('/')
  switch (first) {
    case '':
      return <Overview team={team} />
    case 'calls':
      return second ? <CallPage id={decodeURIComponent(second)} team={team} /> : <Calls team={team} />
    case 'team':
      return <TeamPage team={team} />
    case 'institutions':
      return <Institutions />
    case 'schedule':
      return <Schedule team={team} />
    case 'emails':
      return <Emails team={team} />
    case 'audit':
    case 'tokens':
      if (admin === null) return <Loading what="your role" />
      if (admin) return first === 'audit' ? <Audit /> : <Tokens />
      break
  }
  return (
    <>
      <h1 id="page-title" tabIndex={-1}>
        Page not found
      </h1>
      <p>
        <Link to="">Go to the overview</Link>
      </p>
    </>
  )
}

function App() {
  const [signedIn, setSignedIn] = useState(() => token.get() !== null)
  const [path, setPath] = useState(currentPath)
  const [teams, setTeams] = useState<Team[] | null>(null)
  const [teamSlug, setTeamSlug] = useState<string>(() => sessionStorage.getItem('rota.team') ?? '')
  const [loadError, setLoadError] = useState<Error | null>(null)
  // Whether the token is an admin's: the API's answer to an admin read (403 forbidden-role: not one).
  const [admin, setAdmin] = useState<boolean | null>(null)

  useEffect(() => {
    whenUnauthorized(() => {
      token.clear()
      setSignedIn(false)
    })
    const onPop = () => setPath(currentPath())
    addEventListener('popstate', onPop)
    return () => removeEventListener('popstate', onPop)
  }, [])

  useEffect(() => {
    setAdmin(null)
    if (!signedIn) return
    api.GET('/tokens').then(
      (answer) => setAdmin(answer.response.ok),
      () => setAdmin(false),
    )
    api.GET('/teams').then(
      (answer) => {
        try {
          const list = unwrap(answer).teams
          setTeams(list)
          if (!list.some((t) => t.slug === teamSlug)) setTeamSlug(list[0]?.slug ?? '')
        } catch (error) {
          setLoadError(error as Error)
        }
      },
      (error: Error) => setLoadError(error),
    )
  }, [signedIn])

  // Focus management: each page's heading takes the focus when the page changes, in the same task
  // as the new page's DOM (a layout effect), so nobody sees the heading before it has the focus.
  useLayoutEffect(() => {
    const title = document.getElementById('page-title')
    if (title && document.activeElement !== title) title.focus()
    const heading = title?.textContent
    if (heading) document.title = `${heading} · rota`
  }, [path, signedIn, teams, teamSlug, admin])

  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />
  const team = teams?.find((t) => t.slug === teamSlug)
  const section = path.split('/')[0] ?? ''
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">rota</span>
        <nav aria-label="Console">
          <ul>
            {[...NAV, ...(admin ? ADMIN_NAV : [])].map(([to, label]) => (
              <li key={to}>
                <Link to={to} current={section === to}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="account">
          {teams && teams.length > 1 && (
            <label>
              Team{' '}
              <select
                value={teamSlug}
                onChange={(e) => {
                  const slug = (e.currentTarget as HTMLSelectElement).value
                  sessionStorage.setItem('rota.team', slug)
                  setTeamSlug(slug)
                }}
              >
                {teams.map((t) => (
                  <option key={t.slug} value={t.slug}>
                    {t.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button
            type="button"
            class="link"
            onClick={() => {
              token.clear()
              setSignedIn(false)
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        {loadError ? (
          <ErrorMessage error={loadError} />
        ) : team ? (
          <Page key={`${team.slug}/${path}`} path={path} team={team} admin={admin} />
        ) : (
          <p role="status">Loading…</p>
        )}
      </main>
    </>
  )
}

render(<App />, document.getElementById('app')!)
