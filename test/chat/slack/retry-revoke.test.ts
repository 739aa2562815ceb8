import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { blockAction, slashCommand } from './helpers/payloads.js';
import { CHANNELS, createSlackFixture, type SlackFixture, slackPolicyInput, U } from './helpers/slack-fixture.js';
import { buttonsOf, cardOf, eventually, waitForCalls, waitForStatus } from './helpers/wait.js';

/** A revoke that keeps failing is escalated with Retry now; the button runs the same core retry as Teams and the console. */
describe('Slack Retry now on a failing revoke', () => {
  let f: SlackFixture;
  afterEach(async () => {
    await f?.close();
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('posts the alert and the approvers’ DMs with Retry now; an outsider is refused, an approver’s click revokes', async () => {
    f = await createSlackFixture('pglite', { policy: { ...slackPolicyInput, revocation: { escalateAfter: 1 } } });
    await f.signed(slashCommand(U.alice.id, 'demo-db 30m read checking replication lag INC-42'));
    const card = await cardOf(f, 1);
    await f.signed(blockAction(U.bob.id, 'kc_approve', '1', card));
    await waitForStatus(f, 1, 'active');
    f.h.provider.failRevokes(1);
    await f.signed(slashCommand(U.alice.id, 'release KC-1'));
    await waitForStatus(f, 1, 'revoke_failed');

    const [alert] = await waitForCalls(f, 'chat.postMessage', 1, (c) => c.args.channel === CHANNELS.alerts);
    expect(buttonsOf(alert!).map((b) => [b.action_id, b.value])).toEqual([['kc_retry_revoke', '1']]);
    expect(f.slack.textOf(alert!)).toContain('Keycard keeps retrying');
    const [dm] = await waitForCalls(
      f,
      'chat.postMessage',
      1,
      (c) => c.args.channel === `D${U.bob.id}` && String(c.args.text).startsWith('ALERT'),
    );
    expect(buttonsOf(dm!).map((b) => b.action_id)).toEqual(['kc_retry_revoke']);

    const where = { channel: CHANNELS.alerts, ts: String(alert!.args.ts ?? '1764000000.000100') };
    expect((await f.signed(blockAction(U.alice.id, 'kc_retry_revoke', '1', where))).status).toBe(200);
    await eventually(() =>
      expect(f.slack.responses.some((r) => String(r.body.text).includes('approvers or the security reviewers'))).toBe(true),
    );
    expect((await f.h.deps.store.getRequestByNumber(1))?.status).toBe('revoke_failed');

    expect((await f.signed(blockAction(U.bob.id, 'kc_retry_revoke', '1', where))).status).toBe(200);
    await waitForStatus(f, 1, 'revoked');
    await eventually(() =>
      expect(f.slack.responses.some((r) => String(r.body.text).includes('retried the revocation of KC-1: access removed'))).toBe(true),
    );
    expect(f.h.provider.live.size).toBe(0);
    const actions = (await f.h.deps.store.readAudit({})).map((e) => e.action);
    expect(actions).toContain('grant.revoke_retry_refused');
    expect(actions).toContain('grant.revoke_retry_requested');
  });
});
