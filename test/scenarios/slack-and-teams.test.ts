import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runServer, type ServerHandle } from '../../src/cli/run-server.js';
import { createChatAdapters } from '../../src/cli/start-command.js';
import { createLogger } from '../../src/logging/create-logger.js';
import { loadSettings } from '../../src/main.js';
import { sign } from '../chat/slack/helpers/slack-fixture.js';
import { type FakeSlackApi, startFakeSlackApi } from './fakes/slack-api.js';
import { EVERYONE, eventually, P, type Person, SCENARIO_SETTINGS, SLACK_CHANNELS, scenarioEnvironment, TEAMS_CHANNELS } from './world.js';

const TOKEN = 'xoxb-scenario-token';
const SIGNING_SECRET = '5ce7a210b0c4d9e8f1a2b3c4d5e6f708';

interface LogLine {
  level: number;
  msg: string;
  platform?: string;
  what?: string;
  setting?: string;
}

/**
 * Slack and Teams served by one `keycard start` (Teams in local mode, Slack against a fake Web API), with
 * a policy whose medium and high tiers name only a Slack channel: Teams has nowhere to post their cards,
 * which is the operator's choice and must not read as a delivery failure on every card.
 */
describe('keycard start with Slack and Teams, a tier channel that names only Slack', { timeout: 60_000 }, () => {
  let api: FakeSlackApi;
  let server: ServerHandle;
  const lines: LogLine[] = [];
  let n = 0;

  beforeAll(async () => {
    api = await startFakeSlackApi({
      token: TOKEN,
      users: EVERYONE.map((p) => ({ id: p.slack, email: p.email })),
      channels: [{ id: SLACK_CHANNELS.approvals, name: 'access-approvals' }],
    });
    const { cwd, env } = await scenarioEnvironment('http://127.0.0.1:9/unused', {
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: api.apiUrl,
      KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED: 'true',
      LOG_LEVEL: 'info',
    });
    const policyPath = join(cwd, 'keycard.yaml');
    writeFileSync(policyPath, readFileSync(policyPath, 'utf8').replaceAll(`, teams: "${TEAMS_CHANNELS.approvals}"`, ''));
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)) as LogLine);
        done();
      },
    });
    const log = createLogger({ level: 'info', destination });
    const io: CliIo = { out: () => {}, err: () => {}, env, cwd, stdin: process.stdin, stdoutIsTTY: false };
    const { config } = loadSettings(env, cwd);
    server = await runServer(io, await createChatAdapters(config, log), { log, handleSignals: false, settings: SCENARIO_SETTINGS });
  }, 60_000);

  afterAll(async () => {
    await server?.shutdown('test done');
    await api?.close();
  });

  const request = async (who: Person, text: string) => {
    n += 1;
    const body = new URLSearchParams({
      token: 'legacy',
      team_id: 'T1',
      team_domain: 'acme',
      channel_id: `D${who.slack}`,
      channel_name: 'directmessage',
      user_id: who.slack,
      user_name: who.email.split('@')[0]!,
      command: '/access',
      text,
      api_app_id: 'A1',
      is_enterprise_install: 'false',
      response_url: api.responseUrl(String(n)),
      trigger_id: `trigger.${n}`,
    }).toString();
    const response = await fetch(`http://127.0.0.1:${server.port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body, Math.floor(Date.now() / 1000), SIGNING_SECRET) },
      body,
    });
    expect(response.status).toBe(200);
  };
  const cards = () => api.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === SLACK_CHANNELS.approvals);

  it('warns once at start, posts every card to Slack, and never logs a Teams card as a failed delivery', async () => {
    expect(lines.filter((l) => / tiers\.medium\.channel\.teams: is not set but Teams is configured/.test(l.msg))).toEqual([
      expect.objectContaining({ level: 40 }),
    ]);
    await request(P.alice, 'orders-db 30m read checking the stuck order backlog');
    await request(P.kim, 'orders-db 30m read checking the stuck order backlog too');
    await eventually(() => expect(cards()).toHaveLength(2));
    // Teams is told about both cards; it is said once, at info, and neither is a failed delivery.
    await eventually(() =>
      expect(lines.filter((l) => l.what === 'publishCard' || l.msg === 'chat delivery failed')).toEqual([
        expect.objectContaining({
          level: 30,
          msg: 'no channel on this platform; not posted there',
          platform: 'teams',
          setting: 'tiers.medium.channel.teams',
        }),
      ]),
    );
  });
});
