import nock from 'nock';
import { parseArgs } from '../../../src/cli/args.js';
import type { CliIo } from '../../../src/cli/io.js';
import type { ServerHandle } from '../../../src/cli/run-server.js';
import { startCommand } from '../../../src/cli/start-command.js';
import { serveBotFrameworkKeys, token } from '../../chat/teams/connector.js';
import { APP_ID, cardText, SERVICE_URL } from '../../chat/teams/fixtures.js';
import type { Driver, RequestForm, Seen, Where } from '../driver.js';
import { type ConnectorCall, startFakeConnector } from '../fakes/teams-connector.js';
import type { Started } from '../stories.js';
import {
  EVERYONE,
  eventually,
  P,
  type Person,
  SCENARIO_SETTINGS,
  scenarioEnvironment,
  startWebhookTarget,
  TEAMS_CHANNELS,
  TEAMS_INCIDENT_CHANNEL,
} from '../world.js';

const TENANT = 'tenant-1';
const GENERAL = '19:general@thread.tacv2';
const TEAM = { id: GENERAL, name: 'Ops', aadGroupId: 'group-ops' };

type CardNode = Record<string, unknown>;

interface TeamsAction {
  title: string;
  node: CardNode;
}

/** Top-level actions of a card (Action.Execute and Action.ShowCard), not those inside a ShowCard. */
function actionsOf(value: unknown, found: TeamsAction[] = []): TeamsAction[] {
  if (Array.isArray(value)) {
    for (const item of value) actionsOf(item, found);
    return found;
  }
  if (typeof value !== 'object' || value === null) return found;
  const node = value as CardNode;
  if ((node.type === 'Action.Execute' || node.type === 'Action.ShowCard') && typeof node.title === 'string') {
    found.push({ title: node.title, node });
    return found;
  }
  for (const [key, child] of Object.entries(node)) if (key !== 'fallback' && typeof child === 'object') actionsOf(child, found);
  return found;
}

function firstOfType(value: unknown, type: string): CardNode | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = firstOfType(item, type);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const node = value as CardNode;
  if (node.type === type) return node;
  for (const child of Object.values(node)) {
    const found = typeof child === 'object' ? firstOfType(child, type) : undefined;
    if (found) return found;
  }
  return undefined;
}

interface TeamsHandle {
  actions: TeamsAction[];
  channel?: string;
}

/**
 * The Teams driver: `keycard start` (the CLI's start command, in this process) with a real Microsoft
 * App ID, driven over HTTP with Bot Framework activities that carry signed tokens; the Bot Framework's
 * keys, token endpoint and connector are faked at the network edge.
 */
