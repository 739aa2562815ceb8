import { formatDuration } from '../../../core/duration.js';
import type { ChannelAlert, DirectMessage } from '../../../core/ports/chat.js';
import { formatClock, statusLine } from '../../../core/views/format.js';
import type { RequestView } from '../../../core/views/request-view.js';
import { ACTION } from '../action-ids.js';
import { actions, type Block, button, context, escapeText, fields, LIMITS, type SlackMessage, section, truncate } from './block-kit.js';
import { renderCredential } from './credential.js';

const until = (view: RequestView, now: Date) => (view.expiresAt ? formatClock(view.expiresAt, view.timezone, now) : '?');

function simple(text: string, extra: Block[] = []): SlackMessage {
  return { text: truncate(text, LIMITS.fallbackText), blocks: [section(escapeText(text)), ...extra] };
}

/**
 * Direct messages, one or more Slack messages each (a long credential is split). Notification text
 * never contains a secret: it shows on lock screens and in previews.
 */
export function renderDirect(message: DirectMessage, now: Date): SlackMessage[] {
  switch (message.kind) {
    case 'credential':
      return renderCredential(message.request, message.credential, now);
    case 'expiry_notice': {
      const view = message.request;
      const text = `${view.ref}: your access to ${view.resource} (${view.level}) ends in ${formatDuration(message.remainingMs)}, at ${until(view, now)}.`;
      return [
        simple(text, [
          actions(`kc_notice_${view.number}`, [
            button(ACTION.extend, `Extend ${formatDuration(message.extendBy)}`, String(view.number), 'primary'),
            button(ACTION.release, 'I’m done', String(view.number)),
          ]),
        ]),
      ];
    }
    case 'denied': {
      const view = message.request;
      return [
        simple(`${view.ref} (${view.resource}, ${view.level}) was denied by ${view.deniedBy ?? 'an approver'}: ${view.decisionNote ?? ''}`),
      ];
    }
    case 'failed':
      return [simple(`${message.request.ref} could not be granted: ${message.request.lastError ?? 'unknown error'}`)];
    case 'timed_out':
      return [simple(`${message.request.ref} timed out waiting for approval; request again if you still need access.`)];
    case 'ended':
      return [
        simple(`${message.request.ref} (${message.request.resource}, ${message.request.level}): ${statusLine(message.request, now)}.`),
      ];
    case 'approval_reminder': {
      const view = message.request;
      const deadline = view.approvalExpiresAt ? formatClock(view.approvalExpiresAt, view.timezone, now) : '?';
      return [
        {
          text: `Reminder: ${view.ref} from ${view.requester} still needs your approval`,
          blocks: [
            section(
              escapeText(
                `Reminder: ${view.ref} from ${view.requester} (${view.resource}, ${view.level}, ${formatDuration(view.durationMs)}) still needs your approval; it times out at ${deadline}.`,
              ),
            ),
            section(`*Reason*\n${escapeText(truncate(view.reason, 1500))}`),
            actions(`kc_remind_${view.number}`, [
              button(ACTION.approve, 'Approve', String(view.number), 'primary'),
              button(ACTION.deny, 'Deny', String(view.number), 'danger'),
            ]),
          ],
        },
      ];
    }
    case 'break_glass_review': {
      const view = message.request;
      return [
        simple(
          `Break-glass: ${view.requester} took ${view.resource} (${view.level}) as ${view.ref} without approval. Review it with /access review ${view.ref} [comment].`,
          [context(escapeText(`Reason: ${truncate(view.reason, 1500)}`))],
        ),
      ];
    }
    case 'revoke_failed':
      return [simple(`ALERT: ${message.text}`, [retryActions(message.request)])];
    case 'info':
      return [simple(message.text)];
  }
}

/** The Retry now button of a revoke that keeps failing (approvers and reviewers may press it). */
function retryActions(view: RequestView): Block {
  return actions(`kc_retry_${view.number}`, [button(ACTION.retryRevoke, 'Retry now', String(view.number), 'danger')]);
}

/** A channel alert (break-glass broadcast, revoke failure); a failing revoke offers Retry now. */
export function renderAlert(alert: ChannelAlert, now: Date): SlackMessage {
  const icon = alert.kind === 'revoke_failed' ? ':rotating_light: ' : alert.kind === 'break_glass' ? ':fire_engine: ' : '';
  const blocks: Block[] = [section(`${icon}${escapeText(alert.text)}`)];
  if (alert.request) {
    const view = alert.request;
    blocks.push(
      fields([
        ['Request', view.ref],
        ['Requester', escapeText(view.requester)],
        ['Resource', escapeText(`${view.resource} (${view.level})`)],
        ['Status', escapeText(statusLine(view, now))],
      ]),
    );
  }
  if (alert.retry && alert.request) {
    blocks.push(retryActions(alert.request));
    blocks.push(context('Keycard keeps retrying the revocation by itself until the target confirms; Retry now tries at once.'));
  }
  return { text: truncate(`${alert.kind === 'revoke_failed' ? 'ALERT: ' : ''}${alert.text}`, LIMITS.fallbackText), blocks };
}

/** A lifecycle line posted in the card's thread. */
export function renderThreadLine(text: string): SlackMessage {
  return simple(text);
}
