import { describe, expect, it } from 'vitest';
import { createIdentity } from '../../../src/chat/slack/identity.js';
import type { WebClient } from '../../../src/chat/slack/web-clients.js';
import { silentLogger } from '../../../src/core/ports/runtime.js';

/** A Web API client that answers users.info, users.lookupByEmail and conversations.open like Slack, and records the calls. */
function fakeClient() {
  const calls: string[] = [];
  const client = {
    users: {
      info: async ({ user }: { user: string }) => {
        calls.push(`users.info ${user}`);
        return { ok: true, user: { id: user, profile: { email: `${user.toLowerCase()}@Example.com` } } };
      },
      lookupByEmail: async ({ email }: { email: string }) => {
        calls.push(`users.lookupByEmail ${email}`);
        return { ok: true, user: { id: email.split('@')[0]!.toUpperCase() } };
      },
    },
    conversations: {
      open: async ({ users }: { users: string }) => {
        calls.push(`conversations.open ${users}`);
        return { ok: true, channel: { id: `D${users}` } };
      },
    },
  };
  return { calls, client: client as unknown as WebClient };
}

describe('Slack identity', () => {
  const make = () => {
    const { calls, client } = fakeClient();
    const identity = createIdentity({
      interactive: client,
      outbound: client,
      clock: { now: () => new Date() },
      log: silentLogger,
      ttlMs: 60_000,
    });
    return { calls, identity };
  };

  it('opens the DM of someone it already identified without looking their email up again', async () => {
    const { calls, identity } = make();
    expect(await identity.emailOf('UALICE')).toEqual({ ok: true, email: 'ualice@example.com' });
    expect(await identity.directChannelOf('UAlice@example.com')).toBe('DUALICE');
    expect(calls).toEqual(['users.info UALICE', 'conversations.open UALICE']);
  });

  it('finds anyone else by email, and then keeps their DM', async () => {
    const { calls, identity } = make();
    expect(await identity.directChannelOf('ubob@example.com')).toBe('DUBOB');
    expect(await identity.directChannelOf('ubob@example.com')).toBe('DUBOB');
    expect(calls).toEqual(['users.lookupByEmail ubob@example.com', 'conversations.open UBOB']);
  });
});
