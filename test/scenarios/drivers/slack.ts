import { parseArgs } from '../../../src/cli/args.js';
import type { CliIo } from '../../../src/cli/io.js';
import type { ServerHandle } from '../../../src/cli/run-server.js';
import { startCommand } from '../../../src/cli/start-command.js';
import { sign } from '../../chat/slack/helpers/slack-fixture.js';
import type { Driver, RequestForm, Seen, Where } from '../driver.js';
import { type FakePagerDutyApi, startFakePagerDutyApi } from '../fakes/pagerduty-api.js';
import { type FakeSlackApi, type SlackApiCall, startFakeSlackApi } from '../fakes/slack-api.js';
import type { Started } from '../stories.js';
import {
  EVERYONE,
  eventually,
  PAGERDUTY_TOKEN,
  type Person,
  SCENARIO_SETTINGS,
  SLACK_CHANNELS,
  SLACK_HIDDEN_MEMBERS_CHANNEL,
  SLACK_INCIDENT_CHANNEL,
  SLACK_ON_CALL_INCIDENT_CHANNEL,
  SLACK_SQUATTED_CHANNELS,
  scenarioEnvironment,
  startWebhookTarget,
} from '../world.js';

const TOKEN = 'xoxb-scenario-token';
const SIGNING_SECRET = '5ce7a210b0c4d9e8f1a2b3c4d5e6f708';
const GENERAL = { id: 'C0GENERAL', name: 'general' };

interface SlackButton {
  label: string;
  actionId: string;
  value: string;
}

interface SlackHandle {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  buttons: SlackButton[];
}

/** Every text object's text in a Block Kit tree, and every button. */
function walk(node: unknown, texts: string[], buttons: SlackButton[]): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, texts, buttons);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (record.type === 'button') {
    const label = (record.text as { text?: string } | undefined)?.text ?? '';
    buttons.push({ label, actionId: String(record.action_id), value: String(record.value ?? '') });
    return;
  }
  if ((record.type === 'plain_text' || record.type === 'mrkdwn') && typeof record.text === 'string') texts.push(record.text);
  for (const [key, value] of Object.entries(record)) if (key !== 'confirm') walk(value, texts, buttons);
}

function content(body: Record<string, unknown>): { text: string; buttons: SlackButton[]; blocks: unknown[] } {
  const texts: string[] = typeof body.text === 'string' ? [body.text] : [];
  const buttons: SlackButton[] = [];
  const blocks = Array.isArray(body.blocks) ? body.blocks : [];
  walk(blocks, texts, buttons);
  return { text: texts.join('\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'), buttons, blocks };
}

/**
 * The Slack driver: `keycard start` (the CLI's start command, in this process) with Slack over HTTP,
 * its Web API pointed at a fake Slack on a real port through SLACK_API_URL (which also admits the
 * fake's response_urls). People act through signed slash commands, block_actions and view_submissions.
 */
export async function startSlackDriver(options: { databaseUrl?: string } = {}): Promise<
  Started & {
    api: FakeSlackApi;
    pagerDuty: FakePagerDutyApi;
    addReplica(): Promise<string>;
    sayIn(who: Person, text: string, channel: { id: string; name: string }): Promise<void>;
  }
