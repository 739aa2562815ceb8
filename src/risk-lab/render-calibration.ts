import type { CalibrationReport } from '../core/risk/calibrate.js';
import type { OutcomeCounts } from '../core/risk/outcome-stats.js';
import { rate } from '../core/risk/outcome-stats.js';
import { count, minutes, percent, textTable } from './text-table.js';
import { localDays } from './zoned-time.js';

function outcomeCells(c: OutcomeCounts): string[] {
  return [
    count(c.requests),
    count(c.autoApproved),
    percent(rate(c.approved, c.humanRouted)),
    percent(rate(c.denied, c.humanRouted)),
    percent(rate(c.timedOut, c.humanRouted)),
    percent(rate(c.grantsWithAnomaly, c.grants), 2),
    count(c.revokedForCause),
    minutes(c.medianWaitMs),
  ];
}

const OUTCOME_HEADER = ['requests', 'auto', 'approved', 'denied', 'timed out', 'anomaly/grant', 'revoked', 'median wait'];

/**
 * The calibration report as the terminal shows it: outcomes per tier and per weight, then the proposal, and
 * (unless a patch is being written, which the command reports itself) how to get a patch.
 */
export function renderCalibration(report: CalibrationReport, timeZone: string, options: { writingPatch: boolean }): string[] {
  const { day } = localDays(timeZone);
  const t = report.totals;
  const lines = [
    `Risk calibration over ${count(report.requests)} access requests, ${day(report.window.since)} to ${day(report.window.until)}`,
    `  ${count(t.humanRouted)} went to a human, ${count(t.autoApproved)} were auto-approved; ${count(t.denied)} denied, ${count(t.grantsWithAnomaly)} grants with anomaly alerts, ${count(t.revokedForCause)} revoked for cause; ${count(report.incidents)} incidents.`,
    `  Bad outcomes (denied, anomaly during the grant, revoked for cause): ${count(t.badOutcomes)} (${percent(rate(t.badOutcomes, report.requests))}).`,
    '',
    'By tier (as routed at the time)',
    ...textTable(
      ['tier', ...OUTCOME_HEADER],
      report.tiers.map((s) => [s.tier, ...outcomeCells(s)]),
    ).map((l) => `  ${l}`),
    '',
    'By weight (requests in which it counted, under the current policy)',
  ];
  const proposals = 'skipped' in report.weights ? [] : report.weights.proposals;
  lines.push(
    ...textTable(
      ['weight', 'points', ...OUTCOME_HEADER, 'bad', 'lift', 'proposed'],
      report.factors.map((f) => {
        const p = proposals.find((x) => x.key === f.key);
        return [
          f.key,
          String(f.weight),
          ...outcomeCells(f),
          percent(rate(f.badOutcomes, f.requests)),
          p?.lift === null || p?.lift === undefined ? '—' : `${p.lift.toFixed(2)}x`,
          p && p.proposed !== p.current ? String(p.proposed) : '—',
        ];
      }),
    ).map((l) => `  ${l}`),
  );
  const r = report.routing;
  const bounds = (u: { low: number; medium: number; high: number }) => `low ≤${u.low}, medium ≤${u.medium}, high ≤${u.high}`;
  lines.push(
    '',
    `Target: at most ${percent(report.maxReviewShare)} of requests need a human, sending as many bad outcomes as possible to one.`,
    ...textTable(
      ['routing', 'tier bounds', 'need a human', 'bad outcomes to a human'],
      [
        ['policy now', bounds(r.current.upTo), percent(r.current.reviewShare), percent(r.current.badRouted)],
        [
          'thresholds only',
          bounds(r.currentWeightsAtTarget.upTo),
          percent(r.currentWeightsAtTarget.reviewShare),
          percent(r.currentWeightsAtTarget.badRouted),
        ],
        ['proposed', bounds(r.proposed.upTo), percent(r.proposed.reviewShare), percent(r.proposed.badRouted)],
      ],
    ).map((l) => `  ${l}`),
  );
  const changed = proposals.filter((p) => p.proposed !== p.current);
  if (changed.length > 0) {
    lines.push('', 'Proposed weights (logistic fit of bad outcomes on the same additive factors; points stay points):');
    for (const p of changed) lines.push(`  ${p.key}: ${p.current} → ${p.proposed}  (${p.note})`);
  }
  for (const note of report.notes) lines.push(`Note: ${note}`);
  if (!options.writingPatch) lines.push('', 'Nothing was changed. Use --write FILE for a policy patch to review and merge.');
  return lines;
}
