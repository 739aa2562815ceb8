import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedProcess, spawnServed } from '../bench/serve-process.js';
import { freshPostgresDatabase, hasTestPostgres, seededDataDir } from '../helpers/db.js';
import { createPgFixture, type PgFixture } from '../providers/postgres/pg-fixture.js';
import { type FakeSlackApi, type SlackApiCall, startFakeSlackApi } from '../scenarios/fakes/slack-api.js';
import { eventually } from '../scenarios/world.js';

const root = join(import.meta.dirname, '../..');
const TOKEN = 'xoxb-grant-truth-replicas';
const SIGNING_SECRET = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const APPROVALS = 'C0APPROVALS';
const ALERTS = 'C0ALERTS';
const GENERAL = 'C0GENERAL';

interface Who {
  id: string;
  email: string;
}

/** Every button (label, action id, value) and every text in a Block Kit tree. */
function walk(node: unknown, texts: string[], buttons: Array<{ label: string; actionId: string; value: string }>): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, texts, buttons);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (record.type === 'button') {
    buttons.push({
      label: String((record.text as { text?: string } | undefined)?.text ?? ''),
      actionId: String(record.action_id),
      value: String(record.value ?? ''),
    });
    return;
  }
  if ((record.type === 'plain_text' || record.type === 'mrkdwn') && typeof record.text === 'string') texts.push(record.text);
  for (const [key, value] of Object.entries(record)) if (key !== 'confirm') walk(value, texts, buttons);
}
const textOf = (call: SlackApiCall) => {
  const texts = [String(call.args.text ?? '')];
  walk(call.args.blocks, texts, []);
  return texts.join('\n');
};
const buttonsOf = (call: SlackApiCall) => {
  const buttons: Array<{ label: string; actionId: string; value: string }> = [];
  walk(call.args.blocks, [], buttons);
  return buttons;
};

/**
 * Once across replicas, in the started server: two `keycard start` OS processes on one Postgres database,
 * Slack over signed HTTP against a fake Slack Web API, a real Postgres target, `reconcile.every: 5s`.
 * A rogue role and a revoke that keeps failing are each audited and alerted exactly once however many
 * passes the two replicas make; an extension through Slack moves the login's VALID UNTIL; Retry now,
 * clicked once the target is back, revokes.
 */
