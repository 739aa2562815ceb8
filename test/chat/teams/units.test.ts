import { describe, expect, expectTypeOf, it } from 'vitest';
import { actionOfInvoke } from '../../../src/chat/teams/action-data.js';
import { commandText, referenceOf } from '../../../src/chat/teams/activity.js';
import { type AdaptiveCard, CARD_BUDGET_BYTES, cardBytes } from '../../../src/chat/teams/cards/adaptive.js';
import { anomalyCard } from '../../../src/chat/teams/cards/anomaly-card.js';
import { approvalCard } from '../../../src/chat/teams/cards/approval-card.js';
import { alertCard, directCard, textCard } from '../../../src/chat/teams/cards/direct-cards.js';
import { validateForm } from '../../../src/chat/teams/cards/request-form.js';
import { wantsForm } from '../../../src/chat/teams/commands.js';
import type { TeamsAdapterConfig } from '../../../src/chat/teams/config.js';
import { messageLink } from '../../../src/chat/teams/deep-link.js';
import { emailOfMember } from '../../../src/chat/teams/identity.js';
import { withRetry } from '../../../src/chat/teams/retry.js';
import { createRateLimiter, createSerialQueue } from '../../../src/chat/teams/throttle.js';
import type { TeamsConfig } from '../../../src/config/chat-env.js';
import type { Approval, NewAccessRequest, RiskFactor } from '../../../src/core/types.js';
import { toRequestView } from '../../../src/core/views/request-view.js';
import { RELIEF_REASON, ROUTED_FACTORS, STEP_UP_FACTORS, WORST_CASE_FACTORS } from '../../core/views/routed-factors.js';
import { newRequest } from '../../store/fixtures.js';
import { activityFrom, cardText, PEOPLE, teamsPolicy, verbsOf } from './fixtures.js';

const NOW = new Date('2026-11-24T09:00:00Z');
const view = (overrides: Partial<NewAccessRequest> = {}) =>
  toRequestView(
    { ...newRequest({ approvalExpiresAt: new Date('2026-11-24T10:00:00Z'), ...overrides }), id: 'r-42', number: 42, updatedAt: NOW },
    [],
    { timezone: 'Europe/Berlin' },
  );

/** The facts under the card's "Risk factors" heading. */
function riskFacts(value: AdaptiveCard): Array<{ title: string; value: string }> {
  const index = value.body.findIndex((e) => e.type === 'TextBlock' && e.text === 'Risk factors');
  return index < 0 ? [] : (value.body[index + 1]?.facts as Array<{ title: string; value: string }>);
}

