import { formatDuration } from '../../../core/duration.js';
import type { ChannelAlert, DirectMessage } from '../../../core/ports/chat.js';
import { formatClock, statusLine } from '../../../core/views/format.js';
import type { RequestView } from '../../../core/views/request-view.js';
import { type AdaptiveCard, type CardElement, card, container, execute, facts, inline, text, truncate } from './adaptive.js';
import { approvalCard } from './approval-card.js';

const MAX_LINES = 40;

const until = (view: RequestView, now: Date) => (view.expiresAt ? formatClock(view.expiresAt, view.timezone, now) : '?');

function note(lines: string[], style?: 'good' | 'attention' | 'warning'): AdaptiveCard {
  const [first = '', ...rest] = lines;
  return card([container([text(first, { weight: 'Bolder' }), ...rest.map((line) => text(line, { spacing: 'Small' }))], style)]);
}

function credentialCard(view: RequestView, message: Extract<DirectMessage, { kind: 'credential' }>, now: Date): AdaptiveCard {
  const body: CardElement[] = [
    container([text(`${view.ref}: ${view.resource} (${view.level}) is yours until ${until(view, now)}`, { weight: 'Bolder' })], 'good'),
    text(truncate(message.credential.summary, 500)),
  ];
  const fields = Object.entries(message.credential.fields ?? {});
  if (fields.length > 0) body.push(facts(fields.slice(0, 10).map(([k, v]) => [k, truncate(v, 300)])));
  // The secret goes into this one message only: it is never logged or stored, so this card is the only copy.
  body.push(text(message.credential.secret, { fontType: 'Monospace', spacing: 'Medium' }));
  body.push(text('Shown once: Keycard does not keep it. It stops working when the grant ends.', { isSubtle: true, size: 'Small' }));
  return card(body, [execute("I'm done", { kc: 'release', number: view.number })]);
}

function expiryNotice(message: Extract<DirectMessage, { kind: 'expiry_notice' }>): AdaptiveCard {
  const view = message.request;
  return card(
    [
      container(
        [
          text(`${view.ref}: your access to ${view.resource} (${view.level}) ends in ${formatDuration(message.remainingMs)}`, {
            weight: 'Bolder',
          }),
        ],
        'warning',
      ),
      text('Extend it (the extension is scored and approved like a request) or end it now if you are finished.'),
    ],
    [
      execute(
        `Extend ${formatDuration(message.extendBy)}`,
        { kc: 'extend', number: view.number, durationMs: message.extendBy },
        'positive',
      ),
      execute("I'm done", { kc: 'release', number: view.number }),
    ],
  );
}

/** A direct message as an Adaptive Card; credential and expiry notices carry buttons. */
export function directCard(message: DirectMessage, now: Date): AdaptiveCard {
  switch (message.kind) {
    case 'credential':
      return credentialCard(message.request, message, now);
    case 'expiry_notice':
      return expiryNotice(message);
    case 'denied':
      return note(
        [`${message.request.ref} was denied by ${message.request.deniedBy ?? 'an approver'}`, inline(message.request.decisionNote ?? '')],
        'attention',
      );
    case 'failed':
      return note([`${message.request.ref} could not be granted`, inline(message.request.lastError ?? 'unknown error')], 'attention');
    case 'timed_out':
      return note([`${message.request.ref} timed out waiting for approval`, 'Request again if you still need access.']);
    case 'ended':
      return note([`${message.request.ref}: ${statusLine(message.request, now)}`]);
    case 'approval_reminder':
      return approvalCard(message.request, now, { banner: `Reminder: ${message.request.ref} still needs your approval` });
    case 'break_glass_review':
      return card(
        [
          container(
            [
              text(
                `Break-glass: ${message.request.requester} took ${message.request.resource} (${message.request.level}) as ${message.request.ref}`,
                { weight: 'Bolder' },
              ),
            ],
            'attention',
          ),
          text(`Reason: ${truncate(inline(message.request.reason), 500)}`),
          text('Review it once you have checked what was done.'),
        ],
        [execute('Mark reviewed', { kc: 'review', number: message.request.number })],
      );
    case 'revoke_failed':
      return card(note([`ALERT: ${message.text}`], 'attention').body, [
        execute('Retry now', { kc: 'retryRevoke', number: message.request.number }, 'destructive'),
      ]);
    case 'info':
      return note([message.text]);
  }
}

/** A channel alert (break-glass broadcast, revoke failure); a failing revoke offers Retry now. */
export function alertCard(alert: ChannelAlert): AdaptiveCard {
  const alarm = note(
    [alert.kind === 'revoke_failed' ? `ALERT: ${alert.text}` : alert.text],
    alert.kind === 'info' ? undefined : 'attention',
  );
  if (!alert.retry || !alert.request) return alarm;
  return card(alarm.body, [execute('Retry now', { kc: 'retryRevoke', number: alert.request.number }, 'destructive')]);
}

/** Plain text shown as a card: command replies, help, errors. One TextBlock per line keeps the layout. */
export function textCard(value: string, style?: 'attention' | 'good'): AdaptiveCard {
  // Replies carry outside text (reasons, resource names): controls made visible, no markdown link from it.
  const all = value.split('\n').map((line) => truncate(inline(line), 1000));
  // A long `list` must not push the card over Teams' size limit; the rest stays reachable with `status`.
  const lines = all.length > MAX_LINES ? [...all.slice(0, MAX_LINES), `… and ${all.length - MAX_LINES} more lines`] : all;
  const body = lines.map((line, i) =>
    text(line.length > 0 ? line.replace(/^ {2,}/, '• ') : ' ', { spacing: 'None', ...(i === 0 ? { weight: 'Bolder' } : {}) }),
  );
  return card(style ? [container(body, style)] : body);
}
