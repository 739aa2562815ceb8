import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runServer, type ServerHandle } from '../../src/cli/run-server.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { freshPostgresDatabase, hasTestPostgres, seededDataDir } from '../helpers/db.js';
import { oktaUser, recordingAdapter, SCIM_TOKEN, scim, waitFor, writePolicy } from './helpers.js';

const kinds = hasTestPostgres() ? (['pglite', 'pg'] as const) : (['pglite'] as const);

describe.each(kinds)('SCIM leaver through the started server (%s)', (kind) => {
  let server: ServerHandle | undefined;
  let dispose: (() => Promise<void>) | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kc-scim-'));
  afterEach(async () => {
    await server?.shutdown('test over');
    await dispose?.();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("revokes a leaver's grant within seconds of a SCIM deactivation, with the reason on the card, in the approver's DM and in the audit log", async () => {
    const database = kind === 'pg' ? await freshPostgresDatabase() : undefined;
    dispose = database?.dispose;
    const adapter = recordingAdapter();
    server = await runServer(
      {
        out: () => {},
        err: () => {},
        env: {
          ...(database ? { DATABASE_URL: database.url } : { KEYCARD_DATA_DIR: seededDataDir(join(dir, 'data')) }),
          PORT: '0',
          // An ephemeral /metrics port: the default one is taken when another test file starts Keycard alongside.
          KEYCARD_METRICS_PORT: '0',
          LOG_LEVEL: 'silent',
          KEYCARD_POLICY: writePolicy(dir, 'scim:db-owners'),
          KEYCARD_SCIM_TOKEN: SCIM_TOKEN,
        },
        cwd: dir,
        stdin: process.stdin,
        stdoutIsTTY: false,
      },
      [adapter],
      { handleSignals: false, shutdownGraceMs: 2_000 },
    );
    const port = server.port;
    const alice = await scim(port, 'POST', '/Users', oktaUser('alice@example.com'));
    const bob = await scim(port, 'POST', '/Users', oktaUser('bob@example.com'));
    expect([alice.status, bob.status]).toEqual([201, 201]);
    const group = await scim(port, 'POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'db-owners',
      members: [{ value: bob.body.id, display: 'bob@example.com' }],
    });
    expect(group.status).toBe(201);
    const deps = adapter.deps!;
    const origin = { platform: 'slack' as const };
    const submitted = await handleCommand(deps, {
      actor: 'alice@example.com',
      text: '/access demo-db 1h read fix stuck order INC-4211',
      origin,
    });
    expect(submitted.kind).toBe('request');
    // Carol is not in the directory: with a directory configured she is refused, and the refusal is audited.
    const stranger = await handleCommand(deps, { actor: 'carol@example.com', text: 'approve KC-1', origin });
    expect(stranger).toMatchObject({ kind: 'error', message: expect.stringMatching(/cannot match your chat account/) });
    const approved = await handleCommand(deps, { actor: 'bob@example.com', text: 'approve KC-1 ok', origin });
    expect(approved.kind).toBe('request');
    const active = await deps.store.getRequestByNumber(1);
    expect(active?.status).toBe('active');

    // Okta deactivates a user with a PATCH replacing active.
    const patched = await scim(port, 'PATCH', `/Users/${String(alice.body.id)}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(patched).toMatchObject({ status: 200, body: { active: false, userName: 'alice@example.com' } });
    const revoked = await waitFor(async () => {
      const row = await deps.store.getRequestByNumber(1);
      return row?.status === 'revoked' ? row : undefined;
    }, 'the grant to be revoked');
    expect(revoked).toMatchObject({ endedBy: 'directory:scim', decisionNote: 'alice@example.com deactivated in the directory (scim)' });

    const audit = await deps.store.readAudit({});
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining(['identity.refused', 'scim.user.patched', 'grant.revoking', 'grant.revoked']),
    );
    expect(audit.find((e) => e.action === 'grant.revoking')).toMatchObject({
      actor: 'directory:scim',
      details: { note: 'alice@example.com deactivated in the directory (scim)' },
    });
    const card = adapter.recorded.events.filter((e) => e.type === 'card').at(-1);
    expect(card).toMatchObject({ view: { status: 'revoked', decisionNote: expect.stringContaining('deactivated') } });
    expect(adapter.recorded.dms('bob@example.com', 'info').map((d) => d.message)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ text: expect.stringMatching(/KC-1 .*is being revoked: alice@example.com deactivated/) }),
      ]),
    );
    // Deleting a user (Entra hard-delete, Okta after deprovisioning) offboards them too: Bob's pending request is cancelled.
    expect(
      (await handleCommand(deps, { actor: 'bob@example.com', text: '/access demo-db 1h read check replication INC-4211', origin })).kind,
    ).toBe('request');
    expect((await scim(port, 'DELETE', `/Users/${String(bob.body.id)}`)).status).toBe(204);
    const cancelled = await waitFor(async () => {
      const row = await deps.store.getRequestByNumber(2);
      return row?.status === 'cancelled' ? row : undefined;
    }, 'the pending request to be cancelled');
    expect(cancelled.decisionNote).toBe('bob@example.com removed from the directory (scim)');
    // A deactivated person can no longer act.
    const again = await handleCommand(deps, { actor: 'alice@example.com', text: '/access demo-db 1h read again INC-4211', origin });
    expect(again).toMatchObject({ kind: 'error', message: expect.stringMatching(/no longer active/) });
  }, 120_000);
});
