import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { bootKeycard } from '../../src/main.js';
import { freshPostgresDatabase, hasTestPostgres, seededDataDir } from '../helpers/db.js';
import { createPgFixture, type PgFixture } from '../providers/postgres/pg-fixture.js';

const root = join(import.meta.dirname, '../..');
const REFUSED = 'postgres://nobody@127.0.0.1:1/none';

function io(env: Record<string, string>, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd, stdin: process.stdin, stdoutIsTTY: false };
  return { io: value, out, err, text: () => [...out, ...err].join('\n') };
}

/**
 * `keycard reconcile` and `keycard inventory` as an operator runs them, against a real Postgres target with
 * every case planted: a revoke that keeps failing, a credential dropped at the target (lost), a hand-made
 * kc_ role (rogue, unlabelled), a role with a leftover label of a grant that is over, a role with a forged
 * comment naming a live grant, and a backdoor login in the level's group role (standing access). Neither
 * command may print "No drift" while any of them is there.
 */
describe.skipIf(!hasTestPostgres())('keycard reconcile and keycard inventory show every unaccounted case', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'kc-reconcile-cli-'));
  let fx: PgFixture;
  let state: { url: string; dispose(): Promise<void> };
  const planted: string[] = [];
  const env = (adminUrl = fx.adminUrl) => ({
    DATABASE_URL: state.url,
    ORDERS_ADMIN_URL: adminUrl,
    LOG_LEVEL: 'silent',
    KEYCARD_DATA_DIR: seededDataDir(join(cwd, 'data')),
  });
  const requester = (who: string) => `${who}${fx.id}@example.com`;
  const roleOf = async (grantId: string) =>
    (
      await fx.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE shobj_description(oid, 'pg_authid') LIKE $1`, [
        `keycard grant ${grantId} expires % resource ${fx.resource}`,
      ])
    ).rows[0]?.rolname;
  const cli = async (args: string[], adminUrl?: string) => {
    const h = io(env(adminUrl), cwd);
    const code = await runCli(args, h.io);
    return { code, text: h.text() };
  };

  beforeAll(async () => {
    fx = await createPgFixture(process.env.TEST_DATABASE_URL!);
    state = await freshPostgresDatabase();
    const example = readFileSync(join(root, 'manifests/policy.example.yaml'), 'utf8');
    const resource = `  ${fx.resource}:\n    provider: postgres\n    sensitivity: high\n    connection: env:ORDERS_ADMIN_URL\n    levels:\n      read: { role: ${fx.readRole} }\n    minDuration: 10s\n    maxDuration: 4h\n`;
    // escalateAfter 1: the first refused revoke already makes the grant revoke_failed.
    writeFileSync(
      join(cwd, 'keycard.yaml'),
      example.replace(/\nresources:\n/, `\nresources:\n${resource}`).replace('escalateAfter: 5', 'escalateAfter: 1'),
    );
    const steps = (n: number, who: string) => [
      `${requester(who)}:/access ${fx.resource} 1h read fix stuck order INC-42${n}`,
      `carol@example.com:approve KC-${n}`,
      `bob@example.com:approve KC-${n}`,
      `dave@example.com:approve KC-${n}`,
    ];
    for (const [url, list] of [
      [fx.adminUrl, [...steps(1, 'lost'), ...steps(2, 'failing'), ...steps(3, 'alice')]],
      [REFUSED, [`${requester('failing')}:release KC-2`]],
    ] as const) {
      const keycard = await bootKeycard({ env: env(url), cwd, chat: [] });
      try {
        for (const step of list) {
          const [actor, text] = step.split(/:(.*)/s) as [string, string];
          await handleCommand(keycard.deps, { actor, text, origin: { platform: 'console' } });
        }
      } finally {
        await keycard.close();
      }
    }
    // KC-1's credential dropped by hand; KC-2's revoke keeps failing; KC-3 is live.
    await fx.query(`DROP ROLE ${(await roleOf('KC-1'))!}`);
    const rogue = `kc_mallory_kc_99_${fx.id}`;
    const leftover = `kc_trent_kc_98_${fx.id}`;
    const forged = `kc_eve_kc_3_${fx.id}`;
    const backdoor = `backdoor_${fx.id}`;
    planted.push(rogue, leftover, forged, backdoor);
    for (const role of planted) {
      await fx.query(`CREATE ROLE ${role} LOGIN`);
      await fx.query(`GRANT ${fx.readRole} TO ${role}`);
    }
    await fx.query(`COMMENT ON ROLE ${leftover} IS 'keycard grant KC-98 expires 2030-01-01T00:00:00.000Z resource ${fx.resource}'`);
    await fx.query(`COMMENT ON ROLE ${forged} IS 'keycard grant KC-3 expires 2030-01-01T00:00:00.000Z resource ${fx.resource}'`);
  }, 120_000);

  afterAll(async () => {
    for (const role of planted) await fx?.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await fx?.teardown();
    await state?.dispose();
  });

  it('lists each case, exits 3, marks the lost grant, and says "No drift." only once everything is accounted for', async () => {
    const [rogue, leftover, forged, backdoor] = planted as [string, string, string, string];
    const res = fx.resource;

    const inventory = await cli(['inventory', '--resource', res]);
    expect(inventory.code).toBe(3);
    expect(inventory.text).toContain(`${res}: `);
    expect(inventory.text).toMatch(new RegExp(`${backdoor}\\s+member of ${fx.readRole}`));
    expect(inventory.text).toContain('Not accounted for by Keycard (a dry-run reconcile; nothing was changed):');
    expect(inventory.text).toContain(`drift    ${res} KC-2 ${requester('failing')} · Keycard’s revoke keeps failing; access may be live`);
    expect(inventory.text).toContain(`drift    ${res} ${rogue} · no Keycard label`);
    expect(inventory.text).toContain(`drift    ${res} KC-98 ${leftover} · no live grant`);
    expect(inventory.text).toContain(`drift    ${res} KC-3 ${forged} · label names a live grant but this is not its object`);
    expect(inventory.text).toContain(
      `lost     ${res} KC-1 ${requester('lost')} · active in Keycard, credential gone at the target · would mark lost`,
    );
    expect(inventory.text).not.toContain('No drift');

    const json = await cli(['inventory', '--resource', res, '--json']);
    expect(json.code).toBe(3);
    const parsed = JSON.parse(json.text) as { unaccounted: { check: { orphans: Array<{ reason: string }>; missing: unknown[] } } };
    expect(parsed.unaccounted.check.orphans.map((o) => o.reason).sort()).toEqual([
      'label_mismatch',
      'no_live_grant',
      'revoke_failed',
      'unlabelled',
    ]);
    expect(parsed.unaccounted.check.missing).toHaveLength(1);

    const reconcile = await cli(['reconcile', '--resource', res]);
    expect(reconcile.code).toBe(3);
    for (const line of [
      `drift    ${res} KC-2 ${requester('failing')} · Keycard’s revoke keeps failing; access may be live · Keycard knows it as revoke_failed · retrying`,
      `drift    ${res} ${rogue} · no Keycard label (made outside Keycard) · Keycard knows it as unknown · reported`,
      `drift    ${res} KC-98 ${leftover} · no live grant · Keycard knows it as unknown · reported`,
      `drift    ${res} KC-3 ${forged} · label names a live grant but this is not its object (forged label) · Keycard knows it as active · reported`,
      `lost     ${res} KC-1 ${requester('lost')} · active in Keycard, credential gone at the target · marked lost`,
      `standing ${res} (read) ${backdoor} · member of ${fx.readRole} · NEW (alerted)`,
    ])
      expect(reconcile.text).toContain(line);
    expect(reconcile.text).not.toContain('No drift');

    // The lost grant stays visible in the inventory after it was marked.
    const after = await cli(['inventory', '--resource', res]);
    expect(after.text).toMatch(
      new RegExp(
        `lost     ${res} KC-1 ${requester('lost')} \\(read\\) · credential removed at the target outside Keycard · marked lost \\d{4}-`,
      ),
    );
    expect(after.text).not.toContain('would mark lost');

    // Clear the drift: the hand-made roles go, the failing revoke is retried once the target is back.
    for (const role of [rogue, leftover, forged]) await fx.query(`DROP ROLE ${role}`);
    const retried = await cli(['grants', 'retry', 'KC-2', '--as', 'dave@example.com']);
    expect(retried.text).toContain('KC-2 is revoked');
    expect(retried.code).toBe(0);
    const standingOnly = await cli(['reconcile', '--resource', res]);
    expect(standingOnly.code).toBe(0);
    expect(standingOnly.text).toContain(`standing ${res} (read) ${backdoor}`);
    expect(standingOnly.text).toContain("Keycard's grants match the targets, but 1 standing access finding(s) are outside Keycard");
    expect(standingOnly.text).not.toContain('No drift');

    await fx.query(`DROP ROLE ${backdoor}`);
    const clean = await cli(['reconcile', '--resource', res]);
    expect(clean.code).toBe(0);
    expect(clean.text).toMatch(/No drift\.$/);
  }, 120_000);

  it('a target Keycard cannot reach is an error in both commands, never "No drift"', async () => {
    const down = await cli(['reconcile', '--resource', fx.resource], REFUSED);
    expect(down.code).toBe(1);
    expect(down.text).toContain(`error    ${fx.resource}:`);
    expect(down.text).not.toContain('No drift');
    const inventory = await cli(['inventory', '--resource', fx.resource], REFUSED);
    expect(inventory.code).toBe(1);
    expect(inventory.text).toContain(`${fx.resource}: could not read standing access`);
    expect(inventory.text).not.toContain('No drift');
  }, 60_000);
});