describe.skipIf(!hasTestPostgres())('two keycard start processes on one database', { timeout: 300_000 }, () => {
  let fx: PgFixture;
  let state: { url: string; dispose(): Promise<void> };
  let api: FakeSlackApi;
  let db: pg.Client;
  const replicas: Array<ServedProcess & { log: () => string }> = [];
  const cwd = mkdtempSync(join(tmpdir(), 'kc-replicas-'));
  let requester: Who;
  let rogue: string;
  const carol: Who = { id: 'UCAROL', email: 'carol@example.com' };
  const dave: Who = { id: 'UDAVE', email: 'dave@example.com' };
  let n = 0;

  const signed = async (body: string) => {
    // Slack may deliver any request to any replica behind the load balancer: alternate between them.
    const replica = replicas[n % replicas.length]!;
    const ts = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
    const response = await fetch(`http://127.0.0.1:${replica.port}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-signature': signature,
        'x-slack-request-timestamp': String(ts),
      },
      body,
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`Keycard answered ${response.status}: ${text}`);
    return text;
  };
  const slash = (who: Who, text: string, channel = GENERAL) => {
    n += 1;
    return signed(
      new URLSearchParams({
        token: 'legacy',
        team_id: 'T1',
        team_domain: 'acme',
        channel_id: channel,
        channel_name: channel === GENERAL ? 'general' : 'directmessage',
        user_id: who.id,
        user_name: who.email.split('@')[0]!,
        command: '/access',
        text,
        api_app_id: 'A1',
        is_enterprise_install: 'false',
        response_url: api.responseUrl(String(n)),
        trigger_id: `trigger.${n}`,
      }).toString(),
    );
  };
  const click = (who: Who, message: SlackApiCall, label: string) => {
    const button = buttonsOf(message).find((b) => b.label.startsWith(label));
    if (!button) throw new Error(`no "${label}" button on: ${textOf(message).slice(0, 300)}`);
    n += 1;
    const ts = String((message.result as { ts?: string }).ts);
    const payload = {
      type: 'block_actions',
      team: { id: 'T1', domain: 'acme' },
      user: { id: who.id, username: who.email.split('@')[0], team_id: 'T1' },
      api_app_id: 'A1',
      token: 'legacy',
      trigger_id: `trigger.${n}`,
      container: { type: 'message', message_ts: ts, channel_id: String(message.args.channel), is_ephemeral: false },
      channel: { id: String(message.args.channel), name: 'channel' },
      message: { type: 'message', ts, text: String(message.args.text ?? ''), blocks: message.args.blocks },
      response_url: api.responseUrl(String(n)),
      actions: [
        {
          type: 'button',
          action_id: button.actionId,
          block_id: `b${n}`,
          value: button.value,
          action_ts: `${Date.now() / 1000}`,
          text: { type: 'plain_text', text: button.label },
        },
      ],
    };
    return signed(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  };
  const posted = (channel: string, match: (text: string) => boolean) =>
    api.calls.filter(
      (c) =>
        c.method === 'chat.postMessage' && String(c.args.channel) === channel && (c.result as { ok?: boolean })?.ok && match(textOf(c)),
    );
  const waitPosted = (what: string, channel: string, match: (text: string) => boolean, timeoutMs = 60_000) =>
    eventually(() => {
      const found = posted(channel, match).at(-1);
      if (!found) throw new Error(`no ${what} in ${channel} yet`);
      return found;
    }, timeoutMs);
  const grant = async (number: number) =>
    (
      await db.query<{
        status: string;
        expires_at: Date | null;
        attempts: number;
        next_attempt_at: Date | null;
        grant_ref: { role?: string } | null;
      }>('SELECT status, expires_at, attempts, next_attempt_at, grant_ref FROM access_requests WHERE number = $1', [number])
    ).rows[0];
  const audits = async (action: string, principal?: string) =>
    Number(
      (
        await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM audit_events WHERE action = $1 AND ($2::text IS NULL OR details->>'principal' = $2 OR details->>'ref' = $2)`,
          [action, principal ?? null],
        )
      ).rows[0]?.n,
    );
  const rolValidUntil = async (role: string) =>
    (await fx.query<{ until: Date | null }>('SELECT rolvaliduntil AS until FROM pg_roles WHERE rolname = $1', [role])).rows[0]?.until;
  const passes = () => replicas.map((r) => (r.log().match(/reconciliation found drift/g) ?? []).length);
  const waitPasses = async (more: number) => {
    const start = passes().reduce((a, b) => a + b, 0);
    await eventually(() => {
      const now = passes().reduce((a, b) => a + b, 0);
      if (now < start + more) throw new Error(`${now - start} of ${more} reconcile passes so far`);
    }, 120_000);
  };

  beforeAll(async () => {
    fx = await createPgFixture(process.env.TEST_DATABASE_URL!);
    state = await freshPostgresDatabase();
    requester = { id: `UREQ${fx.id.toUpperCase()}`, email: `req${fx.id}@example.com` };
    rogue = `kc_mallory_kc_99_${fx.id}`;
    api = await startFakeSlackApi({
      token: TOKEN,
      users: [requester, carol, dave],
      channels: [
        { id: APPROVALS, name: 'access-approvals' },
        { id: ALERTS, name: 'security-alerts' },
        { id: GENERAL, name: 'general' },
      ],
    });
    const zero =
      'durationOverHalf durationOverThreeQuarters offHours weekend firstAccess cleanHistory recentDenial recentAnomaly velocity newResourceBurst incidentKey ticketKey weakReason breakGlass extension onCall'
        .split(' ')
        .map((f) => `    ${f}: 0`)
        .join('\n');
    const policyPath = join(cwd, 'keycard.yaml');
    writeFileSync(
      policyPath,
      `timezone: UTC
groups:
  sre: [bob@example.com]
  db-owners: [carol@example.com]
  security: [dave@example.com]
risk:
  sensitivity: { low: 0, medium: 30, high: 60, critical: 90 }
  levels: { read: 0, write: 0, admin: 0 }
  factors:
${zero}
resources:
  ${fx.resource}:
    provider: postgres
    sensitivity: high
    connection: env:ORDERS_ADMIN_URL
    levels: { read: { role: ${fx.readRole} } }
    minDuration: 10s
    maxDuration: 4h
tiers:
  low: { upTo: 14, approvals: 0 }
  medium: { upTo: 49, approvals: 1, approvers: [sre], channel: { slack: "${APPROVALS}" } }
  high: { upTo: 74, approvals: 1, approvers: [db-owners], channel: { slack: "${APPROVALS}" } }
  critical: { approvals: 2, approvers: [db-owners, security], distinctGroups: true, channel: { slack: "${APPROVALS}" } }
alerts: { channel: { slack: "${ALERTS}" }, reviewers: [security] }
revocation: { escalateAfter: 2, maxBackoff: 10m }
reconcile: { every: 5s, unknown: report }
`,
    );
    const env = {
      DATABASE_URL: state.url,
      KEYCARD_POLICY: policyPath,
      KEYCARD_DATA_DIR: seededDataDir(join(cwd, 'data')),
      KEYCARD_AUDIT_KEY: 'grant-truth-replicas-audit-key-0123456789',
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: api.apiUrl,
      ORDERS_ADMIN_URL: fx.adminUrl,
    };
    const args = [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'src/cli/keycard.ts'), 'start'];
    // One after the other: the first migrates the database, the second finds it ready.
    for (let i = 0; i < 2; i++) {
      const served = await spawnServed(args, env, cwd, 150_000);
      let output = '';
      const collect = (d: Buffer) => {
        output += d;
      };
      served.child.stdout?.on('data', collect);
      served.child.stderr?.on('data', collect);
      replicas.push({ ...served, log: () => output });
    }
    db = new pg.Client({ connectionString: state.url });
    await db.connect();
  }, 320_000);

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await db?.end();
    await api?.close();
    await fx?.query(`ALTER ROLE ${fx.admin} CREATEROLE`).catch(() => undefined);
    if (rogue) await fx?.query(`DROP ROLE IF EXISTS ${rogue}`).catch(() => undefined);
    await fx?.teardown();
    await state?.dispose();
  });

  it('grants and extends over signed Slack HTTP; VALID UNTIL follows the extension', async () => {
    await slash(requester, `${fx.resource} 1h read fix stuck order INC-4211`);
    const card = await waitPosted('approval card', APPROVALS, (t) => t.includes('KC-1') && !t.includes('extension'));
    await click(carol, card, 'Approve');
    await eventually(async () => expect((await grant(1))?.status).toBe('active'), 60_000);
    const role = String((await grant(1))?.grant_ref?.role);
    const original = (await grant(1))!.expires_at!;
    expect((await rolValidUntil(role))?.getTime()).toBe(original.getTime());

    await slash(requester, 'extend KC-1 30m still digging');
    const extensionCard = await waitPosted('extension card', APPROVALS, (t) => t.includes('extension of KC-1'));
    await click(carol, extensionCard, 'Approve');
    await eventually(async () => expect((await grant(1))!.expires_at!.getTime()).toBe(original.getTime() + 30 * 60_000), 60_000);
    const extended = (await grant(1))!.expires_at!;
    expect((await rolValidUntil(role))?.getTime()).toBe(extended.getTime());
  });

  it('a rogue role is audited and alerted once however many passes the two replicas make', async () => {
    await fx.query(`CREATE ROLE ${rogue} LOGIN`);
    await fx.query(`GRANT ${fx.readRole} TO ${rogue}`);
    await waitPosted('drift alert', ALERTS, (t) => t.includes(rogue), 90_000);
    await waitPasses(3);
    console.info(`reconcile passes that found drift, per replica: ${passes().join(' + ')}`);
    expect(posted(ALERTS, (t) => t.includes(rogue))).toHaveLength(1);
    expect(await audits('reconcile.drift_reported', rogue)).toBe(1);
    expect(await audits('reconcile.standing_access', rogue)).toBe(1);
    // Alice's live grant is no drift.
    expect(posted(ALERTS, (t) => t.includes('KC-1'))).toHaveLength(0);
    expect((await grant(1))?.status).toBe('active');
  });

  it('a revoke that keeps failing is escalated once, and Retry now over HTTP revokes once the target is back', async () => {
    const role = String((await grant(1))?.grant_ref?.role);
    // The target refuses: Keycard's admin role lost CREATEROLE, so it may not alter or drop the login.
    await fx.query(`ALTER ROLE ${fx.admin} NOCREATEROLE`);
    await slash(requester, 'release KC-1 done', `D${requester.id}`);
    const alert = await waitPosted('revoke-failure alert', ALERTS, (t) => t.includes('KC-1') && /keeps retrying/.test(t), 90_000);
    expect(buttonsOf(alert).some((b) => b.label.startsWith('Retry'))).toBe(true);
    expect((await grant(1))?.status).toBe('revoke_failed');
    await waitPasses(2);
    expect(posted(ALERTS, (t) => t.includes('KC-1'))).toHaveLength(1);
    expect(await audits('grant.revoke_failed', 'KC-1')).toBe(1);
    expect(await rolValidUntil(role)).toBeInstanceOf(Date);

    // Restore right after a failed attempt, so the next automatic retry is far off and the click does the revoke.
    // A retry in flight also shows a far next_attempt_at (its claim lease), so wait until the row's next attempt
    // is the one the last failure scheduled: nothing is running, and nothing is due for a while.
    await eventually(async () => {
      const g = (await grant(1))!;
      const last = await db.query<{ next: string }>(
        `SELECT details->>'nextAttemptAt' AS next FROM audit_events WHERE details->>'ref' = 'KC-1'
           AND action IN ('grant.revoke_retry_scheduled', 'grant.revoke_failed') ORDER BY id DESC LIMIT 1`,
      );
      const scheduled = g.next_attempt_at?.toISOString();
      if (!scheduled || scheduled !== last.rows[0]?.next) throw new Error(`attempt ${g.attempts} in flight`);
      if (Date.parse(scheduled) - Date.now() < 15_000) throw new Error(`next automatic retry too close (attempt ${g.attempts})`);
    }, 150_000);
    await fx.query(`ALTER ROLE ${fx.admin} CREATEROLE`);
    const clickedAt = Date.now();
    await click(dave, alert, 'Retry');
    await eventually(async () => expect((await grant(1))?.status).toBe('revoked'), 60_000);
    console.info(`Retry now: revoked ${Date.now() - clickedAt} ms after the click (real time, ${(await grant(1))?.attempts} attempts)`);
    expect(await rolValidUntil(role)).toBeUndefined();
    const retried = await db.query<{ actor: string }>(
      `SELECT actor FROM audit_events WHERE action = 'grant.revoke_retry_requested' AND details->>'ref' = 'KC-1'`,
    );
    const trail = await db.query<{ actor: string; action: string; details: unknown }>(
      `SELECT actor, action, details FROM audit_events WHERE details->>'ref' = 'KC-1' ORDER BY id`,
    );
    expect(
      retried.rows.map((r) => r.actor),
      `KC-1's audit trail: ${JSON.stringify(trail.rows)}; replies: ${JSON.stringify(api.responses.slice(-3))}`,
    ).toEqual(['dave@example.com']);
    expect(await audits('grant.revoked', 'KC-1')).toBe(1);
    expect(posted(ALERTS, (t) => t.includes(rogue))).toHaveLength(1);
  });
});
