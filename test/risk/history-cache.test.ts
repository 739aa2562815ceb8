import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decide } from '../../src/core/lifecycle/decide.js';
import { explainRisk } from '../../src/core/lifecycle/queries.js';
import { submitRequest } from '../../src/core/lifecycle/submit.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createScoringCache } from '../../src/core/risk/history-cache.js';
import { startHistoryFeed } from '../../src/core/risk/history-feed.js';
import type { HistoryChanges, HistorySnapshotData, SnapshotRequest } from '../../src/core/risk/history-snapshot.js';
import { makePolicy } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const AT = new Date('2026-11-24T09:00:00Z');

const DAY = 86_400_000;
const T0 = AT.getTime();

function request(id: string, createdAt: number, patch: Partial<SnapshotRequest> = {}): SnapshotRequest {
  return {
    id,
    kind: 'access',
    createdAt,
    resource: 'demo-db',
    level: 'read',
    durationMs: 600_000,
    reason: 'checking replication lag',
    incidentKey: null,
    activatedAt: null,
    status: 'pending',
    endReason: null,
    endedAt: null,
    approvalsRequired: 1,
    breakGlass: false,
    decidedAt: null,
    approver: null,
    ...patch,
  };
}

const query = { resource: 'demo-db', now: AT, historyWindowMs: 30 * DAY, denialWindowMs: 7 * DAY, velocityWindowMs: 3_600_000 };
const noChanges: HistoryChanges = { complete: true, requests: [], anomalies: [] };

