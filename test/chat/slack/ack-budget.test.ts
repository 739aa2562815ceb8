import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { blockAction, slashCommand } from './helpers/payloads.js';
import { createSlackFixture, type SlackFixture, U } from './helpers/slack-fixture.js';
import { cardOf, eventually, waitForCalls, waitForResponses } from './helpers/wait.js';

const WORKING = { response_type: 'ephemeral', text: ':hourglass_flowing_sand: Working on it…' };

describe('Slack ack budget', () => {
  let f: SlackFixture;
  let release: (() => void) | undefined;
  afterEach(async () => {
    release?.();
    await f?.close();
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('acks a slash command while the provider hangs on the grant, and reports once it finishes', async () => {
    f = await createSlackFixture('pglite');
    release = f.h.provider.hangGrants();
    // demo-logs is low risk: auto-approved, so the grant runs right behind the ack.
    const ack = await f.signed(slashCommand(U.alice.id, 'demo-logs 1h read rotate the nightly logs OPS-12'));
    expect(ack.status).toBe(200);
    expect(ack.json()).toEqual(WORKING);
    await eventually(() => expect(f.h.provider.calls).toEqual([{ op: 'grant', grantId: 'KC-1' }]));
    // The grant is still hanging: nothing answered yet, and other people are served meanwhile.
    expect(f.slack.responses).toEqual([]);
    const other = await f.signed(slashCommand(U.bob.id, 'list'));
    expect(other.status).toBe(200);
    await eventually(() => expect(f.slack.responses.map((r) => r.body.text)).toEqual(['You have no open requests or grants.']));
    expect((await f.h.deps.store.getRequestByNumber(1))?.status).toBe('approved');

    release();
    const [, done] = await waitForResponses(f, 2);
    expect(done!.body).toMatchObject({ replace_original: true, text: expect.stringMatching(/^KC-1 active/) });
  });

  it('acks a command at once even when every work slot is taken, and runs its work once one frees', async () => {
    f = await createSlackFixture('pglite', { adapter: { concurrentDeliveries: 1 } });
    release = f.h.provider.hangGrants();
    await f.signed(slashCommand(U.alice.id, 'demo-logs 1h read rotate the nightly logs OPS-12'));
    await eventually(() => expect(f.h.provider.calls).toHaveLength(1));
    // Alice's listener holds the only slot while her grant hangs; Bob is still answered within the ack.
    const other = await f.signed(slashCommand(U.bob.id, 'list'));
    expect(other.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(f.slack.responses).toEqual([]);
    release();
    await eventually(() => expect(f.slack.responses.map((r) => r.body.text)).toContain('You have no open requests or grants.'));
  });

  it('opens the request form and the denial form at once while every work slot is taken (trigger_id lives 3 s)', async () => {
    // One slot, held for the whole test by Alice's hanging grant: a form that waited for a slot would not open.
    f = await createSlackFixture('pglite', { adapter: { concurrentDeliveries: 1, deliverySlotHoldMs: 60_000 } });
    await f.signed(slashCommand(U.alice.id, 'demo-db 15m read checking replication lag INC-42'));
    const card = await cardOf(f, 1);
    release = f.h.provider.hangGrants();
    await f.signed(slashCommand(U.alice.id, 'demo-logs 1h read rotate the nightly logs OPS-12'));
    await eventually(() => expect(f.h.provider.calls).toHaveLength(1));

    expect((await f.signed(slashCommand(U.bob.id, ''))).status).toBe(200);
    expect((await f.signed(blockAction(U.bob.id, 'kc_deny', '1', card))).status).toBe(200);
    const opened = await waitForCalls(f, 'views.open', 2);
    expect(opened.map((call) => (call.args.view as { callback_id?: string }).callback_id).sort()).toEqual([
      'kc_deny_modal',
      'kc_request_modal',
    ]);
    // Both forms opened while the grant still hangs and holds the only slot.
    expect(f.h.provider.calls).toHaveLength(1);
    expect((await f.h.deps.store.getRequestByNumber(2))?.status).toBe('approved');
  });

  it('acks an approve click while the provider hangs on the grant it triggers', async () => {
    f = await createSlackFixture('pglite');
    await f.signed(slashCommand(U.alice.id, 'demo-db 15m read checking replication lag INC-42'));
    const card = await cardOf(f, 1);
    release = f.h.provider.hangGrants();
    const ack = await f.signed(blockAction(U.bob.id, 'kc_approve', '1', card));
    expect(ack.status).toBe(200);
    expect(ack.text).toBe('');
    await eventually(() => expect(f.h.provider.calls).toHaveLength(1));
    expect((await f.h.deps.store.getRequestByNumber(1))?.status).toBe('approved');
    release();
    await eventually(async () => expect((await f.h.deps.store.getRequestByNumber(1))?.status).toBe('active'));
  });

  it('answers help inside the ack itself', async () => {
    f = await createSlackFixture('pglite');
    const ack = await f.signed(slashCommand(U.alice.id, 'help'));
    expect(ack.json()).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('Keycard grants temporary production access'),
    });
    expect(f.slack.called('users.info')).toEqual([]);
  });
});
