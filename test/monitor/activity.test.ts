import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { acknowledgeAnomaly, recordActivity } from '../../src/core/lifecycle/activity.js';
import type { ActivityInput } from '../../src/core/types.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

describe.each(storeKinds())('activity monitoring on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());
  const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console' } });
  const event = (over: Partial<ActivityInput>): ActivityInput => ({ at: h.clock.now(), source: 'ingest', grantRef: 'KC-1', ...over });
  const anomalies = () => h.chat.events.filter((e) => e.type === 'anomaly');

  async function activeReadGrant() {
    await run('alice@example.com', '/access demo-db 30m read checking replication lag INC-42');
    await run('bob@example.com', 'approve KC-1');
  }

  it('alerts the requester and the approver on a destructive statement, with Revoke only for the approver', async () => {
    h = await createHarness(kind);
    await activeReadGrant();
    const result = await recordActivity(
      h.deps,
      event({ statement: 'TRUNCATE orders', principal: 'kc_alice_kc_1', sourceAddress: '10.0.0.5' }),
    );
    expect(result).toMatchObject({ ok: true, value: { grant: 'KC-1', autoRevoked: false } });
    if (!result.ok) return;
    expect(result.value.alerted.map((f) => f.detector).sort()).toEqual(['destructive-sql', 'write-under-read']);
    const toAlice = anomalies().filter((e) => e.type === 'anomaly' && e.to === 'alice@example.com');
    const toBob = anomalies().filter((e) => e.type === 'anomaly' && e.to === 'bob@example.com');
    expect(toAlice[0]).toMatchObject({ alert: { actions: ['acknowledge', 'extend'], severity: 'high' } });
    expect(toBob[0]).toMatchObject({ alert: { actions: ['revoke', 'acknowledge'] } });
    expect(anomalies().some((e) => e.type === 'anomaly' && e.to === 'dave@example.com')).toBe(true);
    expect(h.chat.events.some((e) => e.type === 'thread' && e.text.startsWith('ANOMALY (high)'))).toBe(true);
    expect(h.chat.events.some((e) => e.type === 'incident' && e.incident.key === 'INC-42')).toBe(true);
    const audit = (await h.deps.store.readAudit({})).filter((e) => e.action === 'anomaly.detected');
    expect(audit).toHaveLength(2);
    expect(audit[0]!.details).toMatchObject({ requester: 'alice@example.com', ref: 'KC-1' });
    expect(await h.deps.store.listActivity((await h.deps.store.getRequestByNumber(1))!.id, 10)).toHaveLength(1);
    // The anomaly raises the requester's future risk.
    const history = await h.deps.store.history({
      requester: 'alice@example.com',
      resource: 'demo-db',
      now: h.clock.now(),
      historyWindowMs: 86_400_000,
      denialWindowMs: 86_400_000,
      velocityWindowMs: 3_600_000,
    });
    expect(history.recentAnomalies).toBe(2);
    expect(await acknowledgeAnomaly(h.deps, { number: 1, actor: 'bob@example.com', detector: 'destructive-sql' })).toMatchObject({
      ok: true,
    });
    expect(await acknowledgeAnomaly(h.deps, { number: 1, actor: 'carol@example.com', detector: 'destructive-sql' })).toMatchObject({
      ok: false,
    });
  });

  it('does not alert on safe statements (WHERE clauses, keywords inside literals)', async () => {
    h = await createHarness(kind);
    await run('alice@example.com', '/access demo-db 30m write fix stuck order INC-42');
    await run('bob@example.com', 'approve KC-1');
    const result = await recordActivity(h.deps, event({ statement: "DELETE FROM orders WHERE id = 1; SELECT 'drop table x'" }));
    expect(result.ok && result.value.alerted).toEqual([]);
    expect(anomalies()).toHaveLength(0);
  });

  it('deduplicates alerts per grant and detector within the window', async () => {
    h = await createHarness(kind);
    await activeReadGrant();
    for (let i = 0; i < 5; i += 1) await recordActivity(h.deps, event({ statement: `DROP TABLE t${i}` }));
    const audit = (await h.deps.store.readAudit({})).filter(
      (e) => e.action === 'anomaly.detected' && e.details.detector === 'destructive-sql',
    );
    expect(audit).toHaveLength(1);
    h.clock.advance(11 * 60_000);
    await recordActivity(h.deps, event({ statement: 'DROP TABLE again' }));
    expect(
      (await h.deps.store.readAudit({})).filter((e) => e.action === 'anomaly.detected' && e.details.detector === 'destructive-sql'),
    ).toHaveLength(2);
  });

  it('revokes automatically on a critical finding (use after expiry is critical) and says so', async () => {
    h = await createHarness(kind);
    await activeReadGrant();
    const grant = (await h.deps.store.getRequestByNumber(1))!;
    // Activity stamped after the window while the grant is still active (expiry not yet swept): critical.
    const result = await recordActivity(h.deps, event({ at: new Date(grant.expiresAt!.getTime() + 5_000), statement: 'SELECT 1' }));
    expect(result).toMatchObject({ ok: true, value: { autoRevoked: true } });
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('revoked');
    expect(h.provider.live.size).toBe(0);
    expect(anomalies().find((e) => e.type === 'anomaly' && e.to === 'bob@example.com')).toMatchObject({
      alert: { autoRevoked: true, actions: ['acknowledge'] },
    });
  });

  it('rejects events for unknown grants and stores nothing', async () => {
    h = await createHarness(kind);
    expect(await recordActivity(h.deps, event({ grantRef: 'KC-77' }))).toMatchObject({ ok: false, code: 'unknown_grant' });
    expect(await recordActivity(h.deps, { at: h.clock.now(), source: 'ingest', principal: 'nobody@example.com' })).toMatchObject({
      ok: false,
    });
  });

  it('flags a new source address and a volume spike against the grant’s own baseline', async () => {
    h = await createHarness(kind);
    await run('alice@example.com', '/access demo-db 30m write fix stuck order INC-42');
    await run('bob@example.com', 'approve KC-1');
    for (let i = 0; i < 4; i += 1) await recordActivity(h.deps, event({ statement: 'SELECT 1', sourceAddress: '10.0.0.5', volume: 10 }));
    const spike = await recordActivity(h.deps, event({ statement: 'SELECT * FROM orders', sourceAddress: '203.0.113.9', volume: 5_000 }));
    expect(spike.ok && spike.value.alerted.map((f) => f.detector).sort()).toEqual(['new-source', 'volume-spike']);
  });
});
