import { formatDuration } from '../../../core/duration.js';
import type { AnomalyAlert } from '../../../core/ports/chat.js';
import { formatClock, statusLine } from '../../../core/views/format.js';
import type { RequestView } from '../../../core/views/request-view.js';
import {
  type AdaptiveCard,
  type CardAction,
  type CardElement,
  card,
  container,
  execute,
  facts,
  inline,
  text,
  truncate,
} from './adaptive.js';

const STYLE: Record<AnomalyAlert['severity'], 'attention' | 'warning' | 'emphasis'> = {
  info: 'emphasis',
  warning: 'warning',
  high: 'attention',
  critical: 'attention',
};

function grantFacts(view: RequestView, now: Date, extra: Array<[string, string]> = []): CardElement {
  return facts([
    ['Grant', `${view.ref} · ${view.resource} (${view.level})`],
    ['Requester', view.requester],
    ['Risk', `${view.score} (${view.tier})`],
    ...extra,
    ['Status', truncate(statusLine(view, now), 300)],
  ]);
}

/** Revoke asks once more before it ends someone's access (Adaptive Cards have no confirm dialog). */
function revokeAction(view: RequestView, detector: string): CardAction {
  return {
    type: 'Action.ShowCard',
    title: 'Revoke now',
    card: {
      type: 'AdaptiveCard',
      body: [text(`${view.requester} loses ${view.resource} (${view.level}) at once.`)],
      actions: [execute(`Revoke ${view.ref}`, { kc: 'anomalyRevoke', number: view.number, detector }, 'destructive')],
    },
  };
}

/**
 * The anomaly DM: what happened, when, on which grant, how severe, whether Keycard already revoked, and
 * this recipient's buttons. Buttons carry only the request number and the detector.
 */
export function anomalyCard(alert: AnomalyAlert, now: Date): AdaptiveCard {
  const view = alert.request;
  const { detector } = alert;
  const body: CardElement[] = [
    container(
      [
        text(`${alert.severity.toUpperCase()} activity on ${view.ref}`, { weight: 'Bolder', size: 'Medium' }),
        text(truncate(inline(alert.summary), 500), { spacing: 'Small' }),
      ],
      STYLE[alert.severity],
    ),
    grantFacts(view, now, [
      ['When', formatClock(alert.at, view.timezone, now)],
      ['Detector', detector],
    ]),
  ];
  if (alert.autoRevoked) {
    body.push(
      container(
        [text(`Keycard revoked ${view.ref} automatically: the policy revokes on ${alert.severity} findings.`, { weight: 'Bolder' })],
        'attention',
      ),
    );
  }
  body.push(
    text('Recorded in the audit log. Acknowledging records that you saw it; it changes nothing else.', { isSubtle: true, size: 'Small' }),
  );
  const actions: CardAction[] = [];
  if (alert.actions.includes('revoke')) actions.push(revokeAction(view, detector));
  if (alert.actions.includes('acknowledge')) actions.push(execute('Acknowledge', { kc: 'anomalyAck', number: view.number, detector }));
  if (alert.actions.includes('extend')) {
    actions.push(execute(`Extend ${formatDuration(alert.extendBy)}`, { kc: 'anomalyExtend', number: view.number, detector }, 'positive'));
  }
  return card(body, actions);
}

/** What replaces the anomaly card once someone acted on it: the grant as it is now and what was done, no buttons. */
export function anomalyHandledCard(view: RequestView, detector: string, outcome: string, now: Date): AdaptiveCard {
  return card([
    container([text(`${view.ref}: ${detector} alert`, { weight: 'Bolder' })], 'emphasis'),
    grantFacts(view, now),
    container([text(outcome)], 'good'),
  ]);
}
