import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';
import { checkpointSinks } from '../../src/cli/start-checkpoints.js';
import { canonicalJson } from '../../src/core/audit/hash-chain.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { bootKeycard } from '../../src/main.js';
import { startCheckpoints } from '../../src/store/audit-checkpoints.js';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';

function io(env: Record<string, string | undefined>, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd, stdin: process.stdin, stdoutIsTTY: false };
  return { io: value, out, err, text: () => [...out, ...err].join('\n') };
}

/**
 * An attacker with write access to the database, against a keyed chain and checkpoints kept outside it:
 * each tampering `keycard audit verify` must catch, on a real Postgres server.
 */
describe.skipIf(!hasTestPostgres())('keycard audit verify against database tampering', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'kc-tamper-'));
  let database: { url: string; dispose(): Promise<void> };
  let env: Record<string, string>;
  let sql: pg.Client;
  let events = 0;

  const verify = async () => {
    const h = io(env, cwd);
    const code = await runCli(['audit', 'verify'], h.io);
    return { code, text: h.text() };
  };

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    // Console mode on Postgres: the zero-setup key is generated into the data folder.
    env = { DATABASE_URL: database.url, KEYCARD_DATA_DIR: join(cwd, 'data'), LOG_LEVEL: 'silent' };
    const keycard = await bootKeycard({ env, cwd, chat: [], quietByDefault: true });
    const run = (actor: string, text: string) => handleCommand(keycard.deps, { actor, text, origin: { platform: 'console' } });
    await run('alice@example.com', '/access demo-db 15m read checking replication lag INC-42');
    await run('mallory@example.com', 'approve KC-1');
    // carol (db-owners) may approve it in any tier it lands in: off-hours on the real clock make it high, not medium.
    await run('carol@example.com', 'approve KC-1');
    await run('alice@example.com', 'release KC-1');
    const checkpoints = startCheckpoints({
      store: keycard.store,
      key: keycard.auditKeys!.current,
      sinks: checkpointSinks(keycard.config, env, cwd),
      clock: keycard.deps.clock,
      log: keycard.log,
    });
    await checkpoints.stop();
    await keycard.close();
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    events = Number((await sql.query('select count(*) as n from audit_events')).rows[0].n);
    expect(events).toBeGreaterThanOrEqual(6);
    await sql.query('create table audit_backup as select * from audit_events');
  }, 120_000);
  beforeEach(async () => {
    await sql.query('delete from audit_events');
    await sql.query('insert into audit_events select * from audit_backup');
  });
  afterAll(async () => {
    await sql?.end();
    await database?.dispose();
  });

  it('keys every event and writes a signed checkpoint of the head beside the data folder', async () => {
    const keyed = await sql.query('select distinct key_id from audit_events');
    expect(keyed.rows.map((r) => r.key_id)).toEqual([expect.stringMatching(/^k-[0-9a-f]{8}$/)]);
    const lines = readFileSync(join(cwd, 'data', 'audit-checkpoints.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ v: 1, seq: events, keyId: keyed.rows[0].key_id });
    expect(await verify()).toEqual({
      code: 0,
      text: expect.stringMatching(new RegExp(`intact: ${events} event\\(s\\) \\(${events} keyed\\).*1 signed checkpoint`)),
    });
  });

  it('reports events not chained yet as such, not as a break', async () => {
    // What a replica leaves when it stops between its commit and its sequencer's run.
    await sql.query(
      `insert into audit_events (at, actor, action, request_id, details) values (now(), 'keycard', 'test.unchained', null, '{}'::jsonb)`,
    );
    expect(await verify()).toEqual({
      code: 0,
      text: expect.stringMatching(new RegExp(`intact: ${events} event\\(s\\).*; 1 newer event\\(s\\) not chained yet`)),
    });
  });

  it('detects an edited row', async () => {
    await sql.query(`update audit_events set details = jsonb_set(details, '{reason}', '"nothing to see"') where seq = 2`);
    expect(await verify()).toEqual({ code: 1, text: expect.stringContaining('BROKEN at event #2: content does not match its hash') });
  });

  it('detects a deleted row', async () => {
    await sql.query('delete from audit_events where seq = 3');
    expect(await verify()).toEqual({ code: 1, text: expect.stringContaining('expected event #3 next, found #4') });
  });

  it('detects a truncated tail (the newest events deleted)', async () => {
    await sql.query('delete from audit_events where seq > $1', [events - 2]);
    expect(await verify()).toEqual({
      code: 1,
      text: expect.stringContaining(`the log ends at #${events - 2}: the newest 2 event(s) were deleted`),
    });
  });

  it('detects a fully recomputed chain (every hash redone without the key)', async () => {
    // What an attacker with DB write access but not the key can do: drop a row and rebuild a valid unkeyed chain.
    await sql.query('delete from audit_events where seq = 3');
    const rows = (await sql.query('select * from audit_events order by seq')).rows;
    await sql.query('delete from audit_events');
    let prev = '0'.repeat(64);
    for (const [i, row] of rows.entries()) {
      const seq = i + 1;
      const body = canonicalJson({
        seq,
        at: new Date(row.at).toISOString(),
        actor: row.actor,
        action: row.action,
        requestId: row.request_id,
        details: row.details,
      });
      const hash = createHash('sha256').update(prev).update(body).digest('hex');
      await sql.query(
        'insert into audit_events (seq, at, actor, action, request_id, details, prev_hash, hash, key_id) values ($1,$2,$3,$4,$5,$6,$7,$8,null)',
        [seq, row.at, row.actor, row.action, row.request_id, row.details, prev, hash],
      );
      prev = hash;
    }
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.text).toMatch(/TAMPERED: .*(rewritten|were deleted)/);
  });

  it('detects a forged checkpoint line', async () => {
    const file = join(cwd, 'data', 'audit-checkpoints.jsonl');
    const original = readFileSync(file, 'utf8');
    const forged = { ...JSON.parse(original.trim().split('\n').at(-1)!), seq: 1 };
    const { appendFileSync, writeFileSync } = await import('node:fs');
    appendFileSync(file, `${JSON.stringify(forged)}\n`);
    try {
      expect(await verify()).toEqual({ code: 1, text: expect.stringContaining('is not signed by a known key (forged or edited)') });
    } finally {
      writeFileSync(file, original);
    }
  });
});
