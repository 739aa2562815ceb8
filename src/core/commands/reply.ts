import { formatDuration as formatMs } from '../duration.js';
import type { Overview } from '../lifecycle/queries.js';
import { formatCardFactors } from '../views/card-factors.js';
import { statusLine } from '../views/format.js';
import type { RequestView } from '../views/request-view.js';

/** What a command answers to the person who typed it (ephemeral in Slack, a reply in Teams, a line in the console). */
export type Reply =
  | { kind: 'request'; event: 'submitted' | 'decided' | 'status' | 'ended' | 'cancelled' | 'reviewed'; request: RequestView; note?: string }
  | { kind: 'overview'; overview: Overview }
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string; usage?: string };

/** Plain-text rendering of a reply, used by the console and as the notification text on chat platforms. */
export function replyText(reply: Reply, now: Date): string {
  switch (reply.kind) {
    case 'help':
      return reply.text;
    case 'error':
      return reply.usage ? `${reply.message}\nUsage: ${reply.usage}` : reply.message;
    case 'overview':
      return overviewText(reply.overview, now);
    case 'request':
      return requestText(reply, now);
  }
}

function requestText(reply: Extract<Reply, { kind: 'request' }>, now: Date): string {
  const view = reply.request;
  const lines: string[] = [];
  if (reply.event === 'submitted' || reply.event === 'status') {
    const kind = view.kind === 'extension' ? ` (extension of ${view.parentRef ?? 'a grant'} by ${formatMs(view.durationMs)})` : '';
    // The approval card's list (every scored factor, then the routing notes), so the requester learns why a
    // score routed as it did (the auto-approve cap, an unverified incident) just as the approver does.
    const factors = formatCardFactors(view.cardFactors);
    lines.push(`${view.ref}${kind} ${statusWord(view)} · risk ${view.score} (${view.tier})${factors ? ` · ${factors}` : ''}`);
    if (view.status === 'pending')
      lines.push(`needs ${view.approvalsRequired - view.approvalsCounted} more approval(s) from: ${view.openGroups.join(', ')}`);
    else lines.push(statusLine(view, now));
    if (reply.event === 'status') {
      lines.push(`${view.requester} · ${view.resource} (${view.level}) · ${formatMs(view.durationMs)} · "${view.reason}"`);
      if (view.approvals.length > 0) lines.push(`approved by: ${view.approvals.map((a) => a.approver).join(', ')}`);
    }
  } else {
    lines.push(`${view.ref} ${statusLine(view, now)}`);
  }
  if (view.status === 'active' && reply.event !== 'status' && view.kind === 'access')
    lines[lines.length - 1] += view.pilot ? ' · no credential (pilot)' : ` · credential delivered to ${view.requester}`;
  if (view.pilot && reply.event === 'submitted')
    lines.push(
      `PILOT: ${view.resource} is in pilot mode. Your request is scored and approved as usual, but Keycard grants nothing; keep using your usual access.`,
    );
  if (reply.note) lines.push(reply.note);
  return lines.join('\n');
}

function statusWord(view: RequestView): string {
  if (view.status === 'pending') return 'pending';
  if (view.status === 'merged') return `approved · merged into ${view.parentRef ?? 'the active grant'}`;
  return view.status.replace('_', ' ');
}

function overviewText(overview: Overview, now: Date): string {
  const lines: string[] = [];
  const line = (v: RequestView) => `  ${v.ref} ${v.resource} (${v.level}) · ${statusLine(v, now)}`;
  lines.push(overview.mine.length ? 'Your requests and grants:' : 'You have no open requests or grants.');
  lines.push(...overview.mine.map(line));
  if (overview.waitingForMe.length) {
    lines.push('Waiting for your approval:');
    lines.push(
      ...overview.waitingForMe.map(
        (v) =>
          `  ${v.ref} ${v.requester} → ${v.resource} (${v.level}) ${formatMs(v.durationMs)} · risk ${v.score} (${v.tier}) · "${v.reason}"`,
      ),
    );
  }
  if (overview.toReview.length) {
    lines.push('Break-glass grants to review:');
    lines.push(...overview.toReview.map((v) => `  ${v.ref} ${v.requester} → ${v.resource} (${v.level}) · ${statusLine(v, now)}`));
  }
  return lines.join('\n');
}
