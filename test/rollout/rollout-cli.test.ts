import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';
import { standingAccessWarnings } from '../../src/cli/standing-check.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { bootKeycard, createProviders } from '../../src/main.js';
import { seededDataDir } from '../helpers/db.js';

const HOOK = 'https://hooks.example.test';
const example = readFileSync(join(import.meta.dirname, '../../manifests/policy.example.yaml'), 'utf8');
/** The bundled example plus a webhook resource and made-up standing access on demo-db's read level. */
const current = example
  .replace(
    'resources:\n',
    `resources:\n  billing:\n    provider: webhook\n    sensitivity: medium\n    connection: env:BILLING_WEBHOOK_SECRET\n    levels:\n      admin: { group: billing-admins }\n    config: { url: ${HOOK}/keycard, retries: 0, timeoutMs: 2000 }\n`,
  )
  .replace('      read: {}\n', '      read: { standing: [alice_smith, reporting] }\n');
/** The candidate: demo-db's maximum lowered from 4h to 2h. */
const candidate = current.replace('    maxDuration: 4h\n', '    maxDuration: 2h\n');

function cliIo(env: Record<string, string | undefined>, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd, stdin: process.stdin, stdoutIsTTY: false };
  return { io, out, err };
}

describe('rollout commands', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'kc-rollout-'));
  const env = { KEYCARD_DATA_DIR: seededDataDir(join(cwd, 'data')), KEYCARD_POLICY: join(cwd, 'keycard.yaml'), LOG_LEVEL: 'silent' };

  beforeAll(async () => {
    nock.disableNetConnect();
    writeFileSync(join(cwd, 'keycard.yaml'), current);
    writeFileSync(join(cwd, 'candidate.yaml'), candidate);
    // Start refuses a policy whose env: secret is unset; the inventory checks below run without it on purpose.
    const keycard = await bootKeycard({ env: { ...env, BILLING_WEBHOOK_SECRET: 'whsec_0123456789abcdef' }, cwd, chat: [] });
    try {
      const run = (actor: string, text: string) => handleCommand(keycard.deps, { actor, text, origin: { platform: 'console' } });
      await run('alice.smith@example.com', '/access demo-db 3h read long migration check OPS-7');
      await run('carol@example.com', 'approve KC-1');
      await run('alice.smith@example.com', '/access demo-logs 1h read rotate the nightly logs OPS-12');
    } finally {
      await keycard.close();
    }
  });
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('policy replay reports what the candidate would change and writes nothing', async () => {
    const auditLines = async () => {
      const exported = cliIo(env, cwd);
      expect(await runCli(['audit', 'export', '--format', 'jsonl'], exported.io)).toBe(0);
      return exported.out.length;
    };
    const before = await auditLines();
    const text = cliIo(env, cwd);
    expect(await runCli(['policy', 'replay', 'candidate.yaml', '--since', '7d'], text.io)).toBe(0);
    const output = text.out.join('\n');
    expect(output).toContain('Replayed 2 request(s) of the last 7d');
    expect(output).toMatch(
      /KC-1 alice\.smith@example\.com demo-db \(read\) 3h .* would be refused: 3h is longer than demo-db's maximum of 2h/,
    );
    expect(output).toContain('Nothing was written.');

    const json = cliIo(env, cwd);
    expect(await runCli(['policy', 'replay', 'candidate.yaml', '--json'], json.io)).toBe(0);
    const report = JSON.parse(json.out.join('\n'));
    expect(report).toMatchObject({ total: 2, counts: { refused: 1 }, newlyRefused: { duration_over_max: 1 } });

    expect(await auditLines()).toBe(before);

    const bad = cliIo(env, cwd);
    expect(await runCli(['policy', 'replay', 'candidate.yaml', '--since', 'a while'], bad.io)).toBe(2);
    expect(bad.err.join('\n')).toContain('is not a duration');
    const missing = cliIo(env, cwd);
    expect(await runCli(['policy', 'replay', 'nope.yaml'], missing.io)).toBe(1);
  });

  it('inventory lists standing principals with their last Keycard request; the webhook without its secret is reported', async () => {
    const h = cliIo(env, cwd);
    expect(await runCli(['inventory'], h.io)).toBe(1);
    const output = h.out.join('\n');
    expect(output).toContain('demo-db: 2 standing principals, 1 active Keycard grant');
    expect(output).toMatch(/alice_smith = alice\.smith@example\.com\s+standing demo access .*KC-1, active/);
    expect(output).toContain('billing: standing access unknown: set BILLING_WEBHOOK_SECRET');
    const one = cliIo(env, cwd);
    expect(await runCli(['inventory', '--resource', 'demo-db', '--json'], one.io)).toBe(0);
    expect(JSON.parse(one.out.join('\n')).resources).toHaveLength(1);
    const unknown = cliIo(env, cwd);
    expect(await runCli(['inventory', '--resource', 'nope'], unknown.io)).toBe(2);
  });

  it('policy check warns about standing access when the secret is at hand, and --offline asks nothing', async () => {
    const withSecret = { ...env, BILLING_WEBHOOK_SECRET: 'whsec_test' };
    const hook = nock(HOOK)
      .post('/keycard', (body: { action?: string }) => body.action === 'inventory')
      .reply(200, { standing: [{ level: 'admin', principal: 'dave@example.com', via: 'LDAP group billing-admins' }] });
    const checked = cliIo(withSecret, cwd);
    expect(await runCli(['policy', 'check'], checked.io)).toBe(0);
    expect(hook.isDone()).toBe(true);
    expect(checked.out.join('\n')).toContain(
      'warning: resources.billing: 1 principal holds standing access outside Keycard (dave@example.com); see keycard inventory --resource billing',
    );

    const offlineHook = nock(HOOK).post('/keycard').reply(200, { standing: [] });
    const offline = cliIo(withSecret, cwd);
    expect(await runCli(['policy', 'check', '--offline'], offline.io)).toBe(0);
    expect(offlineHook.isDone()).toBe(false);
    expect(offline.out.join('\n')).not.toContain('standing access');
    nock.cleanAll();

    // A receiver without the optional call is not worth a warning.
    nock(HOOK).post('/keycard').reply(404);
    const unsupported = cliIo(withSecret, cwd);
    expect(await runCli(['policy', 'check'], unsupported.io)).toBe(0);
    expect(unsupported.out.join('\n')).not.toContain('standing access');
  });

  it('gives up on a slow target within the budget instead of holding the check up', async () => {
    nock(HOOK).post('/keycard').delay(1_500).reply(200, { standing: [] });
    const { loadPolicyFile } = await import('../../src/config/policy-loader.js');
    const registry = createProviders();
    const loaded = await loadPolicyFile(join(cwd, 'keycard.yaml'), registry.schemas());
    if (!loaded.ok) throw new Error('policy did not load');
    const started = Date.now();
    const warnings = await standingAccessWarnings({ cwd, env: { BILLING_WEBHOOK_SECRET: 'whsec_test' } }, loaded.policy, registry, 200);
    expect(Date.now() - started).toBeLessThan(1_400);
    expect(warnings).toEqual([expect.stringContaining('resources.billing: standing access not checked (no answer within')]);
    nock.cleanAll();
  });
});