> {
  const webhook = await startWebhookTarget();
  const users = EVERYONE.map((p) => ({ id: p.slack, email: p.email }));
  const channelList = [
    { id: SLACK_CHANNELS.approvals, name: 'access-approvals' },
    { id: SLACK_CHANNELS.critical, name: 'access-critical' },
    { id: SLACK_CHANNELS.alerts, name: 'security-alerts' },
    SLACK_INCIDENT_CHANNEL,
    SLACK_SQUATTED_CHANNELS.real,
    SLACK_SQUATTED_CHANNELS.squatted,
    SLACK_ON_CALL_INCIDENT_CHANNEL,
    SLACK_HIDDEN_MEMBERS_CHANNEL,
    GENERAL,
  ];
  const api = await startFakeSlackApi({ token: TOKEN, users, channels: channelList });
  // PagerDuty answers as well (who is on call, who responds): Slack and PagerDuty combined, as in production.
  const pagerDuty = await startFakePagerDutyApi(PAGERDUTY_TOKEN);
  const { cwd, env } = await scenarioEnvironment(
    webhook.url,
    {
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: api.apiUrl,
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    },
    { pagerDutyUrl: pagerDuty.apiUrl },
  );
  const io: CliIo = { out: () => {}, err: () => {}, env, cwd, stdin: process.stdin, stdoutIsTTY: false };
  /** One `keycard start` on this environment (the driver starts one; a second replica shares its database). */
  const startServer = async () => {
    let server: ServerHandle | undefined;
    const running = startCommand(io, parseArgs([], new Set()), {
      http: true,
      settings: SCENARIO_SETTINGS,
      onServing: (handle) => {
        server = handle;
      },
    });
    let failure: unknown;
    running.catch((error: unknown) => {
      failure = error;
    });
    await eventually(() => {
      if (failure) throw failure;
      if (!server) throw new Error('not serving yet');
    }, 60_000);
    return { server: server!, running, baseUrl: `http://127.0.0.1:${server!.port}` };
  };
  const servers = [await startServer()];
  const baseUrl = servers[0]!.baseUrl;
  /** Where signed requests go: Slack may deliver any request to any replica behind the load balancer. */
  let target = baseUrl;

  const logical = new Map<string, string>([
    [SLACK_CHANNELS.approvals, 'channel:approvals'],
    [SLACK_CHANNELS.critical, 'channel:critical'],
    [SLACK_CHANNELS.alerts, 'channel:alerts'],
    [SLACK_INCIDENT_CHANNEL.id, 'incident'],
    ...EVERYONE.map((p) => [`D${p.slack}`, `dm:${p.email}`] as [string, string]),
  ]);
  const respondents = new Map<string, Person>();
  /** Answers Slack shows from the HTTP ack itself (e.g. help), like response_url posts. */
  const acks: Array<{ at: number; who: Person; body: Record<string, unknown> }> = [];
  let n = 0;
  const nextId = (who: Person) => {
    n += 1;
    respondents.set(String(n), who);
    return n;
  };

  const signed = async (body: string, contentType = 'application/x-www-form-urlencoded') => {
    const response = await fetch(`${target}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...sign(body, Math.floor(Date.now() / 1000), SIGNING_SECRET) },
      body,
    });
    if (response.status !== 200) throw new Error(`Keycard answered ${response.status}: ${await response.text()}`);
    return response.text();
  };

  const slash = (who: Person, text: string, channel: { id: string; name: string }) => {
    const id = nextId(who);
    const body = new URLSearchParams({
      token: 'legacy',
      team_id: 'T1',
      team_domain: 'acme',
      channel_id: channel.id,
      channel_name: channel.name,
      user_id: who.slack,
      user_name: who.email.split('@')[0]!,
      command: '/access',
      text,
      api_app_id: 'A1',
      is_enterprise_install: 'false',
      response_url: api.responseUrl(String(id)),
      trigger_id: `trigger.${id}`,
    }).toString();
    return {
      id,
      send: async () => {
        const answer = await signed(body);
        if (answer.trim().startsWith('{')) acks.push({ at: Date.now(), who, body: JSON.parse(answer) as Record<string, unknown> });
      },
    };
  };

  const openedView = (triggerId: string) =>
    eventually(() => {
      const call = api.calls.find((c) => c.method === 'views.open' && c.args.trigger_id === triggerId);
      if (!call) throw new Error(`no views.open for ${triggerId}`);
      return call.args.view as { callback_id: string; private_metadata?: string };
    });

  const submitView = (who: Person, view: { callback_id: string; private_metadata?: string }, values: Record<string, unknown>) => {
    const id = nextId(who);
    const payload = {
      type: 'view_submission',
      team: { id: 'T1', domain: 'acme' },
      user: { id: who.slack, username: who.email.split('@')[0], team_id: 'T1' },
      api_app_id: 'A1',
      token: 'legacy',
      trigger_id: `trigger.${id}`,
      view: {
        id: `VMODAL${id}`,
        team_id: 'T1',
        type: 'modal',
        callback_id: view.callback_id,
        private_metadata: view.private_metadata ?? '',
        state: { values },
        hash: `h${id}`,
        blocks: [],
      },
      response_urls: [],
    };
    return signed(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  };
  const text = (value: string) => ({ value: { type: 'plain_text_input', value } });
  const select = (value: string) => ({
    value: { type: 'static_select', selected_option: { value, text: { type: 'plain_text', text: value } } },
  });

  const seen = (): Seen[] => {
    const events: Array<{ at: number; seen: Seen }> = [];
    for (const call of api.calls as SlackApiCall[]) {
      if (call.method !== 'chat.postMessage' && call.method !== 'chat.update') continue;
      const result = call.result as { ok?: boolean; ts?: string } | undefined;
      if (!result?.ok) continue;
      const channel = String(call.args.channel);
      const ts = call.method === 'chat.update' ? String(call.args.ts) : String(result.ts);
      const { text: body, buttons, blocks } = content(call.args);
      const handle: SlackHandle = { channel, ts, text: String(call.args.text ?? ''), blocks, buttons };
      events.push({
        at: call.at,
        seen: {
          to: logical.get(channel) ?? `channel:${channel}`,
          text: body,
          buttons: buttons.map((b) => b.label),
          thread: Boolean(call.args.thread_ts),
          update: call.method === 'chat.update',
          handle,
        },
      });
    }
    for (const response of api.responses) {
      const who = respondents.get(response.id);
      const { text: body, buttons } = content(response.body);
      events.push({
        at: response.at,
        seen: { to: `reply:${who?.email ?? 'unknown'}`, text: body, buttons: buttons.map((b) => b.label), thread: false, update: false },
      });
    }
    for (const ack of acks) {
      const { text: body, buttons } = content(ack.body);
      events.push({
        at: ack.at,
        seen: { to: `reply:${ack.who.email}`, text: body, buttons: buttons.map((b) => b.label), thread: false, update: false },
      });
    }
    return events.sort((a, b) => a.at - b.at).map((e) => e.seen);
  };

  const driver: Driver = {
    name: 'slack',
    baseUrl,
    async say(who, command, where?: Where) {
      const channel =
        where === 'incident-channel' ? SLACK_INCIDENT_CHANNEL : where === 'dm' ? { id: `D${who.slack}`, name: 'directmessage' } : GENERAL;
      await slash(who, command, channel).send();
    },
    async form(who, f: RequestForm) {
      const command = slash(who, '', GENERAL);
      await command.send();
      const view = await openedView(`trigger.${command.id}`);
      await submitView(who, view, {
        resource: select(f.resource),
        duration: text(f.duration),
        level: select(f.level),
        reason: text(f.reason),
      });
    },
    async click(who, message, label, input = {}) {
      const handle = message.handle as SlackHandle | undefined;
      const norm = (s: string) => s.replace(/[’‘]/g, "'");
      const button = handle?.buttons.find((b) => norm(b.label).startsWith(norm(label)));
      if (!handle || !button) throw new Error(`no "${label}" button on Slack message: ${message.text.slice(0, 200)}`);
      const id = nextId(who);
      const payload = {
        type: 'block_actions',
        team: { id: 'T1', domain: 'acme' },
        user: { id: who.slack, username: who.email.split('@')[0], team_id: 'T1' },
        api_app_id: 'A1',
        token: 'legacy',
        trigger_id: `trigger.${id}`,
        container: { type: 'message', message_ts: handle.ts, channel_id: handle.channel, is_ephemeral: false },
        channel: { id: handle.channel, name: 'channel' },
        message: { type: 'message', ts: handle.ts, text: handle.text, blocks: handle.blocks },
        response_url: api.responseUrl(String(id)),
        actions: [
          {
            type: 'button',
            action_id: button.actionId,
            block_id: `b${id}`,
            value: button.value,
            action_ts: `${Date.now() / 1000}`,
            text: { type: 'plain_text', text: button.label },
          },
        ],
      };
      await signed(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
      if (button.actionId === 'kc_deny') {
        const view = await openedView(`trigger.${id}`);
        await submitView(who, view, { reason: text(input.reason ?? 'denied in the scenario') });
      }
    },
    seen,
    async close() {
      for (const { server, running } of servers) {
        await server.shutdown('scenario done');
        await running.catch(() => undefined);
      }
      await api.close();
      await pagerDuty.close();
    },
  };
  return {
    driver,
    webhook,
    api,
    pagerDuty,
    /** A slash command typed in any channel of the fake workspace (Slack-only stories). */
    async sayIn(who: Person, command: string, channel: { id: string; name: string }) {
      await slash(who, command, channel).send();
    },
    /** Starts a second Keycard on the same database and sends every later request to it. */
    async addReplica() {
      const replica = await startServer();
      servers.push(replica);
      target = replica.baseUrl;
      return replica.baseUrl;
    },
  };
}
