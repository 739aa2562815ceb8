import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedProcess, spawnServed } from '../bench/serve-process.js';
import { sign } from '../chat/slack/helpers/slack-fixture.js';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { createPgFixture, type PgFixture } from '../providers/postgres/pg-fixture.js';
import { type FakeSlackApi, startFakeSlackApi } from '../scenarios/fakes/slack-api.js';
import { eventually } from '../scenarios/world.js';
import { SCIM_TOKEN, scim } from './helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = 'xoxb-leaver-process-token';
const SIGNING_SECRET = '0b7c41d2e9f8a6b5c4d3e2f1a0b9c8d7';
const APPROVALS = { id: 'C0APPROVALS', name: 'access-approvals' };
const GENERAL = { id: 'C0GENERAL', name: 'general' };

/** The first button with this action id anywhere in a Block Kit tree. */
function findButton(node: unknown, actionId: string): { value: string } | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findButton(item, actionId);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof node !== 'object' || node === null) return undefined;
  const record = node as Record<string, unknown>;
  if (record.type === 'button' && record.action_id === actionId) return { value: String(record.value ?? '') };
  for (const value of Object.values(record)) {
    const found = findButton(value, actionId);
    if (found) return found;
  }
  return undefined;
}

interface Person {
  email: string;
  slack: string;
}

/** The policy: one real Postgres resource whose every tier needs one approval from the SCIM group db-owners. */
function policy(fx: PgFixture): string {
  const tier = `approvals: 1, approvers: ["scim:db-owners"], channel: { slack: "${APPROVALS.id}" }`;
  return `
timezone: UTC
risk:
  sensitivity: { low: 0, medium: 30, high: 60, critical: 90 }
resources:
  ${fx.resource}:
    provider: postgres
    sensitivity: high
    connection: env:ORDERS_PG_ADMIN
    levels: { read: { role: ${fx.readRole} } }
    minDuration: 10s
    maxDuration: 4h
tiers:
  low: { upTo: 14, ${tier} }
  medium: { upTo: 49, ${tier} }
  high: { upTo: 74, ${tier} }
  critical: { ${tier} }
alerts: { channel: { slack: "${APPROVALS.id}" }, reviewers: ["scim:db-owners"] }
`;
}

/**
 * The leaver and mover flows as the platforms drive them: two `keycard start` processes on one Postgres
 * database, Slack over signed HTTP against a fake Slack Web API on a real port, a real Postgres target, and
 * the identity provider pushing over SCIM. A requests (slash command), B approves (button click), a SCIM
 * deactivation to A ends the grant at the target.
 */
