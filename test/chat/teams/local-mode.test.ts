import { mkdtempSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Activity } from 'botbuilder';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isLocalRequest } from '../../../src/chat/teams/http.js';
import { createTeamsAdapter, type TeamsAdapter } from '../../../src/chat/teams/index.js';
import type { CliIo } from '../../../src/cli/io.js';
import { runCli } from '../../../src/cli/keycard.js';
import { createHttpServer, type HttpServer } from '../../../src/http/server.js';
import { seededDataDir } from '../../helpers/db.js';
import { createHarness, type Harness } from '../../helpers/harness.js';
import { fakeConnector } from './connector.js';
import { activityFrom, cardText, PEOPLE, teamsPolicy } from './fixtures.js';

const { alice } = PEOPLE;

/** An address of this machine that is not loopback, when it has one (CI containers do). */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (entry.family === 'IPv4' && !entry.internal) return entry.address;
  }
  return undefined;
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith(externalAddress() ?? '127.0.0.1'));
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('Teams local mode (Bot Framework Emulator, no app id)', () => {
  let h: Harness;
  let teams: TeamsAdapter;
  let server: HttpServer;
  let port: number;
  let connector: ReturnType<typeof fakeConnector>;
  const warnings: string[] = [];

  beforeEach(async () => {
    connector = fakeConnector();
    h = await createHarness('pglite', { policy: teamsPolicy() });
    const log = { ...h.deps.log, warn: (fields: unknown, message?: string) => void warnings.push(String(message ?? fields)) };
    teams = createTeamsAdapter({ appId: '', appType: 'MultiTenant', allowUnauthenticated: true }, { log });
    h.deps.chat = teams.chat;
    await teams.start(h.deps);
    server = createHttpServer({ log: h.deps.log, ready: async () => ({ ok: true, checks: {} }) });
    for (const route of teams.routes()) server.route(route.path, route.handler);
    port = await server.listen(0, '0.0.0.0');
  });
  afterEach(async () => {
    await teams.stop();
    await server.close();
    await h.close();
    nock.cleanAll();
    warnings.splice(0);
  });

  const post = (host: string, activity: Partial<Activity>, headers: Record<string, string> = {}) =>
    fetch(`http://${host}:${port}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(activity),
    });
  const request = () => activityFrom(alice, { type: 'message', text: 'access demo-db 15m read checking replication lag INC-42' });

  it('logs loudly at start and serves unauthenticated requests from loopback, with no credentials outbound', async () => {
    expect(warnings.join('\n')).toMatch(/TEAMS LOCAL MODE.*WITHOUT authentication, from loopback only/);
    const response = await post('127.0.0.1', activityFrom(alice, { type: 'message', text: 'help' }));
    expect(response.status).toBe(200);
    const [reply] = connector.sends();
    expect(cardText(reply?.body.attachments)).toContain('Keycard grants temporary production access');
    expect(reply?.authorization).toBeUndefined();
  });

  it('refuses a request relayed by a proxy, even a local one, and changes nothing', async () => {
    const response = await post('127.0.0.1', request(), { 'x-forwarded-for': '203.0.113.9' });
    expect(response.status).toBe(403);
    expect(connector.calls).toEqual([]);
    expect(await h.deps.store.getRequestByNumber(1)).toBeUndefined();
    expect(await h.deps.store.state.list('teams:conversation')).toEqual([]);
  });

  it.skipIf(externalAddress() === undefined)('refuses a request from another address of the network and changes nothing', async () => {
    const response = await post(externalAddress()!, request());
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'Keycard runs Teams in local mode and accepts requests from this machine only' });
    expect(connector.calls).toEqual([]);
    expect(await h.deps.store.getRequestByNumber(1)).toBeUndefined();
  });

  it('tells loopback from everything else', () => {
    const req = (remoteAddress: string, headers: Record<string, string> = {}) =>
      ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage;
    expect(isLocalRequest(req('127.0.0.1'))).toBe(true);
    expect(isLocalRequest(req('::1'))).toBe(true);
    expect(isLocalRequest(req('::ffff:127.0.0.1'))).toBe(true);
    expect(isLocalRequest(req('10.0.0.5'))).toBe(false);
    expect(isLocalRequest(req('127.0.0.1', { forwarded: 'for=198.51.100.1' }))).toBe(false);
  });
});

describe('keycard start with Teams', () => {
  it('refuses to start when KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED is set together with an app id', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kc-teams-'));
    const err: string[] = [];
    const io: CliIo = {
      out: () => {},
      err: (text) => err.push(text),
      env: {
        KEYCARD_DATA_DIR: seededDataDir(join(cwd, 'data')),
        LOG_LEVEL: 'silent',
        MICROSOFT_APP_ID: '00000000-0000-4000-8000-00000000b07a',
        MICROSOFT_APP_PASSWORD: 'app-secret',
        KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED: 'true',
      },
      cwd,
      stdin: process.stdin,
      stdoutIsTTY: false,
    };
    expect(await runCli(['start'], io)).toBe(1);
    expect(err.join('\n')).toContain('KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED=true cannot be used with MICROSOFT_APP_ID');
    expect(err.join('\n')).not.toContain('app-secret');
  });
});
