import type { CoreDeps } from '../lifecycle/deps.js';
import type { Policy } from '../policy/schema.js';
import { type ApproverPattern, approverPatterns } from '../risk/approver-patterns.js';
import { approverReportOptions, approverReportText, localDateOf } from '../risk/approver-report-text.js';
import { replayAudit } from '../risk/audit-ledger.js';
import { clockToMinutes, localTime } from '../risk/local-time.js';
import type { AuditEvent, Platform } from '../types.js';
import {
  deliverReport,
  pendingPlatforms,
  readReportState,
  type StoredReport,
  undeliveredPlatforms,
  writeReportState,
} from './approver-report-delivery.js';

const DAY_MS = 86_400_000;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** One lease for the whole report: whoever holds it checks, posts and records; the others skip. */
export const APPROVER_REPORT_LEASE = 'risk:approver-report';
/** A report is not posted for a slot older than this (Keycard was down all day): the next week's comes on time. */
const CATCH_UP_MS = DAY_MS;
/** A run within the slot's own minute is its regular run (the job is checked every minute); a later one catches up. */
const ON_TIME_MS = 60_000;
const LEASE_MS = 10 * 60_000;
const PAGE = 5_000;

export type ApproverReportOutcome =
  | { status: 'disabled' | 'not-due' | 'already-posted' | 'held-elsewhere' }
  /** A catch-up of a slot before anything was recorded (a new install's first start): about a time Keycard did not run. */
  | { status: 'before-history'; slot: string }
  | { status: 'posted'; slot: string; approvers: number; flagged: number; platforms: Platform[]; failed: Platform[] }
  | { status: 'failed'; slot: string; failed: Platform[] }
  /** The slot's window ended with these platforms never reached: logged at error, once across replicas. */
  | { status: 'gave-up'; slot: string; failed: Platform[] };

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
  return { at: slot, key: localDateOf(slot, policy.timezone) };
}

/**
 * Posts the weekly approver report when it is due, once per chat platform across every replica: the lease
 * decides who may, and the slot recorded in the database (state `risk/approver-report`, with each platform's
 * delivery) tells a later run, or a replica that takes the lease after it expired, which platforms already
 * have this week's report. A platform that failed is tried again on the next run (for up to a day), with the
 * report as first computed; one that got it is not posted to twice; one still failing when the day is over
 * is logged once at error ("approver report not delivered"). Each run that reaches a platform is
 * audited as `risk.approver_report`, naming the platforms it reached. A slot is caught up on only when the
 * audit log holds an event from before it; on its regular run it is posted even empty, as a heartbeat.
 */
export async function runApproverReport(deps: CoreDeps, now: Date, holder: string): Promise<ApproverReportOutcome> {
  const policy = deps.policy();
  if (!policy.risk.approverReport.enabled) return { status: 'disabled' };
  const slot = approverReportSlot(policy, now);
  if (now.getTime() - slot.at.getTime() > CATCH_UP_MS) {
    const failed = await giveUp(deps, slot.key, now, holder);
    return failed.length > 0 ? { status: 'gave-up', slot: slot.key, failed } : { status: 'not-due' };
  }
  const pending = async () => {
    const state = await readReportState(deps.store.state);
    return { state, targets: pendingPlatforms(deps.chatPlatforms, state, slot.key) };
  };
  const before = await pending();
  if (before.targets.length === 0) return { status: 'already-posted' };
  // Only a slot not yet started: a retry of one posted on time, to a platform that failed, goes on.
  const catchUp = now.getTime() - slot.at.getTime() >= ON_TIME_MS;
  if (catchUp && before.state?.slot !== slot.key && !(await recordedBefore(deps, slot.at)))
    return { status: 'before-history', slot: slot.key };
  if (!(await deps.store.state.acquireLease(APPROVER_REPORT_LEASE, holder, now, LEASE_MS))) return { status: 'held-elsewhere' };
  try {
    const { state, targets } = await pending();
    if (targets.length === 0) return { status: 'already-posted' };
    const current = state?.slot === slot.key ? state : undefined;
    const report = current?.report ?? (await computeReport(deps, policy, slot.at));
    const result = await deliverReport(deps, targets, policy.alerts.channel, report.text, current?.platforms, slot.key, now);
    const platforms = { ...current?.platforms, ...result.platforms };
    await writeReportState(deps.store.state, { slot: slot.key, report, platforms, holder });
    if (result.delivered.length === 0) return { status: 'failed', slot: slot.key, failed: result.failed };
    await deps.store.transaction(async (tx) => {
      tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: 'risk.approver_report',
        requestId: null,
        details: {
          slot: slot.key,
          since: report.since,
          until: report.until,
          approvers: report.approvers,
          flagged: report.flagged,
          platforms: result.delivered,
          failed: result.failed,
        },
      });
    });
    return {
      status: 'posted',
      slot: slot.key,
      approvers: report.approvers,
      flagged: report.flagged.length,
      platforms: result.delivered,
      failed: result.failed,
    };
  } finally {
    await deps.store.state.releaseLease(APPROVER_REPORT_LEASE, holder);
  }
}

/**
 * Once the slot's window is over, says at error which platforms never got its report, with the last error:
 * once across every replica, since whoever holds the lease records `gaveUpAt` in the shared state and the
 * others find it there. Before that, each failed run was at most a warning that promised a retry.
 */
async function giveUp(deps: CoreDeps, slot: string, now: Date, holder: string): Promise<Platform[]> {
  if (undeliveredPlatforms(await readReportState(deps.store.state), slot).length === 0) return [];
  if (!(await deps.store.state.acquireLease(APPROVER_REPORT_LEASE, holder, now, LEASE_MS))) return [];
  try {
    const state = await readReportState(deps.store.state);
    const missed = undeliveredPlatforms(state, slot);
    if (!state || missed.length === 0) return [];
    for (const { platform, failedAt, error } of missed) {
      deps.log.error({ platform, slot, err: error, lastTriedAt: failedAt }, 'approver report not delivered');
    }
    await writeReportState(deps.store.state, { ...state, gaveUpAt: now.toISOString(), holder });
    return missed.map((m) => m.platform);
  } finally {
    await deps.store.state.releaseLease(APPROVER_REPORT_LEASE, holder);
  }
}

/** Whether the audit log's first event is older than `at`: Keycard ran (and recorded something) before it. */
async function recordedBefore(deps: CoreDeps, at: Date): Promise<boolean> {
  const [first] = await deps.store.readAudit({ limit: 1 });
  return first !== undefined && first.at < at;
}

/** The report for the period ending at the slot, with the text every platform gets. */
async function computeReport(deps: CoreDeps, policy: Policy, until: Date): Promise<StoredReport> {
  const since = new Date(until.getTime() - policy.risk.approverReport.period);
  const report = await approverReport(deps, policy, since, until);
  return {
    text: approverReportText(policy, report, since, until),
    since: since.toISOString(),
    until: until.toISOString(),
    approvers: report.length,
    flagged: report.filter((r) => r.flags.length > 0).map((r) => ({ approver: r.approver, flags: r.flags })),
  };
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
  return approverPatterns(ledger.requests(), approverReportOptions(policy, since, until));
}
