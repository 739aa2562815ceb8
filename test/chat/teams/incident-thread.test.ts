import { afterEach, describe, expect, it } from 'vitest';
import { hasTestPostgres } from '../../helpers/db.js';
import {
  APP_ID,
  activityFrom,
  cardText,
  type Delivery,
  INCIDENT_CHANNEL,
  invoke,
  NEAR_MISS_CHANNEL,
  PEOPLE,
  TEAM,
  TENANT,
} from './fixtures.js';
import { APPROVAL_CHANNEL, createTeamsFlow, type TeamsFlow } from './setup.js';

// The lifecycle runs on every store kind in flows.test.ts; this suite is about incident threads, so one store keeps it fast.
const kind = hasTestPostgres() ? 'pg' : 'pglite';
const { alice, bob, erin } = PEOPLE;

/** Every Action.OpenUrl on a card. */
function linksOf(card: unknown): Array<{ title: string; url: string }> {
  const found: Array<{ title: string; url: string }> = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (record.type === 'Action.OpenUrl') found.push({ title: String(record.title), url: String(record.url) });
    for (const child of Object.values(record)) walk(child);
  };
  walk(card);
  return found;
}

describe(`Teams incident threads (${kind})`, () => {
  let f: TeamsFlow;
  afterEach(async () => f?.close());

  const into = (channel: string) => f.transport.log.filter((d) => d.op === 'send' && d.conversationId.split(';')[0] === channel);
  const lineText = (d: Delivery) => cardText(d.message?.card).split('\n')[0] ?? '';

  it('opens one thread per incident, found by channel name, and replies there for every event of every linked request', async () => {
    f = await createTeamsFlow(kind);
    // Two responders at the same moment: the root is still posted once.
    await Promise.all([
      f.say(alice, 'access demo-db 15m read checking replication lag INC-4211'),
      f.say(erin, 'access demo-logs 15m read rotate the nightly logs --incident INC-4211'),
    ]);
    const kc = (await f.h.deps.store.listRequests({ resource: 'demo-db' }))[0]!;
    const ref = `KC-${kc.number}`;
    await f.deliver(invoke(bob, 'approve', { number: kc.number }));
    await f.deliver(invoke(alice, 'release', { number: kc.number }, 'personal'));
    expect((await f.h.deps.store.getRequestByNumber(kc.number))?.status).toBe('revoked');

    const posts = into(INCIDENT_CHANNEL);
    const roots = posts.filter((d) => d.conversationId === INCIDENT_CHANNEL);
    expect(roots.map((d) => d.message?.text)).toEqual(['Production access for INC-4211']);
    const rootId = roots[0]!.activityId;
    expect(await f.h.deps.store.state.get('teams:incident', 'INC-4211')).toMatchObject({
      activityId: rootId,
      reference: { conversation: { id: INCIDENT_CHANNEL } },
    });
    const replies = posts.filter((d) => d !== roots[0]);
    expect(new Set(replies.map((d) => d.conversationId))).toEqual(new Set([`${INCIDENT_CHANNEL};messageid=${rootId}`]));
    expect(replies.map(lineText).filter((t) => t.startsWith(`${ref}:`))).toEqual([
      expect.stringMatching(new RegExp(`^${ref}: alice@example.com requested demo-db \\(read\\) for 15m · risk \\d+ \\(medium\\)`)),
      `${ref}: Approved by bob@example.com · granting access`,
      expect.stringMatching(new RegExp(`^${ref}: Access active until`)),
      `${ref}: Revoked by alice@example.com · access removed`,
    ]);
    // The other linked request (auto-approved, so core sends no "requested" line for it) is in the same thread.
    const other = (await f.h.deps.store.listRequests({ resource: 'demo-logs' }))[0]!;
    expect(replies.some((d) => lineText(d).startsWith(`KC-${other.number}: Access active until`))).toBe(true);
    expect(into(NEAR_MISS_CHANNEL)).toEqual([]);

    // Cross-links: the approval card opens the incident thread, each incident line opens the approval card.
    const card = f.transport.log.find((d) => d.op === 'send' && d.conversationId === APPROVAL_CHANNEL)!;
    const threadLink = `https://teams.microsoft.com/l/message/${encodeURIComponent(INCIDENT_CHANNEL)}/${rootId}?tenantId=${TENANT}&groupId=${TEAM.aadGroupId}&parentMessageId=${rootId}&teamName=${TEAM.name}&channelName=inc-4211`;
    const updates = f.transport.log.filter((d) => d.op === 'update' && d.activityId === card.activityId);
    expect(linksOf(updates[0]?.message?.card)).toEqual([{ title: 'INC-4211 thread', url: threadLink }]);
    expect(linksOf(updates.at(-1)?.message?.card)).toEqual([{ title: 'INC-4211 thread', url: threadLink }]);
    const requested = replies.find((d) => lineText(d).startsWith(`${ref}: alice`))!;
    expect(linksOf(requested.message?.card)).toEqual([
      {
        title: `${ref} approval card`,
        url: expect.stringContaining(`/l/message/${encodeURIComponent(APPROVAL_CHANNEL)}/${card.activityId}?`),
      },
    ]);
  });

  it('links a request made in an incident channel created after install, and threads it there', async () => {
    f = await createTeamsFlow(kind);
    const channel = '19:inc77@thread.tacv2';
    await f.deliver(
      activityFrom(bob, {
        where: 'channel',
        channel: TEAM.id,
        type: 'conversationUpdate',
        channelData: { tenant: { id: TENANT }, team: TEAM, eventType: 'channelCreated', channel: { id: channel, name: 'inc-77' } },
      }),
    );
    await f.deliver(
      activityFrom(alice, {
        where: 'channel',
        channel,
        type: 'message',
        text: '<at>Keycard</at> access demo-db 15m read checking replication lag',
        entities: [{ type: 'mention', text: '<at>Keycard</at>', mentioned: { id: `28:${APP_ID}`, name: 'Keycard' } }],
      }),
    );
    expect(await f.h.deps.store.getRequestByNumber(1)).toMatchObject({
      incidentKey: 'INC-77',
      origin: { platform: 'teams', channelName: 'inc-77' },
    });
    const posts = into(channel);
    expect(posts[0]).toMatchObject({ conversationId: channel, message: { text: 'Production access for INC-77' } });
    expect(posts.slice(1).map((d) => d.conversationId)).toEqual([`${channel};messageid=${posts[0]!.activityId}`]);
    expect(lineText(posts[1]!)).toMatch(/^KC-1: alice@example.com requested demo-db/);
  });

  it('posts nothing and fails nothing when the incident has no channel', async () => {
    f = await createTeamsFlow(kind);
    await f.say(alice, 'access demo-db 15m read checking replication lag INC-999');
    await f.deliver(invoke(bob, 'approve', { number: 1 }));
    expect((await f.h.deps.store.getRequestByNumber(1))?.status).toBe('active');
    expect(f.transport.log.filter((d) => d.conversationId.startsWith('19:inc'))).toEqual([]);
    expect(await f.h.deps.store.state.list('teams:incident')).toEqual([]);
    // The card carries no incident link when there is no thread.
    expect(linksOf(f.transport.log.find((d) => d.conversationId === APPROVAL_CHANNEL)?.message?.card)).toEqual([]);
  });
});
