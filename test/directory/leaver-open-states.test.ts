import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { CoreDeps } from '../../src/core/lifecycle/deps.js';
import { policySchema } from '../../src/core/policy/schema.js';
import type { DirectoryPerson, DirectorySource } from '../../src/core/ports/directory.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { retryActivations } from '../../src/core/scheduler/jobs.js';
import { createDirectoryRuntime } from '../../src/directory/runtime.js';
import { basePolicyInput } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { waitFor } from './helpers.js';

const OWNERS = 'okta:DB Owners';
const policy = policySchema.parse({
  ...basePolicyInput,
  tiers: {
    low: { upTo: 0, approvals: 1, approvers: [OWNERS], approvalTtl: '4h' },
    medium: { upTo: 98, approvals: 1, approvers: [OWNERS], approvalTtl: '4h' },
    high: { upTo: 99, approvals: 1, approvers: [OWNERS], approvalTtl: '4h' },
    critical: { approvals: 1, approvers: [OWNERS], approvalTtl: '4h' },
  },
});

/** An Okta-named source the test controls directly (the adapters have their own tests against fake APIs). */
function controlledSource() {
  const people = new Map<string, DirectoryPerson>();
  for (const email of ['alice@example.com', 'carol@example.com']) people.set(email, { email, active: true });
  const source: DirectorySource = {
    name: 'okta',
    async fetchGroups(refs) {
      return refs.map((ref) => ({ ref: ref.ref, found: true, members: [{ email: 'carol@example.com', active: true, groups: [ref.ref] }] }));
    },
    async fetchPeople(emails) {
      return { found: emails.flatMap((e) => people.get(e) ?? []), notFound: emails.filter((e) => !people.has(e)) };
    },
  };
  return { people, source };
}

describe('a leaver loses requests in every open state', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('cancels approved-but-not-granted requests and approved extensions, and a grant in flight leaves nothing behind', async () => {
    harness = await createHarness('pglite', { policy });
    const h = harness;
    const directory = controlledSource();
    const runtime = createDirectoryRuntime({
      sources: [directory.source],
      store: h.deps.store,
      policy: () => policy,
      clock: h.clock,
      log: silentLogger,
      maxStalenessMs: 60 * 60_000,
      refreshIntervalMs: 60_000,
    });
    const deps: CoreDeps = { ...h.deps, policy: runtime.policy, directory: runtime.directory };
    runtime.attach(deps);
    const say = (actor: string, text: string) => handleCommand(deps, { actor, text, origin: { platform: 'console' } });
    const row = (n: number) => deps.store.getRequestByNumber(n);
    await runtime.refresh();

    // KC-1: approved, but the grant failed with a passing error and waits for its retry.
    await say('alice@example.com', '/access demo-db 30m read fix stuck order INC-1');
    h.provider.failGrants(1, true);
    await say('carol@example.com', 'approve KC-1');
    expect(await row(1)).toMatchObject({ status: 'approved', attempts: 1 });
    // KC-2 active; KC-3 its extension, approved but the target's expiry could not move yet.
    await say('alice@example.com', '/access demo-logs 30m read tail errors INC-1');
    await say('carol@example.com', 'approve KC-2');
    await say('alice@example.com', 'extend KC-2 30m still on it');
    h.provider.failExtends(1, 'unavailable');
    await say('carol@example.com', 'approve KC-3');
    expect([(await row(2))?.status, (await row(3))?.status]).toEqual(['active', 'approved']);
    // KC-4: approved while the provider is still creating the grant.
    await say('alice@example.com', '/access demo-db 30m write fix the index INC-1');
    const release = h.provider.hangGrants();
    const approving = say('carol@example.com', 'approve KC-4');
    await waitFor(
      async () => (h.provider.calls.some((c) => c.op === 'grant' && c.grantId === 'KC-4') ? true : undefined),
      'the grant call',
    );
    expect((await row(4))?.status).toBe('approved');

    directory.people.set('alice@example.com', { email: 'alice@example.com', active: false });
    h.clock.advance(60_000);
    await runtime.tick('replica-1');
    release();
    await approving;

    const note = 'alice@example.com deactivated in the directory (okta)';
    for (const n of [1, 3, 4]) expect(await row(n)).toMatchObject({ status: 'cancelled', endedBy: 'directory:okta', decisionNote: note });
    expect(await row(2)).toMatchObject({ status: 'revoked', decisionNote: note });
    // The grant that finished after the cancellation was removed again; the retry finds nothing to grant.
    expect([...h.provider.live.values()].filter((g) => g.requester === 'alice@example.com')).toEqual([]);
    h.clock.advance(10 * 60_000);
    expect(await retryActivations(deps, h.clock.now())).toBe(0);
    expect([...h.provider.live.values()]).toEqual([]);
    // The failed attempt behind KC-1 was cleaned up at the target too (revoke is idempotent).
    expect(h.provider.calls.filter((c) => c.op === 'revoke' && c.grantId === 'KC-1')).toHaveLength(1);

    const audit = await deps.store.readAudit({});
    const cancelled = audit.filter((e) => e.action === 'request.cancelled');
    expect(cancelled.map((e) => [e.details.ref, e.actor, e.details.wasApproved]).sort()).toEqual([
      ['KC-1', 'directory:okta', true],
      ['KC-3', 'directory:okta', true],
      ['KC-4', 'directory:okta', true],
    ]);
    expect(audit.filter((e) => e.action === 'grant.activated').map((e) => e.details.ref)).toEqual(['KC-2']);
    const dms = h.chat.dms('carol@example.com', 'info').map((d) => (d.message as { text: string }).text);
    expect(dms).toEqual(
      expect.arrayContaining([
        `KC-1 (demo-db, read) was approved but not yet granted; it was cancelled: ${note}.`,
        `KC-3 (demo-logs, read) was approved but not yet granted; it was cancelled: ${note}.`,
        `KC-2 (demo-logs, read) is being revoked: ${note}.`,
      ]),
    );
    const card = h.chat.events.filter((e) => e.type === 'card' && (e as { view: { ref: string } }).view.ref === 'KC-1').at(-1);
    expect(card).toMatchObject({ view: { status: 'cancelled', decisionNote: note } });
  }, 60_000);
});
