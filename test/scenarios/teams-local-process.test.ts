import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardText } from '../chat/teams/fixtures.js';
import { startHttpConnector } from './fakes/teams-connector.js';
import {
  EVERYONE,
  eventually,
  freePort,
  INCIDENT,
  P,
  type Person,
  postActivity,
  scenarioEnvironment,
  TEAMS_CHANNELS,
  TEAMS_INCIDENT_CHANNEL,
} from './world.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TENANT = 'tenant-1';
const GENERAL = '19:general@thread.tacv2';

/**
 * Teams local mode as a new user tries it with the Bot Framework Emulator: `keycard start` as a real
 * process with no Microsoft App ID, activities without tokens from this machine, and a connector on a
 * real port (the emulator's part). Request → approve → credential → anomaly DM with its buttons.
 */
describe('keycard start, Teams local mode (real process, no Azure)', { timeout: 60_000 }, () => {
  let child: ChildProcess;
  let connector: Awaited<ReturnType<typeof startHttpConnector>>;
  let baseUrl: string;
  let stderr = '';
  let n = 0;

  const activity = (who: Person, fields: Record<string, unknown>, channel?: string) => ({
    id: `local-${++n}`,
    channelId: 'msteams',
    serviceUrl: connector.serviceUrl,
    from: { id: who.teams.id, aadObjectId: who.teams.aadObjectId, name: who.email },
    recipient: { id: '28:keycard-local', name: 'Keycard' },
    conversation: channel
      ? { id: `${channel};messageid=1700000000000`, conversationType: 'channel', tenantId: TENANT, isGroup: true }
      : { id: `a:dm-${who.teams.aadObjectId}`, conversationType: 'personal', tenantId: TENANT, isGroup: false },
    channelData: { tenant: { id: TENANT }, ...(channel ? { team: { id: GENERAL, name: 'Ops' }, channel: { id: channel } } : {}) },
    ...fields,
  });
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  const sent = (path: string) => connector.calls.filter((c) => c.method === 'POST' && c.path === path);

  beforeAll(async () => {
    connector = await startHttpConnector({
      people: EVERYONE,
      channels: [{ id: GENERAL }, { id: TEAMS_CHANNELS.approvals, name: 'access-approvals' }, TEAMS_INCIDENT_CHANNEL],
      tenantId: TENANT,
    });
    const port = await freePort();
    const { cwd, env } = await scenarioEnvironment('http://127.0.0.1:9/unused', {
      KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED: 'true',
      PORT: String(port),
      LOG_LEVEL: 'info',
    });
    child = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'src/cli/keycard.ts'), 'start'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    baseUrl = `http://127.0.0.1:${port}`;
    await eventually(() => {
      // The pino lines are flushed after the CLI's own line; wait for the last one of start-up.
      if (!stderr.includes('Keycard is serving teams') || !stderr.includes('"msg":"keycard serving"'))
        throw new Error(`not serving yet; its stderr:\n${stderr}`);
    }, 150_000);
  }, 160_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await connector?.close();
  });

  it('logs loudly that it runs unauthenticated, and refuses relayed traffic', async () => {
    expect(stderr).toContain('TEAMS LOCAL MODE');
    const relayed = await post(activity(P.alice, { type: 'message', text: 'access help' }), { 'x-forwarded-for': '203.0.113.7' });
    expect(relayed.status).toBe(403);
  });

  it('request → card → Action.Execute approve (card refreshed) → credential DM → anomaly DM with actions', async () => {
    expect(
      (await post(activity(P.bob, { type: 'conversationUpdate', membersAdded: [{ id: '28:keycard-local', name: 'Keycard' }] }, GENERAL)))
        .status,
    ).toBe(200);
    expect((await post(activity(P.judy, { type: 'message', text: `access orders-db 30m write fix stuck order ${INCIDENT}` }))).status).toBe(
      200,
    );
    const card = await eventually(() => {
      const found = sent(`v3/conversations/${TEAMS_CHANNELS.approvals}/activities`).at(-1);
      if (!found) throw new Error('no card yet');
      return found;
    });
    const ref = /KC-\d+/.exec(cardText(card.body.attachments))![0];
    const number = Number(ref.slice(3));
    const clicked = await post(
      activity(
        P.bob,
        {
          type: 'invoke',
          name: 'adaptiveCard/action',
          value: { action: { type: 'Action.Execute', verb: 'approve', data: { kc: 'approve', number } }, trigger: 'manual' },
        },
        TEAMS_CHANNELS.approvals,
      ),
    );
    expect(clicked.status).toBe(200);
    expect(clicked.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    await eventually(() => {
      const update = connector.calls
        .filter((c) => c.method === 'PUT' && c.path.startsWith(`v3/conversations/${TEAMS_CHANNELS.approvals}/activities/`))
        .at(-1);
      expect(cardText(update?.body.attachments)).toContain('active until');
    });
    const dm = `v3/conversations/a:dm-${P.judy.teams.aadObjectId}/activities`;
    await eventually(() => expect(sent(dm).some((c) => cardText(c.body.attachments).includes('DEMO credential'))).toBe(true));
    // Outbound calls carry no credentials in local mode.
    expect(connector.calls.every((c) => c.authorization === undefined)).toBe(true);

    expect(await postActivity(baseUrl, { grant: ref, statement: 'DELETE FROM orders' })).toBe(202);
    const anomaly = await eventually(() => {
      const found = sent(dm).find((c) => cardText(c.body.attachments).includes('DELETE'));
      if (!found) throw new Error('no anomaly DM yet');
      return found;
    });
    expect(cardText(anomaly.body.attachments)).toMatch(/Acknowledge/);
    const incidentThread = connector.calls.filter(
      (c) => c.method === 'POST' && c.path.startsWith(`v3/conversations/${TEAMS_INCIDENT_CHANNEL.id};messageid=`),
    );
    expect(
      incidentThread.some((c) => cardText(c.body.attachments).includes('ANOMALY') || String(c.body.text ?? '').includes('ANOMALY')),
    ).toBe(true);
  });
});
