import { resolve } from 'node:path';
import { formatPolicyErrors } from '../config/policy-errors.js';
import { loadPolicyFile } from '../config/policy-loader.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import type { Policy } from '../core/policy/schema.js';
import type { Verdict } from '../core/rollout/judge-request.js';
import { approverRecordsOver, pastsByRequester, reasonPeersOver, recordedRequests } from '../core/rollout/recorded-requests.js';
import { type ReplayChange, type ReplayReport, replayHistory } from '../core/rollout/replay.js';
import { createProviders } from '../main.js';
import { checkFlags, flagString, type ParsedArgs, SWITCH, UsageError } from './args.js';
import { withContext } from './context.js';
import type { CliIo } from './io.js';

const DAY_MS = 86_400_000;

export const REPLAY_USAGE = `Usage:
  keycard policy replay CANDIDATE.yaml [--since 30d] [--json]

Replays the requests recorded in the window (default the last 30 days) through the candidate policy
and the current one, scoring each with the requester's history as it stood when they asked, and
reports what would differ: tier, approvers, auto-approval, requests the candidate would refuse
(duration over max, unknown resource, level not allowed, break-glass not allowed), and the change in
the share of requests a human reviews. Nothing is written.`;

/** `keycard policy replay CANDIDATE.yaml`: args.positionals is ['replay', CANDIDATE.yaml]. */
export async function policyReplayCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  checkFlags(args, { since: 'a duration, e.g. --since 30d', json: SWITCH }, REPLAY_USAGE, 2);
  const file = args.positionals[1];
  if (!file) throw new UsageError('policy replay needs the candidate policy file', REPLAY_USAGE);
  const sinceText = flagString(args, 'since') ?? '30d';
  const windowMs = parseDuration(sinceText);
  if (windowMs === undefined) throw new UsageError(`--since "${sinceText}" is not a duration (e.g. 7d, 30d, 90d)`, REPLAY_USAGE);

  const path = resolve(io.cwd, file);
  const loaded = await loadPolicyFile(path, createProviders().schemas());
  if (!loaded.ok) {
    io.err(`${path}: ${loaded.errors.length} problem(s); fix them before replaying`);
    for (const line of formatPolicyErrors(loaded.errors)) io.err(`  ${line}`);
    return 1;
  }
  const candidate = loaded.policy;

  return withContext(
    io,
    async ({ deps, policy, store, config }) => {
      const until = deps.clock.now();
      const since = new Date(until.getTime() - windowMs);
      // History as of the oldest replayed request reaches back by the longest history window of either policy.
      const lookback = Math.max(DAY_MS, ...[policy, candidate].flatMap(historyWindows));
      const rows = await store.listRequests({});
      const events = await store.readAudit({ since: new Date(since.getTime() - lookback) });
      const report = replayHistory({
        requests: recordedRequests(rows, events, since, until),
        pastOf: pastsByRequester(rows, events),
        org: { reasonPeers: reasonPeersOver(rows), approverRecord: approverRecordsOver(rows, events) },
        current: policy,
        candidate,
        since,
        until,
      });
      if (args.flags.has('json')) io.out(JSON.stringify({ candidate: path, current: config.policyPath, ...report }, null, 2));
      else
        for (const line of replayText(report, { candidate: path, current: config.policyPath, window: formatDuration(windowMs) }))
          io.out(line);
      return 0;
    },
    { readOnly: true },
  );
}

function historyWindows(policy: Policy): number[] {
  const t = policy.risk.thresholds;
  return [t.historyWindow, t.denialWindow, t.velocityWindow];
}

/** The human-readable report: totals, the review share before and after, then one line per changed request. */
export function replayText(report: ReplayReport, names: { candidate: string; current: string; window: string }): string[] {
  const { current, candidate, deltaPoints } = report.review;
  const pct = (share: number) => `${Math.round(share * 1000) / 10}%`;
  const c = report.counts;
  const lines = [
    `Replayed ${report.total} request(s) of the last ${names.window} through ${names.candidate} (current policy: ${names.current}).`,
    `Human review: ${pct(current.share)} now (${current.humanReview} of ${current.routed}) → ${pct(candidate.share)} with the candidate (${candidate.humanReview} of ${candidate.routed}), ${deltaPoints >= 0 ? '+' : ''}${deltaPoints} points.`,
    `Would change: ${c.tier} tier, ${c.approvers} approvers, ${c.auto_approval} auto-approval, ${c.refused} refused, ${c.accepted} newly accepted.`,
  ];
  for (const change of report.changed) lines.push(`  ${changeLine(change)}`);
  if (report.changed.length === 0) lines.push('  No request would be handled differently.');
  lines.push('Nothing was written.');
  return lines;
}

function changeLine(change: ReplayChange): string {
  const r = change.request;
  const head = `${r.ref} ${r.requester} ${r.resource} (${r.level}) ${formatDuration(r.durationMs)} · ${r.createdAt.toISOString().slice(0, 16).replace('T', ' ')}`;
  const { current, candidate } = change;
  if (candidate.outcome === 'refused') return `${head} · would be refused: ${candidate.message}`;
  if (current.outcome === 'refused') return `${head} · refused today (${current.message}), accepted by the candidate: ${route(candidate)}`;
  const parts: string[] = [];
  if (current.outcome === 'routed' && candidate.outcome === 'routed') {
    if (change.changes.includes('tier'))
      parts.push(`tier ${current.tier} → ${candidate.tier} (score ${current.score} → ${candidate.score})`);
    if (change.changes.includes('approvers') || change.changes.includes('auto_approval'))
      parts.push(`${route(current)} → ${route(candidate)}`);
  }
  return `${head} · ${parts.join(' · ')}`;
}

function route(verdict: Verdict): string {
  if (verdict.outcome === 'refused') return `refused (${verdict.message})`;
  if (verdict.autoApproved) return 'auto-approved';
  return `${verdict.approvals} approval(s) from ${verdict.approvers.join(', ')}`;
}