export async function startTeamsDriver(options: { databaseUrl?: string } = {}): Promise<Started & { calls: ConnectorCall[] }> {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  serveBotFrameworkKeys();
  const channels = [
    { id: GENERAL },
    { id: TEAMS_CHANNELS.approvals, name: 'access-approvals' },
    { id: TEAMS_CHANNELS.critical, name: 'access-critical' },
    { id: TEAMS_CHANNELS.alerts, name: 'security-alerts' },
    TEAMS_INCIDENT_CHANNEL,
  ];
  const { calls } = startFakeConnector({ serviceUrl: SERVICE_URL, people: EVERYONE, channels, tenantId: TENANT });
  const webhook = await startWebhookTarget();
  const { cwd, env } = await scenarioEnvironment(webhook.url, {
    MICROSOFT_APP_ID: APP_ID,
    MICROSOFT_APP_PASSWORD: 'scenario-app-secret',
    MICROSOFT_APP_TYPE: 'MultiTenant',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  });
  const io: CliIo = { out: () => {}, err: () => {}, env, cwd, stdin: process.stdin, stdoutIsTTY: false };
  let server: ServerHandle | undefined;
  const running = startCommand(io, parseArgs([], new Set()), {
    http: true,
    settings: SCENARIO_SETTINGS,
    onServing: (handle) => {
      server = handle;
    },
  });
  running.catch(() => undefined);
  await eventually(() => {
    if (!server) throw new Error('not serving yet');
  }, 60_000);
  const baseUrl = `http://127.0.0.1:${server!.port}`;

  const incoming = new Map<string, Person>();
  const invokeReplies: Array<{ at: number; who: Person; value: unknown }> = [];
  let n = 0;

  const activity = (who: Person, fields: Record<string, unknown>, channel?: string) => {
    const id = `in-${++n}`;
    incoming.set(id, who);
    const conversation = channel
      ? { id: `${channel};messageid=1700000000000`, conversationType: 'channel', tenantId: TENANT, isGroup: true }
      : { id: `a:dm-${who.teams.aadObjectId}`, conversationType: 'personal', tenantId: TENANT, isGroup: false };
    return {
      id,
      channelId: 'msteams',
      serviceUrl: SERVICE_URL,
      timestamp: new Date().toISOString(),
      from: { id: who.teams.id, aadObjectId: who.teams.aadObjectId, name: who.email },
      recipient: { id: `28:${APP_ID}`, name: 'Keycard' },
      conversation,
      channelData: { tenant: { id: TENANT }, ...(channel ? { team: TEAM, channel: { id: channel } } : {}) },
      ...fields,
    };
  };

  const post = async (body: unknown) => {
    const response = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token()}` },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`Keycard answered ${response.status}: ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  };

  const invoke = async (who: Person, data: Record<string, unknown>, channel?: string) => {
    const answer = await post(
      activity(
        who,
        {
          type: 'invoke',
          name: 'adaptiveCard/action',
          value: { action: { type: 'Action.Execute', verb: data.kc, data }, trigger: 'manual' },
        },
        channel,
      ),
    );
    if (answer) invokeReplies.push({ at: Date.now(), who, value: answer.value });
  };

  // Keycard learns the team's channels and people when it is added to the team.
  await post(activity(P.bob, { type: 'conversationUpdate', membersAdded: [{ id: `28:${APP_ID}`, name: 'Keycard' }] }, GENERAL));

  const byAad = new Map(EVERYONE.map((p) => [p.teams.aadObjectId, p]));
  const logical = (conversation: string, created: Map<string, Person>): string => {
    const entry = Object.entries(TEAMS_CHANNELS).find(([, id]) => id === conversation);
    if (entry) return `channel:${entry[0]}`;
    if (conversation === TEAMS_INCIDENT_CHANNEL.id) return 'incident';
    const dm = /^a:dm-(.+)$/.exec(conversation);
    const person = dm ? byAad.get(dm[1]!) : created.get(conversation);
    return person ? `dm:${person.email}` : `conversation:${conversation}`;
  };

  const seen = (): Seen[] => {
    const created = new Map<string, Person>();
    const events: Array<{ at: number; seen: Seen }> = [];
    const messageOf = (body: Record<string, unknown>) => {
      const content = (body.attachments as Array<{ content?: unknown }> | undefined)?.map((a) => a.content) ?? [];
      const text = [body.summary, body.text, cardText(content)].filter((t) => typeof t === 'string' && t).join('\n');
      const actions = actionsOf(content);
      return { text, actions };
    };
    for (const call of calls) {
      if (call.method === 'POST' && call.path === 'v3/conversations') {
        const members = (call.body.members as Array<{ id: string }> | undefined) ?? [];
        const person = EVERYONE.find((p) => p.teams.id === members[0]?.id);
        if (person && call.id) created.set(call.id, person);
        continue;
      }
      const match = /^v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(call.path);
      if (!match || call.method === 'GET') continue;
      const [conversation = '', messageId] = match[1]!.split(';messageid=');
      const { text, actions } = messageOf(call.body);
      const replyTo = match[2] && call.method === 'POST' ? incoming.get(match[2]) : undefined;
      const to = replyTo ? `reply:${replyTo.email}` : logical(conversation, created);
      const handle: TeamsHandle = { actions, ...(conversation.startsWith('19:') ? { channel: conversation } : {}) };
      events.push({
        at: call.at,
        seen: {
          to,
          text,
          buttons: actions.map((a) => a.title),
          thread: !replyTo && call.method === 'POST' && messageId !== undefined,
          update: call.method === 'PUT',
          handle,
        },
      });
    }
    for (const reply of invokeReplies) {
      const text = typeof reply.value === 'string' ? reply.value : cardText(reply.value);
      const actions = typeof reply.value === 'string' ? [] : actionsOf(reply.value);
      events.push({
        at: reply.at,
        seen: {
          to: `reply:${reply.who.email}`,
          text,
          buttons: actions.map((a) => a.title),
          thread: false,
          update: false,
          handle: { actions },
        },
      });
    }
    return events.sort((a, b) => a.at - b.at).map((e) => e.seen);
  };

  const driver: Driver = {
    name: 'teams',
    baseUrl,
    async say(who, command, where?: Where) {
      const channel = where === 'incident-channel' ? TEAMS_INCIDENT_CHANNEL.id : undefined;
      const text = channel ? `<at>Keycard</at> access ${command}` : `access ${command}`;
      const entities = channel ? [{ type: 'mention', text: '<at>Keycard</at>', mentioned: { id: `28:${APP_ID}`, name: 'Keycard' } }] : [];
      await post(activity(who, { type: 'message', text, entities }, channel));
    },
    async form(who, f: RequestForm) {
      const from = seen().length;
      await post(activity(who, { type: 'message', text: 'access' }));
      await eventually(() => {
        if (
          !seen()
            .slice(from)
            .some((m) => m.to === `reply:${who.email}` && m.buttons.includes('Request access'))
        )
          throw new Error('no form yet');
      });
      await invoke(who, { kc: 'submitRequest', resource: f.resource, duration: f.duration, level: f.level, reason: f.reason });
    },
    async click(who, message, label, input = {}) {
      const handle = message.handle as TeamsHandle | undefined;
      const norm = (s: string) => s.replace(/[’‘]/g, "'");
      const action = handle?.actions.find((a) => norm(a.title).startsWith(norm(label)));
      if (!handle || !action) throw new Error(`no "${label}" action on Teams message: ${message.text.slice(0, 200)}`);
      let execute = action.node;
      const data: Record<string, unknown> = {};
      if (action.node.type === 'Action.ShowCard') {
        // A ShowCard reveals a small form (a reason, a confirmation) with the real Action.Execute.
        execute = firstOfType(action.node.card, 'Action.Execute') ?? execute;
        const field = firstOfType(action.node.card, 'Input.Text');
        if (field) data[String(field.id)] = input.reason ?? 'from the scenario';
      }
      await invoke(who, { ...(execute.data as Record<string, unknown>), ...data }, handle.channel);
    },
    seen,
    async close() {
      await server?.shutdown('scenario done');
      await running.catch(() => undefined);
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
  return { driver, webhook, calls };
}
