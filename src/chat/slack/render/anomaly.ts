import { formatDuration } from '../../../core/duration.js';
import type { AnomalyAlert } from '../../../core/ports/chat.js';
import { formatClock, statusLine } from '../../../core/views/format.js';
import { ACTION, anomalyValue } from '../action-ids.js';
import {
  actions,
  type Block,
  button,
  context,
  escapeText,
  fields,
  header,
  LIMITS,
  type SlackMessage,
  section,
  truncate,
} from './block-kit.js';

const ICON: Record<AnomalyAlert['severity'], string> = {
  info: ':information_source:',
  warning: ':warning:',
  high: ':rotating_light:',
  critical: ':rotating_light:',
};

/**
 * The anomaly DM: what happened, when, on which grant, how severe, whether Keycard already revoked,
 * and this recipient's buttons. Buttons carry only the request number and the detector.
 */
export function renderAnomaly(alert: AnomalyAlert, now: Date): SlackMessage {
  const view = alert.request;
  const severity = alert.severity.toUpperCase();
  const value = anomalyValue(view.number, alert.detector);
  const blocks: Block[] = [
    header(`${severity} activity on ${view.ref}`),
    section(`${ICON[alert.severity]} ${escapeText(truncate(alert.summary, 2000))}`),
    fields([
      ['Grant', escapeText(`${view.ref} · ${view.resource} (${view.level})`)],
      ['Requester', escapeText(view.requester)],
      ['Risk', `${view.score} (${view.tier})`],
      ['When', escapeText(formatClock(alert.at, view.timezone, now))],
      ['Detector', escapeText(alert.detector)],
      ['Status', escapeText(statusLine(view, now))],
    ]),
  ];
  if (alert.autoRevoked) {
    blocks.push(section(`:lock: *Keycard revoked ${view.ref} automatically*: the policy revokes on ${alert.severity} findings.`));
  }
  const buttons = [];
  if (alert.actions.includes('revoke')) {
    buttons.push(
      button(ACTION.anomalyRevoke, 'Revoke now', value, 'danger', {
        title: { type: 'plain_text', text: `Revoke ${view.ref}?` },
        text: { type: 'plain_text', text: truncate(`${view.requester} loses ${view.resource} (${view.level}) at once.`, 300) },
        confirm: { type: 'plain_text', text: 'Revoke' },
        deny: { type: 'plain_text', text: 'Cancel' },
      }),
    );
  }
  if (alert.actions.includes('acknowledge')) buttons.push(button(ACTION.anomalyAcknowledge, 'Acknowledge', value));
  if (alert.actions.includes('extend')) buttons.push(button(ACTION.anomalyExtend, `Extend ${formatDuration(alert.extendBy)}`, value));
  if (buttons.length > 0) blocks.push(actions(`kc_anomaly_${view.number}`, buttons));
  blocks.push(context('Recorded in the audit log. Acknowledging records that you saw it; it changes nothing else.'));
  const text = `${severity} activity on ${view.ref} (${view.resource}, ${view.level}): ${alert.summary}${alert.autoRevoked ? ' · revoked automatically' : ''}`;
  return { text: truncate(text, LIMITS.fallbackText), blocks };
}

/** The DM after someone acted on it: the same message without buttons, with what was done. */
export function resolveAnomaly(original: Block[] | undefined, outcome: string, fallbackText: string): SlackMessage {
  const kept = (original ?? []).filter((b) => b.type !== 'actions');
  return {
    text: truncate(`${fallbackText} · ${outcome}`, LIMITS.fallbackText),
    blocks: [...kept, section(`:white_check_mark: ${escapeText(outcome)}`)].slice(-LIMITS.messageBlocks),
  };
}
