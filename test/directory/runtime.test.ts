import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { CoreDeps } from '../../src/core/lifecycle/deps.js';
import { policySchema } from '../../src/core/policy/schema.js';
import type { DirectoryPerson, DirectorySource, SourceStatus } from '../../src/core/ports/directory.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { DirectoryError } from '../../src/directory/errors.js';
import { createDirectoryRuntime, type DirectoryRuntime } from '../../src/directory/runtime.js';
import { basePolicyInput } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const OWNERS = 'okta:DB Owners';
// Approval windows outlast the outage bound the tests wait through, so a late click meets the membership check, not the TTL.
const policy = policySchema.parse({
  ...basePolicyInput,
  tiers: {
    low: { upTo: 0, approvals: 1, approvers: [OWNERS], approvalTtl: '4h' },
    medium: { upTo: 98, approvals: 1, approvers: [OWNERS], approvalTtl: '4h' },
    high: { upTo: 99, approvals: 1, approvers: [OWNERS], approvalTtl: '4h' },
    critical: { approvals: 1, approvers: [OWNERS], approvalTtl: '4h' },
  },
});

const person = (email: string, active = true): DirectoryPerson => ({ email, active, team: 'Platform' });

/** A pull source the test controls: who is in the group, what it says about people, and whether it answers at all. */
function fakeOkta() {
  const state = { members: [person('carol@example.com')], people: new Map<string, DirectoryPerson>(), down: false };
  const source: DirectorySource = {
    name: 'okta',
    async fetchGroups(refs) {
      if (state.down) throw new DirectoryError('directory_unreachable', 'Okta could not be reached: connect ECONNREFUSED');
      return refs.map((ref) => ({ ref: ref.ref, found: true, members: state.members.map((m) => ({ ...m, groups: [ref.ref] })) }));
    },
    async fetchPeople(emails) {
      if (state.down) throw new DirectoryError('directory_unreachable', 'Okta could not be reached: connect ECONNREFUSED');
      const found = emails.flatMap((email) => {
        const known = state.people.get(email);
        return known ? [known] : [];
      });
      return { found, notFound: emails.filter((email) => !state.people.has(email)) };
    },
  };
  return { state, source };
}

