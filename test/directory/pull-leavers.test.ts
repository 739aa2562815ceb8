import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { CoreDeps } from '../../src/core/lifecycle/deps.js';
import { policySchema } from '../../src/core/policy/schema.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createDirectoryRuntime } from '../../src/directory/runtime.js';
import { basePolicyInput } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { entraFake, oktaFake, type PullFake, slackFake } from './fakes/pull-apis.js';

const policyFor = (group: string) =>
  policySchema.parse({
    ...basePolicyInput,
    tiers: {
      low: { upTo: 0, approvals: 1, approvers: [group], approvalTtl: '4h' },
      medium: { upTo: 98, approvals: 1, approvers: [group], approvalTtl: '4h' },
      high: { upTo: 99, approvals: 1, approvers: [group], approvalTtl: '4h' },
      critical: { approvals: 1, approvers: [group], approvalTtl: '4h' },
    },
  });

const REFRESH_MS = 5 * 60_000;
const origin = { platform: 'console' as const };

describe.each([
  ['Slack', slackFake],
  ['Microsoft Entra ID', entraFake],
  ['Okta', oktaFake],
])('leavers from a pull source: %s', (_label, makeFake) => {
  let harness: Harness | undefined;
  beforeAll(() => nock.disableNetConnect());
  afterEach(async () => {
    nock.cleanAll();
    await harness?.close();
    harness = undefined;
  });

  async function setup() {
    const fake: PullFake = makeFake();
    // Carol, Dan and Frank own the database (three members: the group listing takes two pages).
    for (const email of ['carol@example.com', 'dan@example.com', 'frank@example.com']) fake.add(email, true);
    for (const email of ['alice@example.com', 'bob@example.com', 'erin@example.com']) fake.add(email);
    const policy = policyFor(fake.ref);
    harness = await createHarness('pglite', { policy });
    const h = harness;
    const replica = () => {
      const runtime = createDirectoryRuntime({
        sources: [fake.source],
        store: h.deps.store,
        policy: () => policy,
        clock: h.clock,
        log: silentLogger,
        maxStalenessMs: 60 * 60_000,
        refreshIntervalMs: REFRESH_MS,
      });
      const deps: CoreDeps = { ...h.deps, policy: runtime.policy, directory: runtime.directory };
      runtime.attach(deps);
      return { runtime, deps };
    };
    const { runtime, deps } = replica();
    // A second replica on the same database: it reads the stored snapshots and sweeps leavers too.
    const second = replica();
    const say = async (actor: string, text: string) => handleCommand(deps, { actor, text, origin });
    const status = async (n: number) => (await deps.store.getRequestByNumber(n))?.status;
    // One scheduler tick per refresh interval, as the started server runs it.
    const nextRefresh = async () => {
      h.clock.advance(REFRESH_MS);
      await runtime.tick('replica-1');
    };
    return { fake, runtime, deps, second, say, status, nextRefresh, h };
  }

  it('offboards a person deactivated in or removed from the source, and never on an outage or a partial listing', async () => {
    const { fake, runtime, deps, second, say, status, nextRefresh, h } = await setup();
    await nextRefresh();
    expect(runtime.policy().groups[fake.ref]).toEqual(['carol@example.com', 'dan@example.com', 'frank@example.com']);
    // Alice holds a grant with an extension waiting; Bob and Erin wait for approval.
    expect((await say('alice@example.com', '/access demo-db 1h read fix stuck order INC-1')).kind).toBe('request');
    expect((await say('carol@example.com', 'approve KC-1 ok')).kind).toBe('request');
    expect((await say('alice@example.com', 'extend KC-1 30m still on it')).kind).toBe('request');
    expect((await say('bob@example.com', '/access demo-db 30m read check replication INC-2')).kind).toBe('request');
    expect((await say('erin@example.com', '/access demo-db 30m read look at the slow query INC-3')).kind).toBe('request');
    expect([await status(1), await status(2), await status(3), await status(4)]).toEqual(['active', 'pending', 'pending', 'pending']);
    await nextRefresh();

    // The source is down: every refresh fails, the last known membership is kept, nobody is a leaver.
    fake.outage = 'down';
    await nextRefresh();
    expect(runtime.statuses()[0]).toMatchObject({ state: 'stale', lastError: expect.stringMatching(/503/) });
    // Now Alice is deactivated, Bob removed and Erin's leave date has passed, but the calls time out...
    fake.deactivate('alice@example.com');
    fake.remove('bob@example.com');
    fake.setLeaveDate('erin@example.com', new Date(h.clock.now().getTime() - 60_000).toISOString());
    fake.outage = 'timeout';
    await nextRefresh();
    expect(runtime.statuses()[0]).toMatchObject({ state: 'stale', lastError: expect.stringMatching(/could not be reached: .*timeout/) });
    // ...and then the group listing breaks on its second page: a partial answer must not count, even though
    // the per-person lookups answer.
    fake.outage = 'partial';
    await nextRefresh();
    expect(runtime.statuses()[0]).toMatchObject({ state: 'stale', lastError: expect.stringMatching(/page|not a list|404/) });
    expect([await status(1), await status(2), await status(3), await status(4)]).toEqual(['active', 'pending', 'pending', 'pending']);
    expect(runtime.policy().groups[fake.ref]).toEqual(['carol@example.com', 'dan@example.com', 'frank@example.com']);
    expect((await deps.store.readAudit({})).filter((e) => e.actor.startsWith('directory:'))).toEqual([]);

    // The source answers completely again: the next refresh offboards them.
    fake.outage = 'none';
    h.clock.advance(REFRESH_MS);
    await runtime.refresh();
    // Both replicas sweep at once; the conditional transitions let each request end once.
    await second.runtime.reload();
    await Promise.all([runtime.enforce(deps), second.runtime.enforce(second.deps)]);
    expect(runtime.statuses()[0]?.state).toBe('fresh');
    const source = fake.name;
    const aliceNote = `alice@example.com deactivated in the directory (${source})`;
    expect(await deps.store.getRequestByNumber(1)).toMatchObject({
      status: 'revoked',
      endedBy: `directory:${source}`,
      decisionNote: aliceNote,
    });
    // The extension carries the leaver's reason, not a generic "grant ended".
    expect(await deps.store.getRequestByNumber(2)).toMatchObject({ status: 'cancelled', decisionNote: aliceNote });
    expect(await deps.store.getRequestByNumber(3)).toMatchObject({
      status: 'cancelled',
      endedBy: `directory:${source}`,
      decisionNote: `bob@example.com removed from the directory (${source})`,
    });
    const leaveNote = source === 'entra' ? 'erin@example.com past their leave date' : undefined;
    if (leaveNote)
      expect((await deps.store.getRequestByNumber(4))?.decisionNote).toMatch(new RegExp(`^${leaveNote} \\d{4}-\\d{2}-\\d{2} \\(entra\\)$`));
    else expect(await status(4)).toBe('pending');
    expect(h.provider.live.size).toBe(0);
    expect(h.chat.dms('carol@example.com', 'info').map((d) => (d.message as { text: string }).text)).toEqual(
      expect.arrayContaining([`KC-1 (demo-db, read) is being revoked: ${aliceNote}.`]),
    );
    expect(h.chat.dms('dan@example.com', 'info').map((d) => (d.message as { text: string }).text)).toEqual(
      expect.arrayContaining([`KC-3 (demo-db, read) was cancelled: bob@example.com removed from the directory (${source}).`]),
    );
    // The one who left is gone from approver groups and cannot act.
    expect(await say('bob@example.com', '/access demo-db 30m read again INC-2')).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/no longer active/),
    });

    // Exactly once: further refreshes and sweeps add nothing.
    const before = (await deps.store.readAudit({})).length;
    await nextRefresh();
    await second.runtime.tick('replica-2');
    const audit = await deps.store.readAudit({});
    expect(audit).toHaveLength(before);
    expect(audit.filter((e) => e.action === 'grant.revoked').map((e) => e.details.ref)).toEqual(['KC-1']);
    expect(
      audit
        .filter((e) => e.action === 'request.cancelled')
        .map((e) => [e.details.ref, e.actor, e.details.leaver])
        .sort(),
    ).toEqual([
      ['KC-2', `directory:${source}`, true],
      ['KC-3', `directory:${source}`, true],
      ...(leaveNote ? [['KC-4', `directory:${source}`, true]] : []),
    ]);
    // Paging happened on every healthy refresh (three owners, two per page).
    expect(fake.calls.some((c) => /cursor=|skiptoken=|after=/.test(c))).toBe(true);
  }, 60_000);
});
