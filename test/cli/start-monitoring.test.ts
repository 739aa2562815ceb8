import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMonitoring } from '../../src/cli/start-monitoring.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { bootKeycard, type Keycard } from '../../src/main.js';
import { signActivityBody } from '../../src/monitor/index.js';
import { seededDataDir } from '../helpers/db.js';
import { createRecordingChat } from '../helpers/harness.js';

const SECRET = 'an-activity-secret-for-tests';

/** keycard start's wiring: with KEYCARD_ACTIVITY_SECRET the signed ingest is mounted and feeds the monitor. */
describe('activity monitoring wiring', () => {
  let keycard: Keycard;
  let http: HttpServer;
  let base: string;
  let stop: () => Promise<void>;
  const chat = createRecordingChat();

  beforeAll(async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kc-mon-'));
    keycard = await bootKeycard({
      env: { KEYCARD_DATA_DIR: seededDataDir(join(cwd, 'data')), KEYCARD_ACTIVITY_SECRET: SECRET, LOG_LEVEL: 'silent' },
      cwd,
      chat: [{ platform: 'console', chat }],
    });
    http = createHttpServer({ log: keycard.log, ready: async () => ({ ok: true, checks: {} }) });
    stop = startMonitoring(keycard, http).stop;
    base = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
  }, 60_000);

  afterAll(async () => {
    await stop?.();
    await http?.close();
    await keycard?.close();
  });

  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${base}/activity`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('refuses unsigned ingest and alerts on a signed destructive statement', async () => {
    expect((await post('{}', {})).status).toBe(401);
    const run = (actor: string, text: string) => handleCommand(keycard.deps, { actor, text, origin: { platform: 'console' } });
    await run('alice@example.com', '/access demo-db 30m read checking replication lag INC-42');
    // carol (db-owners) approves it whether it scores medium (working hours) or high (off-hours, weekends).
    await run('carol@example.com', 'approve KC-1');
    const body = JSON.stringify({ grant: 'KC-1', at: new Date().toISOString(), statement: 'DELETE FROM orders' });
    const ts = Math.floor(Date.now() / 1000);
    const response = await post(body, { 'x-keycard-timestamp': String(ts), 'x-keycard-signature': signActivityBody(SECRET, ts, body) });
    expect(response.status).toBe(202);
    expect(chat.events.some((e) => e.type === 'anomaly' && e.to === 'carol@example.com' && e.alert.actions.includes('revoke'))).toBe(true);
  });
});
