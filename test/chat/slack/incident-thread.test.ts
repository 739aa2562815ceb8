import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { recordActivity } from '../../../src/core/lifecycle/activity.js';
import { hasTestPostgres } from '../../helpers/db.js';
import type { SlackCall } from './helpers/fake-slack.js';
import { blockAction, select, slashCommand, text, viewSubmission } from './helpers/payloads.js';
import { createSlackFixture, type SlackFixture, slackPolicyInput, U } from './helpers/slack-fixture.js';
import { cardOf, eventually, waitForCalls, waitForResponses, waitForStatus } from './helpers/wait.js';

// The lifecycle runs on every store kind in the other suites; this one is about Slack threads, so one store keeps it fast.
const kind = hasTestPostgres() ? 'pg' : 'pglite';

const INCIDENT_CHANNELS = [
  { id: 'C0GENERAL', name: 'general', is_member: true },
  { id: 'C0INC42110', name: 'inc-42110', is_member: true },
  { id: 'C0INC4211', name: 'inc-4211', is_member: true },
  { id: 'C0INC5', name: 'inc-5-payments', is_member: false },
  { id: 'C0INC77', name: 'inc-77', is_member: true },
];

describe(`Slack incident threads (${kind})`, () => {
  let f: SlackFixture;
  afterEach(async () => {
    await f?.close();
    expect(nock.pendingMocks()).toEqual([]);
  });

  const fixture = () =>
    createSlackFixture(kind, {
      channels: INCIDENT_CHANNELS,
      listPageSize: 2,
      joined: ['C0MEDIUM', 'C0HIGH', 'C0CRIT', 'C0ALERTS', 'C0INC4211', 'C0INC42110', 'C0INC77'],
    });
  const postsTo = (channel: string) => f.slack.called('chat.postMessage').filter((c) => c.args.channel === channel);
  const lineText = (c: SlackCall) => String(c.args.text);
  const command = async (user: string, body: string, channel?: [string, string]) => {
    const before = f.slack.responses.length;
    await f.signed(channel ? slashCommand(user, body, ...channel) : slashCommand(user, body));
    await waitForResponses(f, before + 1);
  };

  it('opens one thread per incident, found by channel name, and threads every event of every linked request there', async () => {
    f = await fixture();
    // Two responders ask at the same moment: the root is still posted once.
    await Promise.all([
      command(U.alice.id, 'demo-db 15m read checking replication lag INC-4211'),
      command(U.erin.id, 'demo-logs 15m read rotate the nightly logs --incident INC-4211'),
    ]);
    const card = await cardOf(f, (await f.h.deps.store.listRequests({ resource: 'demo-db' }))[0]!.number);
    const kc = (await f.h.deps.store.listRequests({ resource: 'demo-db' }))[0]!;
    await f.signed(blockAction(U.bob.id, 'kc_approve', String(kc.number), card));
    await waitForStatus(f, kc.number, 'active');
    await recordActivity(f.deps, { at: f.h.clock.now(), source: 'ingest', grantRef: `KC-${kc.number}`, statement: 'DROP TABLE orders' });
    await command(U.alice.id, `release KC-${kc.number}`);
    await waitForStatus(f, kc.number, 'revoked');

    const ref = `KC-${kc.number}`;
    const lines = await eventually(() => {
      const posts = postsTo('C0INC4211');
      expect(posts.some((p) => lineText(p).startsWith(`${ref}: Revoked by alice@example.com`))).toBe(true);
      return posts;
    });
    const roots = lines.filter((p) => p.args.thread_ts === undefined);
    expect(roots.map(lineText)).toEqual(['Production access for INC-4211']);
    const rootTs = await f.h.deps.store.state.get('slack:incident', 'INC-4211');
    expect(rootTs).toMatchObject({ channel: 'C0INC4211', name: 'inc-4211', permalink: expect.stringContaining('/archives/C0INC4211/p') });
    const replies = lines.filter((p) => p.args.thread_ts !== undefined);
    expect(new Set(replies.map((p) => p.args.thread_ts))).toEqual(new Set([rootTs?.ts]));
    // Every lifecycle event of the approved request, in order.
    const own = replies.map(lineText).filter((t) => t.startsWith(`${ref}:`));
    expect(own).toEqual([
      expect.stringMatching(new RegExp(`^${ref}: alice@example.com requested demo-db \\(read\\) for 15m · risk \\d+ \\(medium\\)`)),
      `${ref}: Approved by bob@example.com · granting access`,
      expect.stringMatching(new RegExp(`^${ref}: Access active until`)),
      `${ref}: ANOMALY (high) DROP: DROP TABLE orders`,
      `${ref}: ANOMALY (high) write under a read grant: DROP TABLE orders`,
      `${ref}: Revoked by alice@example.com · access removed`,
    ]);
    // The other request made for the same incident is in the same thread.
    const other = (await f.h.deps.store.listRequests({ resource: 'demo-logs' }))[0]!;
    // (demo-logs is auto-approved, and core announces no "requested" event for auto-approved requests.)
    expect(replies.some((p) => lineText(p).startsWith(`KC-${other.number}: Access active until`))).toBe(true);
    // The near-miss channel #inc-42110 got nothing; the listing was paged once and then reused.
    expect(postsTo('C0INC42110')).toEqual([]);
    expect(f.slack.called('conversations.list').map((c) => c.args.cursor ?? '')).toEqual(['', '2', '4']);

    // Cross-links: the card links to the thread, the thread's lines link back to the card.
    const cardLink = `https://acme.slack.com/archives/${card.channel}/p${card.ts.replace('.', '')}`;
    const requested = replies.find((p) => lineText(p).startsWith(`${ref}: alice`))!;
    expect(JSON.stringify(requested.args.blocks)).toContain(`<${cardLink}|${ref} approval card>`);
    const updates = f.slack.called('chat.update').filter((c) => c.args.ts === card.ts);
    expect(f.slack.textOf(updates.at(-1)!)).toContain(`<${String(rootTs?.permalink)}|#inc-4211 › INC-4211>`);
    expect(f.slack.called('chat.getPermalink').filter((c) => c.args.message_ts === card.ts)).toHaveLength(1);
  });

  it('links a request typed or submitted in the incident channel and threads it there without a thread lookup', async () => {
    f = await fixture();
    await command(U.alice.id, 'demo-db 15m read checking replication lag', ['C0INC77', 'inc-77']);
    expect(await f.h.deps.store.getRequestByNumber(1)).toMatchObject({
      incidentKey: 'INC-77',
      origin: { platform: 'slack', channel: 'C0INC77', channelName: 'inc-77' },
    });
    // The form opened from the same channel remembers where it came from.
    await f.signed(slashCommand(U.erin.id, '', 'C0INC77', 'inc-77'));
    const [open] = await waitForCalls(f, 'views.open', 1);
    const metadata = (open!.args.view as { private_metadata: string }).private_metadata;
    expect(JSON.parse(metadata)).toMatchObject({ c: 'C0INC77', cn: 'inc-77' });
    await f.signed(
      viewSubmission(
        U.erin.id,
        'kc_request_modal',
        {
          resource: select('demo-logs'),
          duration: text('15m'),
          level: select('read'),
          reason: text('rotate the logs'),
          incident: text(''),
        },
        metadata,
      ),
    );
    await eventually(async () => expect((await f.h.deps.store.getRequestByNumber(2))?.incidentKey).toBe('INC-77'));
    const posts = await eventually(() => {
      const all = postsTo('C0INC77');
      expect(all.some((p) => lineText(p).startsWith('KC-2: Access active until'))).toBe(true);
      return all;
    });
    expect(posts.filter((p) => p.args.thread_ts === undefined).map(lineText)).toEqual(['Production access for INC-77']);
    // The thread needed no lookup; the one channel listing is the responder check's (its name alone proves nothing), cached for both requests.
    expect(f.slack.called('conversations.list').filter((c) => !c.args.cursor)).toHaveLength(1);
  });

  it('posts nothing and fails nothing when the incident has no channel, or the bot is not in it', async () => {
    f = await fixture();
    await command(U.alice.id, 'demo-db 15m read checking replication lag INC-999');
    await command(U.alice.id, 'demo-db 15m write fix payments INC-5');
    const card = await cardOf(f, 1);
    await f.signed(blockAction(U.bob.id, 'kc_approve', '1', card));
    await waitForStatus(f, 1, 'active');
    expect((await f.h.deps.store.getRequestByNumber(2))?.status).toBe('pending');
    const channels = new Set(f.slack.called('chat.postMessage').map((c) => String(c.args.channel)));
    expect([...channels].filter((c) => c.startsWith('C0INC'))).toEqual([]);
    expect(await f.h.deps.store.state.list('slack:incident')).toEqual([]);
    expect(f.logs.some((l) => l.level === 'debug' && l.fields.incident === 'INC-999')).toBe(true);
    expect(f.logs.some((l) => l.level === 'warn' && l.message.includes('#inc-5-payments') && l.message.includes('/invite'))).toBe(true);
    expect(f.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it("counts an incident key only for members of the incident's channel (conversations.members)", async () => {
    f = await createSlackFixture(kind, {
      channels: INCIDENT_CHANNELS,
      joined: ['C0MEDIUM', 'C0HIGH', 'C0CRIT', 'C0ALERTS', 'C0INC4211', 'C0INC77'],
      // Three members: two pages of conversations.members. #inc-77 is private to the bot: channel_not_found.
      members: { C0INC4211: [U.bob.id, U.alice.id, U.carol.id] },
    });
    const factorsOf = async (resource: string) => (await f.h.deps.store.listRequests({ resource }))[0]!.factors;
    await command(U.alice.id, 'demo-db 15m read checking replication lag INC-4211');
    expect((await factorsOf('demo-db')).find((f) => f.id === 'incident')?.reason).toBe(
      'incident INC-4211, and they are one of its responders',
    );
    expect(f.slack.called('conversations.members').every((c) => c.args.channel === 'C0INC4211')).toBe(true);
    // erin is not in #inc-4211: citing it adds points instead of taking them off.
    await command(U.erin.id, 'demo-logs 15m read rotate the nightly logs INC-4211');
    const erin = await factorsOf('demo-logs');
    expect(erin.map((x) => x.id)).toContain('incident-not-responder');
    expect(erin.map((x) => x.id)).not.toContain('incident');
    // Members are not listed: unknown, no discount, and a warning that names the channel.
    await command(U.alice.id, 'demo-admin 15m admin restart the primary --incident INC-77');
    expect((await factorsOf('demo-admin')).map((x) => x.id)).toContain('incident-unverified');
    expect(f.logs.some((l) => l.level === 'warn' && l.fields.channel === 'inc-77' && l.message.includes('members'))).toBe(true);
    expect(f.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('with incidents.slackChannelCreators, a channel someone else created under the incident’s name is ignored, with one warning', async () => {
    f = await createSlackFixture(kind, {
      policy: { ...slackPolicyInput, incidents: { slackChannelCreators: ['U0INCBOT'] } },
      channels: [
        { id: 'C0SQUAT', name: 'inc-88', is_member: true, creator: U.erin.id },
        { id: 'C0INC88', name: 'inc-88-checkout', is_member: true, creator: 'U0INCBOT' },
      ],
      joined: ['C0MEDIUM', 'C0HIGH', 'C0CRIT', 'C0ALERTS', 'C0SQUAT', 'C0INC88'],
      members: { C0SQUAT: [U.erin.id], C0INC88: [U.bob.id, U.alice.id] },
    });
    const factorsOf = async (resource: string) => (await f.h.deps.store.listRequests({ resource }))[0]!.factors.map((x) => x.id);
    await command(U.erin.id, 'demo-logs 15m read rotate the nightly logs INC-88');
    expect(await factorsOf('demo-logs')).toContain('incident-not-responder');
    await command(U.alice.id, 'demo-db 15m read checking replication lag INC-88');
    expect(await factorsOf('demo-db')).toContain('incident');
    await eventually(() =>
      expect(
        postsTo('C0INC88')
          .filter((p) => p.args.thread_ts === undefined)
          .map(lineText),
      ).toEqual(['Production access for INC-88']),
    );
    expect(postsTo('C0SQUAT')).toEqual([]);
    expect(f.slack.called('conversations.members').map((c) => c.args.channel)).not.toContain('C0SQUAT');
    const ignored = f.logs.filter((l) => l.level === 'warn' && l.fields.channelId === 'C0SQUAT');
    expect(ignored).toHaveLength(1);
    expect(ignored[0]!.message).toContain(`created by ${U.erin.id}, not by one of incidents.slackChannelCreators`);
  });

  it('a key with no incident channel is unknown, not invented, even with the creator pinned: Slack cannot see every channel', async () => {
    f = await createSlackFixture(kind, {
      policy: {
        ...slackPolicyInput,
        incidents: { slackChannelCreators: ['U0INCBOT'] },
        onCall: { rotations: { sre: { members: [U.alice.email], start: '2026-01-05T00:00:00Z', shift: '7d' } } },
      },
      channels: [{ id: 'C0INC88', name: 'inc-88-checkout', is_member: true, creator: 'U0INCBOT' }],
      joined: ['C0MEDIUM', 'C0HIGH', 'C0CRIT', 'C0ALERTS', 'C0INC88'],
      members: { C0INC88: [U.bob.id] },
    });
    const factorsOf = async (resource: string) => (await f.h.deps.store.listRequests({ resource }))[0]!.factors.map((x) => x.id);
    // alice is on call: a private incident channel the bot is not in looks exactly like no channel, so the on-call fallback holds.
    await command(U.alice.id, 'demo-db 15m read checking replication lag INC-89');
    expect(await factorsOf('demo-db')).toContain('incident');
    expect(await factorsOf('demo-db')).not.toContain('incident-unknown');
    // erin is not on call: unknown, no discount.
    await command(U.erin.id, 'demo-logs 15m read checking replication lag INC-89');
    expect(await factorsOf('demo-logs')).toContain('incident-unverified');
  });

  it('someone missing from a member list cut at the page cap is unknown, not a known non-responder', async () => {
    // Two members a page here, ten pages at most: the first twenty members are read, alice is the twenty-fifth.
    const crowd = Array.from({ length: 24 }, (_, i) => `UCROWD${i}`);
    f = await createSlackFixture(kind, {
      channels: INCIDENT_CHANNELS,
      joined: ['C0MEDIUM', 'C0HIGH', 'C0CRIT', 'C0ALERTS', 'C0INC4211'],
      members: { C0INC4211: [...crowd, U.alice.id] },
    });
    await command(U.alice.id, 'demo-db 15m read checking replication lag INC-4211');
    const factors = (await f.h.deps.store.listRequests({ resource: 'demo-db' }))[0]!.factors.map((x) => x.id);
    expect(factors).toContain('incident-unverified');
    expect(factors).not.toContain('incident-not-responder');
    expect(f.slack.called('conversations.members')).toHaveLength(10);
  });
});