describe('Teams cards', () => {
  it('offers Approve and Deny (with a required reason) only while pending', () => {
    const pending = approvalCard(view(), NOW);
    expect(verbsOf(pending)).toEqual(['approve', 'deny']);
    expect(JSON.stringify(pending)).toContain('"isRequired":true');
    expect(cardText(pending)).toMatch(/0 of \d+ approvals/);
    expect(verbsOf(approvalCard(view({ status: 'active', expiresAt: new Date('2026-11-24T09:30:00Z') }), NOW))).toEqual([]);
  });

  it('stays under the size budget with the longest reason and keeps user text from becoming links', () => {
    const long = approvalCard(view({ reason: `[click](https://evil.example) ${'x'.repeat(5000)}` }), NOW);
    expect(cardBytes(long)).toBeLessThan(CARD_BUDGET_BYTES);
    expect(cardText(long)).toContain('[click] (https://evil.example)');
    expect(cardText(long)).toContain('…');
    const many = textCard(Array.from({ length: 500 }, (_, i) => `line ${i} ${'y'.repeat(200)}`).join('\n'));
    expect(cardBytes(many)).toBeLessThan(CARD_BUDGET_BYTES);
    expect(cardText(many)).toContain('… and 460 more lines');
  });

  it('shows every scored factor, largest first, and a zero-point routing factor titled "routing"', () => {
    const facts = riskFacts(approvalCard(view({ factors: ROUTED_FACTORS }), NOW));
    expect(facts).toEqual([
      { title: '+20', value: 'high sensitivity (demo-db)' },
      { title: '+15', value: 'write access' },
      { title: '+10', value: 'first access to demo-db' },
      { title: '+8', value: '4 requests in the last 1h' },
      { title: '+6', value: 'demo-db is outside their usual work (no grant in its family before)' },
      { title: '-5', value: 'incident INC-7, and they are on call' },
      { title: 'routing', value: RELIEF_REASON },
    ]);
  });

  it('shows the same factors on the card updates: approved, denied, expired', () => {
    const expected = riskFacts(approvalCard(view({ factors: STEP_UP_FACTORS }), NOW));
    expect(expected.map((f) => f.title)).toEqual(['+36', '+29', '+15', '+5', '-5']);
    for (const state of [
      { status: 'approved' as const },
      { status: 'denied' as const, decisionNote: 'use the replica' },
      { status: 'expired' as const, endReason: 'expired' as const, activatedAt: NOW, expiresAt: NOW, endedAt: NOW },
    ]) {
      expect(riskFacts(approvalCard(view({ factors: STEP_UP_FACTORS, ...state }), NOW))).toEqual(expected);
    }
  });

  it('keeps 15 factors with 300-character reasons, each cut, within the size budget', () => {
    const value = approvalCard(view({ factors: WORST_CASE_FACTORS }), NOW);
    expect(cardBytes(value)).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
    const facts = riskFacts(value);
    expect(facts).toHaveLength(16);
    expect(facts[0]).toEqual({ title: '+20', value: expect.stringMatching(/^reason 0: r+…$/) });
    expect(facts.at(-1)).toEqual({ title: 'routing', value: '3 auto-approved requests within 1d (cap 3)' });
  });

  const approvals = (n: number): Approval[] =>
    Array.from({ length: n }, (_, i) => ({
      id: `a${i}`,
      requestId: 'r-42',
      approver: `approver-${String(i).padStart(4, '0')}-with-a-long-address@example.com`,
      decision: 'approve',
      groups: ['sre'],
      comment: null,
      createdAt: NOW,
    }));
  const bigRequest = (factors: RiskFactor[]) => ({
    ...newRequest({ factors, reason: 'r'.repeat(500), approvalExpiresAt: new Date('2026-11-24T10:00:00Z') }),
    id: 'r-42',
    number: 42,
    updatedAt: NOW,
  });
  /** The card for the fewest approvers (in steps of `step`) that push the full card over the budget. */
  const overBudget = (factors: RiskFactor[], step: number, from = 1) => {
    const request = bigRequest(factors);
    let n = from;
    while (cardText(approvalCard(toRequestView(request, approvals(n), { timezone: 'Europe/Berlin' }), NOW)).includes('r'.repeat(500)))
      n += step;
    return { n, card: approvalCard(toRequestView(request, approvals(n), { timezone: 'Europe/Berlin' }), NOW) };
  };

  it('cuts factor reasons, not factors, when a card grows past the size budget', () => {
    const request = bigRequest(WORST_CASE_FACTORS);
    const build = (k: number) => approvalCard(toRequestView(request, approvals(k), { timezone: 'Europe/Berlin' }), NOW);
    // The fewest approvers for which even the shorter request reason leaves no room for 160-character factor reasons.
    let n = overBudget(WORST_CASE_FACTORS, 10).n;
    while ((riskFacts(build(n))[0]?.value.length ?? 0) >= 160) n += 1;
    const fallback = build(n);
    expect(cardBytes(fallback)).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
    const facts = riskFacts(fallback);
    expect(facts.map((f) => f.title)).toEqual([...WORST_CASE_FACTORS.filter((f) => f.points !== 0).map((f) => `+${f.points}`), 'routing']);
    expect(facts[0]!.value).toMatch(/^reason 0: r+…$/);
    expect(facts.at(-1)!.value).toBe('3 auto-approved requests within 1d (cap 3)');
  });

  it('keeps the routing notes when not even the shortest factor reasons fit', () => {
    // Enough approvers that the card is near the budget with no factor at all: 16 factors no longer fit.
    let n = overBudget(ROUTED_FACTORS, 10).n;
    const request = bigRequest(WORST_CASE_FACTORS);
    const build = (k: number) => approvalCard(toRequestView(request, approvals(k), { timezone: 'Europe/Berlin' }), NOW);
    while (riskFacts(build(n)).length === 16) n += 5;
    const fallback = build(n);
    expect(cardBytes(fallback)).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
    expect(riskFacts(fallback)).toEqual([
      { title: 'routing', value: '3 auto-approved requests within 1d (cap 3)' },
      { title: '+15 more', value: 'scored factors not shown (the card was too large)' },
    ]);
  });

  it('puts the credential in the card body only and offers Extend / I am done on notices', () => {
    const active = view({ status: 'active', expiresAt: new Date('2026-11-24T09:30:00Z') });
    const credential = directCard({ kind: 'credential', request: active, credential: { summary: 'user u1', secret: 'pa55' } }, NOW);
    expect(cardText(credential)).toContain('pa55');
    const notice = directCard({ kind: 'expiry_notice', request: active, remainingMs: 600_000, extendBy: 1_800_000 }, NOW);
    expect(verbsOf(notice)).toEqual(['extend', 'release']);
    expect(JSON.stringify(notice)).toContain('"durationMs":1800000');
    expect(verbsOf(alertCard({ kind: 'revoke_failed', text: 'KC-42 keeps failing', request: active, retry: true }))).toEqual([
      'retryRevoke',
    ]);
    expect(verbsOf(alertCard({ kind: 'break_glass', text: 'BREAK-GLASS' }))).toEqual([]);
  });
});

