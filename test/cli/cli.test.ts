import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { bootKeycard } from '../../src/main.js';
import { freshPostgresDatabase, hasTestPostgres, seededDataDir } from '../helpers/db.js';

function io(env: Record<string, string | undefined>, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd, stdin: process.stdin, stdoutIsTTY: false };
  return { io: value, out, err };
}

describe('keycard CLI', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'kc-cli-'));
  const baseEnv = { KEYCARD_DATA_DIR: seededDataDir(join(cwd, 'data')), LOG_LEVEL: 'silent' };

  it('prints help and refuses unknown commands', async () => {
    const ok = io(baseEnv, cwd);
    expect(await runCli(['--help'], ok.io)).toBe(0);
    expect(ok.out.join('\n')).toContain('risk explain');
    const bad = io(baseEnv, cwd);
    expect(await runCli(['frob'], bad.io)).toBe(2);
    expect(bad.err.join('\n')).toContain('unknown command "frob"');
    for (const cmd of [
      ['start', '--help'],
      ['policy', '--help'],
      ['risk', '--help'],
      ['audit', '--help'],
      ['migrate', '--help'],
      ['console', '--help'],
    ]) {
      const h = io(baseEnv, cwd);
      expect(await runCli(cmd, h.io)).toBe(0);
      expect(h.out.join('\n')).toMatch(/Usage/);
    }
  });

  it('policy check accepts the example and lists every problem in a bad file with file:line', async () => {
    const good = io(baseEnv, cwd);
    expect(await runCli(['policy', 'check'], good.io)).toBe(0);
    expect(good.out.join('\n')).toMatch(/policy\.example\.yaml is valid: 3 resources, 3 groups/);
    const one = io(baseEnv, cwd);
    expect(
      await runCli(['policy', 'check', join(import.meta.dirname, '../../manifests/kubernetes/policy.yaml'), '--offline'], one.io),
    ).toBe(0);
    expect(one.out.join('\n')).toMatch(/policy\.yaml is valid: 1 resource, 3 groups/);
    const example = readFileSync(join(import.meta.dirname, '../../manifests/policy.example.yaml'), 'utf8');
    const broken = example.replace('maxDuration: 4h', 'maxDuration: 4x').replace('approvers: [sre]', 'approvers: [sre, nobody]');
    writeFileSync(join(cwd, 'bad.yaml'), broken);
    const bad = io(baseEnv, cwd);
    expect(await runCli(['policy', 'check', 'bad.yaml'], bad.io)).toBe(1);
    expect(bad.err.join('\n')).toMatch(/bad\.yaml:\d+:\d+ resources\.demo-db\.maxDuration: .*4x.* is not a duration/);
  });

  it('policy schema prints a JSON Schema', async () => {
    const h = io(baseEnv, cwd);
    expect(await runCli(['policy', 'schema'], h.io)).toBe(0);
    const schema = JSON.parse(h.out.join('\n'));
    expect(schema.properties.resources).toBeDefined();
    expect(schema.properties.tiers).toBeDefined();
  });

  it('risk explain prints every factor, the tier and the route without creating anything', async () => {
    const h = io(baseEnv, cwd);
    expect(
      await runCli(['risk', 'explain', '--as', 'alice@example.com', 'demo-db', '30m', 'write', '--at', '2026-11-24T21:14:00+01:00'], h.io),
    ).toBe(0);
    const text = h.out.join('\n');
    expect(text).toContain('alice@example.com → demo-db (write) for 30m');
    expect(text).toMatch(/\+29\s+sensitivity\s+high sensitivity \(demo-db\)/);
    expect(text).toMatch(/\+5\s+level\s+write access/);
    expect(text).toMatch(/\+14\s+first-access\s+first access to demo-db/);
    expect(text).toMatch(/\+10\s+time\s+off-hours \(21:14 Europe\/Berlin, policy zone\)/);
    expect(text).toMatch(/score → tier high/);
    expect(text).toMatch(/Route: 1 approval\(s\) from db-owners/);
    const json = io(baseEnv, cwd);
    expect(
      await runCli(
        [
          'risk',
          'explain',
          '--as',
          'alice@example.com',
          'demo-logs',
          '--json',
          '--at',
          '2026-11-24T10:00:00+01:00',
          '--reason',
          'rotate the nightly logs OPS-1',
        ],
        json.io,
      ),
    ).toBe(0);
    expect(JSON.parse(json.out.join('\n'))).toMatchObject({ assessment: { tier: 'low' }, route: { approvals: 0 } });
    const bad = io(baseEnv, cwd);
    expect(await runCli(['risk', 'explain', 'demo-db'], bad.io)).toBe(2);
    expect(bad.err.join('\n')).toContain('--as EMAIL is required');
    // A mistake shows the usage of that subcommand only, with a pointer to the rest.
    expect(bad.err.join('\n')).toContain('keycard risk explain --as EMAIL RESOURCE');
    expect(bad.err.join('\n')).not.toContain('keycard risk calibrate');
    expect(bad.err.join('\n')).toContain('keycard risk --help shows every risk command.');
    const unknown = io(baseEnv, cwd);
    expect(await runCli(['risk', 'explain', '--as', 'a@b.c', 'nope'], unknown.io)).toBe(1);
    expect(unknown.err.join('\n')).toContain('Unknown resource "nope"');
  });

  describe.skipIf(!hasTestPostgres())('audit on a real Postgres server', () => {
    let db: { url: string; dispose(): Promise<void> };
    beforeAll(async () => {
      db = await freshPostgresDatabase();
      const keycard = await bootKeycard({ env: { ...baseEnv, DATABASE_URL: db.url }, cwd, chat: [] });
      try {
        const run = (actor: string, text: string) => handleCommand(keycard.deps, { actor, text, origin: { platform: 'console' } });
        await run('alice@example.com', '/access demo-db 15m read checking replication lag INC-42');
        await run('carol@example.com', 'approve KC-1 fine');
        await run('alice@example.com', 'release KC-1');
      } finally {
        await keycard.close();
      }
    });
    afterAll(async () => db?.dispose());

    it('verifies the chain, exports it, and names the first tampered event', async () => {
      const env = { ...baseEnv, DATABASE_URL: db.url };
      const ok = io(env, cwd);
      expect(await runCli(['audit', 'verify'], ok.io)).toBe(0);
      expect(ok.out.join('\n')).toMatch(/audit chain intact: \d+ event\(s\)/);

      const jsonl = io(env, cwd);
      expect(await runCli(['audit', 'export', '--format', 'jsonl'], jsonl.io)).toBe(0);
      const events = jsonl.out.map((l) => JSON.parse(l));
      expect(events.map((e) => e.action)).toContain('grant.activated');
      const csv = io(env, cwd);
      expect(await runCli(['audit', 'export', '--format', 'csv', '--since', '2000-01-01'], csv.io)).toBe(0);
      expect(csv.out[0]).toBe('seq,at,actor,action,request_id,details,prev_hash,hash');
      expect(csv.out).toHaveLength(events.length + 1);
      const badFormat = io(env, cwd);
      expect(await runCli(['audit', 'export', '--format', 'xml'], badFormat.io)).toBe(2);

      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      await client.query(`update audit_events set details = jsonb_set(details, '{reason}', '"nothing to see"') where seq = 2`);
      await client.end();
      const broken = io(env, cwd);
      expect(await runCli(['audit', 'verify'], broken.io)).toBe(1);
      expect(broken.err.join('\n')).toMatch(/audit chain BROKEN at event #2/);
    });
  });
});
