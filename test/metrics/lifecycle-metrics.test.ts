import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { CoreDeps } from '../../src/core/lifecycle/deps.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { tick } from '../../src/core/scheduler/jobs.js';
import { createKeycardMetrics, instrumentProvider, instrumentStore, type KeycardMetrics } from '../../src/metrics/index.js';
import { BUSINESS_HOURS } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { sampleOf } from './read-metric.js';

const origin = { platform: 'console' as const };

interface Instrumented {
  h: Harness;
  deps: CoreDeps;
  metrics: KeycardMetrics;
  run(actor: string, text: string): Promise<void>;
  value(metric: string, labels?: Record<string, string>, sample?: string): Promise<number | undefined>;
}

/** The harness's core with the same decorators main.ts applies. */
async function instrumented(): Promise<Instrumented> {
  const h = await createHarness('pglite', { start: BUSINESS_HOURS });
  const metrics = createKeycardMetrics({ processMetrics: false });
  metrics.readGrantsFrom(h.deps.store, h.clock);
  const provider = instrumentProvider(h.provider, metrics.onProviderCall);
  const deps: CoreDeps = {
    ...h.deps,
    store: instrumentStore(h.deps.store, metrics.onCommitted, silentLogger),
    providers: { get: (kind) => (kind === 'demo' ? provider : undefined) },
  };
  return {
    h,
    deps,
    metrics,
    run: async (actor, text) => {
      await handleCommand(deps, { actor, text, origin });
    },
    value: (metric, labels, sample) => sampleOf(metrics.registry, metric, labels, sample),
  };
}

describe('lifecycle metrics derived from committed audit events', () => {
  let k: Instrumented | undefined;
  afterEach(async () => {
    await k?.h.close();
    k = undefined;
  });

  it('counts submissions and outcomes by resource and tier, and times approvals', async () => {
    k = await instrumented();
    await k.run('alice@example.com', '/access demo-db 30m read checking replication lag INC-42');
    await k.run('alice@example.com', 'approve KC-1');
    k.h.clock.advance(90_000);
    await k.run('bob@example.com', 'approve KC-1 fine');
    await k.run('alice@example.com', '/access demo-logs 1h read rotate the nightly logs OPS-12');
    await k.run('alice@example.com', '/access demo-admin 30m admin rotate the admin keys INC-4211');
    const denied = await k.h.deps.store.getRequestByNumber(3);
    // Risk v2: citing an incident one is not a responder of earns no relief, so an admin request lands critical.
    expect(denied?.tier).toBe('critical');
    await k.run('carol@example.com', 'deny KC-3 use a narrower level');

    const medium = { resource: 'demo-db', tier: 'medium' };
    expect(await k.value('keycard_requests_submitted_total', { ...medium, kind: 'access' })).toBe(1);
    expect(await k.value('keycard_requests_total', { ...medium, outcome: 'approved' })).toBe(1);
    expect(await k.value('keycard_requests_total', { resource: 'demo-logs', tier: 'low', outcome: 'auto_approved' })).toBe(1);
    expect(await k.value('keycard_requests_total', { resource: 'demo-admin', tier: 'critical', outcome: 'denied' })).toBe(1);
    expect(await k.value('keycard_approval_latency_seconds', { tier: 'medium' }, 'keycard_approval_latency_seconds_count')).toBe(1);
    expect(await k.value('keycard_approval_latency_seconds', { tier: 'medium' }, 'keycard_approval_latency_seconds_sum')).toBe(90);
    expect(await k.value('keycard_approval_refusals_total', { code: 'self_approval' })).toBe(1);
    expect(await k.value('keycard_grants_total', { resource: 'demo-db', provider: 'demo', event: 'activated' })).toBe(1);
    expect(await k.value('keycard_active_grants', { resource: 'demo-db' })).toBe(1);
    expect(await k.value('keycard_active_grants', { resource: 'demo-logs' })).toBe(1);
    expect(
      await k.value(
        'keycard_provider_call_duration_seconds',
        { provider: 'demo', operation: 'grant', result: 'ok' },
        'keycard_provider_call_duration_seconds_count',
      ),
    ).toBe(2);
    expect(await k.value('keycard_audit_events_total', { action: 'request.submitted' })).toBe(3);
  });

  it('measures revocation lag from expiry to the confirmed revoke, and counts failed attempts and retries', async () => {
    k = await instrumented();
    await k.run('alice@example.com', '/access demo-logs 10m read rotate the nightly logs OPS-12');
    const grant = await k.h.deps.store.getRequestByNumber(1);
    expect(grant?.status).toBe('active');
    k.h.provider.failRevokes(1);
    k.h.clock.set(new Date(grant!.expiresAt!.getTime() + 2_000));
    await tick(k.deps, k.h.clock.now());
    expect(await k.value('keycard_revoke_failures_total', { provider: 'demo' })).toBe(1);
    expect(await k.value('keycard_revoke_retries_total', { provider: 'demo' })).toBe(1);
    expect(await k.value('keycard_provider_errors_total', { provider: 'demo', operation: 'revoke', code: 'unavailable' })).toBe(1);
    expect(await k.value('keycard_unrevoked_grants', { state: 'revoking' })).toBe(1);
    expect(await k.value('keycard_active_grants', { resource: 'demo-logs' })).toBeUndefined();

    // The retry is due after the backoff (10 s base with the harness's fixed jitter of 0.5 → 10 s).
    k.h.clock.advance(10_000);
    await tick(k.deps, k.h.clock.now());
    expect((await k.h.deps.store.getRequestByNumber(1))?.status).toBe('expired');
    expect(await k.value('keycard_grants_total', { resource: 'demo-logs', provider: 'demo', event: 'expired' })).toBe(1);
    expect(await k.value('keycard_revocation_lag_seconds', { provider: 'demo' }, 'keycard_revocation_lag_seconds_count')).toBe(1);
    expect(await k.value('keycard_revocation_lag_seconds', { provider: 'demo' }, 'keycard_revocation_lag_seconds_sum')).toBe(12);
    expect(await k.value('keycard_revoke_escalations_total', { provider: 'demo' })).toBeUndefined();
    expect(await k.value('keycard_unrevoked_grants', { state: 'revoking' })).toBe(0);
  });

  it('counts anomalies by detector, only once a transaction commits', async () => {
    k = await instrumented();
    expect((await k.metrics.render()).body).toContain('# TYPE keycard_anomalies_total counter');
    const anomaly = {
      at: k.h.clock.now(),
      actor: 'keycard',
      action: 'anomaly.detected',
      requestId: null,
      details: { detector: 'write-under-read', severity: 'high', requester: 'alice@example.com' },
    };
    await expect(
      k.deps.store.transaction(async (tx) => {
        tx.appendAudit(anomaly);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await k.value('keycard_anomalies_total', { detector: 'write-under-read', severity: 'high' })).toBeUndefined();
    await k.deps.store.transaction(async (tx) => tx.appendAudit(anomaly));
    expect(await k.value('keycard_anomalies_total', { detector: 'write-under-read', severity: 'high' })).toBe(1);
  });
});
