import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateHistory } from '../../src/cli/risk-evaluate-histories.js';
import { calibrateThreshold, measure, scoreHistory } from '../../src/core/risk/holdout-evaluation.js';
import { createProviders, loadPolicy } from '../../src/main.js';
import { DEFAULT_THREAT_MODEL, generateThreatModelHistory } from '../../src/risk-eval/generate.js';
import { PATTERNS } from '../../src/risk-eval/plan.js';
import { makePolicy } from '../fixtures/policy.js';

const small = { ...DEFAULT_THREAT_MODEL, people: 80, days: 45, warmupDays: 45, misuseRate: 0.03 };

describe('threat-model generator (src/risk-eval)', () => {
  it('shares no code with src/risk-lab', () => {
    const dir = join(import.meta.dirname, '../../src/risk-eval');
    for (const file of readdirSync(dir)) expect(readFileSync(join(dir, file), 'utf8'), file).not.toMatch(/from '[^']*risk-lab/);
  });

  it('is deterministic per seed, and seeds differ', () => {
    const a = generateThreatModelHistory({ ...small, seed: 'x' });
    const b = generateThreatModelHistory({ ...small, seed: 'x' });
    const c = generateThreatModelHistory({ ...small, seed: 'y' });
    expect(b.events).toEqual(a.events);
    expect(c.events.length).not.toBe(a.events.length);
  });

  it('models offices in several time zones, joiners, leavers, incidents, and plants every misuse pattern with labels kept apart', () => {
    const h = generateThreatModelHistory({ ...small, seed: 'z' });
    expect(new Set(h.directory.map((p) => p.timeZone)).size).toBeGreaterThanOrEqual(5);
    expect(h.directory.some((p) => p.leaveDate)).toBe(true);
    expect(h.summary.joiners + h.summary.leavers).toBeGreaterThan(0);
    expect(h.incidents.length).toBeGreaterThan(5);
    expect(new Set(h.labels.map((l) => l.pattern))).toEqual(new Set(PATTERNS));
    // The audit log itself carries no label.
    expect(JSON.stringify(h.events)).not.toMatch(/"(pattern|campaign|misuse|accomplice)"/);
    const submitted = h.events.filter((e) => e.action === 'request.submitted').length;
    expect(submitted).toBe(h.summary.requests);
    // Time order, as Keycard writes its log.
    expect(h.events.every((e, i) => i === 0 || e.at >= h.events[i - 1]!.at)).toBe(true);
  });

  it('gives every office its own public holidays', () => {
    const h = generateThreatModelHistory({ ...small, seed: 'z' });
    const offices = h.org.offices;
    expect(offices.every((o) => o.holidays.size > 0)).toBe(true);
    // Holidays are local: not every office is off on the same days.
    const first = [...offices[0]!.holidays].join(',');
    expect(offices.some((o) => [...o.holidays].join(',') !== first)).toBe(true);
  });

  it('the example policy, uncalibrated, sends at most 30% of a multi-time-zone organisation to a human', async () => {
    const { policy } = await loadPolicy(join(import.meta.dirname, '../../manifests/policy.example.yaml'), createProviders());
    for (const seed of ['u1', 'u2']) {
      const scored = scoreHistory(generateHistory('threat-model', seed, policy, { people: 150, requests: 0, days: 30 }));
      expect(scored.asConfigured.reviewShare, seed).toBeLessThanOrEqual(0.3);
      expect(scored.asConfigured.reviewShare, seed).toBeGreaterThan(0);
    }
  }, 60_000);

  it('calibrates a threshold label-free on one seed and measures recall, friction and static tiers on another', () => {
    const base = makePolicy();
    const size = { people: 80, requests: 0, days: 45 };
    const cal = scoreHistory(generateHistory('threat-model', 'cal', base, size));
    const threshold = calibrateThreshold([cal], 0.2);
    const point = measure(scoreHistory(generateHistory('threat-model', 'held', base, size)), threshold);
    expect(point.reviewShare).toBeGreaterThan(0.05);
    expect(point.reviewShare).toBeLessThan(0.4);
    expect(point.misuse).toBeGreaterThan(0);
    expect(point.patterns.reduce((s, p) => s + p.total, 0)).toBe(point.misuse);
    expect(point.curve[0]!.friction).toBe(1);
    expect(point.curve[101]!.recall).toBeLessThan(point.curve[0]!.recall);
  });
});
