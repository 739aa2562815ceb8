import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ChatAdapter } from '../../../src/chat/adapter.js';
import { createSlackAdapter } from '../../../src/chat/slack/index.js';
import { makePolicy } from '../../fixtures/policy.js';
import { createHarness, type Harness } from '../../helpers/harness.js';
import { installFakeSlack } from './helpers/fake-slack.js';
import { CHANNELS, slackPolicyInput, U } from './helpers/slack-fixture.js';
import { cardOf, eventually } from './helpers/wait.js';

describe('Slack Socket Mode', () => {
  let h: Harness | undefined;
  let adapter: ChatAdapter | undefined;
  let wss: WebSocketServer | undefined;
  afterEach(async () => {
    await adapter?.stop();
    await new Promise((resolve) => wss?.close(resolve));
    await h?.close();
    nock.cleanAll();
  });

  it('connects over a WebSocket, acks envelopes on the socket and runs the same flow', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1/);
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    const received: Array<Record<string, unknown>> = [];
    let socket: WebSocket | undefined;
    wss.on('connection', (s) => {
      socket = s;
      s.on('message', (m) => received.push(JSON.parse(String(m)) as Record<string, unknown>));
      s.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'local' }, connection_info: { app_id: 'A1' } }));
    });
    const slack = installFakeSlack(Object.values(U), { joined: Object.values(CHANNELS), socketUrl: url });
    h = await createHarness('pglite', { policy: makePolicy(slackPolicyInput) });
    adapter = createSlackAdapter({ botToken: 'xoxb-test', appToken: 'xapp-test', socketMode: true }, { clock: h.clock });
    const deps = { ...h.deps, chat: adapter.chat };
    expect(adapter.routes()).toEqual([]);
    await adapter.start(deps);
    expect(await adapter.ready()).toBe(true);
    expect(slack.called('apps.connections.open')).toHaveLength(1);

    const slash = {
      envelope_id: 'env-1',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: {
        token: 'x',
        team_id: 'T1',
        team_domain: 'acme',
        channel_id: 'C0GENERAL',
        channel_name: 'general',
        user_id: U.alice.id,
        user_name: 'alice',
        command: '/access',
        text: 'demo-db 15m read checking replication lag INC-42',
        api_app_id: 'A1',
        response_url: 'https://hooks.slack.com/commands/T1/1/socket',
        trigger_id: 'trigger.socket',
      },
    };
    socket!.send(JSON.stringify(slash));
    await eventually(() =>
      expect(received).toContainEqual({
        envelope_id: 'env-1',
        payload: { response_type: 'ephemeral', text: ':hourglass_flowing_sand: Working on it…' },
      }),
    );
    const card = await cardOf({ h }, 1);
    expect(card.channel).toBe(CHANNELS.medium);

    const click = {
      envelope_id: 'env-2',
      type: 'interactive',
      accepts_response_payload: false,
      payload: {
        type: 'block_actions',
        team: { id: 'T1', domain: 'acme' },
        user: { id: U.bob.id, username: 'bob', team_id: 'T1' },
        api_app_id: 'A1',
        token: 'x',
        trigger_id: 'trigger.click',
        container: { type: 'message', message_ts: card.ts, channel_id: card.channel },
        channel: { id: card.channel, name: 'access' },
        message: { type: 'message', ts: card.ts, text: 'card' },
        response_url: 'https://hooks.slack.com/actions/T1/2/socket',
        actions: [{ type: 'button', action_id: 'kc_approve', block_id: 'b', value: '1', action_ts: '1764000000.1' }],
      },
    };
    socket!.send(JSON.stringify(click));
    // Slack redelivers an envelope it thinks was lost; the same body is processed once.
    socket!.send(JSON.stringify({ ...click, envelope_id: 'env-3', retry_attempt: 1, retry_reason: 'timeout' }));
    await eventually(async () => expect((await h!.deps.store.getRequestByNumber(1))?.status).toBe('active'));
    await eventually(() => expect(received.map((r) => r.envelope_id)).toEqual(expect.arrayContaining(['env-1', 'env-2', 'env-3'])));
    const actions = (await h.deps.store.readAudit({})).map((e) => e.action);
    expect(actions.filter((a) => a === 'approval.recorded')).toHaveLength(1);
    expect(actions).not.toContain('approval.refused');
    await eventually(() => expect(slack.called('chat.update').length).toBeGreaterThan(0));

    await adapter.stop();
    expect(await adapter.ready()).toBe(false);
    adapter = undefined;
    expect(nock.pendingMocks()).toEqual([]);
  });
});
