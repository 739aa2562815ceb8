import { afterEach, describe, expect, it } from 'vitest';
import { loadView } from '../../../src/core/lifecycle/notify.js';
import { ChannelNotConfiguredError } from '../../../src/core/ports/chat.js';
import { storeKinds } from '../../helpers/db.js';
import { ALERT_CHANNEL, cardText, invoke, PEOPLE, type Person, verbsOf } from './fixtures.js';
import { APPROVAL_CHANNEL, attachedCard, createTeamsFlow, invokeBody, type TeamsFlow } from './setup.js';

const { alice, bob, erin, carol } = PEOPLE;
const REQUEST = 'access demo-db 15m read checking replication lag INC-42';

describe.each(storeKinds())('Teams flows through TestAdapter on %s', (kind) => {
  let f: TeamsFlow;
  afterEach(async () => f?.close());

  const request = async (n: number) => (await f.h.deps.store.getRequestByNumber(n))!;
  const audit = async (n: number) => {
    const id = (await request(n)).id;
    return (await f.h.deps.store.readAudit({})).filter((e) => e.requestId === id).map((e) => e.action);
  };

  it('answers typed commands in a personal chat and, with the mention stripped, in a channel', async () => {
    f = await createTeamsFlow(kind);
    const help = await f.say(alice, 'help');
    expect(cardText(attachedCard(help[0]))).toContain('@mention Keycard');
    const submitted = await f.say(alice, REQUEST);
    expect(cardText(attachedCard(submitted[0]))).toMatch(/KC-1 pending · risk \d+ \(medium\)/);
    expect((await request(1)).origin).toMatchObject({ platform: 'teams', user: alice.aadObjectId });
    const listed = await f.say(bob, 'list', 'channel');
    expect(cardText(attachedCard(listed[0]))).toContain('Waiting for your approval');
    expect(cardText(attachedCard((await f.say(bob, 'access status KC-1', 'channel'))[0]))).toContain('alice@example.com · demo-db (read)');
    const bad = await f.say(alice, 'access nope 30m x');
    expect(cardText(attachedCard(bad[0]))).toContain('Unknown resource "nope"');
    // Installing the app in the team taught Keycard every member's email, so no turn needed a lookup.
    expect(f.api.lookups).toBe(0);
  });

  it('posts the approval card to the tier channel and approves through Action.Execute', async () => {
    f = await createTeamsFlow(kind);
    await f.say(alice, REQUEST);
    const [posted] = f.transport.log;
    expect(posted).toMatchObject({ op: 'send', conversationId: APPROVAL_CHANNEL });
    expect(verbsOf(posted?.message?.card)).toEqual(['approve', 'deny']);
    expect(cardText(posted?.message?.card)).toMatch(/0 of 1 approvals: sre/);
    expect(posted?.message?.card).toMatchObject({
      version: '1.5',
      actions: [{ type: 'Action.Execute', fallback: { type: 'Action.Submit' } }, {}],
    });
    f.transport.log.splice(0);

    const body = invokeBody(await f.deliver(invoke(bob, 'approve', { number: 1 })));
    expect(body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(verbsOf(body.value)).toEqual([]);
    expect(cardText(body.value)).toContain('active until');
    const updates = f.transport.log.filter((d) => d.op === 'update');
    expect(updates.every((u) => u.activityId === posted?.activityId && u.conversationId === APPROVAL_CHANNEL)).toBe(true);
    expect(cardText(updates.at(-1)?.message?.card)).toContain('active until');
    const thread = f.transport.log.filter((d) => d.op === 'send' && d.conversationId.startsWith(`${APPROVAL_CHANNEL};messageid=`));
    expect(thread.map((t) => t.message?.text)).toEqual([
      'KC-1: Approved by bob@example.com · granting access',
      expect.stringMatching(/^KC-1: Access active until/),
    ]);
    const dm = f.transport.log.find((d) => d.conversationId === `a:dm-${alice.aadObjectId}`);
    expect(cardText(dm?.message?.card)).toContain('s3cret-KC-1');
    expect(dm?.message?.text).not.toContain('s3cret');
    expect(verbsOf(dm?.message?.card)).toEqual(['release']);
  });

  it('denies with the reason typed into the card and refuses a denial without one', async () => {
    f = await createTeamsFlow(kind);
    await f.say(alice, REQUEST);
    const empty = invokeBody(await f.deliver(invoke(bob, 'deny', { number: 1, denyReason: '  ' })));
    expect(empty).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringContaining('needs a reason') });
    const body = invokeBody(await f.deliver(invoke(bob, 'deny', { number: 1, denyReason: 'use the read replica' })));
    expect(cardText(body.value)).toContain('denied by bob@example.com: use the read replica');
    expect(verbsOf(body.value)).toEqual([]);
    expect((await request(1)).status).toBe('denied');
    const dm = f.transport.log.find((d) => d.conversationId === `a:dm-${alice.aadObjectId}` && d.op === 'send');
    expect(cardText(dm?.message?.card)).toContain('use the read replica');
  });

  it('refuses self-approval and non-approvers in the invoke response, audits them and changes nothing', async () => {
    f = await createTeamsFlow(kind);
    await f.say(bob, REQUEST);
    f.transport.log.splice(0);
    const self = invokeBody(await f.deliver(invoke(bob, 'approve', { number: 1 })));
    expect(self).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringContaining('own request') });
    const outsider = invokeBody(await f.deliver(invoke(carol, 'approve', { number: 1 })));
    expect(outsider.value).toEqual(expect.stringContaining('needs approval from sre'));
    expect((await request(1)).status).toBe('pending');
    expect(f.transport.log).toEqual([]);
    expect((await audit(1)).filter((a) => a === 'approval.refused')).toHaveLength(2);
  });

  it('handles the same invoke delivered twice as one transition and one answer', async () => {
    f = await createTeamsFlow(kind);
    await f.say(alice, REQUEST);
    const click = invoke(erin, 'approve', { number: 1 });
    const first = invokeBody(await f.deliver({ ...click }));
    const again = invokeBody(await f.deliver({ ...click }));
    expect(again).toEqual(first);
    const actions = await audit(1);
    expect(actions.filter((a) => a === 'request.approved')).toHaveLength(1);
    expect(actions).not.toContain('approval.refused');
    expect(f.h.provider.calls.filter((c) => c.op === 'grant')).toHaveLength(1);
  });

  it('extends and releases from the DM buttons', async () => {
    f = await createTeamsFlow(kind);
    await f.say(alice, REQUEST);
    await f.deliver(invoke(bob, 'approve', { number: 1 }));
    const extended = invokeBody(await f.deliver(invoke(alice, 'extend', { number: 1, durationMs: 15 * 60_000 }, 'personal')));
    // Risk v2: an incident key the requester does not respond to earns no relief, so the extension waits for an approver.
    expect(cardText(extended.value)).toMatch(/KC-2 \(extension of KC-1 by 15m\) pending/);
    expect((await request(2)).kind).toBe('extension');
    const before = (await request(1)).expiresAt!.getTime();
    await f.deliver(invoke(bob, 'approve', { number: 2 }));
    expect((await request(2)).status).not.toBe('pending');
    expect((await request(1)).expiresAt!.getTime()).toBe(before + 15 * 60_000);
    const released = invokeBody(await f.deliver(invoke(alice, 'release', { number: 1 }, 'personal')));
    expect(cardText(released.value)).toContain('KC-1 revoked by alice@example.com');
    expect(f.h.provider.live.size).toBe(0);
    const refused = invokeBody(await f.deliver(invoke(alice, 'release', { number: 1 }, 'personal')));
    expect(refused.value).toEqual(expect.stringContaining('not active'));
  });

  it('answers a bare "access" with the form and submits it with field-level errors', async () => {
    f = await createTeamsFlow(kind);
    const [form] = await f.say(alice, 'access');
    const card = attachedCard(form);
    expect(verbsOf(card)).toEqual(['submitRequest']);
    expect(JSON.stringify(card)).toContain('"id":"resource"');
    expect(cardText(card)).toContain('demo-db · Demo orders database');

    const invalid = invokeBody(
      await f.deliver(invoke(alice, 'submitRequest', { resource: 'demo-db', duration: '15 minutes', reason: '' }, 'personal')),
    );
    expect(cardText(invalid.value)).toContain('"15 minutes" is not a duration');
    expect(cardText(invalid.value)).toContain('Say why you need access.');
    const tooLong = invokeBody(
      await f.deliver(invoke(alice, 'submitRequest', { resource: 'demo-db', duration: '9h', reason: 'lag checks' }, 'personal')),
    );
    expect(cardText(tooLong.value)).toContain("longer than demo-db's maximum of 4h");
    const ok = invokeBody(
      await f.deliver(
        invoke(
          alice,
          'submitRequest',
          { resource: 'demo-db', duration: '15m', level: 'read', reason: 'replication lag', incident: 'inc-42' },
          'personal',
        ),
      ),
    );
    expect(cardText(ok.value)).toMatch(/KC-1 pending/);
    expect(await request(1)).toMatchObject({ incidentKey: 'INC-42', durationMs: 15 * 60_000, level: 'read' });
    expect(f.transport.log.some((d) => d.conversationId === APPROVAL_CHANNEL)).toBe(true);
  });

  it('handles the Action.Submit fallback like Action.Execute', async () => {
    f = await createTeamsFlow(kind);
    await f.say(alice, REQUEST);
    const submit = (person: Person) => ({
      ...invoke(person, 'approve', {}),
      type: 'message',
      name: undefined,
      value: { kc: 'approve', number: 1 },
    });
    const refused = await f.deliver(submit(carol));
    expect(refused[0]?.text).toContain('needs approval from sre');
    const replies = await f.deliver(submit(bob));
    expect((await request(1)).status).toBe('active');
    expect(cardText(attachedCard(replies[0]))).toContain('active until');
  });

  it('answers a slow grant before it finishes and updates the card when it does', async () => {
    f = await createTeamsFlow(kind, { invokeDeadlineMs: 200 });
    await f.say(alice, REQUEST);
    const release = f.h.provider.hangGrants();
    const body = invokeBody(await f.deliver(invoke(bob, 'approve', { number: 1 })));
    expect(cardText(body.value)).toContain('granting access');
    expect((await request(1)).status).toBe('approved');
    release();
    await f.teams.idle();
    expect((await request(1)).status).toBe('active');
    expect(cardText(f.transport.log.filter((d) => d.op === 'update').at(-1)?.message?.card)).toContain('active until');
  });

  it('retries a failing revoke from the alert’s Retry now button', async () => {
    f = await createTeamsFlow(kind);
    await f.say(alice, REQUEST);
    await f.deliver(invoke(bob, 'approve', { number: 1 }));
    f.h.provider.failRevokes(1);
    await f.deliver(invoke(alice, 'release', { number: 1 }, 'personal'));
    expect((await request(1)).status).toBe('revoking');
    const refused = invokeBody(await f.deliver(invoke(alice, 'retryRevoke', { number: 1 })));
    expect(refused.value).toEqual(expect.stringContaining('approvers or the security reviewers'));
    const retried = invokeBody(await f.deliver(invoke(bob, 'retryRevoke', { number: 1 })));
    expect(cardText(retried.value)).toContain('KC-1 revoked');
    expect(f.h.provider.live.size).toBe(0);
  });

  it('broadcasts break-glass to the alerts channel', async () => {
    f = await createTeamsFlow(kind);
    f.h.clock.set(new Date('2026-11-28T23:00:00Z'));
    await f.say(alice, 'access demo-admin 30m admin --break-glass orders are failing INC-77');
    expect(f.transport.log.some((d) => d.conversationId === ALERT_CHANNEL && d.message?.text.startsWith('BREAK-GLASS'))).toBe(true);
  });

  it('refuses a card or alert it has no channel for in the policy, naming the setting, and posts nothing', async () => {
    f = await createTeamsFlow(kind);
    await f.say(alice, REQUEST);
    f.transport.log.splice(0);
    // A pending request whose card is not posted yet, in a tier whose channel names only Slack.
    const view = { ...(await loadView(f.h.deps, await request(1))), id: 'not-posted-yet' };
    const card = f.teams.chat.publishCard(view, { slack: 'C0MEDIUM' });
    await expect(card).rejects.toBeInstanceOf(ChannelNotConfiguredError);
    await expect(card).rejects.toMatchObject({
      platform: 'teams',
      setting: 'tiers.medium.channel.teams',
      message: 'no approval channel for the medium tier on teams: set tiers.medium.channel.teams in the policy',
    });
    const alert = f.teams.chat.postAlert({ slack: 'C0ALERTS' }, { kind: 'info', text: 'drift' });
    await expect(alert).rejects.toMatchObject({
      setting: 'alerts.channel.teams',
      message: 'no alerts channel on teams: set alerts.channel.teams in the policy',
    });
    await expect(f.teams.chat.postAlert(undefined, { kind: 'info', text: 'drift' })).rejects.toBeInstanceOf(ChannelNotConfiguredError);
    expect(f.transport.log).toEqual([]);
  });
});
