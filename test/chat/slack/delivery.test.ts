import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { loadView } from '../../../src/core/lifecycle/notify.js';
import { ChannelNotConfiguredError } from '../../../src/core/ports/chat.js';
import { approverReportSlot, runApproverReport } from '../../../src/core/scheduler/approver-report.js';
import { createRecordingLog } from '../../helpers/recording-log.js';
import { blockAction, slashCommand } from './helpers/payloads.js';
import { CHANNELS, createSlackFixture, type SlackFixture, slackPolicyInput, U } from './helpers/slack-fixture.js';
import { cardOf, eventually, waitForCalls, waitForResponses, waitForStatus } from './helpers/wait.js';

describe('Slack delivery problems', () => {
  let f: SlackFixture;
  afterEach(async () => {
    await f?.close();
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('names the channel and the fix, in the log and to the requester, when the bot is not in the tier channel', async () => {
    f = await createSlackFixture('pglite', { joined: [CHANNELS.high] });
    await f.signed(slashCommand(U.alice.id, 'demo-db 15m read checking replication lag INC-42'));
    const [attempt] = await waitForCalls(f, 'chat.postMessage', 1, (c) => c.args.channel === CHANNELS.medium);
    expect(attempt!.args.channel).toBe(CHANNELS.medium);
    const [dm] = await waitForCalls(f, 'chat.postMessage', 1, (c) => c.args.channel === `D${U.alice.id}`);
    expect(dm!.args.text).toBe(
      `Keycard could not post the approval card for KC-1 to ${CHANNELS.medium} (not_in_channel). Invite the Keycard bot to ${CHANNELS.medium} (type /invite @Keycard in that channel) or correct tiers.medium.channel.slack in the policy. Until then approvers can decide from the Keycard App Home or with /access approve KC-1.`,
    );
    const logged = f.logs.find((l) => l.level === 'error' && l.message.startsWith('cannot post the approval card'));
    expect(logged).toMatchObject({ fields: { ref: 'KC-1', channel: CHANNELS.medium, slackError: 'not_in_channel' } });
    expect(logged!.message).toContain(`Invite the Keycard bot to ${CHANNELS.medium}`);
    // The request itself is fine and can be approved by command.
    expect((await f.h.deps.store.getRequestByNumber(1))?.status).toBe('pending');
  });

  it('says on the confirmation when a tier has no Slack channel at all', async () => {
    f = await createSlackFixture('pglite', {
      policy: { ...slackPolicyInput, tiers: { ...slackPolicyInput.tiers, medium: { upTo: 49, approvals: 1, approvers: ['sre'] } } },
    });
    await f.signed(slashCommand(U.alice.id, 'demo-db 15m read checking replication lag INC-42'));
    const [reply] = await waitForResponses(f, 1);
    expect(reply!.body.text).toContain('The medium tier has no Slack channel in the policy, so no approval card was posted');
    expect(f.slack.called('chat.postMessage').filter((c) => c.args.channel !== `D${U.alice.id}`)).toEqual([]);
    // The card is refused with the setting to add, not skipped as if it had been posted.
    const view = await loadView(f.deps, (await f.h.deps.store.getRequestByNumber(1))!);
    await expect(f.adapter.chat.publishCard(view, f.deps.policy().tiers.medium.channel)).rejects.toMatchObject({
      name: 'ChannelNotConfiguredError',
      message: 'no approval channel for the medium tier on slack: set tiers.medium.channel.slack in the policy',
    });
    expect(f.logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('waits out a 429 on a card update (Retry-After) and the card still ends in the latest state', async () => {
    f = await createSlackFixture('pglite');
    await f.signed(slashCommand(U.alice.id, 'demo-db 15m read checking replication lag INC-42'));
    const card = await cardOf(f, 1);
    f.slack.failNext('chat.update', { status: 429, headers: { 'retry-after': '0' }, body: { ok: false, error: 'ratelimited' } });
    await f.signed(blockAction(U.bob.id, 'kc_approve', '1', card));
    await waitForStatus(f, 1, 'active');
    await eventually(() => expect(f.slack.textOf(f.slack.called('chat.update').at(-1)!)).toContain('active until'));
    const updates = f.slack.called('chat.update');
    // The rate-limited attempt was retried, not dropped; no update ran ahead of an earlier one.
    expect(updates.length).toBeGreaterThanOrEqual(2);
    const states = updates.map((u) => (f.slack.textOf(u).includes('active until') ? 'active' : 'approved'));
    expect(states.indexOf('active')).toBe(states.length - states.filter((s) => s === 'active').length);
    const thread = f.slack
      .called('chat.postMessage')
      .filter((c) => c.args.thread_ts === card.ts)
      .map((c) => c.args.text);
    await eventually(() => expect(f.slack.called('chat.postMessage').filter((c) => c.args.thread_ts === card.ts)).toHaveLength(2));
    expect(thread[0]).toBe('Approved by bob@example.com · granting access');
  });

  it('keeps a card update when Slack rate limits it past the client’s own retries', async () => {
    f = await createSlackFixture('pglite');
    await f.signed(slashCommand(U.alice.id, 'demo-db 15m read checking replication lag INC-42'));
    const card = await cardOf(f, 1);
    // The fixture's client retries twice: three 429s in a row exhaust it; the card publisher waits and tries again.
    const limited = { status: 429, headers: { 'retry-after': '0' }, body: { ok: false, error: 'ratelimited' } };
    for (let i = 0; i < 6; i++) f.slack.failNext('chat.update', limited);
    await f.signed(blockAction(U.bob.id, 'kc_approve', '1', card));
    await waitForStatus(f, 1, 'active');
    await eventually(() => expect(f.slack.textOf(f.slack.called('chat.update').at(-1)!)).toContain('active until'));
    expect(f.logs.some((l) => l.message.startsWith('card update still rate limited by Slack'))).toBe(true);
  });

  it('does not wait on a rate-limited call while someone waits: the form failure is reported at once', async () => {
    f = await createSlackFixture('pglite');
    f.slack.failNext('views.open', { status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } });
    const ack = await f.signed(slashCommand(U.alice.id, ''));
    expect(ack.status).toBe(200);
    const [reply] = await waitForResponses(f, 1);
    expect(reply!.body.text).toBe(
      'Could not open the request form (rate limited by Slack); type the request instead: /access &lt;resource&gt; [duration] [level] &lt;reason&gt;',
    );
    expect(f.slack.called('views.open')).toHaveLength(1);
  });
});

describe('Slack alerts', () => {
  let f: SlackFixture;
  afterEach(async () => {
    await f?.close();
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('broadcasts a break-glass grant to the alerts channel and asks security to review it by DM', async () => {
    f = await createSlackFixture('pglite');
    await f.signed(slashCommand(U.alice.id, 'demo-admin 30m admin --break-glass orders are failing INC-77'));
    await waitForStatus(f, 1, 'active');
    const [alert] = await waitForCalls(f, 'chat.postMessage', 1, (c) => c.args.channel === CHANNELS.alerts);
    expect(String(alert!.args.text)).toContain('KC-1');
    expect(String(alert!.args.text)).toContain('alice@example.com');
    const [review] = await waitForCalls(f, 'chat.postMessage', 1, (c) => c.args.channel === `D${U.dave.id}`);
    expect(String(review!.args.text)).toContain('/access review KC-1');
    // No approval card: nobody had to approve it.
    expect(await f.h.deps.store.state.get('slack:card', (await f.h.deps.store.getRequestByNumber(1))!.id)).toBeUndefined();
  });

  it('refuses an alert with no Slack alerts channel, so the weekly report is recorded as not delivered, and warns once', async () => {
    const noAlerts = { ...slackPolicyInput, alerts: { channel: { console: '#security' }, reviewers: ['security'] } };
    f = await createSlackFixture('pglite', { policy: noAlerts });
    await expect(f.adapter.chat.postAlert(undefined, { kind: 'info', text: 'drift' })).rejects.toBeInstanceOf(ChannelNotConfiguredError);
    const log = createRecordingLog();
    const deps = { ...f.deps, log, chatPlatforms: [{ platform: 'slack' as const, chat: f.adapter.chat }] };
    const slot = approverReportSlot(f.deps.policy(), f.h.clock.now());
    const due = slot.at.getTime() + 30_000;
    for (let minute = 0; minute < 3; minute += 1) {
      expect(await runApproverReport(deps, new Date(due + minute * 60_000), 'replica-a')).toEqual({
        status: 'failed',
        slot: slot.key,
        failed: ['slack'],
      });
    }
    expect(await f.h.deps.store.state.get('risk', 'approver-report')).toMatchObject({
      slot: slot.key,
      platforms: { slack: { failedAt: expect.any(String), error: 'no alerts channel on slack: set alerts.channel.slack in the policy' } },
    });
    expect((await f.h.deps.store.readAudit({})).filter((e) => e.action === 'risk.approver_report')).toEqual([]);
    expect(f.slack.called('chat.postMessage')).toEqual([]);
    // The report job says so once for the slot (then at debug); the adapter itself adds nothing.
    expect(log.lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([
      {
        level: 'warn',
        message: 'chat delivery failed',
        fields: expect.objectContaining({
          platform: 'slack',
          what: 'approver-report',
          err: expect.stringContaining('no alerts channel on slack'),
        }),
      },
    ]);
    expect(f.logs.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });
});
