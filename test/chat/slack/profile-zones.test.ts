import { describe, expect, it } from 'vitest';
import { withProfileZones } from '../../../src/chat/profile-zone-directory.js';
import { createProfileZones } from '../../../src/chat/profile-zones.js';
import { createIdentity } from '../../../src/chat/slack/identity.js';
import type { WebClient } from '../../../src/chat/slack/web-clients.js';
import { createPolicyDirectory } from '../../../src/core/directory/policy-directory.js';
import type { Directory } from '../../../src/core/ports/directory.js';
import { silentLogger } from '../../../src/core/ports/runtime.js';
import { requesterTimeZone } from '../../../src/core/risk/requester-zone.js';
import { basePolicyInput, makePolicy } from '../../fixtures/policy.js';

const policy = makePolicy();
const clock = { now: () => new Date('2026-11-25T19:00:00Z') };

/** A Web API client whose users.info answers with the given `tz` (any shape, as Slack might send it). */
function slackWithTz(tz: unknown): WebClient {
  const client = {
    users: {
      info: async ({ user }: { user: string }) => ({
        ok: true,
        user: { id: user, profile: { email: `${user.toLowerCase()}@example.com` }, ...(tz === undefined ? {} : { tz }) },
      }),
    },
  };
  return client as unknown as WebClient;
}

/** The identity resolves `UALICE` from a profile with `tz`; returns the directory scoring would read. */
async function afterLookup(tz: unknown, base: Directory = createPolicyDirectory(() => policy)) {
  const zones = createProfileZones({ clock });
  const client = slackWithTz(tz);
  const identity = createIdentity({ interactive: client, outbound: client, clock, log: silentLogger, ttlMs: 60_000, zones });
  expect(await identity.emailOf('UALICE')).toEqual({ ok: true, email: 'ualice@example.com' });
  return { directory: withProfileZones(base, zones), zones };
}

describe('Slack profile time zones for scoring', () => {
  it('a users.info tz becomes the person’s zone, and off-hours are judged in it', async () => {
    const { directory } = await afterLookup('America/Los_Angeles');
    const person = directory.person('UAlice@example.com');
    expect(person?.clientTimeZone).toBe('America/Los_Angeles');
    expect(requesterTimeZone(policy, 'ualice@example.com', person)).toEqual({ zone: 'America/Los_Angeles', source: 'client' });
    const looked = await directory.lookup('ualice@example.com');
    expect(looked.status === 'found' && looked.person.clientTimeZone).toBe('America/Los_Angeles');
  });

  it.each([['Mars/Olympus_Mons'], [''], [null], [42]])(
    'ignores a tz the runtime does not know (%j) without refusing the person',
    async (tz) => {
      const { directory } = await afterLookup(tz);
      const person = directory.person('ualice@example.com');
      expect(person?.clientTimeZone).toBeUndefined();
      expect(requesterTimeZone(policy, 'ualice@example.com', person)).toEqual({ zone: 'Europe/Berlin', source: 'policy' });
    },
  );

  it('a zone a directory source gives wins over the Slack profile', async () => {
    const base = createPolicyDirectory(() => policy);
    const fromSource: Directory = { ...base, person: (email) => ({ ...base.person(email)!, timeZone: 'Asia/Tokyo' }) };
    const { directory } = await afterLookup('America/Los_Angeles', fromSource);
    expect(requesterTimeZone(policy, 'ualice@example.com', directory.person('ualice@example.com')).zone).toBe('Asia/Tokyo');
  });

  it('a directory zone the runtime does not know gives way to the Slack profile', async () => {
    const base = createPolicyDirectory(() => policy);
    const typo: Directory = { ...base, person: (email) => ({ ...base.person(email)!, timeZone: 'Europe/Berln' }) };
    const { directory } = await afterLookup('America/Los_Angeles', typo);
    expect(requesterTimeZone(policy, 'ualice@example.com', directory.person('ualice@example.com')).zone).toBe('America/Los_Angeles');
  });

  it('the policy’s pin for the person outranks the zone they set themselves; a team default does not', async () => {
    const pinned = makePolicy({
      ...basePolicyInput,
      risk: { timeZones: { people: { 'ualice@example.com': 'Asia/Tokyo' }, teams: {} } },
    });
    const { directory } = await afterLookup(
      'America/Los_Angeles',
      createPolicyDirectory(() => pinned),
    );
    const person = directory.person('ualice@example.com');
    expect(requesterTimeZone(pinned, 'ualice@example.com', person)).toEqual({ zone: 'Asia/Tokyo', source: 'policy-person' });
    const teamDefault = makePolicy({
      ...basePolicyInput,
      groups: { ...basePolicyInput.groups, payments: ['ualice@example.com'] },
      risk: { timeZones: { people: {}, teams: { payments: 'Asia/Tokyo' } } },
    });
    expect(requesterTimeZone(teamDefault, 'ualice@example.com', person)).toEqual({ zone: 'America/Los_Angeles', source: 'client' });
  });

  it('invents nobody: a person the directory does not know stays unknown', async () => {
    const base = createPolicyDirectory(() => policy);
    const empty: Directory = { ...base, configured: true, person: () => undefined, lookup: async () => ({ status: 'unknown' }) };
    const { directory } = await afterLookup('America/Los_Angeles', empty);
    expect(directory.configured).toBe(true);
    expect(directory.person('ualice@example.com')).toBeUndefined();
    expect(await directory.lookup('ualice@example.com')).toEqual({ status: 'unknown' });
  });

  it('a later profile without a usable tz forgets the earlier zone', () => {
    const zones = createProfileZones({ clock });
    expect(zones.note('Ana@example.com', 'America/Sao_Paulo')).toBe(true);
    expect(zones.zoneOf('ana@example.com')).toBe('America/Sao_Paulo');
    expect(zones.note('ana@example.com', 'Nowhere/Land')).toBe(false);
    expect(zones.zoneOf('ana@example.com')).toBeUndefined();
  });
});
