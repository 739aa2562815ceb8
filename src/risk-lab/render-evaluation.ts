import type { EvaluationResult, RoutingResult } from './evaluate-history.js';
import { count, expectedCount, isWhole, minutes, percent, textTable } from './text-table.js';
import { localDays } from './zoned-time.js';

/** Why a count can be fractional; printed under a comparison that has one, and given in the JSON output. */
export const TIES_NOTE =
  'Requests tied at the review-share boundary are each sent to a human with the same probability, so counts are expected values and can be fractional.';

/** A recall with nothing to recall: "0.0% (0/0)" would read as every misuse missed. */
const NO_MISUSE = 'n/a (no misuse)';

function comparison(results: readonly RoutingResult[]): string[] {
  const types = [...new Set(results.flatMap((r) => Object.keys(r.misuse.byType)))].sort();
  const rows: string[][] = [
    ['requests to a human', ...results.map((r) => percent(r.reviewShare))],
    [
      'misuse to review (recall)',
      ...results.map((r) =>
        r.misuse.total === 0 ? NO_MISUSE : `${percent(r.misuse.recall)} (${expectedCount(r.misuse.routed)}/${count(r.misuse.total)})`,
      ),
    ],
    ...types.map((type) => [
      `  ${type}`,
      ...results.map((r) => {
        const t = r.misuse.byType[type];
        return t ? `${percent(t.recall, 0)} (${expectedCount(t.routed)}/${count(t.total)})` : '—';
      }),
    ]),
    [
      'misuse campaigns reaching a human',
      ...results.map((r) =>
        r.campaigns.total === 0
          ? NO_MISUSE
          : `${percent(r.campaigns.caught / r.campaigns.total)} (${expectedCount(r.campaigns.caught)}/${count(r.campaigns.total)})`,
      ),
    ],
    ['benign requests to a human', ...results.map((r) => percent(r.benign.friction))],
    ['median wait, benign reviewed', ...results.map((r) => minutes(r.waits.medianReviewedBenignMs))],
    ['mean wait per benign request', ...results.map((r) => minutes(r.waits.meanPerBenignRequestMs))],
  ];
  const fractional = results.some(
    (r) => !isWhole(r.misuse.routed) || !isWhole(r.campaigns.caught) || Object.values(r.misuse.byType).some((t) => !isWhole(t.routed)),
  );
  return [...textTable(['', ...results.map((r) => r.name)], rows).map((l) => `  ${l}`), ...(fractional ? [`  ${TIES_NOTE}`] : [])];
}

/** The evaluation side by side: Keycard against static tiers at the same review share, and the goal. */
export function renderEvaluation(result: EvaluationResult, heading: string, timeZone: string): string[] {
  const { day, lastDay } = localDays(timeZone);
  const lines = [
    heading,
    `Calibrated on ${day(result.calibrationPeriod.start)} to ${lastDay(result.calibrationPeriod.end)} (from audit outcomes only: no labels);`,
    `measured on ${day(result.testPeriod.start)} to ${lastDay(result.testPeriod.end)}: ${count(result.testRequests)} requests, ${count(result.testMisuse)} planted misuse.`,
    '',
    `At equal review share (${percent(result.atEqualShare[0]?.reviewShare ?? 0)} of requests need a human):`,
    ...comparison(result.atEqualShare),
    ...result.atEqualShare.map((r) => `  ${r.name}: ${r.description}`),
  ];
  if (result.atStaticShare.length > 0) {
    lines.push(
      '',
      `Static tiers as they would be configured (${percent(result.atStaticShare[0]!.reviewShare)} need a human):`,
      ...comparison(result.atStaticShare),
    );
    lines.push(`  ${result.atStaticShare[0]!.name}: ${result.atStaticShare[0]!.description}`);
  }
  const c = result.asConfigured;
  lines.push(
    '',
    `Before calibration, the policy as configured sends ${percent(c.reviewShare)} of requests to a human (recall ${c.misuse.total === 0 ? NO_MISUSE : percent(c.misuse.recall)}, median wait ${minutes(c.waits.medianReviewedBenignMs)}).`,
  );
  const g = result.goal;
  lines.push(
    '',
    result.testMisuse === 0
      ? 'Goal (≥ 95% of misuse to review, ≤ 20% of benign requests to a human, beating static tiers at the same share): cannot be judged, the measured period has no planted misuse'
      : `Goal (≥ 95% of misuse to review, ≤ 20% of benign requests to a human, beating static tiers at the same share): ${g.met ? 'MET' : 'NOT MET'}`,
    `  recall ${result.testMisuse === 0 ? NO_MISUSE : percent(g.recall)} (${result.testMisuse === 0 ? NO_MISUSE : percent(g.recallAfterOnset)} without the first request of activity-anomaly campaigns), benign to a human ${percent(g.friction)}, static tiers' recall ${result.testMisuse === 0 ? NO_MISUSE : percent(g.staticRecall)}.`,
  );
  return lines;
}
