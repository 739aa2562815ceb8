import { describe, expect, it } from 'vitest';
import { replyText } from '../../../src/core/commands/reply.js';
import type { RiskFactor } from '../../../src/core/types.js';
import { toRequestView } from '../../../src/core/views/request-view.js';
import { newRequest } from '../../store/fixtures.js';
import { RELIEF_REASON, ROUTED_FACTORS, STEP_UP_FACTORS, STEP_UP_LINE } from '../views/routed-factors.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const CAP = '3 auto-approved requests within 1d (cap 3): routed as medium';

function submitted(factors: RiskFactor[], score = 14, tier: 'low' | 'medium' | 'high' = 'medium'): string {
  const request = newRequest({ factors, score, tier, approvalExpiresAt: new Date('2026-11-24T10:00:00Z') });
  const view = toRequestView({ ...request, id: 'r-4', number: 4, updatedAt: NOW }, [], { timezone: 'Europe/Berlin' });
  return replyText({ kind: 'request', event: 'submitted', request: view }, NOW).split('\n')[0]!;
}

describe('the requester’s reply', () => {
  it('says why a low score is routed to a human: the auto-approve cap', () => {
    const factors = [
      { id: 'sensitivity', points: 0, reason: 'low sensitivity (billing-db)' },
      { id: 'first-access', points: 14, reason: 'first access to billing-db' },
      { id: 'auto-approve-cap', points: 0, reason: CAP },
    ];
    expect(submitted(factors)).toBe(`KC-4 pending · risk 14 (medium) · +14 first access to billing-db, routing: ${CAP}`);
  });

  it('names an unverified incident and on-call relief, as the card does', () => {
    const unverified = { id: 'incident-unverified', points: 0, reason: 'cites INC-7; not known to be responding, so no discount' };
    expect(submitted([{ id: 'level', points: 15, reason: 'write access' }, unverified])).toBe(
      `KC-4 pending · risk 14 (medium) · +15 write access, routing: ${unverified.reason}`,
    );
    expect(submitted(ROUTED_FACTORS, 42, 'low')).toMatch(
      new RegExp(`-5 incident INC-7, and they are on call, routing: ${RELIEF_REASON.replace(/[()]/g, '\\$&')}$`),
    );
  });

  it('lists the card’s factors in the card’s order, largest first, and leaves out descriptive zero-point factors', () => {
    expect(submitted(STEP_UP_FACTORS, 80, 'high')).toBe(`KC-4 pending · risk 80 (high) · ${STEP_UP_LINE}`);
  });

  it('leaves no dangling separator when nothing moved the score', () => {
    expect(submitted([{ id: 'duration', points: 0, reason: 'short window: 30m of the 4h maximum' }], 0, 'low')).toBe(
      'KC-4 pending · risk 0 (low)',
    );
  });
});
