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