describe.skipIf(!hasTestPostgres())('leaver and mover over HTTP, two keycard processes, real Postgres target', () => {
  let fx: PgFixture;
  let database: { url: string; dispose(): Promise<void> };
  let api: FakeSlackApi;
  let a: ServedProcess;
  let b: ServedProcess;
  let keycardDb: pg.Client;
  const cwd = mkdtempSync(join(tmpdir(), 'kc-leaver-http-'));
  const people: Record<'alice' | 'bob' | 'carol', Person> = {
    alice: { email: '', slack: 'UALICE' },
    bob: { email: 'bob@example.com', slack: 'UBOB' },
    carol: { email: 'carol@example.com', slack: 'UCAROL' },
  };

  beforeAll(async () => {
    fx = await createPgFixture(process.env.TEST_DATABASE_URL!);
    // Login role names derive from the requester and grant number, and roles are server-wide: a unique requester.
    people.alice.email = `alice${fx.id}@example.com`;
    database = await freshPostgresDatabase();
    api = await startFakeSlackApi({
      token: TOKEN,
      users: Object.values(people).map((p) => ({ id: p.slack, email: p.email })),
      channels: [APPROVALS, GENERAL],
    });
    writeFileSync(join(cwd, 'keycard.yaml'), policy(fx));
    const env = {
      DATABASE_URL: database.url,
      KEYCARD_POLICY: join(cwd, 'keycard.yaml'),
      KEYCARD_AUDIT_KEY: 'leaver-process-audit-key-0123456789abcdef',
      KEYCARD_SCIM_TOKEN: SCIM_TOKEN,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: api.apiUrl,
      ORDERS_PG_ADMIN: fx.adminUrl,
    };
    const args = [
      '--import',
      pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href,
      join(root, 'src/cli/keycard.ts'),
      'start',
    ];
    a = await spawnServed(args, env, cwd, 120_000);
    // The identity provider pushes people and the approver group before B starts, so both know them.
    const [alice, bob, carol] = await Promise.all(
      [people.alice, people.bob, people.carol].map((p) =>
        scim(a.port, 'POST', '/Users', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: p.email,
          emails: [{ primary: true, value: p.email, type: 'work' }],
          displayName: p.email.split('@')[0],
          active: true,
        }),
      ),
    );
    ids.alice = String(alice?.body.id);
    ids.bob = String(bob?.body.id);
    ids.carol = String(carol?.body.id);
    const group = await scim(a.port, 'POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'db-owners',
      members: [{ value: ids.bob }, { value: ids.carol }],
    });
    ids.group = String(group.body.id);
    b = await spawnServed(args, env, cwd, 120_000);
    keycardDb = new pg.Client({ connectionString: database.url });
    await keycardDb.connect();
  }, 300_000);

  const ids = { alice: '', bob: '', carol: '', group: '' };

  afterAll(async () => {
    await keycardDb?.end();
    await a?.stop();
    await b?.stop();
    await api?.close();
    await fx?.teardown();
    await database?.dispose();
    rmSync(cwd, { recursive: true, force: true });
  }, 60_000);

  let n = 0;
  const signed = async (port: number, body: string) => {
    const response = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body, Math.floor(Date.now() / 1000), SIGNING_SECRET) },
      body,
    });
    expect(response.status).toBe(200);
    return response.text();
  };
  const slash = (port: number, who: Person, text: string) => {
    n += 1;
    return signed(
      port,
      new URLSearchParams({
        token: 'legacy',
        team_id: 'T1',
        team_domain: 'acme',
        channel_id: GENERAL.id,
        channel_name: GENERAL.name,
        user_id: who.slack,
        user_name: who.email.split('@')[0]!,
        command: '/access',
        text,
        api_app_id: 'A1',
        response_url: api.responseUrl(String(n)),
        trigger_id: `trigger.${n}`,
      }).toString(),
    );
  };
  /** The request's card in the approvals channel: its ts and the Approve button. */
  const card = (ref: string) =>
    eventually(() => {
      const post = api.calls.find(
        (c) =>
          c.method === 'chat.postMessage' && c.args.channel === APPROVALS.id && !c.args.thread_ts && JSON.stringify(c.args).includes(ref),
      );
      const ts = (post?.result as { ts?: string } | undefined)?.ts;
      const button = findButton(post?.args.blocks, 'kc_approve');
      if (!post || !ts || !button) throw new Error(`no card for ${ref} yet`);
      return { ts, value: button.value, blocks: post.args.blocks };
    }, 30_000);
  const clickApprove = (port: number, who: Person, target: { ts: string; value: string; blocks: unknown }) => {
    n += 1;
    const payload = {
      type: 'block_actions',
      team: { id: 'T1', domain: 'acme' },
      user: { id: who.slack, username: who.email.split('@')[0], team_id: 'T1' },
      api_app_id: 'A1',
      token: 'legacy',
      trigger_id: `trigger.${n}`,
      container: { type: 'message', message_ts: target.ts, channel_id: APPROVALS.id, is_ephemeral: false },
      channel: { id: APPROVALS.id, name: APPROVALS.name },
      message: { type: 'message', ts: target.ts, text: '', blocks: target.blocks },
      response_url: api.responseUrl(String(n)),
      actions: [
        {
          type: 'button',
          action_id: 'kc_approve',
          block_id: `b${n}`,
          value: target.value,
          action_ts: `${Date.now() / 1000}`,
          text: { type: 'plain_text', text: 'Approve' },
        },
      ],
    };
    return signed(port, new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  };
  const audit = async () =>
    (
      await keycardDb.query<{ actor: string; action: string; details: Record<string, unknown> }>(
        'select actor, action, details from audit_events order by id',
      )
    ).rows;
  const loginRoles = async () =>
    (
      await fx.query<{ rolname: string }>(
        `SELECT rolname FROM pg_roles WHERE rolcanlogin AND rolname LIKE 'kc\\_%' AND shobj_description(oid, 'pg_authid') LIKE $1`,
        [`%${fx.resource}%`],
      )
    ).rows.map((r) => r.rolname);

  it('a mover clicking Approve is refused and audited; the leaver deactivated over SCIM loses the login role within seconds, once', async () => {
    await slash(a.port, people.alice, `${fx.resource} 1h read fix stuck order INC-7`);
    const kc1 = await card('KC-1');

    // Carol moves teams: the identity provider removes her from db-owners (Entra's PATCH form), then she clicks.
    const moved = await scim(a.port, 'PATCH', `/Groups/${ids.group}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Remove', path: `members[value eq "${ids.carol}"]` }],
    });
    expect(moved.status).toBeLessThan(300);
    await clickApprove(a.port, people.carol, kc1);
    await eventually(async () => {
      const refused = (await audit()).filter((e) => e.action === 'approval.refused');
      expect(refused.map((e) => [e.actor, e.details.code])).toEqual([[people.carol.email, 'not_an_approver']]);
    });
    const told = await eventually(() => {
      const reply = api.responses.find((r) => JSON.stringify(r.body).includes('not in that group'));
      if (!reply) throw new Error('no refusal shown to carol yet');
      return reply;
    });
    expect(JSON.stringify(told.body)).toMatch(/scim:db-owners/);
    expect((await audit()).filter((e) => e.action === 'directory.membership_changed').map((e) => e.details)).toEqual([
      { group: 'scim:db-owners', added: [people.bob.email, people.carol.email], removed: [] },
      { group: 'scim:db-owners', added: [], removed: [people.carol.email] },
    ]);

    // Bob approves on the other process; the login role appears at the target.
    await clickApprove(b.port, people.bob, kc1);
    const [role] = await eventually(async () => {
      const roles = await loginRoles();
      expect(roles).toHaveLength(1);
      return roles;
    }, 30_000);
    expect(role).toMatch(/^kc_/);

    // Alice leaves: Okta's PATCH deactivation, sent to A.
    const started = Date.now();
    const deactivated = await scim(a.port, 'PATCH', `/Users/${ids.alice}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(deactivated).toMatchObject({ status: 200, body: { active: false } });
    await eventually(async () => expect(await loginRoles()).toEqual([]), 30_000);
    const goneMs = Date.now() - started;
    console.log(`leaver's login role gone at the target ${goneMs} ms after the SCIM deactivation`);
    expect(goneMs).toBeLessThan(30_000);

    const reason = `${people.alice.email} deactivated in the directory (scim)`;
    await eventually(() => {
      const update = api.calls.filter((c) => c.method === 'chat.update' && c.args.channel === APPROVALS.id && c.args.ts === kc1.ts).at(-1);
      expect(JSON.stringify(update?.args ?? {})).toContain(reason);
      const dm = api.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === `D${people.bob.slack}`);
      expect(dm.map((c) => JSON.stringify(c.args)).join('\n')).toContain(`KC-1 (${fx.resource}, read) is being revoked: ${reason}`);
    }, 30_000);
    // Both processes sweep leavers every few seconds; let them, then count: exactly one revoke.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const events = await audit();
    expect(events.filter((e) => e.action === 'grant.revoking').map((e) => [e.actor, e.details.note])).toEqual([['directory:scim', reason]]);
    expect(events.filter((e) => e.action === 'grant.revoked').map((e) => e.details.ref)).toEqual(['KC-1']);
    const row = await keycardDb.query<{ status: string; ended_by: string }>(
      'select status, ended_by from access_requests where number = 1',
    );
    expect(row.rows[0]).toEqual({ status: 'revoked', ended_by: 'directory:scim' });
  }, 180_000);
});
