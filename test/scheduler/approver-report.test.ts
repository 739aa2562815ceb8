import { afterEach, describe, expect, it } from 'vitest';
import { decide } from '../../src/core/lifecycle/decide.js';
import type { CoreDeps } from '../../src/core/lifecycle/deps.js';
import { submitRequest } from '../../src/core/lifecycle/submit.js';
import { ChannelNotConfiguredError } from '../../src/core/ports/chat.js';
import { decorateChatPort } from '../../src/core/ports/forward-chat.js';
import { approverReportSlot, runApproverReport } from '../../src/core/scheduler/approver-report.js';
import { startScheduler } from '../../src/scheduler/start-scheduler.js';
import { makePolicy } from '../fixtures/policy.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, createRecordingChat, type Harness, type RecordingChat } from '../helpers/harness.js';
import { createRecordingLog } from '../helpers/recording-log.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const MINUTE = 60_000;
// Policy zone Europe/Berlin; the report is due Mondays at 09:00 there (08:00 UTC in winter).
const policy = makePolicy({ alerts: { channel: { console: '#security' } } });
const START = new Date('2026-11-24T09:00:00Z'); // Tuesday
const NEXT_MONDAY = new Date('2026-11-30T08:00:30Z'); // 09:00:30 in Berlin

const alerts = (chat: RecordingChat) => chat.events.filter((e) => e.type === 'alert');
const alertTexts = (chat: RecordingChat) => chat.events.flatMap((e) => (e.type === 'alert' ? [e.alert.text] : []));

/** A platform's chat that throws `failure()` while it returns an error, and records what it delivered. */
function flakyChat(failure: () => Error | undefined): RecordingChat {
  const chat = createRecordingChat();
  const failing = decorateChatPort(chat, async (_, call) => {
    const error = failure();
    if (error) throw error;
    await call();
  });
  return Object.assign(Object.create(chat) as RecordingChat, failing);
}

describe('approverReportSlot', () => {
  it('is the latest Monday 09:00 in the policy zone, named by its local date', () => {
    expect(approverReportSlot(policy, START)).toEqual({ at: new Date('2026-11-23T08:00:00Z'), key: '2026-11-23' });
    expect(approverReportSlot(policy, new Date('2026-11-30T07:59:00Z')).key).toBe('2026-11-23');
    expect(approverReportSlot(policy, NEXT_MONDAY)).toEqual({ at: new Date('2026-11-30T08:00:00Z'), key: '2026-11-30' });
    const friday = makePolicy({ timezone: 'America/New_York', risk: { approverReport: { day: 'fri', at: '17:30' } } });
    expect(approverReportSlot(friday, new Date('2026-11-28T12:00:00Z'))).toEqual({
      at: new Date('2026-11-27T22:30:00Z'),
      key: '2026-11-27',
    });
  });
});

