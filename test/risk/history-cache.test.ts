import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/core/lifecycle/decide.js';
import { explainRisk } from '../../src/core/lifecycle/queries.js';
import { submitRequest } from '../../src/core/lifecycle/submit.js';
import { createScoringCache } from '../../src/core/risk/history-cache.js';
import { makePolicy } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const AT = new Date('2026-11-24T09:00:00Z');

describe('createScoringCache', () => {
  let now = 0;
  const cache = createScoringCache({ now: () => now, maxRequesters: 2 });
  let loads = 0;
  const load = async () => {
    loads += 1;
    return loads;
  };

  it('serves an entry while it is at most maxStaleness old and read for a nearby instant, and reads again after', async () => {
    now = 1_000;
    expect(await cache.get('a', 'k', AT, 1_000, load)).toBe(1);
    now = 1_900;
    expect(await cache.get('a', 'k', new Date(AT.getTime() + 500), 1_000, load)).toBe(1);
    // A hypothetical request far from the cached instant (risk explain --at) never gets the cached answer.
    expect(await cache.get('a', 'k', new Date(AT.getTime() + 3_600_000), 1_000, load)).toBe(2);
    now = 10_000;
    expect(await cache.get('a', 'k', AT, 1_000, load)).toBe(3);
  });

  it("drops a requester's entries on invalidate, and caches nothing with maxStaleness 0", async () => {
    expect(await cache.get('a', 'k', AT, 1_000, load)).toBe(3);
    cache.invalidate('a');
    expect(await cache.get('a', 'k', AT, 1_000, load)).toBe(4);
    expect(await cache.get('a', 'k', AT, 0, load)).toBe(5);
    expect(await cache.get('a', 'k', AT, 0, load)).toBe(6);
  });

  it('keeps at most maxRequesters people (least recently used dropped) and never caches a failed read', async () => {
    await cache.get('b', 'k', AT, 1_000, load);
    await cache.get('c', 'k', AT, 1_000, load);
    expect(cache.size).toBe(2);
    await expect(cache.get('d', 'k', AT, 1_000, () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    await Promise.resolve();
    expect(await cache.get('d', 'k', AT, 1_000, async () => 'fresh')).toBe('fresh');
  });
});

describe('scoring through the cache never hides the requester’s own new risk', () => {
  let h: Harness;
  const ALICE = 'alice@example.com';
  beforeAll(async () => {
    h = await createHarness('pglite', { policy: makePolicy({ risk: { thresholds: { velocityRequests: 2 } } }), start: AT });
    h.deps.scoringCache = createScoringCache({ now: () => h.clock.now().getTime() });
  });
  afterAll(async () => h?.close());

  const explain = async () => {
    const result = await explainRisk(h.deps, { requester: ALICE, resource: 'demo-db', reason: 'checking replication lag' });
    if (!result.ok) throw new Error(result.message);
    return result.value.assessment.factors.map((f) => f.id);
  };
  const submit = async () => {
    const result = await submitRequest(h.deps, {
      requester: ALICE,
      resource: 'demo-logs',
      durationMs: 600_000,
      reason: 'rotating the nightly logs OPS-1',
      origin: { platform: 'console' },
    });
    if (!result.ok) throw new Error(result.message);
    return result.value;
  };

  it('a submission and a denial of their own are seen by the very next score, within the staleness bound', async () => {
    expect(await explain()).not.toContain('velocity');
    expect(h.deps.scoringCache!.size).toBe(1);
    await submit();
    h.clock.advance(100);
    await submit();
    h.clock.advance(100);
    expect(await explain()).toContain('velocity');
    const pending = await submitRequest(h.deps, {
      requester: ALICE,
      resource: 'demo-db',
      durationMs: 600_000,
      level: 'write',
      reason: 'fix a stuck order batch OPS-2',
      origin: { platform: 'console' },
    });
    if (!pending.ok) throw new Error(pending.message);
    expect(pending.value.status).toBe('pending');
    expect(await explain()).not.toContain('recent-denials');
    const approver = pending.value.approverGroups.includes('sre') ? 'bob@example.com' : 'carol@example.com';
    expect(await decide(h.deps, { number: pending.value.number, actor: approver, decision: 'deny', comment: 'not now' })).toMatchObject({
      ok: true,
    });
    h.clock.advance(100);
    expect(await explain()).toContain('recent-denials');
  });
});
