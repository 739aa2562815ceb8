import { formatDuration } from '../duration.js';
import type { CoreDeps } from '../lifecycle/deps.js';
import type { Policy } from '../policy/schema.js';
import { type ApproverPattern, approverPatterns, formatDecisionMedian } from '../risk/approver-patterns.js';
import { replayAudit } from '../risk/audit-ledger.js';
import { clockToMinutes, localTime } from '../risk/local-time.js';
import type { AuditEvent } from '../types.js';

const DAY_MS = 86_400_000;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** One lease for the whole report: whoever holds it checks, posts and records; the others skip. */
export const APPROVER_REPORT_LEASE = 'risk:approver-report';
const STATE = { namespace: 'risk', key: 'approver-report' } as const;
/** A report is not posted for a slot older than this (Keycard was down all day): the next week's comes on time. */
const CATCH_UP_MS = DAY_MS;
const PAGE = 5_000;

export type ApproverReportOutcome =
  | { status: 'disabled' | 'not-due' | 'already-posted' | 'held-elsewhere' }
  | { status: 'posted'; slot: string; approvers: number; flagged: number };

/**
 * The latest scheduled time at or before `now` (risk.approverReport.day/at in the policy's zone), and its
 * local date, which names the slot: stable across minutes and replicas even where a DST change moves the instant.
 */
export function approverReportSlot(policy: Policy, now: Date): { at: Date; key: string } {
  const { day, at } = policy.risk.approverReport;
  const local = localTime(now, policy.timezone);
  const target = clockToMinutes(at);
  let days = (WEEKDAYS.indexOf(local.weekday) - WEEKDAYS.indexOf(day) + 7) % 7;
  if (days === 0 && local.minutes < target) days = 7;
  const minuteStart = now.getTime() - (now.getTime() % 60_000);
  const slot = new Date(minuteStart - days * DAY_MS - (local.minutes - target) * 60_000);
  return { at: slot, key: localDate(slot, policy.timezone) };
}

/**
 * Posts the weekly approver report when it is due, once across every replica: the lease decides who
 * may, and the slot recorded in the database (state `risk/approver-report`) tells a later run, or a
 * replica that takes the lease after it expired, that this week's report is already out. Audited as
 * `risk.approver_report`.
 */
export async function runApproverReport(deps: CoreDeps, now: Date, holder: string): Promise<ApproverReportOutcome> {
  const policy = deps.policy();
  const settings = policy.risk.approverReport;
  if (!settings.enabled) return { status: 'disabled' };
  const slot = approverReportSlot(policy, now);
  if (now.getTime() - slot.at.getTime() > CATCH_UP_MS) return { status: 'not-due' };
  const posted = async () => (await deps.store.state.get(STATE.namespace, STATE.key))?.slot === slot.key;
  if (await posted()) return { status: 'already-posted' };
  if (!(await deps.store.state.acquireLease(APPROVER_REPORT_LEASE, holder, now, 10 * 60_000))) return { status: 'held-elsewhere' };
  try {
    if (await posted()) return { status: 'already-posted' };
    const until = slot.at;
    const since = new Date(until.getTime() - settings.period);
    const report = await approverReport(deps, policy, since, until);
    const flagged = report.filter((r) => r.flags.length > 0);
    await deps.chat.postAlert(policy.alerts.channel, { kind: 'info', text: reportText(policy, report, since, until) });
    await deps.store.state.put(STATE.namespace, STATE.key, { slot: slot.key, postedAt: now.toISOString(), holder });
    await deps.store.transaction(async (tx) => {
      tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: 'risk.approver_report',
        requestId: null,
        details: {
          slot: slot.key,
          since: since.toISOString(),
          until: until.toISOString(),
          approvers: report.length,
          flagged: flagged.map((r) => ({ approver: r.approver, flags: r.flags })),
        },
      });
    });
    return { status: 'posted', slot: slot.key, approvers: report.length, flagged: flagged.length };
  } finally {
    await deps.store.state.releaseLease(APPROVER_REPORT_LEASE, holder);
  }
}

/** Approver patterns over [since, until) from the audit log (read from one period before, so requests decided in it are complete). */
async function approverReport(deps: CoreDeps, policy: Policy, since: Date, until: Date): Promise<ApproverPattern[]> {
  const events: AuditEvent[] = [];
  const from = new Date(since.getTime() - policy.risk.approverReport.period);
  for (let page = await deps.store.readAudit({ since: from, limit: PAGE }); page.length > 0; ) {
    events.push(...page);
    if (page.length < PAGE || page[page.length - 1]!.at >= until) break;
    page = await deps.store.readAudit({ afterSeq: page[page.length - 1]!.seq, limit: PAGE });
  }
  const t = policy.risk.thresholds;
  const ledger = replayAudit(events, {
    historyWindowMs: t.historyWindow,
    denialWindowMs: t.denialWindow,
    velocityWindowMs: t.velocityWindow,
  });
  return approverPatterns(ledger.requests(), {
    since,
    until,
    concentration: t.approverShare,
    minPair: t.approverMinApprovals,
    fastMs: t.fastApproval,
    minDecisions: policy.risk.approverReport.minDecisions,
  });
}

function reportText(policy: Policy, report: readonly ApproverPattern[], since: Date, until: Date): string {
  const date = (d: Date) => localDate(d, policy.timezone);
  const flagged = report.filter((r) => r.flags.length > 0);
  const head = `Weekly approver report, ${date(since)} – ${date(until)} (${formatDuration(until.getTime() - since.getTime())}): ${report.length} approver(s), ${flagged.length} flagged`;
  if (flagged.length === 0) return `${head}. Nothing stands out.`;
  const lines = flagged.map((r) => {
    const speed = r.medianHighRiskMs === null ? '' : `, high-risk median ${formatDecisionMedian(r.medianHighRiskMs)}`;
    return `• ${r.approver} (${r.decisions} decisions, ${r.denials} denied${speed}): ${r.flags.join('; ')}`;
  });
  return [head, ...lines].join('\n');
}

/** YYYY-MM-DD of `at` in `timeZone`. */
function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
