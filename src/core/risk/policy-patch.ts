import type { Policy } from '../policy/schema.js';
import type { CalibrationReport } from './calibrate.js';
import { splitKey, weightsOf } from './risk-features.js';
import { currentBounds } from './tier-thresholds.js';

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const day = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The calibration's proposal as a YAML fragment of the policy file (`tiers.*.upTo` and `risk.*`),
 * each line commented with its old value and its evidence. It is written for a person to read and
 * merge: Keycard never applies it by itself.
 */
export function renderPolicyPatch(policy: Policy, report: CalibrationReport): string {
  const { routing, proposal } = report;
  const lines = [
    '# Keycard risk calibration: proposed policy changes. Nothing has been applied.',
    `# History: ${report.requests.toLocaleString('en-US')} access requests, ${day(report.window.since)} to ${day(report.window.until)};`,
    `#   ${report.totals.badOutcomes.toLocaleString('en-US')} bad outcomes (denied, anomaly during the grant, or revoked for cause).`,
    `# Target: at most ${pct(report.maxReviewShare)} of requests need a human.`,
    `#   Now:                ${pct(routing.current.reviewShare)} need a human; ${pct(routing.current.badRouted)} of bad outcomes reach one.`,
    `#   Thresholds only:    ${pct(routing.currentWeightsAtTarget.reviewShare)} / ${pct(routing.currentWeightsAtTarget.badRouted)}.`,
    `#   With this patch:    ${pct(routing.proposed.reviewShare)} / ${pct(routing.proposed.badRouted)}.`,
    '# Merge these keys into the policy file, run `keycard policy check`, then `keycard risk explain` to see the new points.',
  ];
  for (const note of report.notes) lines.push(`# Note: ${note}`);
  const was = currentBounds(policy);
  const bounds = Object.entries(proposal.upTo);
  if (bounds.length > 0) {
    lines.push('tiers:');
    for (const [tier, upTo] of bounds) lines.push(`  ${tier}:`, `    upTo: ${upTo} # was ${was[tier as keyof typeof was]}`);
  }
  const changes = Object.entries(proposal.weights);
  if (changes.length > 0) {
    lines.push('risk:');
    const evidence = 'skipped' in report.weights ? [] : report.weights.proposals;
    for (const group of ['sensitivity', 'levels', 'factors']) {
      let inGroup = changes.filter(([key]) => splitKey(key)[0] === group);
      if (inGroup.length === 0) continue;
      // risk.levels is one map with one default: a file that lists only some levels loses the
      // others, so when any level changes every level is written out.
      if (group === 'levels')
        inGroup = Object.entries(policy.risk.levels).map(([name, value]) => [
          `levels.${name}`,
          proposal.weights[`levels.${name}`] ?? value,
        ]);
      lines.push(`  ${group}:`);
      for (const [key, value] of inGroup) {
        const e = evidence.find((p) => p.key === key);
        const current = weightsOf(policy)[key];
        if (value === current) {
          lines.push(`    ${splitKey(key)[1]}: ${value} # unchanged (listed because risk.levels is replaced as a whole)`);
          continue;
        }
        const why = e
          ? ` (counted in ${e.support.toLocaleString('en-US')} requests, ${e.bad.toLocaleString('en-US')} bad outcomes${e.lift === null ? '' : `, ${e.lift.toFixed(1)}x the bad-outcome rate of the rest`})`
          : '';
        lines.push(`    ${splitKey(key)[1]}: ${value} # was ${current}${why}`);
      }
    }
  }
  if (bounds.length === 0 && changes.length === 0) lines.push('# No changes: the policy already meets the target on this history.');
  return `${lines.join('\n')}\n`;
}
