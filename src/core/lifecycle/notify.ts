import { formatDuration } from '../duration.js';
import { resolveResource } from '../policy/access.js';
import type { DirectMessage } from '../ports/chat.js';
import type { Credential } from '../ports/provider.js';
import type { AccessRequest } from '../types.js';
import { directoryNote, formatClock, statusLine } from '../views/format.js';
import { type RequestView, toRequestView } from '../views/request-view.js';
import type { CoreDeps } from './deps.js';
import { announceIncidentEvent } from './incident.js';
import { knownApprovals, rememberApprovals } from './known-approvals.js';
import { revokersOf } from './revokers.js';

/** Builds the platform-neutral view of a request from the store (its approvals only when not already known). */
export async function loadView(deps: CoreDeps, request: AccessRequest): Promise<RequestView> {
  const policy = deps.policy();
  let approvals = knownApprovals(request);
  if (!approvals) {
    // Remembered on this row version, so the announcement and the reply of one command read them once.
    approvals = await deps.store.listApprovals(request.id);
    rememberApprovals(request, approvals);
  }
  const parent = request.parentId ? await deps.store.getRequest(request.parentId) : undefined;
  return toRequestView(request, [...approvals], {
    timezone: policy.timezone,
    description: resolveResource(policy, request.resource)?.description ?? '',
    parentNumber: parent?.number ?? null,
  });
}

/** Runs a chat delivery; chat failures are logged and never break the lifecycle. */
async function deliver(deps: CoreDeps, what: string, requestId: string | null, send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch (error) {
    deps.log.warn({ requestId, what, err: error instanceof Error ? error.message : String(error) }, 'chat delivery failed');
  }
}

export type LifecycleEvent =
  | 'submitted'
  | 'approval_recorded'
  | 'approved'
  | 'activated'
  | 'denied'
  | 'failed'
  | 'timed_out'
  | 'cancelled'
  | 'merged'
  | 'extended'
  | 'ended'
  | 'revoke_failed'
  | 'revoke_retrying'
  | 'reviewed'
  | 'reminded'
  | 'lost';

/** Tells chat about a transition: the card is updated in place, a thread reply is posted, and DMs go out. */
export async function announce(
  deps: CoreDeps,
  request: AccessRequest,
  event: LifecycleEvent,
  extra: { actor?: string; credential?: Credential; text?: string } = {},
): Promise<void> {
  const policy = deps.policy();
  const view = await loadView(deps, request);
  const now = deps.clock.now();
  const channel = policy.tiers[request.tier].channel;
  const threadText = threadLine(view, event, extra.actor, now);
  await deliver(deps, 'card', request.id, () => deps.chat.publishCard(view, channel));
  if (event !== 'submitted') await deliver(deps, 'thread', request.id, () => deps.chat.postThread(view, threadText));
  // Every lifecycle event of every request linked to an incident also goes into the incident's one thread.
  await announceIncidentEvent(deps, request, view, event === 'submitted' ? incidentRequestLine(view) : `${view.ref}: ${threadText}`);

  const dm = (to: string, message: DirectMessage) =>
    deliver(deps, `dm:${message.kind}`, request.id, () => deps.chat.sendDirect(to, message));
  switch (event) {
    case 'activated':
      if (view.pilot) await dm(request.requester, { kind: 'info', request: view, text: pilotGrantText(view, now) });
      else if (extra.credential) await dm(request.requester, { kind: 'credential', request: view, credential: extra.credential });
      else await dm(request.requester, { kind: 'info', request: view, text: `${view.ref} is active: ${statusLine(view, now)}` });
      break;
    case 'denied':
      await dm(request.requester, { kind: 'denied', request: view });
      break;
    case 'failed':
      await dm(request.requester, { kind: 'failed', request: view });
      break;
    case 'timed_out':
      await dm(request.requester, { kind: 'timed_out', request: view });
      break;
    case 'ended':
      await dm(request.requester, { kind: 'ended', request: view });
      break;
    case 'revoke_failed': {
      // Escalation: the alerts channel and everyone who may retry it get the failure with Retry now.
      const text = revokeFailedText(view, request, policy.revocation.maxBackoff);
      await deliver(deps, 'alert', request.id, () =>
        deps.chat.postAlert(policy.alerts.channel, { kind: 'revoke_failed', text, request: view, retry: true }),
      );
      for (const person of revokersOf(policy, request)) await dm(person, { kind: 'revoke_failed', request: view, text });
      break;
    }
    case 'lost': {
      const text = `${view.ref}: your ${request.resource} (${request.level}) credential is gone at the target: it was removed outside Keycard. Keycard closed the grant; request access again if you still need it.`;
      await dm(request.requester, { kind: 'info', request: view, text });
      const others = `${view.ref} (${request.requester}, ${request.resource} ${request.level}) is LOST: reconciliation found its credential removed at the target outside Keycard. Check who changed the target.`;
      for (const person of revokersOf(policy, request)) await dm(person, { kind: 'info', request: view, text: others });
      break;
    }
    default:
      break;
  }
}

/** The escalation text: what keeps failing, that access may still be live, and how to retry now. */
function revokeFailedText(view: RequestView, request: AccessRequest, maxBackoffMs: number): string {
  return (
    `${view.ref}: revoking ${request.resource} (${request.level}) for ${request.requester} failed ${request.attempts} times: ` +
    `${request.lastError ?? 'unknown error'}. Access may still be live. Keycard keeps retrying at least every ${formatDuration(maxBackoffMs)} ` +
    `until the target confirms; press Retry now or run \`retry ${view.ref}\` (CLI: keycard grants retry ${view.ref}).`
  );
}

