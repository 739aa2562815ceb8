import { describe, expect, it } from 'vitest';
import { cardFactors, formatCardFactors } from '../../../src/core/views/card-factors.js';
import { RELIEF_REASON, ROUTED_FACTORS } from './routed-factors.js';

const ids = (factors: Array<{ id: string }>) => factors.map((f) => f.id);

describe('card factors', () => {
  it('keeps the four largest scored factors plus the zero-point incident relief, and counts the rest', () => {
    const { shown, more } = cardFactors(ROUTED_FACTORS);
    expect(ids(shown)).toEqual(['sensitivity', 'level', 'first-access', 'velocity', 'incident-relief']);
    expect(more).toBe(2);
  });

  it('always shows a cited incident key that did not check out, even outside the four largest', () => {
    const factors = [
      { id: 'sensitivity', points: 38, reason: 'critical sensitivity (vault)' },
      { id: 'level', points: 36, reason: 'admin access' },
      { id: 'first-access', points: 14, reason: 'first access to vault' },
      { id: 'outside-work', points: 19, reason: 'vault is outside their work' },
      { id: 'weak-reason', points: 7, reason: 'vague reason ("INC-9999")' },
      { id: 'incident-unknown', points: 5, reason: 'cites INC-9999, which names no incident open then' },
    ];
    const { shown, more } = cardFactors(factors);
    expect(ids(shown)).toEqual(['sensitivity', 'level', 'outside-work', 'first-access', 'incident-unknown']);
    expect(more).toBe(1);
    const notResponder = cardFactors([...factors.slice(0, 5), { id: 'incident-not-responder', points: 10, reason: 'cites INC-9' }]);
    expect(ids(notResponder.shown)).toContain('incident-not-responder');
  });

  it('leaves out zero-point factors that only describe (business hours, a short window)', () => {
    const { shown, more } = cardFactors([
      { id: 'time', points: 0, reason: 'business hours (10:00 Europe/Berlin, policy zone)' },
      { id: 'duration', points: 0, reason: 'short window: 30m of the 4h maximum' },
      { id: 'sensitivity', points: 20, reason: 'high sensitivity (demo-db)' },
    ]);
    expect(ids(shown)).toEqual(['sensitivity']);
    expect(more).toBe(0);
  });

  it('names off-hours waived as their habit, so the approver sees why a night request scored nothing for time', () => {
    const waived = {
      id: 'time',
      points: 0,
      reason: 'off-hours (23:10 Pacific/Auckland, directory), usual for them (granted near this hour on 6 days of the window)',
    };
    const { shown } = cardFactors([{ id: 'sensitivity', points: 20, reason: 'high sensitivity (demo-db)' }, waived]);
    expect(ids(shown)).toEqual(['sensitivity', 'time']);
    expect(formatCardFactors(shown, 0)).toContain('routing: off-hours (23:10 Pacific/Auckland, directory), usual for them');
  });

  it('keeps every routing explanation: auto-approve cap, a routine departure, an unverified incident', () => {
    const notes = [
      { id: 'incident-unverified', points: 0, reason: 'cites INC-7; not known to be responding, so no discount' },
      { id: 'departure', points: 0, reason: 'leaving in 3 day(s), but this repeats their routine on demo-db (handover work)' },
      { id: 'auto-approve-cap', points: 0, reason: '5 auto-approved requests within 1d (cap 5): routed as medium' },
    ];
    const { shown, more } = cardFactors([...ROUTED_FACTORS.filter((f) => f.points !== 0), ...notes]);
    expect(ids(shown)).toEqual(['sensitivity', 'level', 'first-access', 'velocity', ...ids(notes)]);
    expect(more).toBe(2);
  });

  it('counts a departure with points as a scored factor', () => {
    const { shown, more } = cardFactors([
      ...ROUTED_FACTORS.filter((f) => f.points >= 8),
      { id: 'departure', points: 25, reason: 'leaving in 3 day(s)' },
    ]);
    expect(ids(shown)).toEqual(['departure', 'sensitivity', 'level', 'first-access']);
    expect(more).toBe(1);
  });

  it('formats a routing note without points and appends the count of factors left out', () => {
    const { shown, more } = cardFactors(ROUTED_FACTORS);
    const line = formatCardFactors(shown, more);
    expect(line).toBe(
      `+20 high sensitivity (demo-db), +15 write access, +10 first access to demo-db, +8 4 requests in the last 1h, routing: ${RELIEF_REASON} · +2 more`,
    );
    expect(line).not.toMatch(/(^|, )[+-]?0 /);
    expect(formatCardFactors([], 3)).toBe('+3 more');
    expect(formatCardFactors([{ id: 'level', points: 15, reason: 'x'.repeat(50) }], 0, 10)).toBe(`+15 ${'x'.repeat(9)}…`);
  });
});
