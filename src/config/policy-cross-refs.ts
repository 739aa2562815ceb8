import type { z } from 'zod';
import { looksLikeDirectoryReference } from '../core/directory/references.js';

type Issue = z.core.$ZodIssue;

const DEFAULT_RISK_LEVELS = ['read', 'write', 'admin'];

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function unknownGroup(path: PropertyKey[], group: string): Issue {
  return { code: 'custom', path, message: `unknown group "${group}" (define it under groups)`, input: group } as Issue;
}

/**
 * The policy's cross-references (groups named by tiers and alerts, levels named by resources), checked
 * on the raw YAML. The schema checks them too, but only once every field parses; running this as well
 * lets `policy check` report schema AND reference problems in one run. Messages match the schema's, so
 * the loader's de-duplication drops the repeats when both report the same thing.
 */
export function crossReferenceIssues(raw: unknown): Issue[] {
  const policy = record(raw);
  if (!policy) return [];
  const issues: Issue[] = [];
  const names = new Set(Object.keys(record(policy.groups) ?? {}));
  // Directory references (slack:@x, okta:Name, …) are checked by their own syntax rules, not as policy groups.
  const groups = { has: (group: string) => names.has(group) || looksLikeDirectoryReference(group) || group.includes(':') };
  const tiers = record(policy.tiers) ?? {};
  for (const [name, value] of Object.entries(tiers)) {
    const tier = record(value);
    if (!tier) continue;
    if (Array.isArray(tier.approvers)) {
      tier.approvers.forEach((group, i) => {
        if (typeof group === 'string' && !groups.has(group)) issues.push(unknownGroup(['tiers', name, 'approvers', i], group));
      });
    }
    if (typeof tier.escalateTo === 'string' && !groups.has(tier.escalateTo))
      issues.push(unknownGroup(['tiers', name, 'escalateTo'], tier.escalateTo));
  }
  const reviewers = record(policy.alerts)?.reviewers;
  if (Array.isArray(reviewers)) {
    reviewers.forEach((group, i) => {
      if (typeof group === 'string' && !groups.has(group)) issues.push(unknownGroup(['alerts', 'reviewers', i], group));
    });
  }
  const riskLevels = record(record(policy.risk)?.levels);
  const weighted = new Set(riskLevels ? Object.keys(riskLevels) : DEFAULT_RISK_LEVELS);
  for (const [name, value] of Object.entries(record(policy.resources) ?? {})) {
    const resource = record(value);
    const levels = record(resource?.levels);
    if (!resource || !levels) continue;
    const names = Object.keys(levels);
    if (typeof resource.defaultLevel === 'string' && names.length > 0 && !names.includes(resource.defaultLevel)) {
      issues.push({
        code: 'custom',
        path: ['resources', name, 'defaultLevel'],
        message: `"${resource.defaultLevel}" is not one of its levels (${names.join(', ')})`,
        input: resource.defaultLevel,
      } as Issue);
    }
    for (const level of names) {
      if (!weighted.has(level))
        issues.push({
          code: 'custom',
          path: ['resources', name, 'levels', level],
          message: 'has no risk weight; add it under risk.levels',
          input: level,
        } as Issue);
    }
  }
  return issues;
}
