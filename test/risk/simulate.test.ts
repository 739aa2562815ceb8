import { describe, expect, expectTypeOf, it } from 'vitest';
import type { RiskInput } from '../../src/core/risk/assess.js';
import { type LedgerRequest, replayAudit } from '../../src/core/risk/audit-ledger.js';
import type { AuditInput, RequesterHistory } from '../../src/core/types.js';
import { samplePolicy, smallHistory, windowsOf } from './fixtures.js';

describe('history generator', () => {
  const history = smallHistory();

  it('is deterministic for a seed, and a different seed gives a different organisation', () => {
    const again = smallHistory();
    expect(JSON.stringify(again.events)).toBe(JSON.stringify(history.events));
    expect(again.truth).toEqual(history.truth);
    const other = smallHistory({ seed: 2 });
    expect(JSON.stringify(other.events)).not.toBe(JSON.stringify(history.events));
  });

  it('produces the requested volume, with warm-up, incidents, joiners and every planted pattern', () => {
    const s = history.summary;
    expect(s.windowRequests).toBeGreaterThanOrEqual(1950);
    expect(s.windowRequests).toBeLessThanOrEqual(2050);
    expect(s.warmupRequests).toBeGreaterThan(1000);
    expect(s.incidents).toBeGreaterThan(10);
    expect(new Set(history.truth.misuse.map((l) => l.type))).toEqual(
      new Set(['off-hours-critical-write', 'new-resource-burst', 'reason-without-substance', 'activity-anomalies']),
    );
    const submitted = history.events.filter((e) => e.action === 'request.submitted');
    const atsInOrder = history.events.every((e, i) => i === 0 || e.at.getTime() >= history.events[i - 1]!.at.getTime());
    expect(atsInOrder).toBe(true);
    expect(new Set(submitted.map((e) => e.details.platform))).toEqual(new Set(['slack', 'teams', 'console']));
    expect(history.events.some((e) => e.action === 'anomaly.detected')).toBe(true);
    expect(history.events.some((e) => e.action === 'request.denied')).toBe(true);
  });

  it('keeps the labels out of everything the scorer reads', () => {
    // Structural: neither the scorer's input, the history it sees, nor a replayed request has a place for a label.
    expectTypeOf<RiskInput>().not.toHaveProperty('misuse');
    expectTypeOf<RequesterHistory>().not.toHaveProperty('misuse');
    expectTypeOf<LedgerRequest>().not.toHaveProperty('misuse');
    expectTypeOf<AuditInput['details']>().toEqualTypeOf<Record<string, unknown>>();
    // And in fact: no audit event carries a label, a campaign or the word "misuse".
    const text = JSON.stringify(history.events);
    expect(text).not.toMatch(/misuse|campaign|onset|ground.?truth/i);
    for (const label of history.truth.misuse.slice(0, 50)) expect(text).not.toContain(`"${label.campaign}"`);
    // Every label names a request the audit log knows, so evaluation can join them afterwards.
    const ledger = replayAudit(history.events, windowsOf(samplePolicy));
    for (const label of history.truth.misuse) expect(ledger.get(label.requestId)?.ref).toBe(label.ref);
  });

  it('scored every request with the real assessRisk on the replayed history', () => {
    const ledger = replayAudit(history.events, windowsOf(samplePolicy));
    const tiers = new Set(ledger.requests().map((r) => r.recorded.tier));
    expect(tiers).toEqual(new Set(['low', 'medium', 'high', 'critical']));
    expect(ledger.requests().every((r) => r.recorded.factors.some((f) => f.id === 'sensitivity'))).toBe(true);
  });
});