describe('directory runtime: cached membership, outages and leavers', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function setup() {
    harness = await createHarness('pglite', { policy });
    const okta = fakeOkta();
    for (const email of ['alice@example.com', 'bob@example.com']) okta.state.people.set(email, person(email));
    const observed: { refreshes: string[]; statuses: SourceStatus[][] } = { refreshes: [], statuses: [] };
    const runtime: DirectoryRuntime = createDirectoryRuntime({
      sources: [okta.source],
      store: harness.deps.store,
      policy: () => policy,
      clock: harness.clock,
      log: silentLogger,
      observer: {
        refreshed: (source, outcome) => observed.refreshes.push(`${source}:${outcome}`),
        status: (s) => observed.statuses.push([...s]),
      },
      maxStalenessMs: 60 * 60_000,
      refreshIntervalMs: 5 * 60_000,
    });
    const deps: CoreDeps = { ...harness.deps, policy: runtime.policy, directory: runtime.directory };
    runtime.attach(deps);
    return { okta, runtime, deps, observed, harness };
  }

  const origin = { platform: 'console' as const };
  const say = (deps: CoreDeps, actor: string, text: string) => handleCommand(deps, { actor, text, origin });

  it('keeps last known membership during an outage, never lets a non-member approve, and drops the group once the bound passes', async () => {
    const { okta, runtime, deps, observed, harness: h } = await setup();
    // Before the first refresh the directory group resolves to nobody (never "anyone").
    expect(runtime.policy().groups[OWNERS]).toBeUndefined();
    await runtime.refresh();
    expect(runtime.policy().groups[OWNERS]).toEqual(['carol@example.com']);
    expect((await say(deps, 'alice@example.com', '/access demo-db 30m read fix stuck order INC-1')).kind).toBe('request');
    expect((await say(deps, 'bob@example.com', '/access demo-db 30m read check replication INC-2')).kind).toBe('request');
    await runtime.refresh();

    okta.state.down = true;
    h.clock.advance(10 * 60_000);
    await runtime.refresh();
    expect(runtime.statuses()).toMatchObject([{ source: 'okta', state: 'stale', lastError: expect.stringContaining('ECONNREFUSED') }]);
    expect(runtime.readinessDetail()['directory.okta']).toMatch(/^stale: refresh failing .*keeping membership from 10 min ago until /);
    expect(observed.refreshes).toEqual(['okta:ok', 'okta:ok', 'okta:error']);
    expect(observed.statuses.at(-1)?.[0]?.state).toBe('stale');

    const refused = await say(deps, 'bob@example.com', 'approve KC-1');
    expect(refused).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/needs approval from okta:DB Owners; you are not in that group/),
    });
    expect((await say(deps, 'carol@example.com', 'approve KC-2 looks fine')).kind).toBe('request');
    expect((await deps.store.getRequestByNumber(2))?.status).toBe('active');

    h.clock.advance(55 * 60_000);
    await runtime.refresh();
    expect(runtime.statuses()[0]?.state).toBe('expired');
    expect(runtime.policy().groups[OWNERS]).toBeUndefined();
    expect(runtime.readinessDetail()['directory.okta']).toMatch(/^expired: .*resolve to nobody/);
    const late = await say(deps, 'carol@example.com', 'approve KC-1');
    expect(late).toMatchObject({ kind: 'error', message: expect.stringMatching(/you are not in that group/) });
    const refusals = (await deps.store.readAudit({})).filter((e) => e.action === 'approval.refused').map((e) => [e.actor, e.details.code]);
    expect(refusals).toEqual([
      ['bob@example.com', 'not_an_approver'],
      ['carol@example.com', 'not_an_approver'],
    ]);
  });

  it('offboards a leaver and removes a mover from the approver group, auditing the change', async () => {
    const { okta, runtime, deps, harness: h } = await setup();
    await runtime.refresh();
    await say(deps, 'alice@example.com', '/access demo-db 30m read fix stuck order INC-1');
    await say(deps, 'carol@example.com', 'approve KC-1');
    await say(deps, 'alice@example.com', '/access demo-db 30m write second request INC-1');
    expect((await deps.store.getRequestByNumber(1))?.status).toBe('active');

    // Alice leaves (Okta suspends her); Carol moves teams (removed from DB Owners), Dave joins.
    okta.state.people.set('alice@example.com', person('alice@example.com', false));
    okta.state.members = [person('dave@example.com')];
    h.clock.advance(60_000);
    await runtime.tick('replica-1');
    expect(await deps.store.getRequestByNumber(1)).toMatchObject({
      status: 'revoked',
      endedBy: 'directory:okta',
      decisionNote: 'alice@example.com deactivated in the directory (okta)',
    });
    expect(await deps.store.getRequestByNumber(2)).toMatchObject({
      status: 'cancelled',
      decisionNote: 'alice@example.com deactivated in the directory (okta)',
    });
    expect(h.chat.dms('carol@example.com', 'info').map((d) => (d.message as { text: string }).text)).toEqual([
      'KC-1 (demo-db, read) is being revoked: alice@example.com deactivated in the directory (okta).',
    ]);
    expect(h.chat.dms('dave@example.com', 'info').map((d) => (d.message as { text: string }).text)).toEqual([
      'KC-2 (demo-db, write) was cancelled: alice@example.com deactivated in the directory (okta).',
    ]);
    const audit = await deps.store.readAudit({});
    expect(audit.filter((e) => e.action === 'directory.membership_changed').map((e) => [e.actor, e.details])).toEqual([
      ['directory:okta', { group: OWNERS, added: ['dave@example.com'], removed: ['carol@example.com'] }],
    ]);
    // The mover lost approver rights with the group.
    await say(deps, 'bob@example.com', '/access demo-db 30m read check replication INC-3');
    expect(await say(deps, 'carol@example.com', 'approve KC-3')).toMatchObject({ kind: 'error' });
    expect((await say(deps, 'dave@example.com', 'approve KC-3')).kind).toBe('request');
  });

  it('refuses a chat user the directory does not know, and audits it; an outage refuses rather than guessing', async () => {
    const { okta, runtime, deps } = await setup();
    await runtime.refresh();
    expect(await say(deps, 'mallory@example.com', '/access demo-db 30m read just looking around')).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/cannot match your chat account \(mallory@example.com\)/),
    });
    okta.state.down = true;
    expect(await say(deps, 'zoe@example.com', '/access demo-db 30m read just looking around')).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/cannot reach the organisation's directory/),
    });
    const refused = (await deps.store.readAudit({})).filter((e) => e.action === 'identity.refused').map((e) => [e.actor, e.details.code]);
    expect(refused).toEqual([
      ['mallory@example.com', 'unknown_person'],
      ['zoe@example.com', 'directory_unavailable'],
    ]);
    okta.state.down = false;
    await runtime.refresh();
    expect(await say(deps, 'mallory@example.com', 'approve KC-1')).toMatchObject({ kind: 'error' });
    // One audit record per refusal: the identity gate's, not a second one from the use case's refusal audit.
    const mallory = (await deps.store.readAudit({})).filter((e) => e.actor === 'mallory@example.com');
    expect(mallory.map((e) => [e.action, e.details.code])).toEqual([
      ['identity.refused', 'unknown_person'],
      ['identity.refused', 'unknown_person'],
    ]);
    expect(await deps.store.listRequests({})).toEqual([]);
  });
});
