import { afterEach, describe, expect, it } from 'vitest';
import { decide } from '../../src/core/lifecycle/decide.js';
import { endGrant } from '../../src/core/lifecycle/manage.js';
import { submitRequest } from '../../src/core/lifecycle/submit.js';
import { replayAudit } from '../../src/core/risk/audit-ledger.js';
import { reviewIncident } from '../../src/core/risk/incident-review.js';
import { renderReview } from '../../src/risk-lab/render-review.js';
import { makePolicy } from '../fixtures/policy.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { windowsOf } from './fixtures.js';

describe.each(storeKinds())('post-incident review on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('lists the grants linked to the incident with their scores, approvers and anomalies', async () => {
    const policy = makePolicy();
    h = await createHarness(kind, { policy });
    const submit = async (requester: string, resource: string, level: string, reason: string) => {
      const result = await submitRequest(h.deps, {
        requester,
        resource,
        level,
        durationMs: 30 * 60_000,
        reason,
        origin: { platform: 'console' },
      });
      if (!result.ok) throw new Error(result.message);
      return result.value;
    };
    const logs = await submit('alice@example.com', 'demo-logs', 'read', 'INC-4211 reading the checkout logs');
    h.clock.advance(60_000);
    const db = await submit('frank@example.com', 'demo-db', 'write', 'INC-4211 fixing stuck orders');
    await submit('gina@example.com', 'demo-db', 'read', 'OPS-7 monthly report numbers');
    const admin = await submit('alice@example.com', 'demo-admin', 'admin', 'INC-4211 restart the admin console');
    h.clock.advance(4 * 60_000);
    expect((await decide(h.deps, { number: db.number, actor: 'bob@example.com', decision: 'approve', comment: 'go' })).ok).toBe(true);
    expect(
      (await decide(h.deps, { number: admin.number, actor: 'carol@example.com', decision: 'deny', comment: 'use the runbook' })).ok,
    ).toBe(true);
    h.clock.advance(5 * 60_000);
    await h.deps.store.transaction(async (tx) =>
      tx.appendAudit({
        at: h.clock.now(),
        actor: 'keycard',
        action: 'anomaly.detected',
        requestId: db.id,
        details: {
          ref: `KC-${db.number}`,
          requester: 'frank@example.com',
          detector: 'destructive-statement',
          severity: 'critical',
          summary: 'DELETE without WHERE',
        },
      }),
    );
    h.clock.advance(60_000);
    expect((await endGrant(h.deps, { number: db.number, actor: 'dave@example.com', reason: 'anomaly', mode: 'revoke' })).ok).toBe(true);

    const ledger = replayAudit(await h.deps.store.readAudit({}), windowsOf(policy));
    const review = reviewIncident(ledger.requests(), 'inc-4211');
    expect(review.incidentKey).toBe('INC-4211');
    expect(review.grants.map((g) => g.ref)).toEqual([`KC-${logs.number}`, `KC-${db.number}`, `KC-${admin.number}`]);
    expect(review.grants[0]).toMatchObject({ outcome: 'auto_approved', approvers: [], tier: 'low', score: logs.score, anomalies: [] });
    expect(review.grants[1]).toMatchObject({
      outcome: 'approved',
      approvers: ['bob@example.com'],
      tier: db.tier,
      score: db.score,
      revokedForCause: true,
      endedBy: 'dave@example.com',
      anomalies: [{ detector: 'destructive-statement', severity: 'critical', summary: 'DELETE without WHERE' }],
    });
    // The key alone buys no discount: the requester is not on call and no incident source names them.
    expect(review.grants[1]!.factors.map((f) => f.id)).not.toContain('incident');
    // ...and the review says why, as the card did: a zero-point routing note.
    expect(review.grants[1]!.factors).toContainEqual(expect.objectContaining({ id: 'incident-unverified', points: 0 }));
    expect(review.grants[2]).toMatchObject({ outcome: 'denied', deniedBy: 'carol@example.com', activatedAt: null });
    expect(review.summary).toEqual({
      requests: 3,
      granted: 2,
      autoApproved: 1,
      humanApproved: 1,
      denied: 1,
      anomalies: 1,
      revokedForCause: 1,
    });

    const text = renderReview(review, policy.timezone).join('\n');
    // Times in the policy's zone, named: the harness clock starts at 09:00 UTC, 10:00 in Berlin.
    expect(text).toContain("Times are in Europe/Berlin (the policy's timezone).");
    expect(text).toMatch(new RegExp(`KC-${db.number}\\s+2026-11-24 10:0\\d\\s`));
    expect(text).toContain(
      'INC-4211: 3 request(s), 2 granted (1 auto-approved, 1 approved by people), 1 denied; 1 anomaly alert(s), 1 revoked for cause',
    );
    expect(text).toContain('approved by bob@example.com');
    expect(text).toMatch(new RegExp(`KC-${db.number} "INC-4211 fixing stuck orders"\\n  factors: .*routing: incident-unverified`));
    expect(text).toContain('revoked by dave@example.com');
    expect(text).toMatch(/anomaly .* critical destructive-statement: DELETE without WHERE/);
    expect(renderReview(reviewIncident(ledger.requests(), 'INC-1'), policy.timezone)).toEqual(['No requests are linked to INC-1.']);
  });
});
