import { formatDuration } from '../../core/duration.js';
import type { AnomalyAlert, ChannelAlert, DirectMessage } from '../../core/ports/chat.js';
import { formatCardFactors } from '../../core/views/card-factors.js';
import { approvalsLine, formatClock, statusLine } from '../../core/views/format.js';
import type { RequestView } from '../../core/views/request-view.js';

/** Terminal text for an approval card (first post or an in-place update). */
export function renderCard(view: RequestView, now: Date, update: boolean): string[] {
  const head = `${view.ref}${view.kind === 'extension' ? ` extension of ${view.parentRef}` : ''}`;
  const factors = formatCardFactors(view.cardFactors);
  const lines = [
    `${update ? 'card updated' : 'approval card'} ${head}: ${view.requester} → ${view.resource} (${view.level}) for ${formatDuration(view.durationMs)}${view.breakGlass ? ' · BREAK-GLASS' : ''}${view.pilot ? ' · PILOT (nothing is granted)' : ''}`,
    `  reason: ${view.reason}${view.incidentKey ? ` · incident ${view.incidentKey}` : ''}`,
    `  risk ${view.score} (${view.tier})${factors ? ` · ${factors}` : ''}`,
  ];
  if (view.status === 'pending') {
    lines.push(`  ${approvalsLine(view)}`);
    lines.push(`  [Approve] [Deny]  → type: approve ${view.ref} [comment]  |  deny ${view.ref} <reason>`);
  } else {
    lines.push(`  ${statusLine(view, now)}`);
  }
  return lines;
}

/** Terminal text for a direct message. Credentials are printed here: the console is the recipient's own terminal. */
export function renderDirect(message: DirectMessage, now: Date): string[] {
  const view = message.request;
  switch (message.kind) {
    case 'credential':
      return [
        `${view?.ref}: access to ${view?.resource} (${view?.level}) is active until ${view?.expiresAt ? formatClock(view.expiresAt, view.timezone, now) : '?'}.`,
        `  ${message.credential.summary}`,
        `  credential (shown once): ${message.credential.secret}`,
      ];
    case 'expiry_notice':
      return [
        message.request.pilot
          ? `${message.request.ref}: your pilot window on ${message.request.resource} ends in ${formatDuration(message.remainingMs)} (pilot: no real access).`
          : `${message.request.ref}: your access to ${message.request.resource} ends in ${formatDuration(message.remainingMs)}.`,
        `  [Extend ${formatDuration(message.extendBy)}] [I'm done]  → type: extend ${message.request.ref} ${formatDuration(message.extendBy)}  |  release ${message.request.ref}`,
      ];
    case 'denied':
      return [`${message.request.ref} was denied by ${message.request.deniedBy ?? 'an approver'}: ${message.request.decisionNote ?? ''}`];
    case 'failed':
      return [`${message.request.ref} could not be granted: ${message.request.lastError ?? 'unknown error'}`];
    case 'timed_out':
      return [`${message.request.ref} timed out waiting for approval; request again if you still need access.`];
    case 'ended':
      return [`${message.request.ref}: ${statusLine(message.request, now)}.`];
    case 'approval_reminder':
      return [
        `Reminder: ${message.request.ref} from ${message.request.requester} (${message.request.resource}, ${message.request.level}) still needs your approval; it times out at ${message.request.approvalExpiresAt ? formatClock(message.request.approvalExpiresAt, message.request.timezone, now) : '?'}.`,
      ];
    case 'break_glass_review':
      return [
        `Break-glass: ${message.request.requester} took ${message.request.resource} (${message.request.level}) as ${message.request.ref}; review it with: review ${message.request.ref} [comment]`,
      ];
    case 'revoke_failed':
      return [`ALERT ${message.text}`, `  [Retry now]  → type: retry ${message.request.ref}`];
    case 'info':
      return [message.text];
  }
}

export function renderAlert(alert: ChannelAlert): string[] {
  return [
    `${alert.kind === 'revoke_failed' ? 'ALERT ' : ''}${alert.text}${alert.retry && alert.request ? ` [Retry now] → type: retry ${alert.request.ref} (retries also run automatically)` : ''}`,
  ];
}

/** Terminal text for an anomaly DM, with the typed equivalent of each button this recipient has. */
export function renderAnomaly(alert: AnomalyAlert, now: Date): string[] {
  const view = alert.request;
  const lines = [
    `${alert.severity.toUpperCase()} activity on ${view.ref} at ${formatClock(alert.at, view.timezone, now)}: ${alert.summary}`,
    `  grant: ${view.resource} (${view.level}) for ${view.requester} · risk ${view.score} (${view.tier}) · detector ${alert.detector} · ${statusLine(view, now)}`,
  ];
  if (alert.autoRevoked) lines.push(`  Keycard revoked ${view.ref} automatically (the policy revokes on ${alert.severity} findings).`);
  const buttons: string[] = [];
  const typed: string[] = [];
  if (alert.actions.includes('revoke')) {
    buttons.push('[Revoke now]');
    typed.push(`revoke ${view.ref} <reason>`);
  }
  if (alert.actions.includes('acknowledge')) {
    buttons.push('[Acknowledge]');
    typed.push(`ack ${view.ref} ${alert.detector}`);
  }
  if (alert.actions.includes('extend')) {
    buttons.push(`[Extend ${formatDuration(alert.extendBy)}]`);
    typed.push(`extend ${view.ref} ${formatDuration(alert.extendBy)}`);
  }
  if (buttons.length > 0) lines.push(`  ${buttons.join(' ')}  → type: ${typed.join('  |  ')}`);
  return lines;
}
