import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/core/audit/hash-chain.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { callChat, forwardChatPort } from '../../src/core/ports/forward-chat.js';
import { createExpiryPump } from '../../src/scheduler/expiry-pump.js';
import { startScheduler } from '../../src/scheduler/start-scheduler.js';
import { createHarness, type Harness } from '../helpers/harness.js';

describe('expiry pump', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('revokes due grants while the chat platform hangs, and delivers the announcements once it answers', async () => {
    h = await createHarness('pglite');
    const origin = { platform: 'console' as const };
    const people = ['alice', 'carol', 'dave', 'erin', 'frank', 'grace'];
    for (const who of people) {
      const done = await handleCommand(h.deps, {
        actor: `${who}@example.com`,
        text: '/access demo-logs 10s read rotate the nightly logs OPS-1',
        origin,
      });
      expect(done.kind).toBe('request');
    }
    // From here on every chat call hangs until the platform "comes back".
    let release!: () => void;
    const back = new Promise<void>((resolve) => {
      release = resolve;
    });
    const recording = h.deps.chat;
    const calls: string[] = [];
    h.chat.clear();
    h.deps.chat = forwardChatPort(async (method, args) => {
      calls.push(method);
      await back;
      await callChat(recording, method, args);
    });
    h.clock.advance(11_000);
    // Two revokes at a time: were announcements part of a revoke's slot, the first two would hold both.
    const scheduler = startScheduler(h.deps, { holder: 'pump-test', revokeConcurrency: 2 });
    try {
      // Revoked at the target and recorded although not one announcement has been delivered.
      await expect
        .poll(async () => (await h.deps.store.listRequests({ statuses: ['expired'] })).length, { timeout: 10_000, interval: 50 })
        .toBe(people.length);
      expect(calls.length).toBeGreaterThan(0);
      expect(h.provider.live.size).toBe(0);
    } finally {
      release();
      await scheduler.stop();
    }
    // Stopping waited for the held announcements: each grant's end reached the chat.
    expect(
      h.chat
        .dms(undefined, 'ended')
        .map((d) => d.to)
        .sort(),
    ).toEqual(people.map((p) => `${p}@example.com`));
    const events = await h.deps.store.readAudit({});
    expect(events.filter((e) => e.action === 'grant.expired')).toHaveLength(people.length);
    expect(events.filter((e) => e.action === 'grant.revoking')).toHaveLength(people.length);
    expect(verifyChain(events).ok).toBe(true);
  });

  it('stops claiming while as many ended grants as announcements may wait are stuck behind a hung chat platform', async () => {
    h = await createHarness('pglite');
    const origin = { platform: 'console' as const };
    const people = ['alice', 'carol', 'dave', 'erin', 'frank', 'grace'];
    for (const who of people) {
      await handleCommand(h.deps, {
        actor: `${who}@example.com`,
        text: '/access demo-logs 10s read rotate the nightly logs OPS-1',
        origin,
      });
    }
    let release!: () => void;
    const back = new Promise<void>((resolve) => {
      release = resolve;
    });
    const recording = h.deps.chat;
    h.deps.chat = forwardChatPort(async (method, args) => {
      await back;
      await callChat(recording, method, args);
    });
    h.clock.advance(11_000);
    const errors: unknown[] = [];
    const pump = createExpiryPump(h.deps, {
      concurrency: 2,
      batch: 10,
      announceConcurrency: 1,
      maxAnnouncements: 2,
      onError: (_what, error) => errors.push(error),
    });
    const expired = async () => (await h.deps.store.listRequests({ statuses: ['expired'] })).length;
    try {
      pump.kick(0);
      // One announcement hangs, two wait, two ended grants wait to add theirs: then no more claims.
      await expect.poll(expired, { timeout: 10_000, interval: 50 }).toBe(5);
      await new Promise((resolve) => setTimeout(resolve, 300));
      pump.kick(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await expired()).toBe(5);
      expect((await h.deps.store.getRequestByNumber(6))?.status).toBe('active');
    } finally {
      release();
    }
    // Once the chat answers, the held grants announce and the last one is claimed and revoked.
    pump.kick(0);
    await expect.poll(expired, { timeout: 10_000, interval: 50 }).toBe(people.length);
    await pump.stop();
    expect(errors).toEqual([]);
    expect(h.chat.dms(undefined, 'ended')).toHaveLength(people.length);
  });
});
