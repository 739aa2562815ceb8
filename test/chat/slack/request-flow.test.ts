import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { tick } from '../../../src/core/scheduler/jobs.js';
import { storeKinds } from '../../helpers/db.js';
import { blockAction, slashCommand } from './helpers/payloads.js';
import { CHANNELS, createSlackFixture, type SlackFixture, U } from './helpers/slack-fixture.js';
import { buttonsOf, cardOf, eventually, waitForCalls, waitForResponses, waitForStatus } from './helpers/wait.js';

describe.each(storeKinds())('Slack request flow on %s', (kind) => {
  let f: SlackFixture;
  afterEach(async () => {
    await f?.close();
    expect(nock.pendingMocks()).toEqual([]);
  });

  const req = async (n: number) => (await f.h.deps.store.getRequestByNumber(n))!;
  const posts = (where: (args: Record<string, unknown>) => boolean) => f.slack.called('chat.postMessage').filter((c) => where(c.args));
  const threadTexts = (ts: string) => posts((a) => a.thread_ts === ts).map((c) => String(c.args.text));
  const actionsOf = (call: Parameters<typeof buttonsOf>[0]) => buttonsOf(call).map((b) => [b.action_id, b.value]);

  it('request → card → approve → card updated, thread, credential DM → notice → Extend → expiry → card updated', async () => {
    f = await createSlackFixture(kind);
    const ack = await f.signed(slashCommand(U.alice.id, 'demo-db 30m read checking replication lag INC-42'));
    expect(ack.status).toBe(200);
    expect(ack.json()).toEqual({ response_type: 'ephemeral', text: ':hourglass_flowing_sand: Working on it…' });
    const [confirmation] = await waitForResponses(f, 1);
    expect(confirmation!.path).toMatch(/^\/commands\/T1\//);
    expect(confirmation!.body).toMatchObject({ response_type: 'ephemeral', replace_original: true });
    expect(confirmation!.body.text).toMatch(/^KC-1 pending · risk 30 \(medium\)/);
    expect(confirmation!.body.text).toContain('needs 1 more approval(s) from: sre');

    const card = await cardOf(f, 1);
    expect(card.channel).toBe(CHANNELS.medium);
    const [posted] = posts((a) => a.channel === CHANNELS.medium);
    expect(actionsOf(posted!)).toEqual([
      ['kc_approve', '1'],
      ['kc_deny', '1'],
    ]);
    const cardText = f.slack.textOf(posted!);
    for (const part of [
      'KC-1 · access request',
      'alice@example.com',
      'demo-db',
      'checking replication lag INC-42',
      'Risk 30 (medium)',
      '0 of 1 approvals: sre',
      'INC-42',
    ]) {
      expect(cardText).toContain(part);
    }
    expect(f.slack.called('users.info').map((c) => c.args.user)).toEqual([U.alice.id]);

    // Bob (sre) approves on the card.
    expect((await f.signed(blockAction(U.bob.id, 'kc_approve', '1', card))).status).toBe(200);
    await waitForStatus(f, 1, 'active');
    const updates = await waitForCalls(f, 'chat.update', 1, (c) => f.slack.textOf(c).includes('active until'));
    const approvedCard = updates.at(-1)!;
    expect(approvedCard.args).toMatchObject({ channel: CHANNELS.medium, ts: card.ts });
    expect(actionsOf(approvedCard)).toEqual([]);
    expect(f.slack.textOf(approvedCard)).toContain('active until 10:30:00 (30m left)');
    expect(f.slack.textOf(approvedCard)).toContain('Approved by bob@example.com at 10:00:00');
    await eventually(() =>
      expect(threadTexts(card.ts)).toEqual(['Approved by bob@example.com · granting access', 'Access active until 10:30:00']),
    );

    // The credential goes to Alice's DM, found by her email (whose user id users.info already gave when she asked, so
    // no users.lookupByEmail); the secret is in the blocks, never in the notification text.
    const [credential] = await waitForCalls(f, 'chat.postMessage', 1, (c) => c.args.channel === `D${U.alice.id}`);
    expect(f.slack.called('users.lookupByEmail')).toEqual([]);
    expect(f.slack.called('conversations.open').map((c) => c.args.users)).toEqual([U.alice.id]);
    expect(JSON.stringify(credential!.args.blocks)).toContain('s3cret-KC-1');
    expect(String(credential!.args.text)).not.toContain('s3cret');
    expect(String(credential!.args.text)).toContain('KC-1: your access to demo-db (read) is active until 10:30:00');
    expect(JSON.stringify(f.logs)).not.toContain('s3cret');
    expect(JSON.stringify(await f.h.deps.store.state.list('slack:card'))).not.toContain('s3cret');

    // Ten minutes before expiry Alice gets the notice with Extend and I'm done.
    await tick(f.deps, f.h.clock.advance(20 * 60_000));
    const [notice] = posts((a) => a.channel === `D${U.alice.id}` && String(a.text).includes('ends in'));
    expect(String(notice!.args.text)).toBe('KC-1: your access to demo-db (read) ends in 10m, at 10:30:00.');
    expect(buttonsOf(notice!).map((b) => [b.action_id, b.value, (b as { text?: { text?: string } }).text?.text])).toEqual([
      ['kc_extend', '1', 'Extend 30m'],
      ['kc_release', '1', 'I’m done'],
    ]);

    // Extend: an extension request, approved by Bob, moves the expiry 30 minutes.
    const before = (await req(1)).expiresAt!.getTime();
    await f.signed(blockAction(U.alice.id, 'kc_extend', '1', { channel: `D${U.alice.id}`, ts: '1764000000.000900' }));
    await eventually(async () => expect(await f.h.deps.store.getRequestByNumber(2)).toBeDefined());
    if ((await req(2)).status === 'pending') {
      const extensionCard = await cardOf(f, 2);
      await f.signed(blockAction(U.bob.id, 'kc_approve', '2', extensionCard));
    }
    await waitForStatus(f, 2, 'merged');
    expect((await req(1)).expiresAt!.getTime()).toBe(before + 30 * 60_000);
    const replaced = await eventually(() => {
      const found = f.slack.responses.find((r) => r.body.replace_original === true && String(r.body.text).startsWith('KC-2'));
      expect(found).toBeDefined();
      return found!;
    });
    expect(replaced.body.text).toContain('KC-2 (extension of KC-1 by 30m)');
    await eventually(() => expect(threadTexts(card.ts).some((t) => t.startsWith('Extended by'))).toBe(true));

    // At the new expiry the scheduler revokes; the card, the thread and Alice's DMs say so.
    f.h.clock.set((await req(1)).expiresAt!);
    await tick(f.deps, f.h.clock.now());
    expect((await req(1)).status).toBe('expired');
    expect(f.h.provider.live.has('KC-1')).toBe(false);
    const finalCard = f.slack
      .called('chat.update')
      .filter((c) => c.args.ts === card.ts)
      .at(-1)!;
    expect(f.slack.textOf(finalCard)).toContain('expired at 11:00:00 · access revoked');
    expect(threadTexts(card.ts).at(-1)).toBe('Expired · access revoked');
    expect(posts((a) => a.channel === `D${U.alice.id}`).at(-1)!.args.text).toBe(
      'KC-1 (demo-db, read): expired at 11:00:00 · access revoked.',
    );
  });

  it('posts each tier’s card to that tier’s channel and auto-approves the low tier without a card', async () => {
    f = await createSlackFixture(kind);
    const commands: Array<[string, string]> = [
      [U.alice.id, 'demo-db 15m read checking replication lag INC-42'],
      [U.bob.id, 'demo-db 2h admin fix stuck order'],
      [U.erin.id, 'demo-admin 30m admin fix'],
      [U.carol.id, 'demo-logs 1h read rotate the nightly logs OPS-12'],
    ];
    // One at a time, so the request numbers follow this order.
    for (const [i, [user, text]] of commands.entries()) {
      await f.signed(slashCommand(user, text));
      await waitForResponses(f, i + 1);
    }
    expect((await cardOf(f, 1)).channel).toBe(CHANNELS.medium);
    expect((await cardOf(f, 2)).channel).toBe(CHANNELS.high);
    expect((await cardOf(f, 3)).channel).toBe(CHANNELS.critical);
    await waitForStatus(f, 4, 'active');
    expect((await req(3)).tier).toBe('critical');
    const critical = posts((a) => a.channel === CHANNELS.critical)[0]!;
    expect(f.slack.textOf(critical)).toContain('0 of 2 approvals: db-owners, security');
    expect(await f.h.deps.store.state.get('slack:card', (await req(4)).id)).toBeUndefined();
  });
});
