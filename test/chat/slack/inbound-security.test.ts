import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { verifySlackSignature } from '../../../src/chat/slack/http/verify-signature.js';
import { blockAction, slashCommand } from './helpers/payloads.js';
import { CHANNELS, createSlackFixture, SECRET, type SlackFixture, sign, U } from './helpers/slack-fixture.js';
import { cardOf, waitForStatus } from './helpers/wait.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('Slack inbound security', () => {
  let f: SlackFixture;
  afterEach(async () => {
    await f?.close();
    expect(nock.pendingMocks()).toEqual([]);
  });

  const snapshot = async () => ({
    requests: (await f.h.deps.store.listRequests({})).length,
    audit: (await f.h.deps.store.readAudit({})).length,
    slackCalls: f.slack.calls.length,
    responses: f.slack.responses.length,
  });

  it('rejects forged, altered, stale, future-dated and unsigned requests with 401 and changes nothing', async () => {
    f = await createSlackFixture('pglite');
    const before = await snapshot();
    const body = slashCommand(U.alice.id, 'demo-logs 1h read rotate the nightly logs OPS-12');
    const now = Math.floor(f.h.clock.now().getTime() / 1000);
    const attempts = {
      forged: await f.post(body, { ...FORM, ...sign(body, now, 'not-the-secret') }),
      altered: await f.post(body.replace('demo-logs', 'demo-admin'), { ...FORM, ...sign(body, now) }),
      stale: await f.post(body, { ...FORM, ...sign(body, now - 301) }),
      future: await f.post(body, { ...FORM, ...sign(body, now + 301) }),
      noHeaders: await f.post(body, FORM),
      noTimestamp: await f.post(body, { ...FORM, 'x-slack-signature': sign(body, now)['x-slack-signature']! }),
      garbledTimestamp: await f.post(body, { ...FORM, ...sign(body, now), 'x-slack-request-timestamp': `${now}x` }),
    };
    for (const [name, sent] of Object.entries(attempts)) expect({ name, status: sent.status }).toEqual({ name, status: 401 });
    // Let anything that wrongly slipped through finish before looking.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await snapshot()).toEqual(before);
    expect(f.logs.filter((l) => l.message.includes('failed signature verification')).map((l) => l.fields.reason)).toEqual([
      'bad_signature',
      'bad_signature',
      'stale_timestamp',
      'stale_timestamp',
      'missing_headers',
      'missing_headers',
      'bad_timestamp',
    ]);
    // Within the window on both sides is accepted.
    expect((await f.signed(slashCommand(U.alice.id, 'help'), { ts: now + 299 })).status).toBe(200);
    expect((await f.signed(slashCommand(U.alice.id, 'help'), { ts: now - 299 })).status).toBe(200);
  });

  it('processes a replayed signed body once: the same approve click delivered 4 times is one transition', async () => {
    f = await createSlackFixture('pglite');
    await f.signed(slashCommand(U.alice.id, 'demo-db 15m read checking replication lag INC-42'));
    const card = await cardOf(f, 1);
    const click = blockAction(U.bob.id, 'kc_approve', '1', card);
    const sent = await Promise.all([f.signed(click), f.signed(click), f.signed(click), f.signed(click)]);
    expect(sent.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    await waitForStatus(f, 1, 'active');
    expect(card.channel).toBe(CHANNELS.medium);
    const actions = (await f.h.deps.store.readAudit({})).map((e) => e.action);
    expect(actions.filter((a) => a === 'approval.recorded')).toHaveLength(1);
    expect(actions.filter((a) => a === 'request.approved')).toHaveLength(1);
    expect(actions).not.toContain('approval.refused');
    expect(f.h.provider.calls.filter((c) => c.op === 'grant')).toHaveLength(1);
    expect(f.logs.filter((l) => l.message.includes('already processed'))).toHaveLength(3);
  });

  it('answers Slack url_verification and ssl_check only when signed', async () => {
    f = await createSlackFixture('pglite');
    const challenge = JSON.stringify({ type: 'url_verification', token: 'x', challenge: 'c-123' });
    expect((await f.post(challenge, { 'content-type': 'application/json' })).status).toBe(401);
    const ok = await f.signed(challenge, { contentType: 'application/json' });
    expect(ok.json()).toEqual({ challenge: 'c-123' });
    expect((await f.signed('ssl_check=1&token=x')).status).toBe(200);
  });
});

describe('verifySlackSignature', () => {
  const body = Buffer.from('a=1');
  const nowMs = 1_700_000_000_000;
  const ts = String(nowMs / 1000);
  const signature = sign('a=1', nowMs / 1000)['x-slack-signature'];
  it('accepts a good signature and rejects a different length or secret in constant time', () => {
    expect(verifySlackSignature({ signingSecret: SECRET, rawBody: body, signature, timestamp: ts, nowMs })).toEqual({ ok: true });
    expect(verifySlackSignature({ signingSecret: SECRET, rawBody: body, signature: 'v0=abc', timestamp: ts, nowMs })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifySlackSignature({ signingSecret: 'other', rawBody: body, signature, timestamp: ts, nowMs })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });
  it('allows exactly 300 s of skew either way and no more', () => {
    for (const skew of [-300, 300]) {
      const t = nowMs / 1000 + skew;
      expect(
        verifySlackSignature({
          signingSecret: SECRET,
          rawBody: body,
          signature: sign('a=1', t)['x-slack-signature'],
          timestamp: String(t),
          nowMs,
        }),
      ).toEqual({ ok: true });
    }
    for (const skew of [-301, 301]) {
      const t = nowMs / 1000 + skew;
      expect(
        verifySlackSignature({
          signingSecret: SECRET,
          rawBody: body,
          signature: sign('a=1', t)['x-slack-signature'],
          timestamp: String(t),
          nowMs,
        }),
      ).toEqual({ ok: false, reason: 'stale_timestamp' });
    }
  });
});
