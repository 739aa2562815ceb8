import { parseDuration } from '../core/duration.js';
import { replayAudit } from '../core/risk/audit-ledger.js';
import { calibrate } from '../core/risk/calibrate.js';
import { calibrationPicture } from '../core/risk/calibration-picture.js';
import { renderPolicyPatch } from '../core/risk/policy-patch.js';
import { readTruthFile } from '../risk-lab/history-files.js';
import { renderCalibration } from '../risk-lab/render-calibration.js';
import { checkFlags, flagString, type ParsedArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { renderCalibrationHtml } from './risk-calibration-html.js';
import { checkOutputFile, riskFlags, shareFlag, writeOutputFile } from './risk-flags.js';
import { historyEvents, windows } from './risk-history.js';
import { RISK_USAGE } from './risk-usage.js';

/** `keycard risk calibrate`: outcomes, proposed bounds and weights, an optional policy patch and picture. */
export async function calibrateCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  checkFlags(
    args,
    {
      ...riskFlags('until', 'max-review-share', 'from', 'policy', 'json', 'write', 'html'),
      since: 'a duration or a date, e.g. --since 90d or --since 2026-01-01',
    },
    RISK_USAGE,
    1,
  );
  const html = flagString(args, 'html');
  const maxReviewShare = shareFlag(args);
  const sinceText = flagString(args, 'since') ?? '90d';
  const untilText = flagString(args, 'until');
  const until = untilText ? new Date(untilText) : undefined;
  if (until && Number.isNaN(until.getTime())) throw new UsageError(`--until "${untilText}" is not a time`, RISK_USAGE);
  const sinceMs = parseDuration(sinceText);
  const sinceDate = sinceMs === undefined ? new Date(sinceText) : undefined;
  if (sinceMs === undefined && Number.isNaN(sinceDate?.getTime())) {
    throw new UsageError(`--since must be a duration (90d) or a date (2026-01-01) (got "${sinceText}")`, RISK_USAGE);
  }
  const write = flagString(args, 'write');
  await checkOutputFile(io, 'write', write);
  await checkOutputFile(io, 'html', html);
  const { events, policy, truthPath, truth: storeTruth } = await historyEvents(io, args, { storeTruth: html !== undefined });
  if (events.length === 0) {
    io.err('The audit history is empty: there is nothing to calibrate from.');
    return 1;
  }
  // The window ends at the last recorded event unless told otherwise, so a copied or generated history calibrates the same any day.
  const end = until ?? events[events.length - 1]!.at;
  const since = sinceDate ?? new Date(end.getTime() - sinceMs!);
  // With the policy as replay context the ledger rebuilds each requester's habits as of each request, so
  // the habit, reason and approver factors are re-scored (and weighed) as Keycard scored them.
  const ledger = replayAudit(events, windows(policy.policy), { policy: policy.policy });
  const report = calibrate(policy.policy, ledger.requests(), { since, until: end, maxReviewShare });
  if (args.flags.has('json')) io.out(JSON.stringify(report, null, 2));
  else for (const line of renderCalibration(report, policy.policy.timezone, { writingPatch: write !== undefined })) io.out(line);
  if (write) {
    await writeOutputFile(io, 'write', write, renderPolicyPatch(policy.policy, report));
    io.err(`wrote the proposed policy patch to ${write}; review it and merge it into the policy file yourself`);
  }
  if (html && report.requests > 0) {
    // A generated history's ground truth only labels the picture; the calibration above never read it.
    const truth = storeTruth ?? (truthPath ? await readTruthFile(truthPath) : undefined);
    const misuse = truth ? new Map(truth.misuse.map((m) => [m.requestId, m.type])) : undefined;
    const picture = calibrationPicture(policy.policy, ledger.requests(), report, misuse);
    await writeOutputFile(io, 'html', html, renderCalibrationHtml(report, picture, 'Keycard risk calibration'));
    io.err(`wrote ${html} (${truth ? 'recall of the planted misuse' : 'bad outcomes'} against friction, current and proposed weights)`);
  }
  return report.requests === 0 ? 1 : 0;
}
