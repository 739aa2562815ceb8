import type { RiskFactor } from '../../../src/core/types.js';

export const RELIEF_REASON = 'on call for INC-7: routed as low instead of high (floor low)';

/** An assessment with six scored factors, two descriptive zero-point ones and an incident-relief note. */
export const ROUTED_FACTORS: RiskFactor[] = [
  { id: 'sensitivity', points: 20, reason: 'high sensitivity (demo-db)' },
  { id: 'level', points: 15, reason: 'write access' },
  { id: 'duration', points: 0, reason: 'short window: 30m of the 4h maximum' },
  { id: 'time', points: 0, reason: 'business hours (10:00 Europe/Berlin, policy zone)' },
  { id: 'first-access', points: 10, reason: 'first access to demo-db' },
  { id: 'incident', points: -5, reason: 'incident INC-7, and they are on call' },
  { id: 'velocity', points: 8, reason: '4 requests in the last 1h' },
  { id: 'outside-work', points: 6, reason: 'demo-db is outside their usual work (no grant in its family before)' },
  { id: 'incident-relief', points: 0, reason: RELIEF_REASON },
];

/** A step-up after a clean history (the acceptance tester's example): five scored factors, the smallest explaining the step up. */
export const STEP_UP_FACTORS: RiskFactor[] = [
  { id: 'sensitivity', points: 29, reason: 'high sensitivity (demo-db)' },
  { id: 'level', points: 36, reason: 'admin access' },
  { id: 'time', points: 0, reason: 'business hours (10:00 Europe/Berlin, policy zone)' },
  { id: 'step-up', points: 5, reason: 'step up from read demo-db to admin demo-db: history discounts do not apply' },
  {
    id: 'approver-concentration',
    points: 15,
    reason: 'carol@example.com approved 6 of their 6 approvals, median 40s: another approver is needed',
    approver: 'carol@example.com',
  },
  { id: 'incident', points: -5, reason: 'incident INC-4211, and they are one of its responders' },
];

/** That step-up's card line: every factor that moved the score, largest first. */
export const STEP_UP_LINE =
  '+36 admin access, +29 high sensitivity (demo-db), +15 carol@example.com approved 6 of their 6 approvals, median 40s: another approver is needed, ' +
  '+5 step up from read demo-db to admin demo-db: history discounts do not apply, -5 incident INC-4211, and they are one of its responders';

/** That step-up on a Slack card: one factor per line, since reasons have commas of their own. */
export const STEP_UP_SLACK_LINES = [
  '*Risk 80 (high)*',
  '• +36 admin access',
  '• +29 high sensitivity (demo-db)',
  '• +15 carol@example.com approved 6 of their 6 approvals, median 40s: another approver is needed',
  '• +5 step up from read demo-db to admin demo-db: history discounts do not apply',
  '• -5 incident INC-4211, and they are one of its responders',
].join('\n');

/** Fifteen scored factors with 300-character reasons, and the auto-approve cap: the worst case a card must fit. */
export const WORST_CASE_FACTORS: RiskFactor[] = [
  ...Array.from({ length: 15 }, (_, i) => ({ id: `f${i}`, points: 20 - i, reason: `reason ${i}: ${'r'.repeat(300)}` })),
  { id: 'auto-approve-cap', points: 0, reason: '3 auto-approved requests within 1d (cap 3)' },
];
