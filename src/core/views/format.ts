import { formatDuration } from '../duration.js';
import type { RequestView } from './request-view.js';

/** Intl formatters are costly to build (a few hundred µs each); one of each kind per time zone is kept. */
const clockFormats = new Map<string, Intl.DateTimeFormat>();
const dayFormats = new Map<string, Intl.DateTimeFormat>();

function cached(cache: Map<string, Intl.DateTimeFormat>, timeZone: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let format = cache.get(timeZone);
  if (!format) {
    format = make();
    // Time zones come from the policy and the directory: a handful, but never let the cache grow unbounded.
    if (cache.size >= 256) cache.clear();
    cache.set(timeZone, format);
  }
  return format;
}

/** "21:29:05" in the policy's time zone, with the date when it is not the same day as `now`. */
export function formatClock(at: Date, timeZone: string, now?: Date): string {
  const time = cached(
    clockFormats,
    timeZone,
    () => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }),
  ).format(at);
  if (!now) return time;
  const days = cached(
    dayFormats,
    timeZone,
    () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
  );
  const day = (d: Date) => days.format(d);
  return day(at) === day(now) ? time : `${day(at)} ${time}`;
}

/** How every surface says that a request is a pilot: plainly, so nobody waits for access that will not come. */
export const PILOT_NOTE = 'PILOT: approval runs as usual, but no access is granted';

export function approvalsLine(view: RequestView): string {
  const groups = view.openGroups.length > 0 ? view.openGroups : view.approverGroups;
  const barred = view.notSoleApprover ? ` · another approver than ${view.notSoleApprover} is needed (approver concentration)` : '';
  return `${view.approvalsCounted} of ${view.approvalsRequired} approvals: ${groups.join(', ')}${barred}${view.pilot ? ` · ${PILOT_NOTE}` : ''}`;
}

/** One-line human status, shared by every surface. */
export function statusLine(view: RequestView, now: Date): string {
  return view.pilot ? pilotStatusLine(view, now) : enforceStatusLine(view, now);
}

/** A pilot request's status: the same states, worded so it is clear nothing was (or will be) granted. */
function pilotStatusLine(view: RequestView, now: Date): string {
  const tz = view.timezone;
  switch (view.status) {
    case 'approved':
      return 'approved · PILOT: recording what would be granted (nothing is)';
    case 'active':
      return view.expiresAt
        ? `PILOT: would be active until ${formatClock(view.expiresAt, tz, now)} (${formatDuration(view.expiresAt.getTime() - now.getTime())} left) · no access was granted`
        : 'PILOT: would be active · no access was granted';
    case 'revoked':
      return `PILOT: ended${view.endedBy ? ` by ${view.endedBy}` : ''}${view.endedAt ? ` at ${formatClock(view.endedAt, tz, now)}` : ''} · no access had been granted`;
    case 'expired':
      return `PILOT: window ended${view.endedAt ? ` at ${formatClock(view.endedAt, tz, now)}` : ''} · no access had been granted`;
    case 'pending':
      return enforceStatusLine(view, now);
    default:
      return `${enforceStatusLine(view, now)} · PILOT`;
  }
}

function enforceStatusLine(view: RequestView, now: Date): string {
  const tz = view.timezone;
  switch (view.status) {
    case 'pending':
      return `pending · ${approvalsLine(view)}`;
    case 'approved':
      return 'approved · granting access…';
    case 'active':
      return view.expiresAt
        ? `active until ${formatClock(view.expiresAt, tz, now)} (${formatDuration(view.expiresAt.getTime() - now.getTime())} left)`
        : 'active';
    case 'denied':
      return `denied by ${view.deniedBy ?? 'an approver'}${view.decisionNote ? `: ${view.decisionNote}` : ''}`;
    case 'cancelled':
      return directoryNote(view) ? `cancelled: ${directoryNote(view)}` : 'cancelled by the requester';
    case 'timed_out':
      return 'timed out waiting for approval';
    case 'failed':
      return `failed: ${view.lastError ?? 'the provider refused the grant'}`;
    case 'revoking':
      return `revoking (${view.endReason ?? 'ending'})${view.lastError ? ` · last attempt failed: ${view.lastError}` : ''}`;
    case 'revoke_failed':
      return `REVOKE FAILED · access may still be live · ${view.lastError ?? ''}`.trim();
    case 'revoked':
      return `revoked${view.endedBy ? ` by ${view.endedBy}` : ''}${view.endedAt ? ` at ${formatClock(view.endedAt, tz, now)}` : ''}${directoryNote(view) ? `: ${directoryNote(view)}` : ''}`;
    case 'expired':
      return `expired${view.endedAt ? ` at ${formatClock(view.endedAt, tz, now)}` : ''} · access revoked`;
    case 'merged':
      return `merged into ${view.parentRef ?? 'the active grant'}`;
    case 'lost':
      return `LOST · the credential is gone at the target (removed outside Keycard)${view.endedAt ? ` · found at ${formatClock(view.endedAt, tz, now)}` : ''}`;
  }
}

/** Why the directory ended a request (a leaver), shown on the card; other notes (approval comments) are not. */
export function directoryNote(view: Pick<RequestView, 'endedBy' | 'decisionNote'>): string | undefined {
  return view.endedBy?.startsWith('directory:') && view.decisionNote ? view.decisionNote : undefined;
}
