import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { recordActivity } from '../../../src/core/lifecycle/activity.js';
import { hasTestPostgres } from '../../helpers/db.js';
import type { SlackCall } from './helpers/fake-slack.js';
import { blockAction, slashCommand } from './helpers/payloads.js';
import { createSlackFixture, type SlackFixture, U } from './helpers/slack-fixture.js';
import { buttonsOf, cardOf, eventually, waitForCalls, waitForResponses, waitForStatus } from './helpers/wait.js';

// Core's detectors and their store behaviour are covered in test/monitor; this suite is about the Slack DM and its buttons.
const kind = hasTestPostgres() ? 'pg' : 'pglite';

describe(`Slack anomaly DMs (${kind})`, () => {
  let f: SlackFixture;
  afterEach(async () => {
    await f?.close();
    expect(nock.pendingMocks()).toEqual([]);
  });

  /** KC-1: alice's active write grant on demo-db, approved by bob; then an unbounded DELETE during it. */
  async function anomaly(): Promise<{ card: { channel: string; ts: string } }> {
    f = await createSlackFixture(kind);
    await f.signed(slashCommand(U.alice.id, 'demo-db 15m write fix stuck order INC-42'));
    const card = await cardOf(f, 1);
    await f.signed(blockAction(U.bob.id, 'kc_approve', '1', card));
    await waitForStatus(f, 1, 'active');
    const result = await recordActivity(f.deps, {
      at: f.h.clock.now(),
      source: 'ingest',
      grantRef: 'KC-1',
      principal: 'kc_alice_kc_1',
      statement: 'DELETE FROM orders',
    });
    expect(result).toMatchObject({ ok: true, value: { alerted: [{ detector: 'destructive-sql' }] } });
    return { card };
  }
  const dmTo = (userId: string) =>
    f.slack.called('chat.postMessage').filter((c) => c.args.channel === `D${userId}` && String(c.args.text).includes('activity on KC-1'));
  const click = (user: string, action: string, dm: SlackCall, ts = '1764000000.000900') =>
    f.signed(
      blockAction(
        user,
        action,
        '1:destructive-sql',
        { channel: String(dm.args.channel), ts },
        {
          text: String(dm.args.text),
          blocks: dm.args.blocks as unknown[],
        },
      ),
    );
  const audit = async (action: string) => (await f.h.deps.store.readAudit({})).filter((e) => e.action === action);

  it('DMs the requester and each approver what happened, on which grant, with their own buttons', async () => {
    await anomaly();
    const [toAlice] = dmTo(U.alice.id);
    const [toBob] = dmTo(U.bob.id);
    const [toDave] = dmTo(U.dave.id);
    expect(toAlice!.args.text).toBe('HIGH activity on KC-1 (demo-db, write): DELETE without WHERE: DELETE FROM orders');
    const body = f.slack.textOf(toAlice!);
    for (const fact of ['KC-1 · demo-db (write)', 'alice@example.com', '(medium)', 'destructive-sql', '10:00', 'active until']) {
      expect(body).toContain(fact);
    }
    expect(body).not.toContain('revoked ');
    // Buttons carry only the request number and the detector; Revoke only for approvers and security.
    expect(buttonsOf(toAlice!)).toEqual([
      expect.objectContaining({ action_id: 'kc_anomaly_ack', value: '1:destructive-sql' }),
      expect.objectContaining({
        action_id: 'kc_anomaly_extend',
        value: '1:destructive-sql',
        text: expect.objectContaining({ text: 'Extend 15m' }),
      }),
    ]);
    for (const dm of [toBob!, toDave!]) {
      expect(buttonsOf(dm).map((b) => b.action_id)).toEqual(['kc_anomaly_revoke', 'kc_anomaly_ack']);
      expect(buttonsOf(dm)[0]).toMatchObject({ style: 'danger', confirm: { title: { text: 'Revoke KC-1?' } } });
    }
    expect(dmTo(U.erin.id)).toEqual([]);
  });

  it('revokes when an approver clicks Revoke now, refuses the requester, and acts once per click', async () => {
    const { card } = await anomaly();
    const [toAlice] = dmTo(U.alice.id);
    const [toBob] = dmTo(U.bob.id);
    const before = f.slack.responses.length;

    // The requester has no Revoke button; a forged click is refused by core, shown to her alone.
    await click(U.alice.id, 'kc_anomaly_revoke', toAlice!);
    const [refusal] = (await waitForResponses(f, before + 1)).slice(before);
    expect(refusal!.body).toMatchObject({ replace_original: false, text: expect.stringContaining("Only KC-1's approvers") });
    expect((await f.h.deps.store.getRequestByNumber(1))?.status).toBe('active');

    await click(U.bob.id, 'kc_anomaly_revoke', toBob!);
    await waitForStatus(f, 1, 'revoked');
    expect(f.h.provider.calls.filter((c) => c.op === 'revoke')).toHaveLength(1);
    expect(f.h.provider.live.size).toBe(0);
    const [done] = (await waitForResponses(f, before + 2)).slice(before + 1);
    // The DM keeps what happened, loses its buttons and says what was done.
    expect(done!.body).toMatchObject({ replace_original: true });
    expect(JSON.stringify(done!.body.blocks)).toContain('DELETE without WHERE');
    expect(JSON.stringify(done!.body.blocks)).toContain('KC-1 revoked by bob@example.com');
    expect(JSON.stringify(done!.body.blocks)).not.toContain('kc_anomaly_');
    // The approval card is updated too.
    await eventually(() => {
      const last = f.slack
        .called('chat.update')
        .filter((c) => c.args.ts === card.ts)
        .at(-1);
      expect(f.slack.textOf(last!)).toContain('revoked by bob@example.com');
    });
    expect((await audit('grant.revoking')).map((e) => ({ actor: e.actor, details: e.details }))).toEqual([
      { actor: 'bob@example.com', details: expect.objectContaining({ endReason: 'revoked', note: 'anomaly alert: destructive-sql' }) },
    ]);

    // A second click on the same button (a double click or a redelivery): nothing more happens, nothing more is said.
    await click(U.bob.id, 'kc_anomaly_revoke', toBob!);
    await eventually(() => expect(f.logs.some((l) => l.message.includes('already handled'))).toBe(true));
    expect(f.slack.responses.length).toBe(before + 2);
    expect(f.h.provider.calls.filter((c) => c.op === 'revoke')).toHaveLength(1);
  });

  it('records Acknowledge in the audit log once, and Extend asks for the suggested extension', async () => {
    await anomaly();
    const [toAlice] = dmTo(U.alice.id);
    const [toDave] = dmTo(U.dave.id);
    const before = f.slack.responses.length;
    await click(U.dave.id, 'kc_anomaly_ack', toDave!);
    await click(U.dave.id, 'kc_anomaly_ack', toDave!);
    const [acked] = (await waitForResponses(f, before + 1)).slice(before);
    expect(acked!.body).toMatchObject({ replace_original: true, text: expect.stringContaining('Acknowledged by dave@example.com') });
    await eventually(() => expect(f.logs.some((l) => l.message.includes('already handled'))).toBe(true));
    const acks = await audit('anomaly.acknowledged');
    expect(acks.map((e) => ({ actor: e.actor, detector: e.details.detector }))).toEqual([
      { actor: 'dave@example.com', detector: 'destructive-sql' },
    ]);

    // Someone who is neither the requester nor a responder cannot acknowledge (a forged click on another message).
    await click(U.carol.id, 'kc_anomaly_ack', toDave!, '1764000000.000901');
    const [refused] = (await waitForResponses(f, before + 2)).slice(before + 1);
    expect(refused!.body).toMatchObject({ replace_original: false, text: expect.stringContaining('can acknowledge') });

    await click(U.alice.id, 'kc_anomaly_extend', toAlice!);
    await eventually(async () => expect((await f.h.deps.store.getRequestByNumber(2))?.kind).toBe('extension'));
    expect(await f.h.deps.store.getRequestByNumber(2)).toMatchObject({ durationMs: 15 * 60_000, origin: { platform: 'slack' } });
    const [extended] = (await waitForResponses(f, before + 3)).slice(before + 2);
    expect(extended!.body).toMatchObject({ replace_original: true, text: expect.stringContaining('KC-2') });
    await waitForCalls(f, 'chat.postMessage', 1, (c) => String(c.args.text).startsWith('KC-2'));
  });
});
