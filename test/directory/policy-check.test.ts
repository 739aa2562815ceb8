import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';
import { seededDataDir } from '../helpers/db.js';
import { writePolicy } from './helpers.js';

const ORG = 'https://keycard-check.okta.com';

function io(env: Record<string, string | undefined>, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd, stdin: process.stdin, stdoutIsTTY: false };
  return { io: value, out, err };
}

describe('keycard policy check with directory references', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'kc-dircheck-'));
  const env = { KEYCARD_DATA_DIR: seededDataDir(join(cwd, 'data')), LOG_LEVEL: 'silent' };
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it('checks reference syntax offline, with a specific message per source', async () => {
    writeFileSync(
      join(cwd, 'bad.yaml'),
      `resources:
  demo-db: { provider: demo, sensitivity: low, levels: { read: {} }, requesters: ["okta:"] }
tiers:
  low: { upTo: 10, approvals: 1, approvers: ["slack:db-owners"] }
  medium: { upTo: 50, approvals: 1, approvers: ["entra:not-a-guid"] }
  high: { upTo: 80, approvals: 1, approvers: ["ldap:admins"] }
  critical: { approvals: 1, approvers: ["scim:DB Owners"] }
`,
    );
    const h = io(env, cwd);
    expect(await runCli(['policy', 'check', 'bad.yaml', '--offline'], h.io)).toBe(1);
    const text = h.err.join('\n');
    expect(text).toMatch(/tiers\.low\.approvers\[0\]: .*a Slack user group is named by its handle, e\.g\. slack:@db-owners/);
    expect(text).toMatch(/tiers\.medium\.approvers\[0\]: .*an Entra group is named by its object id/);
    expect(text).toMatch(/tiers\.high\.approvers\[0\]: .*"ldap:admins" is not a group/);
    expect(text).toMatch(/resources\.demo-db\.requesters\[0\]: .*names no group after "okta:"/);
    expect(text).not.toMatch(/critical|unknown group/);
  });

  it('warns offline about a source that is not configured, and --online asks Okta that each group exists and has members', async () => {
    const policy = writePolicy(cwd, 'okta:DB Owners', '    requesters: ["okta:Engineering"]\n');
    const offline = io(env, cwd);
    expect(await runCli(['policy', 'check', policy, '--offline'], offline.io)).toBe(0);
    expect(offline.out.join('\n')).toMatch(
      /warning: okta:DB Owners: the okta directory is not configured \(set KEYCARD_OKTA_ORG_URL and KEYCARD_OKTA_API_TOKEN\)/,
    );

    const oktaEnv = { ...env, KEYCARD_OKTA_ORG_URL: ORG, KEYCARD_OKTA_API_TOKEN: '00okta-token' };
    nock(ORG)
      .get('/api/v1/groups')
      .query({ q: 'DB Owners', limit: '200' })
      .reply(200, [{ id: '00gdb', profile: { name: 'DB Owners' } }])
      .get('/api/v1/groups/00gdb/users')
      .query({ limit: '200' })
      .reply(200, [{ id: '00u1', status: 'ACTIVE', profile: { login: 'carol@example.com', email: 'carol@example.com' } }])
      .get('/api/v1/groups')
      .query({ q: 'Engineering', limit: '200' })
      .reply(200, [{ id: '00geng', profile: { name: 'Engineering' } }])
      .get('/api/v1/groups/00geng/users')
      .query({ limit: '200' })
      .reply(200, [{ id: '00u2', status: 'DEPROVISIONED', profile: { login: 'gone@example.com', email: 'gone@example.com' } }]);
    const online = io(oktaEnv, cwd);
    expect(await runCli(['policy', 'check', policy, '--online'], online.io)).toBe(1);
    expect(online.out.join('\n')).toContain('directory: okta:DB Owners: 1 active member');
    expect(online.err.join('\n')).toContain(
      'directory: okta:Engineering: the group has no active members, so nobody could approve through it',
    );
  });
});
