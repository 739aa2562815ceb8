import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { bootKeycard } from '../../src/main.js';
import { freshPostgresDatabase, seededDataDir, storeKinds } from '../helpers/db.js';

const root = join(import.meta.dirname, '../..');
const ALICE = 'alice@example.com';
// Alice's first request; `--at` asks about the evening before it.
const FIRST = new Date('2026-12-07T21:39:00Z');
const BEFORE = '2026-12-07T20:00:00Z';
const AFTER = '2026-12-07T23:00:00Z';

/**
 * `risk explain --at` scores a request as it would have been scored then: history recorded later (grants,
 * clean ends, a denial, an anomaly) neither discounts nor adds, and the History line shows the same view.
 */
describe.each(storeKinds())('risk explain --at on %s, with history after that time', (kind) => {
  const cwd = mkdtempSync(join(tmpdir(), 'kc-explain-at-'));
  let env: Record<string, string | undefined>;
  let dispose = async () => {};

  beforeAll(async () => {
    env = { KEYCARD_POLICY: join(root, 'manifests/policy.example.yaml'), LOG_LEVEL: 'silent' };
    if (kind === 'pg') {
      const db = await freshPostgresDatabase();
      env.DATABASE_URL = db.url;
      dispose = db.dispose;
    } else env.KEYCARD_DATA_DIR = seededDataDir(join(cwd, 'data'));
    let now = FIRST.getTime();
    const keycard = await bootKeycard({ env, cwd, chat: [], clock: { now: () => new Date(now) } });
    try {
      const run = async (actor: string, text: string) => {
        const reply = await handleCommand(keycard.deps, { actor, text, origin: { platform: 'console' } });
        now += 5 * 60_000;
        return reply;
      };
      // Four grants of demo-db that ended cleanly, a denied request, an anomaly alert: all after BEFORE.
      for (let n = 1; n <= 4; n += 1) {
        await run(ALICE, '/access demo-db 30m read investigating order sync lag OPS-201');
        await run('carol@example.com', `approve KC-${n} fine`);
        await run(ALICE, `release KC-${n}`);
      }
      await run(ALICE, '/access demo-admin 30m admin need to look around');
      await run('carol@example.com', 'deny KC-5 not for this');
      await keycard.deps.store.transaction(async (tx) =>
        tx.appendAudit({ at: new Date(now), actor: 'keycard', action: 'anomaly.detected', requestId: null, details: { requester: ALICE } }),
      );
    } finally {
      await keycard.close();
    }
  }, 120_000);
  afterAll(async () => dispose());

  const explain = async (as: string, at: string) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd, stdin: process.stdin, stdoutIsTTY: false };
    const args = ['risk', 'explain', '--as', as, 'demo-db', '30m', 'read', '--at', at, '--reason', 'investigating order sync lag OPS-201'];
    expect(await runCli(args, io), err.join('\n')).toBe(0);
    return out;
  };

  it('scores as of that time: a first access, nothing recorded later counted', async () => {
    const before = await explain(ALICE, BEFORE);
    const text = before.join('\n');
    expect(text).toMatch(/\+14\s+first-access\s+first access to demo-db/);
    expect(text).not.toMatch(/^\s+[+-]?\d+\s+(clean-history|recent-denials|recent-anomalies|velocity|new-resource-burst)\s/m);
    expect(text).toContain(
      'History: 0 earlier grant(s) on demo-db (0 clean in the window), 0 recent denial(s), 0 anomaly alert(s), 0 request(s) in the velocity window, 0 new resource(s) in the last day',
    );
    // Exactly what someone without any history gets.
    const nobody = await explain('nobody@example.com', BEFORE);
    expect(before.slice(1)).toEqual(nobody.slice(1));
  });

  it('counts that history once it has happened', async () => {
    const text = (await explain(ALICE, AFTER)).join('\n');
    expect(text).toMatch(/clean-history\s+\d earlier grants on demo-db ended cleanly/);
    expect(text).not.toMatch(/first-access/);
    expect(text).toMatch(/History: 4 earlier grant\(s\) on demo-db \(4 clean in the window\), 1 recent denial\(s\), 1 anomaly alert\(s\)/);
  });
});