describe('Teams anomaly and incident cards', () => {
  it('says Keycard already revoked, keeps user text from becoming links, and offers only the recipient’s buttons', () => {
    const revoked = view({ status: 'revoked', endReason: 'revoked', endedBy: 'keycard', endedAt: NOW });
    const alert = {
      request: revoked,
      detector: 'outside-window',
      severity: 'critical' as const,
      summary: 'activity after the grant ended: [x](https://evil.example)',
      at: NOW,
      autoRevoked: true,
      extendBy: 1_800_000,
    };
    const card = anomalyCard({ ...alert, actions: ['acknowledge'] }, NOW);
    expect(cardText(card)).toContain('CRITICAL activity on KC-42');
    expect(cardText(card)).toContain('Keycard revoked KC-42 automatically');
    expect(cardText(card)).toContain('[x] (https://evil.example)');
    expect(verbsOf(card)).toEqual(['anomalyAck']);
    const live = anomalyCard({ ...alert, autoRevoked: false, actions: ['revoke', 'acknowledge'] }, NOW);
    expect(verbsOf(live)).toEqual(['anomalyRevoke', 'anomalyAck']);
    expect(JSON.stringify(live)).toContain('"type":"Action.ShowCard","title":"Revoke now"');
  });

  it('builds a deep link to a channel message with what Keycard knows, and none for chats', () => {
    const reference = {
      serviceUrl: 'https://smba.trafficmanager.net/amer/',
      channelId: 'msteams',
      conversation: { id: '19:inc@thread.tacv2', conversationType: 'channel', tenantId: 't-1' },
      bot: { id: '28:bot' },
    };
    expect(messageLink({ reference, activityId: '1700000000123' }, { name: 'inc-1', teamName: 'Ops & SRE', groupId: 'g-1' })).toBe(
      'https://teams.microsoft.com/l/message/19%3Ainc%40thread.tacv2/1700000000123?tenantId=t-1&groupId=g-1&parentMessageId=1700000000123&teamName=Ops+%26+SRE&channelName=inc-1&createdTime=1700000000123',
    );
    const chat = { ...reference, conversation: { id: '19:chat@thread.v2', conversationType: 'groupChat' } };
    expect(messageLink({ reference: chat, activityId: '1' }, undefined)).toBeUndefined();
  });
});