/** Sends a DM outside the standard transitions (reminders, notices, break-glass reviews). */
export async function sendDirect(deps: CoreDeps, to: string, message: DirectMessage): Promise<void> {
  await deliver(deps, `dm:${message.kind}`, message.request?.id ?? null, () => deps.chat.sendDirect(to, message));
}

/**
 * The expiry notice: a DM with Extend / I'm done to the requester and, for a grant linked to an
 * incident, a line in the incident's thread, so the channel sees access about to end.
 */
export async function sendExpiryNotice(
  deps: CoreDeps,
  request: AccessRequest,
  view: RequestView,
  notice: { remainingMs: number; extendBy: number },
): Promise<void> {
  await sendDirect(deps, request.requester, { kind: 'expiry_notice', request: view, ...notice });
  await announceIncidentEvent(deps, request, view, `${view.ref}: ${expiryNoticeLine(view, notice.remainingMs)}`);
}

/** The incident thread's line for an expiry notice. */
export function expiryNoticeLine(view: RequestView, remainingMs: number): string {
  return `Access for ${view.requester} to ${view.resource} (${view.level}) ends in ${formatDuration(remainingMs)}; ${view.requester} can extend or release it`;
}

/** The DM a pilot requester gets instead of a credential. */
export function pilotGrantText(view: RequestView, now: Date): string {
  const until = view.expiresAt ? formatClock(view.expiresAt, view.timezone, now) : '?';
  return (
    `${view.ref} was approved, but ${view.resource} is in PILOT mode: Keycard granted nothing and there is no credential. ` +
    `In enforce mode you would now have ${view.level} access until ${until}. Use your usual access meanwhile.`
  );
}

function threadLine(view: RequestView, event: LifecycleEvent, actor: string | undefined, now: Date): string {
  const line = eventLine(view, event, actor, now);
  if (!view.pilot) return line;
  if (event === 'approved')
    return view.breakGlass
      ? 'Break-glass (PILOT): would be granted at once, post-hoc review required · nothing is granted'
      : `Approved by ${actor ?? 'Keycard'} · PILOT: nothing will be granted`;
  if (event === 'activated')
    return `PILOT: would grant access until ${view.expiresAt ? formatClock(view.expiresAt, view.timezone, now) : '?'} · nothing was granted`;
  if (event === 'ended')
    return `PILOT: window ended (${view.status === 'expired' ? 'expired' : `ended by ${view.endedBy ?? actor ?? 'Keycard'}`}) · nothing to revoke`;
  return `${line} · PILOT`;
}

function eventLine(view: RequestView, event: LifecycleEvent, actor: string | undefined, now: Date): string {
  const who = actor ?? 'Keycard';
  switch (event) {
    case 'submitted':
      return `${view.requester} requested ${view.resource} (${view.level}) · risk ${view.score} (${view.tier})`;
    case 'approval_recorded':
      return `Approved by ${who} · ${view.approvalsCounted} of ${view.approvalsRequired}`;
    case 'approved':
      return view.breakGlass ? `Break-glass: granted at once, post-hoc review required` : `Approved by ${who} · granting access`;
    case 'activated':
      return `Access active until ${view.expiresAt ? formatClock(view.expiresAt, view.timezone, now) : '?'}`;
    case 'denied':
      return `Denied by ${who}${view.decisionNote ? `: ${view.decisionNote}` : ''}`;
    case 'failed':
      return `Grant failed: ${view.lastError ?? 'unknown error'}`;
    case 'timed_out':
      return 'Timed out waiting for approval';
    case 'cancelled':
      // A cancellation's note is always Keycard's or the requester's own words (a leaver, an ended grant), never an approver's comment.
      return `Cancelled by ${who}${view.decisionNote ? `: ${view.decisionNote}` : ''}`;
    case 'merged':
      return `Merged into ${view.parentRef ?? 'the active grant'}`;
    case 'extended':
      return `Extended by ${who}: ${statusLine(view, now)}`;
    case 'ended':
      return view.status === 'expired'
        ? 'Expired · access revoked'
        : `Revoked by ${view.endedBy ?? who} · access removed${directoryNote(view) ? ` · ${directoryNote(view)}` : ''}`;
    case 'revoke_failed':
      return `REVOKE FAILED after repeated attempts: ${view.lastError ?? 'unknown error'} · Keycard keeps retrying until the target confirms · retry now: \`retry ${view.ref}\``;
    case 'revoke_retrying':
      return `Revoke attempt failed (${view.lastError ?? 'unknown error'}); retrying`;
    case 'reviewed':
      return `Break-glass grant reviewed by ${who}`;
    case 'lost':
      return 'LOST: reconciliation found the credential gone at the target (removed outside Keycard); the grant is closed';
    case 'reminded':
      return `Still waiting for approval from ${view.openGroups.join(', ')}; times out at ${view.approvalExpiresAt ? formatClock(view.approvalExpiresAt, view.timezone, now) : '?'}`;
  }
}

/** The incident thread's line for a new request: who, what, risk and route. */
export function incidentRequestLine(view: RequestView): string {
  const route =
    view.status === 'pending'
      ? `needs ${view.approvalsRequired} approval(s) from ${view.approverGroups.join(', ')}`
      : view.status.replace('_', ' ');
  return `${view.ref}: ${view.requester} requested ${view.resource} (${view.level}) for ${formatDuration(view.durationMs)} · risk ${view.score} (${view.tier}) · ${route} · "${view.reason}"`;
}
