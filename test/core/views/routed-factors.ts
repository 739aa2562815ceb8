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
