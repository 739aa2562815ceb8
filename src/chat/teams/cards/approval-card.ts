import { formatDuration } from '../../../core/duration.js';
import { formatPoints } from '../../../core/risk/assess.js';
import { fitReasonMax } from '../../../core/views/card-factors.js';
import { approvalsLine, formatClock, statusLine } from '../../../core/views/format.js';
import type { RequestView } from '../../../core/views/request-view.js';
import {
  type AdaptiveCard,
  CARD_BUDGET_BYTES,
  type CardAction,
  type CardElement,
  card,
  cardBytes,
  container,
  execute,
  facts,
  inline,
  text,
  truncate,
} from './adaptive.js';
import { openUrl } from './incident-card.js';

const REASON_MAX = 500;
/** The request's reason on a card over the size budget. */
const SHORT_REASON_MAX = 120;
/** Shortest factor reason still worth showing: below it a factor no longer explains itself. */
const MIN_FACTOR_REASON = 24;
const DENY_REASON_INPUT = 'denyReason';

/** Card colour by state: pending asks for attention, live access is green, a failed revoke is an alarm. */
function styleOf(view: RequestView): 'attention' | 'good' | 'warning' | 'emphasis' {
  switch (view.status) {
    case 'pending':
      return view.tier === 'critical' || view.tier === 'high' ? 'attention' : 'warning';
    case 'active':
    case 'approved':
      return 'good';
    case 'revoke_failed':
    case 'failed':
    case 'lost':
      return 'attention';
    default:
      return 'emphasis';
  }
}

function headline(view: RequestView): string {
  const kind = view.kind === 'extension' ? ` · extension of ${view.parentRef ?? 'a grant'}` : '';
  const glass = view.breakGlass ? ' · BREAK-GLASS' : '';
  return `${view.ref} · ${view.resource} (${view.level})${kind}${glass}`;
}

function approvalFacts(view: RequestView): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  if (view.approvalsRequired > 0) rows.push(['Approvals', approvalsLine(view)]);
  if (view.approvals.length > 0) rows.push(['Approved by', view.approvals.map((a) => a.approver).join(', ')]);
  return rows;
}

/** Longest factor reason on a card; a card over the size budget cuts them shorter before it drops any. */
const FACTOR_REASON_MAX = 160;

/**
 * How much of the risk detail a card carries: every card factor with its reason cut to `reasonMax`, the
 * routing notes only (a card too big even with the shortest reasons), or none.
 */
type FactorDetail = { reasonMax: number } | 'notes' | 'none';

/** "Risk factors" rows: points (or "routing" for a zero-point note) and the reason; "+N more" only when notes alone fit. */
function factorRows(view: RequestView, detail: FactorDetail): Array<[string, string]> {
  if (detail === 'none') return [];
  const reasonMax = detail === 'notes' ? FACTOR_REASON_MAX : detail.reasonMax;
  const shown = detail === 'notes' ? view.cardFactors.filter((f) => f.points === 0) : view.cardFactors;
  const rows = shown.map((f): [string, string] => [
    f.points === 0 ? 'routing' : formatPoints(f.points),
    truncate(inline(f.reason), reasonMax),
  ]);
  const more = view.cardFactors.length - shown.length;
  if (more > 0) rows.push([`+${more} more`, 'scored factors not shown (the card was too large)']);
  return rows;
}

function denyActions(view: RequestView): CardAction {
  return {
    type: 'Action.ShowCard',
    title: 'Deny',
    card: {
      type: 'AdaptiveCard',
      body: [
        {
          type: 'Input.Text',
          id: DENY_REASON_INPUT,
          label: 'Why? (the requester sees this)',
          placeholder: 'e.g. use the read replica instead',
          isMultiline: true,
          isRequired: true,
          maxLength: 1000,
          errorMessage: 'A denial needs a reason, so the requester knows what to change.',
        },
      ],
      actions: [execute('Deny request', { kc: 'deny', number: view.number }, 'destructive')],
    },
  };
}

/** The approval card: the same facts as the console and Slack cards; buttons only while it is pending, and a link to the incident thread. */
export function approvalCard(
  view: RequestView,
  now: Date,
  options: { banner?: string; incident?: { key: string; url: string } } = {},
): AdaptiveCard {
  const build = (reasonMax: number, detail: FactorDetail): AdaptiveCard => {
    const header: CardElement[] = [];
    if (options.banner) header.push(text(options.banner, { weight: 'Bolder', color: 'Attention' }));
    header.push(text(headline(view), { weight: 'Bolder', size: 'Medium' }));
    header.push(text(`**${view.requester}** asks for ${formatDuration(view.durationMs)}`, { spacing: 'None' }));
    const rows: Array<[string, string]> = [];
    if (view.resourceDescription) rows.push(['Resource', truncate(inline(view.resourceDescription), 200)]);
    rows.push(['Reason', truncate(inline(view.reason), reasonMax)]);
    if (view.incidentKey) rows.push(['Incident', view.incidentKey]);
    rows.push(['Risk', `${view.score} (${view.tier})`]);
    rows.push(...approvalFacts(view));
    if (view.status === 'pending' && view.approvalExpiresAt) {
      rows.push(['Times out', formatClock(view.approvalExpiresAt, view.timezone, now)]);
    }
    rows.push(['Status', truncate(statusLine(view, now), 300)]);
    const body: CardElement[] = [container(header, styleOf(view)), facts(rows)];
    const factors = factorRows(view, detail);
    if (factors.length > 0) {
      body.push(text('Risk factors', { weight: 'Bolder', spacing: 'Medium' }));
      body.push(facts(factors));
    }
    const actions = view.actions.includes('approve')
      ? [execute('Approve', { kc: 'approve', number: view.number }, 'positive'), denyActions(view)]
      : [];
    if (options.incident) actions.push(openUrl(`${options.incident.key} thread`, options.incident.url));
    return card(body, actions);
  };
  const fits = (value: AdaptiveCard) => cardBytes(value) <= CARD_BUDGET_BYTES;
  const full = build(REASON_MAX, { reasonMax: FACTOR_REASON_MAX });
  // Defence in depth: every field is already capped, but a card that still grows too large loses detail, not delivery.
  // First the factor reasons get shorter (every factor stays); only if even the shortest do not fit, the routing
  // notes alone remain (they explain the tier, and each is capped), and last no factor at all.
  if (fits(full)) return full;
  const reasonMax = fitReasonMax(view.cardFactors, (max) => fits(build(SHORT_REASON_MAX, { reasonMax: max })), FACTOR_REASON_MAX);
  if (reasonMax >= MIN_FACTOR_REASON) {
    const short = build(SHORT_REASON_MAX, { reasonMax });
    if (fits(short)) return short;
  }
  const notes = build(SHORT_REASON_MAX, 'notes');
  return fits(notes) ? notes : build(SHORT_REASON_MAX, 'none');
}

export { DENY_REASON_INPUT };
