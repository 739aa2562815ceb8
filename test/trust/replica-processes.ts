import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ServedProcess, spawnServed } from '../bench/serve-process.js';
import { sign } from '../chat/slack/helpers/slack-fixture.js';
import { type FakeSlackApi, startFakeSlackApi } from '../scenarios/fakes/slack-api.js';
import { startHttpConnector } from '../scenarios/fakes/teams-connector.js';
import { EVERYONE, type Person, SLACK_CHANNELS, scenarioEnvironment } from '../scenarios/world.js';
import { createBotFrameworkSigner } from './fakes/bot-framework-tokens.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const TSX_CLI = join(root, 'node_modules/tsx/dist/cli.mjs');
const EDGE = pathToFileURL(join(here, 'fakes/bot-framework-edge.mjs')).href;
const ENTRY = join(root, 'src/cli/keycard.ts');

export const SLACK_TOKEN = 'xoxb-replica-trust-token';
export const SLACK_SECRET = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
export const TEAMS_APP_ID = '00000000-0000-4000-8000-0000000015aa';
export const TENANT = '1a2b3c4d-0000-4000-8000-00000000aaaa';
/** Another organisation's tenant: signed activities from it must be refused. */
export const FOREIGN_TENANT = '9f8e7d6c-0000-4000-8000-00000000bbbb';
export const GENERAL = { id: 'C0GENERAL', name: 'general' };

/**
 * The shared world of the two-process trust test: a fake Slack Web API and a Bot Connector on real
 * ports, a Bot Framework token signer, one environment (same database, same audit key) from which any
 * number of `keycard start` processes are spawned, each with its own data folder and ports.
 */
export async function startReplicaWorld(databaseUrl: string) {
  const api: FakeSlackApi = await startFakeSlackApi({
    token: SLACK_TOKEN,
    users: EVERYONE.map((p) => ({ id: p.slack, email: p.email })),
    channels: [
      { id: SLACK_CHANNELS.approvals, name: 'access-approvals' },
      { id: SLACK_CHANNELS.critical, name: 'access-critical' },
      { id: SLACK_CHANNELS.alerts, name: 'security-alerts' },
      GENERAL,
    ],
  });
  const connector = await startHttpConnector({ people: EVERYONE, channels: [{ id: '19:general@thread.tacv2' }], tenantId: TENANT });
  const signer = createBotFrameworkSigner(TEAMS_APP_ID);
  const { cwd, env } = await scenarioEnvironment('http://127.0.0.1:9/unused', {
    DATABASE_URL: databaseUrl,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_API_URL: api.apiUrl,
    MICROSOFT_APP_ID: TEAMS_APP_ID,
    MICROSOFT_APP_PASSWORD: 'replica-trust-app-secret',
    MICROSOFT_APP_TYPE: 'MultiTenant',
    MICROSOFT_APP_TENANT_ID: TENANT,
    KEYCARD_TEST_BOT_FRAMEWORK_JWK: signer.publicJwk,
    // Each checkpoint (every minute and at stop) also leaves a line in the alerts channel.
    KEYCARD_AUDIT_CHECKPOINT_ALERTS: 'true',
    LOG_LEVEL: 'info',
  });
  let replicas = 0;
  const processes: ServedProcess[] = [];
  const outputs = new Map<number, string>();

  /** One more `keycard start` (a real OS process) on the shared database: its own data folder, PORT=0, metrics port 0. */
  const spawnReplica = async (): Promise<ServedProcess> => {
    replicas += 1;
    const dataDir = join(cwd, `replica-${replicas}`);
    mkdirSync(dataDir, { recursive: true });
    const served = await spawnServed(
      [TSX_CLI, '--import', EDGE, ENTRY, 'start'],
      { ...env, KEYCARD_DATA_DIR: dataDir, PORT: '0', KEYCARD_METRICS_PORT: '0' },
      cwd,
      120_000,
    );
    processes.push(served);
    // Kept (the last 40 KB each) so a failing test can print what the processes said.
    const index = replicas;
    outputs.set(index, '');
    const keep = (d: Buffer) => outputs.set(index, `${outputs.get(index) ?? ''}${d}`.slice(-40_000));
    served.child.stdout?.on('data', keep);
    served.child.stderr?.on('data', keep);
    return served;
  };

  return {
    api,
    connector,
    signer,
    env,
    spawnReplica,
    /** What each replica process printed since it was ready (the last 40 KB), for a failing test's report. */
    output: () => [...outputs].map(([n, text]) => `--- replica ${n} ---\n${text}`).join('\n'),
    async close() {
      await Promise.all(processes.map((p) => p.stop()));
      await api.close();
      await connector.close();
    },
  };
}

