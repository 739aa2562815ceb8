import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { blockAction, homeOpened, slashCommand } from './helpers/payloads.js';
import { createSlackFixture, type SlackFixture, U } from './helpers/slack-fixture.js';
import { buttonsOf, eventually, waitForCalls, waitForResponses, waitForStatus } from './helpers/wait.js';

describe('Slack App Home', () => {
  let f: SlackFixture;
  afterEach(async () => {
    await f?.close();
    expect(nock.pendingMocks()).toEqual([]);
  });

  const publishedFor = async (userId: string, count = 1) => {
    const calls = await waitForCalls(f, 'views.publish', count, (c) => c.args.user_id === userId);
    return calls.at(-1)!;
  };

  it('shows my grants with time left and Release, my pending requests, and what waits for my approval', async () => {
    f = await createSlackFixture('pglite');
    await f.signed(slashCommand(U.alice.id, 'demo-logs 1h read rotate the nightly logs OPS-12'));
    await waitForStatus(f, 1, 'active');
    await f.signed(slashCommand(U.alice.id, 'demo-db 15m read checking replication lag INC-42'));
    await waitForStatus(f, 2, 'pending');

    const opened = await f.signed(homeOpened(U.alice.id), { contentType: 'application/json' });
    expect(opened.status).toBe(200);
    const alice = await publishedFor(U.alice.id);
    expect((alice.args.view as { type: string }).type).toBe('home');
    const aliceText = f.slack.textOf(alice);
    expect(aliceText).toContain('*KC-1* · demo-logs (read) · active until 11:00:00 (1h left)');
    expect(aliceText).toContain('*KC-2* · demo-db (read) · pending · 0 of 1 approvals: sre');
    expect(aliceText).not.toContain('Waiting for your approval');
    const aliceButtons = buttonsOf({ method: 'views.publish', args: alice.args.view as Record<string, unknown> });
    expect(aliceButtons.map((b) => [b.action_id, b.value])).toEqual([
      ['kc_open_request_modal', 'new'],
      ['kc_release', '1'],
    ]);

    await f.signed(homeOpened(U.bob.id), { contentType: 'application/json' });
    const bob = await publishedFor(U.bob.id);
    expect(f.slack.textOf(bob)).toContain('Waiting for your approval');
    expect(f.slack.textOf(bob)).toContain('alice@example.com → demo-db (read) for 15m · risk 35 (medium)');
    expect(
      buttonsOf({ method: 'views.publish', args: bob.args.view as Record<string, unknown> }).map((b) => [b.action_id, b.value]),
    ).toEqual([
      ['kc_open_request_modal', 'new'],
      ['kc_approve', '2'],
      ['kc_deny', '2'],
    ]);

    // Approving from Home re-renders Bob's Home; releasing from Home ends Alice's grant and re-renders hers.
    await f.signed(blockAction(U.bob.id, 'kc_approve', '2', { home: true }));
    await waitForStatus(f, 2, 'active');
    await eventually(async () => expect(f.slack.textOf(await publishedFor(U.bob.id, 2))).toContain('You approved KC-2.'));
    await f.signed(blockAction(U.alice.id, 'kc_release', '1', { home: true }));
    await waitForStatus(f, 1, 'revoked');
    const after = await publishedFor(U.alice.id, 2);
    expect(f.slack.textOf(after)).toContain('KC-1 revoked by alice@example.com');
    expect(f.slack.textOf(after)).not.toContain('*KC-1* · demo-logs');
    expect(f.h.provider.live.has('KC-1')).toBe(false);
  });

  it('explains on the Home tab when the profile has no email', async () => {
    f = await createSlackFixture('pglite');
    await f.signed(homeOpened(U.noMail.id), { contentType: 'application/json' });
    expect(f.slack.textOf(await publishedFor(U.noMail.id))).toContain('users:read.email');
  });

  it('releases from the expiry notice with I’m done and replaces the notice', async () => {
    f = await createSlackFixture('pglite');
    await f.signed(slashCommand(U.alice.id, 'demo-logs 1h read rotate the nightly logs OPS-12'));
    await waitForResponses(f, 1);
    const before = f.slack.responses.length;
    await f.signed(blockAction(U.alice.id, 'kc_release', '1', { channel: `D${U.alice.id}`, ts: '1764000000.000500' }));
    const [done] = (await waitForResponses(f, before + 1)).slice(before);
    expect(done!.body).toMatchObject({ replace_original: true, text: 'KC-1 revoked by alice@example.com at 10:00:00' });
    // Someone else's I'm done is refused and leaves the grant alone.
    await f.signed(slashCommand(U.alice.id, 'demo-logs 1h read rotate the nightly logs OPS-12'));
    await waitForResponses(f, before + 2);
    const n = f.slack.responses.length;
    await f.signed(blockAction(U.carol.id, 'kc_release', '2', { channel: `D${U.alice.id}`, ts: '1764000000.000600' }));
    const [refused] = (await waitForResponses(f, n + 1)).slice(n);
    expect(refused!.body).toMatchObject({ replace_original: false, text: expect.stringContaining("KC-2 is alice@example.com's grant") });
    expect((await f.h.deps.store.getRequestByNumber(2))?.status).toBe('active');
  });
});