describe.each(storeKinds())('weekly approver report (%s)', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());

  /** Bob approves three of Alice's requests within seconds: concentration and fast approvals. */
  const history = async () => {
    h = await createHarness(kind, { policy, start: START });
    for (let i = 0; i < 3; i += 1) {
      const submitted = await submitRequest(h.deps, {
        requester: ALICE,
        resource: 'demo-db',
        durationMs: 10 * MINUTE,
        reason: `fixing stuck order batch ${i} OPS-${i + 1}`,
        origin: { platform: 'console' },
      });
      if (!submitted.ok) throw new Error(submitted.message);
      h.clock.advance(20_000);
      const approved = await decide(h.deps, { number: submitted.value.number, actor: BOB, decision: 'approve', comment: '' });
      expect(approved).toMatchObject({ ok: true });
      h.clock.advance(30 * MINUTE);
    }
    h.clock.set(NEXT_MONDAY);
  };
  const replica = (chat: RecordingChat): CoreDeps => ({ ...h.deps, chat, chatPlatforms: [{ platform: 'console', chat }] });

  it('posts the patterns to the security channel once per week and audits it', async () => {
    await history();
    const outcome = await runApproverReport(h.deps, h.clock.now(), 'replica-a');
    expect(outcome).toEqual({ status: 'posted', slot: '2026-11-30', approvers: 1, flagged: 1, platforms: ['console'], failed: [] });
    const posted = alerts(h.chat);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ channel: '#security', alert: { kind: 'info' } });
    const text = posted[0]!.type === 'alert' ? posted[0]!.alert.text : '';
    expect(text).toContain('Weekly approver report, 2026-11-23 – 2026-11-30 (7d): 1 approver(s), 1 flagged');
    expect(text).toContain(`${BOB} (3 decisions, 0 denied`);
    expect(text).toContain(`100% of approvals for ${ALICE}`);
    const audit = (await h.deps.store.readAudit({})).filter((e) => e.action === 'risk.approver_report');
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ slot: '2026-11-30', approvers: 1, flagged: [{ approver: BOB }] });
    // The same week again, later that day: already out.
    h.clock.advance(3 * 3_600_000);
    expect(await runApproverReport(h.deps, h.clock.now(), 'replica-b')).toEqual({ status: 'already-posted' });
    expect(alerts(h.chat)).toHaveLength(1);
  });

  it('says nothing when switched off, or when the slot passed more than a day ago', async () => {
    await history();
    const off = makePolicy({ alerts: { channel: { console: '#security' } }, risk: { approverReport: { enabled: false } } });
    expect(await runApproverReport({ ...h.deps, policy: () => off }, h.clock.now(), 'a')).toEqual({ status: 'disabled' });
    expect(await runApproverReport(h.deps, new Date('2026-12-01T09:00:00Z'), 'a')).toEqual({ status: 'not-due' });
    expect(alerts(h.chat)).toHaveLength(0);
  });

  /**
   * A slot missed by less than a day is caught up on, but not one from before anything was recorded: a
   * new install's first start would otherwise post a week it did not run. On its regular run the report
   * is posted even when empty, as a heartbeat.
   */
  describe('catching up', () => {
    const LATER_THAT_MONDAY = new Date(NEXT_MONDAY.getTime() + 3 * 3_600_000);
    const audits = async () => (await h.deps.store.readAudit({})).filter((e) => e.action === 'risk.approver_report');
    const request = async () => {
      const submitted = await submitRequest(h.deps, {
        requester: ALICE,
        resource: 'demo-db',
        durationMs: 10 * MINUTE,
        reason: 'fixing stuck order batch OPS-1',
        origin: { platform: 'console' },
      });
      if (!submitted.ok) throw new Error(submitted.message);
    };

    it('a new install started after the slot does not post the week before it existed', async () => {
      h = await createHarness(kind, { policy, start: LATER_THAT_MONDAY });
      expect(await runApproverReport(h.deps, h.clock.now(), 'replica-a')).toEqual({ status: 'before-history', slot: '2026-11-30' });
      // Its first request comes after the slot: that week is still not one Keycard ran.
      await request();
      h.clock.advance(MINUTE);
      expect(await runApproverReport(h.deps, h.clock.now(), 'replica-a')).toEqual({ status: 'before-history', slot: '2026-11-30' });
      expect(alerts(h.chat)).toHaveLength(0);
      expect(await audits()).toHaveLength(0);
      // The next week's slot comes on time.
      h.clock.set(new Date(NEXT_MONDAY.getTime() + 7 * 86_400_000));
      expect(await runApproverReport(h.deps, h.clock.now(), 'replica-a')).toMatchObject({ status: 'posted', slot: '2026-12-07' });
    });

    it('a slot Keycard was down for is caught up on when anything was recorded before it', async () => {
      await history();
      h.clock.set(LATER_THAT_MONDAY);
      expect(await runApproverReport(h.deps, h.clock.now(), 'replica-a')).toMatchObject({
        status: 'posted',
        slot: '2026-11-30',
        approvers: 1,
      });
    });

    it('a quiet week is caught up on too: the period is empty, not before Keycard', async () => {
      h = await createHarness(kind, { policy, start: START });
      await request();
      h.clock.set(new Date(LATER_THAT_MONDAY.getTime() + 7 * 86_400_000));
      expect(await runApproverReport(h.deps, h.clock.now(), 'replica-a')).toMatchObject({
        status: 'posted',
        slot: '2026-12-07',
        approvers: 0,
      });
    });

    it('on its regular run the report is posted with nothing recorded, as a heartbeat', async () => {
      h = await createHarness(kind, { policy, start: NEXT_MONDAY });
      expect(await runApproverReport(h.deps, h.clock.now(), 'replica-a')).toMatchObject({
        status: 'posted',
        slot: '2026-11-30',
        approvers: 0,
      });
      expect(alertTexts(h.chat)).toEqual([expect.stringContaining('Weekly approver report, 2026-11-23 – 2026-11-30 (7d): 0 approver(s)')]);
    });

    it('a platform that failed on the regular run is retried later, even with nothing recorded before the slot', async () => {
      h = await createHarness(kind, { policy, start: NEXT_MONDAY });
      let down = true;
      const teams = flakyChat(() => (down ? new Error('ECONNREFUSED') : undefined));
      const deps: CoreDeps = {
        ...h.deps,
        policy: () => makePolicy({ alerts: { channel: { slack: 'C0SECURITY', teams: '19:security@thread.tacv2' } } }),
        chatPlatforms: [
          { platform: 'slack', chat: createRecordingChat() },
          { platform: 'teams', chat: teams },
        ],
      };
      expect(await runApproverReport(deps, h.clock.now(), 'replica-a')).toMatchObject({ status: 'posted', failed: ['teams'] });
      down = false;
      h.clock.advance(10 * MINUTE);
      expect(await runApproverReport(deps, h.clock.now(), 'replica-a')).toMatchObject({ status: 'posted', platforms: ['teams'] });
      expect(alertTexts(teams)).toHaveLength(1);
    });
  });

  it('two replicas asking at the same moment post it once', async () => {
    await history();
    const chats = [createRecordingChat(), createRecordingChat()];
    const outcomes = await Promise.all(chats.map((chat, i) => runApproverReport(replica(chat), h.clock.now(), `replica-${i}`)));
    // The other one found the lease held, or (when it came second) the week already recorded.
    expect(outcomes.filter((o) => o.status !== 'posted').map((o) => o.status)).toEqual([
      expect.stringMatching(/^(held-elsewhere|already-posted)$/),
    ]);
    expect(outcomes.filter((o) => o.status === 'posted')).toHaveLength(1);
    expect(chats.flatMap(alerts)).toHaveLength(1);
  });

  it('two schedulers on one database post it once', async () => {
    await history();
    const chats = [createRecordingChat(), createRecordingChat()];
    const schedulers = chats.map((chat, i) =>
      startScheduler(replica(chat), { holder: `replica-${i}`, approverReportExpression: '* * * * * *', tickExpression: '0 0 1 1 *' }),
    );
    try {
      await expect.poll(() => chats.flatMap(alerts).length, { timeout: 10_000, interval: 100 }).toBe(1);
      // Both keep checking every second; let each check a few more times, then count again.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(chats.flatMap(alerts)).toHaveLength(1);
      expect((await h.deps.store.readAudit({})).filter((e) => e.action === 'risk.approver_report')).toHaveLength(1);
    } finally {
      for (const s of schedulers) await s.stop();
    }
  });

  describe('per platform', () => {
    const twoPlatforms = makePolicy({ alerts: { channel: { slack: 'C0SECURITY', teams: '19:security@thread.tacv2' } } });
    const refused = () =>
      Object.assign(
        new Error('request to https://keycard:hunter2@smba.example.net/amer/ failed, reason: connect ECONNREFUSED 10.0.0.9:443'),
        {
          code: 'ECONNREFUSED',
        },
      );
    const audits = async () => (await h.deps.store.readAudit({})).filter((e) => e.action === 'risk.approver_report');
    const withPlatforms = (log: ReturnType<typeof createRecordingLog>, slack: RecordingChat, teams: RecordingChat, p = twoPlatforms) => ({
      ...h.deps,
      policy: () => p,
      log,
      chatPlatforms: [
        { platform: 'slack' as const, chat: slack },
        { platform: 'teams' as const, chat: teams },
      ],
    });

    it('Teams unreachable: Slack gets it, the failure is logged by platform once, and Teams gets the same report once it is back', async () => {
      await history();
      const log = createRecordingLog();
      const slack = createRecordingChat();
      let teamsDown = true;
      const teams = flakyChat(() => (teamsDown ? refused() : undefined));
      const deps = withPlatforms(log, slack, teams);

      const first = await runApproverReport(deps, h.clock.now(), 'replica-a');
      expect(first).toEqual({ status: 'posted', slot: '2026-11-30', approvers: 1, flagged: 1, platforms: ['slack'], failed: ['teams'] });
      expect(alertTexts(slack)).toHaveLength(1);
      expect(alertTexts(teams)).toHaveLength(0);
      const warnings = log.lines.filter((l) => l.level === 'warn');
      expect(warnings).toEqual([
        {
          level: 'warn',
          message: 'chat delivery failed',
          fields: expect.objectContaining({
            platform: 'teams',
            what: 'approver-report',
            slot: '2026-11-30',
            err: expect.stringContaining('ECONNREFUSED'),
          }),
        },
      ]);
      expect(JSON.stringify(log.lines)).not.toContain('hunter2');
      expect(await h.deps.store.state.get('risk', 'approver-report')).toMatchObject({
        slot: '2026-11-30',
        platforms: {
          slack: { postedAt: expect.any(String) },
          teams: { failedAt: expect.any(String), error: expect.stringContaining('ECONNREFUSED') },
        },
      });
      expect((await audits()).map((e) => e.details)).toEqual([
        expect.objectContaining({ slot: '2026-11-30', platforms: ['slack'], failed: ['teams'] }),
      ]);

      // The next minute: Teams is tried again, Slack is not posted to twice, and the same failure is not logged at warn again.
      h.clock.advance(MINUTE);
      expect(await runApproverReport(deps, h.clock.now(), 'replica-b')).toEqual({
        status: 'failed',
        slot: '2026-11-30',
        failed: ['teams'],
      });
      expect(alertTexts(slack)).toHaveLength(1);
      expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
      expect(await audits()).toHaveLength(1);

      // Teams is back: it gets the report Slack got, and the audit says so.
      teamsDown = false;
      h.clock.advance(MINUTE);
      expect(await runApproverReport(deps, h.clock.now(), 'replica-a')).toMatchObject({
        status: 'posted',
        platforms: ['teams'],
        failed: [],
      });
      expect(alertTexts(teams)).toEqual(alertTexts(slack));
      expect(alertTexts(slack)).toHaveLength(1);
      expect((await audits()).map((e) => e.details)).toEqual([
        expect.objectContaining({ platforms: ['slack'], failed: ['teams'] }),
        expect.objectContaining({
          slot: '2026-11-30',
          approvers: 1,
          flagged: [expect.objectContaining({ approver: BOB })],
          platforms: ['teams'],
          failed: [],
        }),
      ]);
      h.clock.advance(MINUTE);
      expect(await runApproverReport(deps, h.clock.now(), 'replica-a')).toEqual({ status: 'already-posted' });
      expect([...alertTexts(slack), ...alertTexts(teams)]).toHaveLength(2);
    });

    it('a platform with nowhere to post is warned about once per slot, not every minute, and nothing is recorded as posted', async () => {
      await history();
      const log = createRecordingLog();
      const teamsOnly = makePolicy({ alerts: { channel: {} } });
      const teams = flakyChat(() => new ChannelNotConfiguredError('teams', 'alerts.channel.teams', 'alerts channel'));
      const deps = { ...h.deps, policy: () => teamsOnly, log, chatPlatforms: [{ platform: 'teams' as const, chat: teams }] };
      for (let minute = 0; minute < 5; minute += 1) {
        expect(await runApproverReport(deps, h.clock.now(), 'replica-a')).toEqual({
          status: 'failed',
          slot: '2026-11-30',
          failed: ['teams'],
        });
        h.clock.advance(MINUTE);
      }
      expect(log.lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([
        expect.objectContaining({
          level: 'warn',
          fields: expect.objectContaining({ platform: 'teams', err: expect.stringContaining('alerts.channel.teams') }),
        }),
      ]);
      expect(await audits()).toHaveLength(0);
      expect(alertTexts(teams)).toHaveLength(0);
    });

    it('a platform still failing when the day is over is logged once at error, by one replica, with its last error', async () => {
      await history();
      const log = createRecordingLog();
      const teams = flakyChat(refused);
      const deps = withPlatforms(log, createRecordingChat(), teams);
      expect(await runApproverReport(deps, h.clock.now(), 'replica-a')).toMatchObject({ status: 'posted', failed: ['teams'] });
      h.clock.advance(23 * 3_600_000);
      expect(await runApproverReport(deps, h.clock.now(), 'replica-b')).toMatchObject({ status: 'failed', failed: ['teams'] });
      expect(log.lines.filter((l) => l.level === 'error')).toEqual([]);

      // The day is over: the first run after it gives up and says so; neither replica says it again.
      h.clock.advance(3_600_000);
      const other = createRecordingLog();
      const outcomes = [];
      for (let minute = 0; minute < 3; minute += 1) {
        outcomes.push(await runApproverReport(deps, h.clock.now(), 'replica-a'));
        outcomes.push(await runApproverReport({ ...deps, log: other }, h.clock.now(), 'replica-b'));
        h.clock.advance(MINUTE);
      }
      expect(outcomes.map((o) => o.status)).toEqual(['gave-up', 'not-due', 'not-due', 'not-due', 'not-due', 'not-due']);
      expect(outcomes[0]).toEqual({ status: 'gave-up', slot: '2026-11-30', failed: ['teams'] });
      expect([...log.lines, ...other.lines].filter((l) => l.level === 'error')).toEqual([
        {
          level: 'error',
          message: 'approver report not delivered',
          fields: { platform: 'teams', slot: '2026-11-30', err: expect.stringContaining('ECONNREFUSED'), lastTriedAt: expect.any(String) },
        },
      ]);
      expect(JSON.stringify(log.lines)).not.toContain('hunter2');
      expect(await h.deps.store.state.get('risk', 'approver-report')).toMatchObject({
        slot: '2026-11-30',
        gaveUpAt: expect.any(String),
        platforms: { slack: { postedAt: expect.any(String) }, teams: { error: expect.stringContaining('ECONNREFUSED') } },
      });
      expect(alertTexts(teams)).toHaveLength(0);
    });

    it('gives up on nothing when every platform got the report, or none was tried in the window', async () => {
      await history();
      const log = createRecordingLog();
      const deps = withPlatforms(log, createRecordingChat(), createRecordingChat());
      const dayAfter = new Date(h.clock.now().getTime() + 25 * 3_600_000);
      expect(await runApproverReport(deps, dayAfter, 'replica-a')).toEqual({ status: 'not-due' });
      expect(await runApproverReport(deps, h.clock.now(), 'replica-a')).toMatchObject({ status: 'posted', platforms: ['slack', 'teams'] });
      expect(await runApproverReport(deps, dayAfter, 'replica-a')).toEqual({ status: 'not-due' });
      expect(log.lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
      expect(await h.deps.store.state.get('risk', 'approver-report')).not.toHaveProperty('gaveUpAt');
    });

    it('a replica that finds the lease held does not log giving up; the holder does, once', async () => {
      await history();
      const log = createRecordingLog();
      const deps = withPlatforms(log, createRecordingChat(), flakyChat(refused));
      await runApproverReport(deps, h.clock.now(), 'replica-a');
      const dayAfter = new Date(h.clock.now().getTime() + 25 * 3_600_000);
      expect(await h.deps.store.state.acquireLease('risk:approver-report', 'replica-c', dayAfter, 60_000)).toBe(true);
      expect(await runApproverReport(deps, dayAfter, 'replica-a')).toEqual({ status: 'not-due' });
      expect(log.lines.filter((l) => l.level === 'error')).toEqual([]);
      await h.deps.store.state.releaseLease('risk:approver-report', 'replica-c');
      expect(await runApproverReport(deps, dayAfter, 'replica-a')).toMatchObject({ status: 'gave-up', failed: ['teams'] });
      expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    });

    it('two processes with one platform each both post it, once each', async () => {
      await history();
      const slack = createRecordingChat();
      const teams = createRecordingChat();
      const only = (platform: 'slack' | 'teams', chat: RecordingChat) => ({
        ...h.deps,
        policy: () => twoPlatforms,
        chatPlatforms: [{ platform, chat }],
      });
      expect(await runApproverReport(only('slack', slack), h.clock.now(), 'a')).toMatchObject({ status: 'posted', platforms: ['slack'] });
      expect(await runApproverReport(only('teams', teams), h.clock.now(), 'b')).toMatchObject({ status: 'posted', platforms: ['teams'] });
      expect(await runApproverReport(only('slack', slack), h.clock.now(), 'a')).toEqual({ status: 'already-posted' });
      expect([alertTexts(slack).length, alertTexts(teams).length]).toEqual([1, 1]);
    });

    it('a slot recorded before deliveries were tracked per platform is not posted again', async () => {
      await history();
      await h.deps.store.state.put('risk', 'approver-report', { slot: '2026-11-30', postedAt: NEXT_MONDAY.toISOString(), holder: 'old' });
      const deps = withPlatforms(createRecordingLog(), createRecordingChat(), createRecordingChat());
      expect(await runApproverReport(deps, h.clock.now(), 'replica-a')).toEqual({ status: 'already-posted' });
    });
  });
});