export type ReplicaWorld = Awaited<ReturnType<typeof startReplicaWorld>>;

/** POSTs `body` to a replica with the given headers; resolves to the status (the body is read and dropped). */
export async function postTo(replica: ServedProcess, path: string, body: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${replica.port}${path}`, { method: 'POST', body, headers });
  await response.arrayBuffer();
  return response.status;
}

/** Slack's signing headers for `body` at `ts` (seconds), plus any extra headers (a retry's). */
export function slackHeaders(body: string, ts: number, extra: Record<string, string> = {}): Record<string, string> {
  return { 'content-type': 'application/x-www-form-urlencoded', ...sign(body, ts, SLACK_SECRET), ...extra };
}

let n = 0;

/** A slash command from `who` in #general, as Slack posts it (its own trigger id and response_url). */
export function slashBody(api: FakeSlackApi, who: Person, text: string, team = 'T1'): string {
  n += 1;
  return new URLSearchParams({
    token: 'legacy',
    team_id: team,
    team_domain: 'acme',
    channel_id: GENERAL.id,
    channel_name: GENERAL.name,
    user_id: who.slack,
    user_name: who.email.split('@')[0]!,
    command: '/access',
    text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: api.responseUrl(`slash-${n}`),
    trigger_id: `trigger.replica.${n}`,
  }).toString();
}

/** A click on a card button (`kc_approve`, `kc_deny`, …) whose value is the request number. */
export function clickBody(api: FakeSlackApi, who: Person, actionId: string, value: string, card: { channel: string; ts: string }): string {
  n += 1;
  const payload = {
    type: 'block_actions',
    team: { id: 'T1', domain: 'acme' },
    user: { id: who.slack, username: who.email.split('@')[0], team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy',
    trigger_id: `trigger.replica.${n}`,
    container: { type: 'message', message_ts: card.ts, channel_id: card.channel, is_ephemeral: false },
    channel: { id: card.channel, name: 'access-approvals' },
    message: { type: 'message', ts: card.ts, text: 'card', blocks: [] },
    response_url: api.responseUrl(`click-${n}`),
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: `b${n}`,
        value,
        action_ts: `${Date.now() / 1000}`,
        text: { type: 'plain_text', text: 'x' },
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A personal-chat message activity from `who` to the bot, as the Bot Framework posts it. */
export function teamsMessage(world: ReplicaWorld, who: Person, id: string, text: string, tenant = TENANT): string {
  return JSON.stringify({
    id,
    type: 'message',
    text,
    channelId: 'msteams',
    serviceUrl: world.connector.serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: who.teams.id, aadObjectId: who.teams.aadObjectId, name: who.email },
    recipient: { id: `28:${TEAMS_APP_ID}`, name: 'Keycard' },
    conversation: { id: `a:dm-${who.teams.aadObjectId}`, conversationType: 'personal', tenantId: tenant, isGroup: false },
    channelData: { tenant: { id: tenant } },
  });
}

/** Headers of a Bot Framework delivery: a fresh channel token for the connector's serviceUrl. */
export function teamsHeaders(world: ReplicaWorld): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${world.signer.token(world.connector.serviceUrl)}` };
}