describe('Teams input parsing', () => {
  it('reads the verb from Action.Execute or from the data, and rejects unknown ones', () => {
    expect(actionOfInvoke({ action: { type: 'Action.Execute', verb: 'approve', data: { number: '42' } } })).toMatchObject({
      kc: 'approve',
      number: 42,
    });
    expect(actionOfInvoke({ action: { type: 'Action.Execute', data: { kc: 'deny', number: 3, denyReason: 'no' } } })).toMatchObject({
      kc: 'deny',
      denyReason: 'no',
    });
    expect(actionOfInvoke({ action: { type: 'Action.Execute', verb: 'rm -rf' } })).toBeUndefined();
    expect(
      actionOfInvoke({ action: { type: 'Action.Execute', verb: 'anomalyAck', data: { number: 3, detector: 'destructive-sql' } } }),
    ).toMatchObject({ kc: 'anomalyAck', number: 3, detector: 'destructive-sql' });
    expect(actionOfInvoke({ action: { type: 'Action.Execute', verb: 'anomalyAck', data: { detector: 'DROP TABLE' } } })).toBeUndefined();
    expect(actionOfInvoke('nonsense')).toBeUndefined();
  });

  it('strips mentions and Teams HTML from commands and spots a bare "access"', () => {
    expect(commandText('<at>Keycard</at>&nbsp;access <p>list</p>')).toBe('access list');
    expect(wantsForm('access')).toBe(true);
    expect(wantsForm('')).toBe(true);
    expect(wantsForm('access list')).toBe(false);
  });

  it('stores channel references without the thread suffix and personal ones by AAD id', () => {
    expect(referenceOf(activityFrom(PEOPLE.bob, { where: 'channel', type: 'message' }))).toMatchObject({
      key: 'channel:19:medium@thread.tacv2',
      reference: { conversation: { id: '19:medium@thread.tacv2', conversationType: 'channel' }, teamId: '19:general@thread.tacv2' },
    });
    expect(referenceOf(activityFrom(PEOPLE.alice, { type: 'message' }))?.key).toBe('user:aad-alice');
  });

  it('validates the form field by field', () => {
    const policy = teamsPolicy();
    expect(validateForm(policy, { resource: 'demo-logs', level: 'write', duration: 'soon', incident: 'a b' })).toEqual({
      ok: false,
      errors: {
        duration: '"soon" is not a duration (use e.g. 90s, 30m, 1h30m, 2h).',
        level: 'demo-logs has no "write" level (levels: read).',
        reason: 'Say why you need access.',
        incident: '"a b" is not an incident key (incidents.keyPattern: INC-[0-9]+), e.g. INC-4211.',
      },
    });
    // A word shaped like a key is still not one unless incidents.keyPattern matches it.
    expect(validateForm(policy, { resource: 'demo-db', reason: 'checking', incident: 'whatever-1' })).toEqual({
      ok: false,
      errors: { incident: '"whatever-1" is not an incident key (incidents.keyPattern: INC-[0-9]+), e.g. INC-4211.' },
    });
    expect(validateForm(policy, { resource: 'demo-db', reason: 'checking', incident: 'inc-7' })).toMatchObject({
      ok: true,
      request: { incidentKey: 'INC-7' },
    });
  });

  it('takes the email, or an email-like UPN, as the identity', () => {
    expect(emailOfMember({ id: '29:x', email: 'A@Example.com' })).toBe('a@example.com');
    expect(emailOfMember({ id: '29:x', userPrincipalName: 'b@example.com' })).toBe('b@example.com');
    expect(emailOfMember({ id: '29:x', userPrincipalName: 'guest#EXT' })).toBeUndefined();
  });

  it('accepts the TeamsConfig main.ts reads from the environment', () => {
    expectTypeOf<TeamsConfig>().toExtend<TeamsAdapterConfig>();
  });
});

describe('Teams delivery', () => {
  const statusError = (statusCode: number) => Object.assign(new Error(`status ${statusCode}`), { statusCode });

  it('retries 429/412/502/504 with growing, jittered backoff and gives up on other errors', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls <= 3) throw statusError([429, 502, 504][calls - 1]!);
        return 'ok';
      },
      { sleep: async (ms) => void delays.push(ms), random: () => 1 },
    );
    expect(result).toBe('ok');
    expect(delays).toEqual([2400, 4800, 9600]);
    await expect(withRetry(async () => Promise.reject(statusError(403)), { sleep: async () => {}, random: () => 0 })).rejects.toThrow(
      '403',
    );
    let attempts = 0;
    const always = withRetry(
      async () => {
        attempts += 1;
        throw statusError(412);
      },
      { sleep: async () => {}, random: () => 0 },
    );
    await expect(always).rejects.toThrow('412');
    expect(attempts).toBe(4);
  });

  it('keeps each conversation within Teams’ per-second limits', async () => {
    let now = 0;
    const limiter = createRateLimiter({
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    const times: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      await limiter.acquire('19:a@thread.tacv2');
      times.push(now);
    }
    for (let i = 7; i < times.length; i += 1) expect(times[i]! - times[i - 7]!).toBeGreaterThanOrEqual(1_000);
    for (let i = 8; i < times.length; i += 1) expect(times[i]! - times[i - 8]!).toBeGreaterThanOrEqual(2_000);
    const before = now;
    await limiter.acquire('19:b@thread.tacv2');
    expect(now).toBe(before);
  });

  it('serialises work per key', async () => {
    const serial = createSerialQueue();
    const order: string[] = [];
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = serial('KC-1', async () => {
      await gate;
      order.push('first');
    });
    const second = serial('KC-1', async () => void order.push('second'));
    const other = serial('KC-2', async () => void order.push('other'));
    await other;
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['other', 'first', 'second']);
  });
});
