import { formatDuration } from '../duration.js';
import type { Policy } from '../policy/schema.js';
import { type ApproverPattern, type ApproverPatternOptions, formatDecisionMedian } from './approver-patterns.js';

/** The weekly report's reading of approver patterns over [since, until): the policy's thresholds and report settings. */
export function approverReportOptions(policy: Policy, since: Date, until: Date): ApproverPatternOptions {
  const t = policy.risk.thresholds;
  return {
    since,
    until,
    concentration: t.approverShare,
    minPair: t.approverMinApprovals,
    fastMs: t.fastApproval,
    minDecisions: policy.risk.approverReport.minDecisions,
  };
}

/**
 * The approver report as posted to the security channel: a head line, then one bullet per flagged approver.
 * The scheduler posts it (scheduler/approver-report.ts) and `keycard risk approvers` prints it, so that command
 * previews the weekly post.
 */
export function approverReportText(
  policy: Policy,
  report: readonly ApproverPattern[],
  since: Date,
  until: Date,
  title = 'Weekly approver report',
): string {
  const date = (d: Date) => localDateOf(d, policy.timezone);
  const flagged = report.filter((r) => r.flags.length > 0);
  const head = `${title}, ${date(since)} – ${date(until)} (${formatDuration(until.getTime() - since.getTime())}): ${report.length} approver(s), ${flagged.length} flagged`;
  if (flagged.length === 0) return `${head}. Nothing stands out.`;
  const lines = flagged.map((r) => {
    const speed = r.medianHighRiskMs === null ? '' : `, high-risk median ${formatDecisionMedian(r.medianHighRiskMs)}`;
    return `• ${r.approver} (${r.decisions} decisions, ${r.denials} denied${speed}): ${r.flags.join('; ')}`;
  });
  return [head, ...lines].join('\n');
}

/** YYYY-MM-DD of `at` in `timeZone`. */
export function localDateOf(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
