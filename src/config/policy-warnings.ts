import type { Document, LineCounter } from 'yaml';
import { looksLikeDirectoryReference } from '../core/directory/references.js';
import { DISCOUNT_FACTORS } from '../core/policy/risk-schema.js';
import { type Policy, TIER_NAMES } from '../core/policy/schema.js';
import type { Platform } from '../core/types.js';
import { approverReachWarnings } from './approver-reach-warnings.js';
import { channelWarnings } from './channel-warnings.js';
import { historyWindowWarnings } from './history-window-warnings.js';
import { formatPath, type PolicyError } from './policy-errors.js';
import { riskListWarnings } from './risk-list-warnings.js';
import { locatePath } from './yaml-locate.js';

/**
 * Things that parse but are probably not what the author meant. They do not stop Keycard from
 * starting, because each has a safe reading; they are printed so the author can fix them. `platforms`, the
 * chat platforms the environment turns on, adds the channel warnings (none for a check of the file alone).
 */
export function policyWarnings(
  policy: Policy,
  file: string,
  doc: Document,
  lineCounter: LineCounter,
  platforms: readonly Platform[] = [],
): PolicyError[] {
  const warnings: PolicyError[] = [];
  const warn = (path: PropertyKey[], message: string): void => {
    const position = locatePath(doc, lineCounter, path);
    warnings.push({ file, line: position?.line, column: position?.column, path: formatPath(path), message });
  };

  if (policy.tiers.critical.upTo !== undefined) {
    warn(['tiers', 'critical', 'upTo'], 'is ignored: the critical tier covers every score above tiers.high.upTo');
  }
  for (const name of TIER_NAMES) {
    const tier = policy.tiers[name];
    if (tier.approvals === 0) continue;
    if (tier.remindBefore >= tier.approvalTtl) {
      warn(['tiers', name, 'remindBefore'], 'is not shorter than approvalTtl, so approvers are reminded as soon as a request arrives');
    }
    const approvers = new Set(tier.approvers.flatMap((group) => policy.groups[group] ?? []));
    // Directory groups are counted by `keycard policy check --online`; offline their size is unknown.
    if (approvers.size < tier.approvals && !tier.approvers.some(looksLikeDirectoryReference)) {
      warn(
        ['tiers', name, 'approvers'],
        `these groups have ${approvers.size} member(s) but ${tier.approvals} distinct approval(s) are needed, so requests in this tier can never be approved`,
      );
    }
  }
  // A weight with the wrong sign flips what its factor means (a "discount" that adds points, a risk that lowers them).
  for (const [key, points] of Object.entries(policy.risk.factors)) {
    if (DISCOUNT_FACTORS.has(key) && points > 0)
      warn(['risk', 'factors', key], `is ${points}: this factor lowers risk, so a positive weight adds points instead (use 0 or less)`);
    else if (!DISCOUNT_FACTORS.has(key) && points < 0)
      warn(
        ['risk', 'factors', key],
        `is ${points}: this factor raises risk, so a negative weight takes points off instead (use 0 or more)`,
      );
  }
  for (const group of ['sensitivity', 'levels'] as const)
    for (const [key, points] of Object.entries(policy.risk[group]))
      if (points < 0) warn(['risk', group, key], `is ${points}: asking for more should never lower the score (use 0 or more)`);
  const findings = [
    ...approverReachWarnings(policy),
    ...historyWindowWarnings(policy, (path) => doc.hasIn(path)),
    ...riskListWarnings(policy, doc),
    ...channelWarnings(policy, platforms),
  ];
  for (const { path, message } of findings) warn(path, message);
  return warnings;
}
