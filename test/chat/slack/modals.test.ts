import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { blockAction, select, slashCommand, text, viewSubmission } from './helpers/payloads.js';
import { CHANNELS, createSlackFixture, type SlackFixture, U } from './helpers/slack-fixture.js';
import { cardOf, eventually, waitForCalls } from './helpers/wait.js';

interface ModalView {
  callback_id: string;
  private_metadata: string;
  blocks: Array<{
    type: string;
    block_id?: string;
    text?: { text: string };
    element?: { options?: Array<{ value: string }>; initial_option?: { value: string }; initial_value?: string };
  }>;
}

describe('Slack request modal', () => {
  let f: SlackFixture;
  afterEach(async () => {
    await f?.close();
    expect(nock.pendingMocks()).toEqual([]);
  });

  const openedViews = async (count: number) => (await waitForCalls(f, 'views.open', count)).map((c) => c.args.view as ModalView);
  const block = (view: ModalView, id: string) => view.blocks.find((b) => b.block_id === id);

  it('opens the form on a bare /access, with the policy catalog, and acks empty', async () => {
    f = await createSlackFixture('pglite');
    const ack = await f.signed(slashCommand(U.alice.id, '', 'C0INCIDENT'));
    expect(ack.status).toBe(200);
    expect(ack.text).toBe('');
    const [view] = await openedViews(1);
    expect(f.slack.called('views.open')[0]!.args.trigger_id).toMatch(/^trigger\./);
    expect(view!.callback_id).toBe('kc_request_modal');
    expect(block(view!, 'resource')!.element!.options!.map((o) => o.value)).toEqual(['demo-db', 'demo-logs', 'demo-admin']);
    expect(view!.blocks.map((b) => b.block_id).filter(Boolean)).toEqual(['resource', 'duration', 'level', 'reason', 'incident', 'options']);
    expect(JSON.parse(view!.private_metadata)).toEqual({
      r: expect.stringMatching(/^https:\/\/hooks\.slack\.com\/commands\//),
      c: 'C0INCIDENT',
      cn: 'general',
    });
    // Opening the form needs no identity lookup and touches nothing.
    expect(f.slack.called('users.info')).toEqual([]);
    expect(await f.h.deps.store.listRequests({})).toEqual([]);
  });

  it('opens the form prefilled, with the problem on top, when the typed request does not parse', async () => {
    f = await createSlackFixture('pglite');
    await f.signed(slashCommand(U.alice.id, 'demo-db 45m write'));
    const [view] = await openedViews(1);
    expect(view!.blocks[0]!.text!.text).toContain('Say why you need access');
    expect(block(view!, 'resource')!.element!.initial_option!.value).toBe('demo-db');
    expect(block(view!, 'duration')!.element!.initial_value).toBe('45m');
    expect(block(view!, 'level')!.element!.initial_option!.value).toBe('write');
  });

  it('keeps a refused level or duration out of the prefilled reason: the level meant is filled in, a bad duration left empty', async () => {
    f = await createSlackFixture('pglite');
    await f.signed(slashCommand(U.alice.id, 'demo-db 30m wirte fixing the stuck orders table'));
    await f.signed(slashCommand(U.alice.id, 'demo-db -5m read checking replication lag'));
    const [typo, signed] = await openedViews(2);
    expect(typo!.blocks[0]!.text!.text).toContain('did you mean "write"');
    expect(block(typo!, 'level')!.element!.initial_option!.value).toBe('write');
    expect(block(typo!, 'duration')!.element!.initial_value).toBe('30m');
    expect(block(typo!, 'reason')!.element!.initial_value).toBe('fixing the stuck orders table');
    expect(signed!.blocks[0]!.text!.text).toContain('a duration has no sign');
    expect(block(signed!, 'duration')!.element!.initial_value).toBeUndefined();
    expect(block(signed!, 'level')!.element!.initial_option!.value).toBe('read');
    expect(block(signed!, 'reason')!.element!.initial_value).toBe('checking replication lag');
  });

  it('returns field-level errors in the modal, then submits a valid form and reports through response_url', async () => {
    f = await createSlackFixture('pglite');
    await f.signed(slashCommand(U.alice.id, ''));
    const [view] = await openedViews(1);
    const bad = await f.signed(
      viewSubmission(
        U.alice.id,
        'kc_request_modal',
        {
          resource: select('demo-logs'),
          duration: text('2 hours'),
          level: select('write'),
          reason: text(''),
          incident: text('not a key!'),
        },
        view!.private_metadata,
      ),
    );
    expect(bad.json()).toEqual({
      response_action: 'errors',
      errors: {
        duration: '"2 hours" is not a duration; use e.g. 90s, 30m, 1h30m, 2h.',
        level: 'demo-logs has no "write" level (levels: read).',
        reason: 'Say why you need access; approvers read this.',
        incident: '"not a key!" is not an incident key (incidents.keyPattern: INC-[0-9]+), e.g. INC-4211.',
      },
    });
    const tooLong = await f.signed(
      viewSubmission(
        U.alice.id,
        'kc_request_modal',
        { resource: select('demo-db'), duration: text('300m'), reason: text('x') },
        view!.private_metadata,
      ),
    );
    // The message quotes what was typed, not its normalised form (5h).
    expect(tooLong.json()).toMatchObject({
      response_action: 'errors',
      errors: { duration: expect.stringContaining("300m is longer than demo-db's maximum of 4h") },
    });
    expect(await f.h.deps.store.listRequests({})).toEqual([]);

    const good = await f.signed(
      viewSubmission(
        U.alice.id,
        'kc_request_modal',
        {
          resource: select('demo-db'),
          duration: text('20m'),
          level: select('read'),
          reason: text('checking replication lag'),
          incident: text('inc-42'),
        },
        view!.private_metadata,
      ),
    );
    expect(good.status).toBe(200);
    expect(good.text).toBe('');
    expect((await cardOf(f, 1)).channel).toBe(CHANNELS.medium);
    const request = (await f.h.deps.store.getRequestByNumber(1))!;
    expect(request).toMatchObject({
      requester: U.alice.email,
      resource: 'demo-db',
      level: 'read',
      durationMs: 20 * 60_000,
      incidentKey: 'INC-42',
    });
    expect(request.origin).toEqual({ platform: 'slack', user: U.alice.id, channel: 'C0GENERAL', channelName: 'general' });
    const answer = await eventually(() => {
      const found = f.slack.responses.find((r) => r.path.startsWith('/commands/'));
      expect(found).toBeDefined();
      return found!;
    });
    expect(answer.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/^KC-1 pending/) });
  });

  it('opens the form from the App Home button and answers in the app DM when there is no response_url', async () => {
    f = await createSlackFixture('pglite');
    await f.signed(blockAction(U.alice.id, 'kc_open_request_modal', 'new', { home: true }));
    const [view] = await openedViews(1);
    expect(JSON.parse(view!.private_metadata)).toEqual({ h: true });
    await f.signed(
      viewSubmission(
        U.alice.id,
        'kc_request_modal',
        { resource: select('demo-logs'), reason: text('rotate the nightly logs OPS-12') },
        view!.private_metadata,
      ),
    );
    const [dm] = await waitForCalls(f, 'chat.postMessage', 1, (c) => c.args.channel === U.alice.id);
    expect(String(dm!.args.text)).toMatch(/^KC-1 active/);
  });
});
