/**
 * The volunteers' private status links and receipt codes, as the emails about a response carry them
 * (the pages behind the links: ./status.ts). Apart from status.ts so that what queues those emails
 * (the close, an import's acknowledgements) needs nothing of the pages.
 */
import { addCalendarMonths, instantToDate, type Instant } from '../domain/time.js'
import type { Keys } from './keys.js'

/** How long a status link works after the call closes, when no retention policy says otherwise: 12 months. */
export const STATUS_LINK_MONTHS = 12

/** The reason kept with a response its volunteer withdrew. */
export const WITHDRAWN = 'withdrawn by the volunteer'

/** When a status link for a call closing at `closesAt` stops working. */
export function statusLinkExpiry(closesAt: Instant): Date {
  return instantToDate(addCalendarMonths(closesAt, STATUS_LINK_MONTHS))
}

/** The receipt code and the status link an email about a response carries. */
export function volunteerLinks(
  keys: Keys,
  responseId: string,
  closesAt: Instant,
  publicUrl: string | null,
): { receipt: string; statusUrl: string } {
  const token = keys.statusToken(responseId, statusLinkExpiry(closesAt))
  return { receipt: keys.receipt(responseId), statusUrl: `${publicUrl ?? ''}/status/${token}` }
}
