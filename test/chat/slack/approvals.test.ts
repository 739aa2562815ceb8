import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { storeKinds } from '../../helpers/db.js';
import { blockAction, slashCommand, text, viewSubmission } from './helpers/payloads.js';
import { createSlackFixture, type SlackFixture, U } from './helpers/slack-fixture.js';
import { buttonsOf, cardOf, eventually, waitForCalls, waitForResponses, waitForStatus } from './helpers/wait.js';

describe.each(storeKinds())('Slack approvals on %s', (kind) => {
  let f: SlackFixture;
  afterEach(async () => {
    await f?.close();
    expect(nock.pendingMocks()).toEqual([]);
  });

  const audit = async () => (await f.h.deps.store.readAudit({})).map((e) => ({ action: e.action, actor: e.actor, code: e.details.code }));
  const submit = async (user: string, command: string) => {
    const before = f.slack.responses.length;
    await f.signed(slashCommand(user, command));
    await waitForResponses(f, before + 1);
    return cardOf(f, (await f.h.deps.store.listRequests({})).length);
  };

  it('denies through the modal: the reason is required, then shown on the card and sent to the requester', async () => {
    f = await createSlackFixture(kind);
    const card = await submit(U.alice.id, 'demo-db 15m read checking replication lag INC-42');
    await f.signed(blockAction(U.bob.id, 'kc_deny', '1', card));
    const [open] = await waitForCalls(f, 'views.open', 1);
    const view = open!.args.view as { callback_id: string; private_metadata: string; title: { text: string } };
    expect(open!.args.trigger_id).toMatch(/^trigger\./);
    expect(view.callback_id).toBe('kc_deny_modal');
    expect(view.title.text).toBe('Deny KC-1');
    expect(JSON.parse(view.private_metadata)).toMatchObject({ n: 1, r: expect.stringMatching(/^https:\/\/hooks\.slack\.com\//) });

    const empty = await f.signed(viewSubmission(U.bob.id, 'kc_deny_modal', { reason: text('   ') }, view.private_metadata));
    expect(empty.json()).toEqual({
      response_action: 'errors',
      errors: { reason: 'A denial needs a reason, so the requester knows what to change.' },
    });
    expect((await f.h.deps.store.getRequestByNumber(1))?.status).toBe('pending');

    const denied = await f.signed(
      viewSubmission(U.bob.id, 'kc_deny_modal', { reason: text('use the <!channel> read replica') }, view.private_metadata),
    );
    expect(denied.status).toBe(200);
    expect(denied.text).toBe('');
    await waitForStatus(f, 1, 'denied');
    const update = (await waitForCalls(f, 'chat.update', 1)).at(-1)!;
    expect(update.args).toMatchObject({ channel: card.channel, ts: card.ts });
    expect(buttonsOf(update)).toEqual([]);
    // The reason is escaped: it can never become an @channel mention.
    expect(f.slack.textOf(update)).toContain('denied by bob@example.com: use the &lt;!channel&gt; read replica');
    const dm = await waitForCalls(f, 'chat.postMessage', 1, (c) => c.args.channel === `D${U.alice.id}`);
    expect(dm[0]!.args.text).toBe('KC-1 (demo-db, read) was denied by bob@example.com: use the &lt;!channel&gt; read replica');
    expect(JSON.stringify(dm[0]!.args.blocks)).toContain('&lt;!channel&gt;');
    expect(f.h.provider.calls).toEqual([]);
  });

  it('refuses self-approval and non-approvers ephemerally, audits each refusal and changes nothing else', async () => {
    f = await createSlackFixture(kind);
    const card = await submit(U.bob.id, 'demo-db 15m read checking replication lag INC-42');
    const responses = f.slack.responses.length;
    await f.signed(blockAction(U.bob.id, 'kc_approve', '1', card));
    await f.signed(blockAction(U.carol.id, 'kc_approve', '1', card));
    const answers = (await waitForResponses(f, responses + 2)).slice(responses);
    const byPath = answers.map((a) => a.body);
    expect(byPath).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          response_type: 'ephemeral',
          replace_original: false,
          text: expect.stringContaining('cannot approve your own request'),
        }),
        expect.objectContaining({
          response_type: 'ephemeral',
          replace_original: false,
          text: expect.stringContaining('needs approval from sre'),
        }),
      ]),
    );
    expect((await f.h.deps.store.getRequestByNumber(1))?.status).toBe('pending');
    expect(f.slack.called('chat.update')).toEqual([]);
    expect((await audit()).filter((e) => e.action === 'approval.refused')).toEqual(
      expect.arrayContaining([
        { action: 'approval.refused', actor: 'bob@example.com', code: 'self_approval' },
        { action: 'approval.refused', actor: 'carol@example.com', code: 'not_an_approver' },
      ]),
    );
    expect((await audit()).map((e) => e.action)).not.toContain('approval.recorded');
  });

  it('counts one approval when two approvers click at once on a 1-approval tier', async () => {
    f = await createSlackFixture(kind);
    const card = await submit(U.alice.id, 'demo-db 15m read checking replication lag INC-42');
    const responses = f.slack.responses.length;
    await Promise.all([
      f.signed(blockAction(U.bob.id, 'kc_approve', '1', card)),
      f.signed(blockAction(U.erin.id, 'kc_approve', '1', card)),
    ]);
    await waitForStatus(f, 1, 'active');
    // The slower click is told it came too late.
    const [late] = (await waitForResponses(f, responses + 1)).slice(responses);
    expect(late!.body.text).toMatch(/^KC-1 (is already (approved|active)|was decided a moment ago)/);
    const request = (await f.h.deps.store.getRequestByNumber(1))!;
    expect((await f.h.deps.store.listApprovals(request.id)).filter((a) => a.decision === 'approve')).toHaveLength(1);
    const actions = (await audit()).map((e) => e.action);
    expect(actions.filter((a) => a === 'request.approved')).toHaveLength(1);
    expect(actions.filter((a) => a === 'grant.activated')).toHaveLength(1);
    expect(f.h.provider.calls.filter((c) => c.op === 'grant')).toHaveLength(1);
  });

  it('tells deactivated, email-less and bot users why they cannot act, without touching the request', async () => {
    f = await createSlackFixture(kind);
    const card = await submit(U.alice.id, 'demo-db 15m read checking replication lag INC-42');
    const responses = f.slack.responses.length;
    for (const user of [U.ghost, U.noMail, U.robot]) await f.signed(blockAction(user.id, 'kc_approve', '1', card));
    const texts = (await waitForResponses(f, responses + 3)).slice(responses).map((r) => String(r.body.text));
    expect(texts).toEqual(
      expect.arrayContaining([
        'Your Slack account is deactivated, so it cannot request or approve access.',
        expect.stringContaining('could not read an email address from your Slack profile'),
        'Bots and apps cannot request or approve access.',
      ]),
    );
    await f.signed(slashCommand(U.noMail.id, 'demo-db 15m read need it INC-1'));
    await eventually(() => expect(f.slack.responses.at(-1)!.body.text).toContain('users:read.email'));
    expect(await f.h.deps.store.listRequests({})).toHaveLength(1);
    // Nothing changed, but every turned-away attempt is on the record: who (the Slack id) and why.
    const events = await audit();
    expect(events.map((e) => e.action)).toEqual(['request.submitted', ...Array(4).fill('identify.refused')]);
    expect(events.slice(1).map((e) => [e.actor, e.code])).toEqual(
      expect.arrayContaining([
        [`slack:${U.ghost.id.toLowerCase()}`, 'deactivated_user'],
        [`slack:${U.noMail.id.toLowerCase()}`, 'no_email'],
        [`slack:${U.robot.id.toLowerCase()}`, 'bot_user'],
      ]),
    );
  });

  it('needs two distinct groups on the critical tier and says so after the first approval', async () => {
    f = await createSlackFixture(kind);
    const card = await submit(U.alice.id, 'demo-admin 30m admin fix');
    const responses = f.slack.responses.length;
    await f.signed(blockAction(U.carol.id, 'kc_approve', '1', card));
    const [recorded] = (await waitForResponses(f, responses + 1)).slice(responses);
    expect(recorded!.body.text).toBe('Your approval of KC-1 is recorded (1 of 2).');
    const update = await waitForCalls(f, 'chat.update', 1);
    expect(f.slack.textOf(update.at(-1)!)).toContain('1 of 2 approvals: security');
    await f.signed(blockAction(U.dave.id, 'kc_approve', '1', card));
    await waitForStatus(f, 1, 'active');
  });
});
