import { stringify } from 'yaml';
import type { PolicyInput } from '../core/policy/schema.js';

/**
 * A mid-sized product company, for `--policy sample`: eight teams, twenty-four production
 * resources from application logs to the payments ledger, and the example policy's tiers and
 * default risk weights. Every resource uses the `demo` provider, so the policy loads anywhere.
 */
const demo = (sensitivity: 'low' | 'medium' | 'high' | 'critical', levels: string[], description: string, maxDuration = '4h') => ({
  description,
  provider: 'demo',
  sensitivity,
  levels: Object.fromEntries(levels.map((l) => [l, {}])),
  defaultDuration: '1h',
  maxDuration,
});

export const SAMPLE_ORG_POLICY: PolicyInput = {
  version: 1,
  timezone: 'Europe/Berlin',
  businessHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '19:00' },
  groups: {
    sre: [
      'mila.novak@example.com',
      'jonas.weber@example.com',
      'aisha.khan@example.com',
      'tom.berg@example.com',
      'lena.fischer@example.com',
    ],
    'db-owners': ['carla.rossi@example.com', 'pavel.horak@example.com', 'nina.larsen@example.com', 'omar.haddad@example.com'],
    security: ['dana.levi@example.com', 'felix.wagner@example.com', 'sara.lind@example.com'],
  },
  resources: {
    'payments-db': demo('high', ['read', 'write', 'admin'], 'Payments service database'),
    'payments-ledger': demo('critical', ['read', 'write'], 'Double-entry ledger of customer money', '2h'),
    'payments-k8s': demo('medium', ['read', 'write', 'admin'], 'Payments namespace in the production cluster'),
    'orders-db': demo('high', ['read', 'write', 'admin'], 'Orders database'),
    'orders-k8s': demo('medium', ['read', 'write', 'admin'], 'Orders namespace'),
    'identity-db': demo('critical', ['read', 'write', 'admin'], 'Accounts, credentials and sessions', '2h'),
    'identity-k8s': demo('medium', ['read', 'write', 'admin'], 'Identity namespace'),
    'search-cluster': demo('medium', ['read', 'write', 'admin'], 'Search cluster'),
    'search-k8s': demo('medium', ['read', 'write'], 'Search namespace'),
    'data-warehouse': demo('high', ['read', 'write'], 'Analytics warehouse (pseudonymised)', '8h'),
    'customer-pii-export': demo('critical', ['read'], 'Raw customer PII export bucket', '1h'),
    'ml-feature-store': demo('medium', ['read', 'write'], 'Feature store', '8h'),
    'prod-k8s-admin': demo('critical', ['admin'], 'Cluster-admin on the production cluster', '1h'),
    'aws-prod': demo('high', ['read', 'write', 'admin'], 'Production AWS account'),
    'aws-billing': demo('critical', ['read', 'admin'], 'Billing and organisation account', '1h'),
    'terraform-state': demo('critical', ['read', 'write'], 'Terraform state bucket', '2h'),
    'ci-secrets': demo('high', ['read', 'write'], 'CI secret store'),
    'mobile-backend-db': demo('high', ['read', 'write'], 'Mobile backend database'),
    'growth-experiments': demo('medium', ['read', 'write'], 'Experiment configuration service'),
    'feature-flags': demo('medium', ['read', 'write'], 'Feature flag service'),
    'support-tools': demo('medium', ['read', 'write'], 'Customer support back office'),
    'staging-db': demo('low', ['read', 'write', 'admin'], 'Staging database (synthetic data)', '8h'),
    'app-logs': demo('low', ['read'], 'Application logs', '8h'),
    metrics: demo('low', ['read'], 'Metrics and dashboards', '8h'),
  },
  tiers: {
    low: { upTo: 14, approvals: 0 },
    medium: { upTo: 49, approvals: 1, approvers: ['sre'] },
    high: { upTo: 74, approvals: 1, approvers: ['db-owners'] },
    critical: { approvals: 2, approvers: ['db-owners', 'security'], distinctGroups: true, breakGlass: true, approvalTtl: '30m' },
  },
  alerts: { reviewers: ['security'] },
};

/** Which team runs which resources in the sample organisation; the rest are shared by everyone. */
export const SAMPLE_ORG_OWNERSHIP: Record<string, string[]> = {
  payments: ['payments-db', 'payments-ledger', 'payments-k8s', 'feature-flags'],
  orders: ['orders-db', 'orders-k8s', 'feature-flags', 'support-tools'],
  identity: ['identity-db', 'identity-k8s', 'feature-flags'],
  search: ['search-cluster', 'search-k8s', 'ml-feature-store'],
  data: ['data-warehouse', 'ml-feature-store', 'customer-pii-export'],
  platform: ['prod-k8s-admin', 'aws-prod', 'terraform-state', 'ci-secrets', 'aws-billing'],
  mobile: ['mobile-backend-db', 'feature-flags', 'orders-k8s'],
  growth: ['growth-experiments', 'feature-flags', 'data-warehouse'],
};

/** Teams of the approver groups' members in the sample organisation. */
export const SAMPLE_ORG_GROUP_TEAMS: Record<string, string> = { sre: 'platform', 'db-owners': 'data', security: 'platform' };

/** The sample organisation's policy as a policy file (written next to a generated history). */
export function samplePolicyYaml(): string {
  return `# The sample organisation of \`keycard risk simulate --policy sample\` (all resources use the demo provider).\n${stringify(SAMPLE_ORG_POLICY)}`;
}

/** Is this (configured) policy the sample organisation's? Then its team ownership applies to generated histories. */
export function isSampleOrg(policy: { resources: Record<string, unknown> }): boolean {
  const names = Object.keys(policy.resources).sort();
  const sample = Object.keys(SAMPLE_ORG_POLICY.resources).sort();
  return names.length === sample.length && names.every((n, i) => n === sample[i]);
}
