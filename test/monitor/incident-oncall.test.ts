import { afterEach, describe, expect, it, vi } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { anyPlatformResponder, RESPONDER_LOOKUP_TIMEOUT_MS } from '../../src/core/lifecycle/incident-responder.js';
import { onCallFromPolicy } from '../../src/core/oncall/policy-schedule.js';
import { KNOWN_INCIDENT, NO_SUCH_INCIDENT, type SourceAnswer } from '../../src/core/ports/incident-responders.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const policy = makePolicy({
  onCall: {
    rotations: { sre: { members: ['alice@example.com', 'erin@example.com'], start: '2026-11-23T00:00:00Z', shift: '7d' } },
    overrides: [{ email: 'zoe@example.com', from: '2026-11-24T00:00:00Z', to: '2026-11-25T00:00:00Z' }],
  },
  resources: {
    ...basePolicyInput.resources,
    'demo-admin': {
      provider: 'demo',
      sensitivity: 'critical',
      levels: { admin: {} },
      minDuration: '10s',
      maxDuration: '1h',
      minTier: 'high',
    },
  },
});

describe('incidents and on-call', () => {
  let h: Harness;
  afterEach(async () => h?.close());
  const run = (actor: string, text: string, origin: Record<string, string> = {}) =>
    handleCommand(h.deps, { actor, text, origin: { platform: 'slack', ...origin } });

  it('computes rotations and overrides', () => {
    expect(onCallFromPolicy(policy, 'alice@example.com', new Date('2026-11-24T12:00:00Z'))).toEqual(['sre']);
    expect(onCallFromPolicy(policy, 'erin@example.com', new Date('2026-11-24T12:00:00Z'))).toEqual([]);
    expect(onCallFromPolicy(policy, 'erin@example.com', new Date('2026-12-01T12:00:00Z'))).toEqual(['sre']);
    expect(onCallFromPolicy(policy, 'zoe@example.com', new Date('2026-11-24T12:00:00Z'))).toEqual(['override']);
  });

  it('links a request by incident channel, by key in the reason, and by flag; every event goes to the incident thread', async () => {
    h = await createHarness('pglite', { policy });
    await run('erin@example.com', '/access demo-db 15m read checking replication lag', { channel: 'C1', channelName: 'inc-4211' });
    await run('erin@example.com', '/access demo-logs 15m read rotate the nightly logs INC-4211');
    await run('erin@example.com', '/access demo-admin 15m admin restart the primary --incident INC-4211');
    const keys = [1, 2, 3].map(async (n) => (await h.deps.store.getRequestByNumber(n))?.incidentKey);
    expect(await Promise.all(keys)).toEqual(['INC-4211', 'INC-4211', 'INC-4211']);
    await run('bob@example.com', 'approve KC-1');
    await run('erin@example.com', 'release KC-1');
    const lines = h.chat.events.filter((e) => e.type === 'incident');
    expect(lines.every((e) => e.type === 'incident' && e.incident.key === 'INC-4211')).toBe(true);
    const kc1 = lines.filter((e) => e.type === 'incident' && e.view.ref === 'KC-1').map((e) => (e.type === 'incident' ? e.text : ''));
    expect(kc1[0]).toMatch(
      /^KC-1: erin@example.com requested demo-db \(read\) for 15m · risk \d+ \(medium\) · needs 1 approval\(s\) from sre/,
    );
    expect(kc1.some((t) => t.includes('Approved by bob@example.com'))).toBe(true);
    expect(kc1.some((t) => t.includes('Access active until'))).toBe(true);
    expect(kc1.some((t) => t.includes('Revoked by erin@example.com'))).toBe(true);
    const first = lines.find((e) => e.type === 'incident' && e.view.ref === 'KC-1');
    expect(first).toMatchObject({ incident: { channel: 'C1', channelName: 'inc-4211' } });
  });

  it('lowers friction for an on-call requester during an incident, never below the resource floor', async () => {
    h = await createHarness('pglite', { policy, start: new Date('2026-11-24T20:00:00Z') });
    // alice is on call this week (sre rotation); off-hours first read of demo-db scores medium, relief makes it low.
    const relieved = await run('alice@example.com', '/access demo-db 15m read replication is broken INC-9');
    expect(relieved).toMatchObject({ request: { tier: 'low', status: 'active' } });
    if (relieved.kind === 'request') {
      expect(relieved.request.factors.map((f) => f.id)).toEqual(expect.arrayContaining(['on-call', 'incident-relief']));
    }
    // Without an incident, no relief (only the on-call factor).
    expect(await run('alice@example.com', '/access demo-logs 15m read rotate the logs please')).toMatchObject({
      request: { tier: expect.any(String) },
    });
    // demo-admin is critical; relief lowers one tier at most, and never below its minTier (high).
    const floored = await run('alice@example.com', '/access demo-admin 30m admin primary is down INC-9');
    expect(floored).toMatchObject({ request: { tier: 'high' } });
    // Someone not on call gets no relief.
    expect(await run('erin@example.com', '/access demo-db 15m read replication is broken INC-9')).toMatchObject({
      request: { tier: 'medium' },
    });
  });

  it('an incident key counts only for those the responder source names, wherever the request was typed', async () => {
    h = await createHarness('pglite', { policy, start: new Date('2026-11-24T20:00:00Z') });
    const asked: string[] = [];
    const people: Record<string, boolean | undefined> = { 'erin@example.com': true, 'alice@example.com': false };
    h.deps.incidentResponders = {
      isResponder: async (email, key) => {
        asked.push(`${email} ${key}`);
        return people[email];
      },
    };
    const factorsOf = (r: Awaited<ReturnType<typeof run>>) => (r.kind === 'request' ? r.request.factors : []);
    // The source names erin a responder: the key discounts.
    const responder = factorsOf(await run('erin@example.com', '/access demo-db 15m read replication is broken INC-9'));
    expect(responder.find((f) => f.id === 'incident')).toMatchObject({ reason: 'incident INC-9, and they are one of its responders' });
    // alice is on call, but the source knows she is not in INC-9: no discount, points for citing it, and no relief.
    const outsider = await run('alice@example.com', '/access demo-db 15m read replication is broken INC-9');
    const ids = factorsOf(outsider).map((f) => f.id);
    expect(ids).toContain('incident-not-responder');
    expect(ids).not.toContain('incident');
    expect(ids).not.toContain('incident-relief');
    expect(outsider).toMatchObject({ request: { tier: 'medium' } });
    // A channel named like the incident proves nothing by its name (anyone can create #inc-9): the source decides.
    const before = asked.length;
    const inChannel = await run('alice@example.com', '/access demo-logs 15m read rotate the logs', {
      channel: 'C9',
      channelName: 'inc-9',
    });
    expect(factorsOf(inChannel).map((f) => f.id)).toContain('incident-not-responder');
    expect(asked.slice(before)).toEqual(['alice@example.com INC-9']);
    // Nobody can tell (bob is unknown to the source and not on call): no discount either way.
    const unknown = factorsOf(await run('bob@example.com', '/access demo-logs 15m read rotate the logs INC-9'));
    expect(unknown.find((f) => f.id.startsWith('incident'))?.id).toBe('incident-unverified');
  });

  it('an incident key no source knows gets neither the discount nor the relief, even from someone on call', async () => {
    h = await createHarness('pglite', { policy, start: new Date('2026-11-24T20:00:00Z') });
    h.deps.incidentResponders = { isResponder: async (_email, key) => (key === 'INC-9' ? undefined : NO_SUCH_INCIDENT) };
    // alice is on call: for INC-9, which no source can tell about, the on-call fallback discounts and relieves.
    const fallback = await run('alice@example.com', '/access demo-db 15m read replication is broken INC-9');
    expect(fallback).toMatchObject({ request: { tier: 'low' } });
    // INC-9999 names nothing any source knows: points instead of a discount, no relief, and the card says why.
    const invented = await run('alice@example.com', '/access demo-db 15m read replication broken INC-9999');
    expect(invented).toMatchObject({ request: { tier: 'medium' } });
    const factors = invented.kind === 'request' ? invented.request.factors : [];
    expect(factors.map((f) => f.id)).not.toContain('incident');
    expect(factors.map((f) => f.id)).not.toContain('incident-relief');
    expect(factors.find((f) => f.id === 'incident-unknown')).toMatchObject({
      points: policy.risk.factors.incidentUnknown,
      reason: expect.stringContaining('INC-9999, which names no incident open then'),
    });
    // A vague reason is not excused by a key that names nothing.
    const terse = await run('alice@example.com', '/access demo-logs 15m read INC-9999');
    const weak = terse.kind === 'request' ? terse.request.factors.find((f) => f.id === 'weak-reason') : undefined;
    expect(weak?.reason).toContain('INC-9999 names no known incident');
    // A source that knows the incident but not its people is "nobody can tell": on call, the fallback holds.
    h.deps.incidentResponders = { isResponder: async () => KNOWN_INCIDENT };
    const known = await run('alice@example.com', '/access demo-admin 30m admin primary down INC-10');
    expect(known.kind === 'request' && known.request.factors.find((f) => f.id === 'incident')?.reason).toBe(
      'incident INC-10, and they are on call',
    );
  });

  it('a failing or slow responder source counts as unknown and never blocks a request', async () => {
    h = await createHarness('pglite', { policy, start: new Date('2026-11-24T20:00:00Z') });
    h.deps.incidentResponders = { isResponder: async () => Promise.reject(new Error('Slack is down')) };
    const failed = await run('erin@example.com', '/access demo-logs 15m read rotate the logs INC-9');
    expect(failed.kind === 'request' && failed.request.factors.some((f) => f.id === 'incident-unverified')).toBe(true);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      h.deps.incidentResponders = { isResponder: () => new Promise(() => undefined) };
      const pending = run('erin@example.com', '/access demo-db 15m read replication is broken INC-9');
      await vi.advanceTimersByTimeAsync(RESPONDER_LOOKUP_TIMEOUT_MS + 10);
      const slow = await pending;
      expect(slow.kind === 'request' && slow.request.factors.some((f) => f.id === 'incident-unverified')).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('several platforms: a responder on any is a responder; known not to respond only when none says yes', async () => {
    const says = (answer: SourceAnswer | Error) => ({
      isResponder: async () => {
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    const at = new Date();
    const ask = (...answers: Array<SourceAnswer | Error>) =>
      anyPlatformResponder(answers.map(says)).isResponder('erin@example.com', 'INC-9', at);
    expect(await ask(undefined, true)).toBe(true);
    expect(await ask(false, true)).toBe(true);
    expect(await ask(false, undefined)).toBe(false);
    expect(await ask(undefined, undefined)).toBeUndefined();
    expect(await ask(new Error('down'), true)).toBe(true);
    await expect(ask(new Error('down'), undefined)).rejects.toThrow('down');
    // No such incident: only when no platform knows it; one that cannot tell (or fails) does not make the key real.
    expect(await ask(NO_SUCH_INCIDENT, undefined)).toBe(NO_SUCH_INCIDENT);
    expect(await ask(NO_SUCH_INCIDENT, new Error('down'))).toBe(NO_SUCH_INCIDENT);
    expect(await ask(NO_SUCH_INCIDENT, false)).toBe(false);
    expect(await ask(NO_SUCH_INCIDENT, true)).toBe(true);
    // A platform that found the incident without its people (a channel it cannot list) outweighs another's "none".
    expect(await ask(KNOWN_INCIDENT, NO_SUCH_INCIDENT)).toBe(KNOWN_INCIDENT);
    expect(await ask(KNOWN_INCIDENT, false)).toBe(false);
    // A yes does not wait for a platform that has not answered yet (PagerDuty reading a long incident log).
    const silent = { isResponder: () => new Promise<SourceAnswer>(() => undefined) };
    expect(await anyPlatformResponder([silent, says(true)]).isResponder('erin@example.com', 'INC-9', at)).toBe(true);
  });
});
