import { describe, expect, it } from 'vitest';
import { cardFactors, fitCardFactors, formatCardFactors } from '../../../src/core/views/card-factors.js';
import { RELIEF_REASON, ROUTED_FACTORS, STEP_UP_FACTORS, STEP_UP_LINE } from './routed-factors.js';

const ids = (factors: Array<{ id: string }>) => factors.map((f) => f.id);

describe('card factors', () => {
  it('keeps every scored factor, largest first, then the zero-point incident relief', () => {
    expect(ids(cardFactors(ROUTED_FACTORS))).toEqual([
      'sensitivity',
      'level',
      'first-access',
      'velocity',
      'outside-work',
      'incident',
      'incident-relief',
    ]);
  });

  it('names the step up and the verified responder discount that a four-factor card hid', () => {
    expect(formatCardFactors(cardFactors(STEP_UP_FACTORS))).toBe(STEP_UP_LINE);
  });

  it('shows a cited incident key that did not check out among the scored factors, however small', () => {
    const factors = [
      { id: 'sensitivity', points: 38, reason: 'critical sensitivity (vault)' },
      { id: 'level', points: 36, reason: 'admin access' },
      { id: 'first-access', points: 14, reason: 'first access to vault' },
      { id: 'outside-work', points: 19, reason: 'vault is outside their work' },
      { id: 'weak-reason', points: 7, reason: 'vague reason ("INC-9999")' },
      { id: 'incident-unknown', points: 5, reason: 'cites INC-9999, which names no incident open then' },
    ];
    expect(ids(cardFactors(factors))).toEqual(['sensitivity', 'level', 'outside-work', 'first-access', 'weak-reason', 'incident-unknown']);
  });

  it('leaves out zero-point factors that only describe (business hours, a short window)', () => {
    const shown = cardFactors([
      { id: 'time', points: 0, reason: 'business hours (10:00 Europe/Berlin, policy zone)' },
      { id: 'duration', points: 0, reason: 'short window: 30m of the 4h maximum' },
      { id: 'sensitivity', points: 20, reason: 'high sensitivity (demo-db)' },
    ]);
    expect(ids(shown)).toEqual(['sensitivity']);
  });

  it('names off-hours waived as their habit, so the approver sees why a night request scored nothing for time', () => {
    const waived = {
      id: 'time',
      points: 0,
      reason: 'off-hours (23:10 Pacific/Auckland, directory), usual for them (granted near this hour on 6 days of the window)',
    };
    const shown = cardFactors([{ id: 'sensitivity', points: 20, reason: 'high sensitivity (demo-db)' }, waived]);
    expect(ids(shown)).toEqual(['sensitivity', 'time']);
    expect(formatCardFactors(shown)).toContain('routing: off-hours (23:10 Pacific/Auckland, directory), usual for them');
  });

  it('keeps every routing explanation after the scored factors: auto-approve cap, a routine departure, an unverified incident', () => {
    const notes = [
      { id: 'incident-unverified', points: 0, reason: 'cites INC-7; not known to be responding, so no discount' },
      { id: 'departure', points: 0, reason: 'leaving in 3 day(s), but this repeats their routine on demo-db (handover work)' },
      { id: 'auto-approve-cap', points: 0, reason: '5 auto-approved requests within 1d (cap 5): routed as medium' },
    ];
    const shown = cardFactors([...ROUTED_FACTORS.filter((f) => f.points !== 0), ...notes]);
    expect(ids(shown)).toEqual(['sensitivity', 'level', 'first-access', 'velocity', 'outside-work', 'incident', ...ids(notes)]);
  });

  it('counts a departure with points as a scored factor', () => {
    const shown = cardFactors([
      ...ROUTED_FACTORS.filter((f) => f.points >= 8),
      { id: 'departure', points: 25, reason: 'leaving in 3 day(s)' },
    ]);
    expect(ids(shown)).toEqual(['departure', 'sensitivity', 'level', 'first-access', 'velocity']);
  });

  it('formats a routing note without points, and no "+N more"', () => {
    const line = formatCardFactors(cardFactors(ROUTED_FACTORS));
    expect(line).toBe(
      '+20 high sensitivity (demo-db), +15 write access, +10 first access to demo-db, +8 4 requests in the last 1h, ' +
        `+6 demo-db is outside their usual work (no grant in its family before), -5 incident INC-7, and they are on call, routing: ${RELIEF_REASON}`,
    );
    expect(line).not.toMatch(/(^|, )[+-]?0 /);
    expect(line).not.toMatch(/more$/);
    expect(formatCardFactors([])).toBe('');
    expect(formatCardFactors([{ id: 'level', points: 15, reason: 'x'.repeat(50) }], 10)).toBe(`+15 ${'x'.repeat(9)}…`);
  });
});

describe('fitting the factor line to a size limit', () => {
  const worst = Array.from({ length: 15 }, (_, i) => ({ id: `f${i}`, points: 20 - i, reason: `${i} ${'r'.repeat(300)}` }));

  it('leaves a line that fits as it is', () => {
    const factors = cardFactors(ROUTED_FACTORS);
    expect(fitCardFactors(factors, 2000)).toBe(formatCardFactors(factors));
  });

  it('cuts reasons, the longest first, and never drops a factor: 15 factors with 300-character reasons', () => {
    const factors = [...worst, { id: 'short', points: 1, reason: 'short reason' }];
    const line = fitCardFactors(factors, 2000);
    expect(line.length).toBeLessThanOrEqual(2000);
    for (let i = 0; i < 15; i++) expect(line).toContain(`+${20 - i} ${i} r`);
    expect(line).toContain('+1 short reason');
    // The cap is the largest that fits: one character more and the line would not.
    expect(formatCardFactors(factors, 2000 / 16 + 20).length).toBeGreaterThan(2000);
    expect(line.length).toBeGreaterThan(2000 - 16 * 2);
  });

  it('counts with the given measure (escaping lengthens text) and keeps a cap the caller asks for', () => {
    const amp = [{ id: 'a', points: 5, reason: '&'.repeat(100) }];
    const line = fitCardFactors(amp, 200, { measure: (l) => l.replace(/&/g, '&amp;').length });
    expect(line.replace(/&/g, '&amp;').length).toBeLessThanOrEqual(200);
    expect(fitCardFactors(amp, 2000, { reasonMax: 10 })).toBe(`+5 ${'&'.repeat(9)}…`);
  });
});
