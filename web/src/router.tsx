/** Client-side routes under /console/: history entries, no reloads. */
import type { ComponentChildren } from 'preact'

export const BASE = '/console/'

/** The console's path below /console/, e.g. `calls/0192…`. */
export function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : ''
  return path.replace(/\/+$/, '')
}

/** Client-side navigation: a history entry, then the new page (whose heading takes the focus). */
export function navigate(path: string) {
  history.pushState(null, '', BASE + path)
  dispatchEvent(new PopStateEvent('popstate'))
}

/** A link inside the console: navigates without reloading. */
export function Link(props: { to: string; children: ComponentChildren; current?: boolean; class?: string }) {
  return (
    <a
      href={BASE + props.to}
      class={props.class}
      aria-current={props.current ? 'page' : undefined}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
        e.preventDefault()
        navigate(props.to)
      }}
    >
      {props.children}
    </a>
  )
}
