import { formatDuration } from '../../../core/duration.js';
import { fitCardFactors } from '../../../core/views/card-factors.js';
import { approvalsLine, formatClock, statusLine } from '../../../core/views/format.js';
import type { RequestView } from '../../../core/views/request-view.js';
import { ACTION } from '../action-ids.js';
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
import { slackLink } from './incident.js';

/** Where a card links to: the incident thread the request is part of. */
export interface CardLinks {
  incident?: { url: string; label: string };
}

/** Longest reason shown on a card; the full text stays in the audit log and `/access status`. */
const CARD_REASON_MAX = 1500;
/**
 * Longest factor reason on the risk line, so one long reason does not crowd the others; when every factor
 * together still passes LIMITS.contextText, the reasons are cut shorter still (never a factor dropped).
 */
const FACTOR_REASON_MAX = 160;
const FACTOR_BULLET = '• ';

const STATUS_ICON: Record<RequestView['status'], string> = {
  pending: ':hourglass_flowing_sand:',
  approved: ':white_check_mark:',
  active: ':large_green_circle:',
  denied: ':no_entry:',
  cancelled: ':heavy_minus_sign:',
  timed_out: ':alarm_clock:',
  failed: ':x:',
  revoking: ':arrows_counterclockwise:',
  revoke_failed: ':rotating_light:',
  lost: ':grey_question:',
  revoked: ':lock:',
  expired: ':lock:',
  merged: ':twisted_rightwards_arrows:',
};

/** The approval card, first posted to the tier's channel and then updated in place on every transition. */
export function renderCard(view: RequestView, now: Date, links: CardLinks = {}): SlackMessage {
  const title = view.kind === 'extension' ? `${view.ref} · extension of ${view.parentRef ?? 'a grant'}` : `${view.ref} · access request`;
  const blocks: Block[] = [
    header(`${title}${view.breakGlass ? ' · BREAK-GLASS' : ''}`),
    fields([
      ['Requester', escapeText(view.requester)],
      ['Resource', escapeText(view.resourceDescription ? `${view.resource} (${view.resourceDescription})` : view.resource)],
      ['Level', escapeText(view.level)],
      ['Duration', view.kind === 'extension' ? `+${formatDuration(view.durationMs)}` : formatDuration(view.durationMs)],
      ...(view.incidentKey ? ([['Incident', escapeText(view.incidentKey)]] as Array<[string, string]>) : []),
    ]),
    section(`*Reason*\n${escapeText(truncate(view.reason, CARD_REASON_MAX))}`),
    context(riskLine(view)),
    section(`${STATUS_ICON[view.status]} *${escapeText(view.status === 'pending' ? approvalsLine(view) : statusLine(view, now))}*`),
  ];
  if (view.approvals.length > 0) {
    const who = view.approvals.map(
      (a) =>
        `${escapeText(a.approver)} at ${formatClock(a.at, view.timezone, now)}${a.comment ? ` (“${escapeText(truncate(a.comment, 200))}”)` : ''}`,
    );
    blocks.push(context(`Approved by ${who.join(', ')}`));
  }
  if (links.incident) blocks.push(context(`:rotating_light: Incident thread: ${slackLink(links.incident.url, links.incident.label)}`));
  if (view.status === 'pending' && view.approvalExpiresAt) {
    blocks.push(context(`Times out at ${formatClock(view.approvalExpiresAt, view.timezone, now)} if not decided.`));
  }
  const buttons = [];
  if (view.actions.includes('approve')) buttons.push(button(ACTION.approve, 'Approve', String(view.number), 'primary'));
  if (view.actions.includes('deny')) buttons.push(button(ACTION.deny, 'Deny', String(view.number), 'danger'));
  if (buttons.length > 0) blocks.push(actions(`kc_card_${view.number}`, buttons));
  return { text: truncate(cardText(view, now), LIMITS.fallbackText), blocks };
}

/**
 * "*Risk 42 (medium)*" and one line per card factor ("• +20 high sensitivity (demo-db)", "• routing: …"), escaped,
 * within the context limit. One per line because reasons have commas of their own ("6 of their 6 approvals, median 40s").
 */
function riskLine(view: RequestView): string {
  const head = `*Risk ${view.score} (${view.tier})*`;
  if (view.cardFactors.length === 0) return head;
  const lead = `\n${FACTOR_BULLET}`;
  const budget = LIMITS.contextText - head.length - lead.length;
  const measure = (l: string) => escapeText(l).length;
  const lines = fitCardFactors(view.cardFactors, budget, { reasonMax: FACTOR_REASON_MAX, measure, separator: lead });
  return `${head}${lead}${escapeText(lines)}`;
}

/** Notification / fallback text for the card. */
export function cardText(view: RequestView, now: Date): string {
  return `${view.ref}: ${view.requester} requests ${view.resource} (${view.level}) for ${formatDuration(view.durationMs)} · risk ${view.score} (${view.tier}) · ${view.status === 'pending' ? approvalsLine(view) : statusLine(view, now)}`;
}