describe('createScoringCache', () => {
  let now = T0;
  let loads: number[] = [];
  const load =
    (requester: string, requests: SnapshotRequest[] = []) =>
    async (from: number): Promise<HistorySnapshotData> => {
      loads.push(from);
      return { requester, from, requests, earlier: [], anomalies: [] };
    };
  const fresh = (options: Partial<Parameters<typeof createScoringCache>[0]> = {}) => {
    now = T0;
    loads = [];
    return createScoringCache({ now: () => now, marginMs: DAY, ...options });
  };

  it('loads a snapshot once (concurrent callers share the read), a margin further back than asked, and serves it while fresh', async () => {
    const cache = fresh();
    const [a, b] = await Promise.all([
      cache.snapshot('a', T0 - 30 * DAY, 1_000, load('a')),
      cache.snapshot('a', T0 - 30 * DAY, 1_000, load('a')),
    ]);
    expect(a).toBe(b);
    expect(loads).toEqual([T0 - 31 * DAY]);
    now = T0 + 1_000;
    expect(await cache.snapshot('a', T0 - 30 * DAY + 1_000, 1_000, load('a'))).toBe(a);
    // Older than the bound with no feed read since: read again.
    now = T0 + 1_001;
    expect(await cache.snapshot('a', T0 - 30 * DAY, 1_000, load('a'))).not.toBe(a);
    expect(loads).toHaveLength(2);
  });

  it('reads again when asked about an instant the snapshot does not reach back to', async () => {
    const cache = fresh();
    await cache.snapshot('a', T0 - 30 * DAY, 1_000, load('a'));
    await cache.snapshot('a', T0 - 30 * DAY - DAY, 1_000, load('a'));
    await cache.snapshot('a', T0 - 30 * DAY - DAY - 1, 1_000, load('a'));
    expect(loads).toEqual([T0 - 31 * DAY, T0 - 32 * DAY - 1]);
  });

  it('drops a requester on invalidate, and never keeps a failed read', async () => {
    const cache = fresh();
    await cache.snapshot('a', T0, 1_000, load('a'));
    cache.invalidate('a');
    expect(cache.size).toBe(0);
    await cache.snapshot('a', T0, 1_000, load('a'));
    expect(loads).toHaveLength(2);
    await expect(cache.snapshot('b', T0, 1_000, () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    await Promise.resolve();
    expect(cache.size).toBe(1);
  });

  it('keeps at most maxRequesters people and maxRows rows, least recently used dropped first', async () => {
    const cache = fresh({ maxRequesters: 2, maxRows: 3 });
    await cache.snapshot('a', T0, 1_000, load('a'));
    await cache.snapshot('b', T0, 1_000, load('b'));
    await cache.snapshot('a', T0, 1_000, load('a'));
    await cache.snapshot('c', T0, 1_000, load('c'));
    expect(cache.size).toBe(2);
    expect(loads).toHaveLength(3);
    await cache.snapshot('a', T0, 1_000, load('a'));
    expect(loads).toHaveLength(3);
    // Three rows for d: with a and c holding none the budget still holds, a fourth anywhere evicts the oldest.
    await cache.snapshot('d', T0, 1_000, load('d', [request('1', T0), request('2', T0), request('3', T0), request('4', T0)]));
    await Promise.resolve();
    expect(cache.size).toBe(0);
  });

  it('refresh reads nothing while nothing is held, then applies changes and keeps snapshots fresh as of its start', async () => {
    const cache = fresh({ overlapMs: 5_000 });
    const reads: Date[] = [];
    await cache.refresh(async (since) => {
      reads.push(since);
      return noChanges;
    });
    expect(reads).toEqual([]);
    const snapshot = await cache.snapshot('a', T0 - 31 * DAY, 1_000, load('a', [request('1', T0 - DAY)]));
    expect(snapshot.history(query)?.priorGrantsOnResource).toBe(0);
    now = T0 + 900;
    await cache.refresh(async (since) => {
      reads.push(since);
      return {
        complete: true,
        requests: [
          { ...request('1', T0 - DAY, { activatedAt: T0 - DAY + 60_000, status: 'active' }), requester: 'a' },
          { ...request('9', T0, { status: 'denied' }), requester: 'someone-else' },
        ],
        anomalies: [{ id: '42', requester: 'a', at: T0 + 100, requestId: null }],
      };
    });
    expect(reads).toEqual([new Date(T0 - 5_000)]);
    const history = snapshot.history({ ...query, now: new Date(T0 + 900) });
    expect(history).toMatchObject({ priorGrantsOnResource: 1, recentAnomalies: 1, recentDenials: 0 });
    // Refreshed at T0 + 900, so still served at T0 + 1_900 without a load; the next read starts where this one did.
    now = T0 + 1_900;
    expect(await cache.snapshot('a', T0 - 31 * DAY, 1_000, load('a'))).toBe(snapshot);
    expect(loads).toHaveLength(1);
    await cache.refresh(async (since) => {
      reads.push(since);
      return noChanges;
    });
    expect(reads[1]).toEqual(new Date(T0 + 900 - 5_000));
  });

  it('drops a snapshot whose older requests changed, and lets snapshots age out while the feed fails', async () => {
    const cache = fresh();
    const snapshot = await cache.snapshot('a', T0 - 10 * DAY, 1_000, load('a'));
    await cache.refresh(async () => ({
      complete: true,
      requests: [{ ...request('old', T0 - 20 * DAY, { status: 'revoked' }), requester: 'a' }],
      anomalies: [],
    }));
    expect(cache.size).toBe(0);
    const again = await cache.snapshot('a', T0 - 10 * DAY, 1_000, load('a'));
    expect(again).not.toBe(snapshot);
    now = T0 + 800;
    await expect(cache.refresh(() => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    now = T0 + 1_500;
    expect(await cache.snapshot('a', T0 - 10 * DAY, 1_000, load('a'))).not.toBe(again);
  });
});

describe('a feed read that could not return everything that changed', () => {
  it('drops every snapshot, so each requester is read again when next scored', async () => {
    const cache = createScoringCache({ now: () => T0 });
    const load = async (from: number): Promise<HistorySnapshotData> => ({ requester: 'a', from, requests: [], earlier: [], anomalies: [] });
    const first = await cache.snapshot('a', T0, 1_000, load);
    await cache.snapshot('b', T0, 1_000, load);
    await cache.refresh(async () => ({ complete: false, requests: [], anomalies: [] }));
    expect(cache.size).toBe(0);
    expect(await cache.snapshot('a', T0, 1_000, load)).not.toBe(first);
  });
});

describe('a snapshot that ages out while a feed read is on its way', () => {
  it('waits for that read instead of loading the requester again, and loads when the read fails', async () => {
    let now = T0;
    let loads = 0;
    const cache = createScoringCache({ now: () => now });
    const load = async (from: number): Promise<HistorySnapshotData> => {
      loads += 1;
      return { requester: 'a', from, requests: [], earlier: [], anomalies: [] };
    };
    const first = await cache.snapshot('a', T0, 1_000, load);
    now = T0 + 900;
    let answer!: (changes: HistoryChanges) => void;
    const refreshing = cache.refresh(() => new Promise((resolve) => (answer = resolve)));
    now = T0 + 1_200;
    const waiting = cache.snapshot('a', T0, 1_000, load);
    answer(noChanges);
    await refreshing;
    expect(await waiting).toBe(first);
    expect(loads).toBe(1);
    now = T0 + 2_000;
    let fail!: (error: Error) => void;
    const failing = cache.refresh(() => new Promise((_, reject) => (fail = reject)));
    now = T0 + 2_100;
    const reloading = cache.snapshot('a', T0, 1_000, load);
    fail(new Error('db down'));
    await expect(failing).rejects.toThrow('db down');
    expect(await reloading).not.toBe(first);
    expect(loads).toBe(2);
  });
});

describe('startHistoryFeed', () => {
  it('refreshes the cache on its interval, logs a failing run of reads once, and stops', async () => {
    const cache = createScoringCache({ now: () => Date.now() });
    await cache.snapshot('a', Date.now(), 60_000, async (from) => ({ requester: 'a', from, requests: [], earlier: [], anomalies: [] }));
    const warnings: string[] = [];
    let reads = 0;
    const log = { ...silentLogger, warn: (_: unknown, message?: string) => void warnings.push(String(message)) };
    const feed = startHistoryFeed({
      cache,
      read: async () => {
        reads += 1;
        if (reads <= 3) throw new Error('db down');
        return noChanges;
      },
      everyMs: () => 50,
      log,
    });
    await vi.waitFor(() => expect(reads).toBeGreaterThanOrEqual(5), { timeout: 5_000 });
    await feed.stop();
    const after = reads;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reads).toBe(after);
    expect(warnings).toEqual(['scoring history feed read failed']);
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

describe('approver records in the scoring cache', () => {
  const record = { decisions: 30, denials: 0, highRiskApprovals: 0, highRiskMedianMs: null };
  const window = (at: number) => ({ at: new Date(at), ms: 90 * DAY });

  it('reads an approver once within the staleness bound (shared by concurrent scores), then again', async () => {
    let now = T0;
    const cache = createScoringCache({ now: () => now });
    const load = vi.fn(async () => record);
    await Promise.all([
      cache.approverRecord('Bob@example.com', window(T0), 1_000, load),
      cache.approverRecord('bob@example.com', window(T0 + 500), 1_000, load),
    ]);
    expect(load).toHaveBeenCalledTimes(1);
    now += 1_001;
    await cache.approverRecord('bob@example.com', window(now), 1_000, load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('reads again for a window ending elsewhere (risk explain --at) or of another length, and never keeps a failure', async () => {
    const cache = createScoringCache({ now: () => T0 });
    const load = vi.fn(async () => record);
    await cache.approverRecord('bob@example.com', window(T0), 1_000, load);
    await cache.approverRecord('bob@example.com', window(T0 - DAY), 1_000, load);
    await cache.approverRecord('bob@example.com', { at: new Date(T0), ms: DAY }, 1_000, load);
    expect(load).toHaveBeenCalledTimes(3);
    const failing = vi.fn(async () => {
      throw new Error('database down');
    });
    await expect(cache.approverRecord('carol@example.com', window(T0), 1_000, failing)).rejects.toThrow('database down');
    await expect(cache.approverRecord('carol@example.com', window(T0), 1_000, load)).resolves.toEqual(record);
  });

  it('reads an approver again right after they decided something on this replica', async () => {
    const cache = createScoringCache({ now: () => T0 });
    const load = vi.fn(async () => record);
    await cache.approverRecord('bob@example.com', window(T0), 1_000, load);
    cache.invalidateApprover('carol@example.com');
    await cache.approverRecord('bob@example.com', window(T0), 1_000, load);
    expect(load).toHaveBeenCalledTimes(1);
    cache.invalidateApprover('Bob@example.com');
    await cache.approverRecord('bob@example.com', window(T0), 1_000, load);
    expect(load).toHaveBeenCalledTimes(2);
  });
});
