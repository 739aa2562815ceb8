import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runServer, type ServerHandle } from '../../src/cli/run-server.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { oktaUser, recordingAdapter, SCIM_TOKEN, scim, waitFor, writePolicy } from './helpers.js';

describe.skipIf(!hasTestPostgres())('SCIM pushes with two Keycard processes on one database', () => {
  const servers: ServerHandle[] = [];
  let dispose: (() => Promise<void>) | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kc-scim2-'));
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.shutdown('test over');
    await dispose?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a push to one replica reaches the other within seconds, and the leaver is offboarded exactly once', async () => {
    const database = await freshPostgresDatabase();
    dispose = database.dispose;
    const env = {
      DATABASE_URL: database.url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      KEYCARD_POLICY: writePolicy(dir, 'scim:db-owners'),
      KEYCARD_SCIM_TOKEN: SCIM_TOKEN,
      // Two servers in one test: each metrics listener on a free port.
      KEYCARD_METRICS_PORT: '0',
    };
    const io = { out: () => {}, err: () => {}, env, cwd: dir, stdin: process.stdin, stdoutIsTTY: false };
    const [a, b] = [recordingAdapter(), recordingAdapter()];
    servers.push(await runServer(io, [a], { handleSignals: false, shutdownGraceMs: 2_000 }));
    servers.push(await runServer(io, [b], { handleSignals: false, shutdownGraceMs: 2_000 }));
    const portA = servers[0]!.port;

    const alice = await scim(portA, 'POST', '/Users', oktaUser('alice@example.com'));
    const bob = await scim(portA, 'POST', '/Users', oktaUser('bob@example.com'));
    await scim(portA, 'POST', '/Groups', { displayName: 'db-owners', members: [{ value: bob.body.id }] });
    // Replica B learns the group from the shared tables on its next directory tick.
    await waitFor(
      async () => (b.deps!.policy().groups['scim:db-owners']?.includes('bob@example.com') ? true : undefined),
      'replica B to see db-owners',
    );

    const origin = { platform: 'slack' as const };
    expect(
      (await handleCommand(b.deps!, { actor: 'alice@example.com', text: '/access demo-db 1h read fix stuck order INC-7', origin })).kind,
    ).toBe('request');
    expect((await handleCommand(b.deps!, { actor: 'bob@example.com', text: 'approve KC-1', origin })).kind).toBe('request');
    expect((await b.deps!.store.getRequestByNumber(1))?.status).toBe('active');

    await scim(portA, 'PATCH', `/Users/${String(alice.body.id)}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    await waitFor(
      async () => ((await b.deps!.store.getRequestByNumber(1))?.status === 'revoked' ? true : undefined),
      'the grant to be revoked',
    );
    await waitFor(
      async () => (b.deps!.directory.person('alice@example.com')?.active === false ? true : undefined),
      'replica B to see alice leave',
    );
    // Both replicas sweep leavers; the conditional transitions let exactly one of them act.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const actions = (await b.deps!.store.readAudit({})).map((e) => e.action);
    expect(actions.filter((a) => a === 'grant.revoking')).toHaveLength(1);
    expect(actions.filter((a) => a === 'grant.revoked')).toHaveLength(1);
  }, 120_000);
});
