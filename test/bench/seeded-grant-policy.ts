/**
 * The tiers and groups of the revocation benchmarks' policies: every seeded grant is one approval by sre away,
 * so nothing the benchmarks seed is auto-approved or routed anywhere unexpected.
 */
export const SEEDED_GRANT_TIERS = `tiers:
  low: { upTo: 0, approvals: 1, approvers: [sre] }
  medium: { upTo: 98, approvals: 1, approvers: [sre] }
  high: { upTo: 99, approvals: 1, approvers: [sre] }
  critical: { approvals: 1, approvers: [sre] }
groups:
  sre: [bob@example.com]
`;

/** The environment of a benchmark's `keycard start` replica: the shared database, its policy file, Slack at the local stub. */
export function replicaEnv(databaseUrl: string, policyPath: string, slackApiUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    KEYCARD_POLICY: policyPath,
    KEYCARD_AUDIT_KEY: 'cd'.repeat(32),
    SLACK_BOT_TOKEN: 'xoxb-bench-0000000000',
    SLACK_SIGNING_SECRET: '00112233445566778899aabbccddeeff',
    SLACK_API_URL: slackApiUrl,
    LOG_LEVEL: 'warn',
  };
}
