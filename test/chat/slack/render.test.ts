import { describe, expect, it } from 'vitest';
import { renderAnomaly } from '../../../src/chat/slack/render/anomaly.js';
import { escapeText, LIMITS } from '../../../src/chat/slack/render/block-kit.js';
import { renderCard } from '../../../src/chat/slack/render/card.js';
import { renderCredential } from '../../../src/chat/slack/render/credential.js';
import { renderHome } from '../../../src/chat/slack/render/home.js';
import { renderIncidentLine } from '../../../src/chat/slack/render/incident.js';
import { renderRequestModal } from '../../../src/chat/slack/render/modals.js';
import { cardFactors } from '../../../src/core/views/card-factors.js';
import type { RequestView } from '../../../src/core/views/request-view.js';
import {
  RELIEF_REASON,
  ROUTED_FACTORS,
  STEP_UP_FACTORS,
  STEP_UP_SLACK_LINES,
  WORST_CASE_FACTORS,
} from '../../core/views/routed-factors.js';
import { makePolicy } from '../../fixtures/policy.js';

const now = new Date('2026-11-24T09:00:00Z');

function view(overrides: Partial<RequestView> = {}): RequestView {
  return {
    id: 'id-1',
    ref: 'KC-1',
    number: 1,
    kind: 'access',
    parentRef: null,
    requester: 'alice@example.com',
    resource: 'demo-db',
    resourceDescription: 'Demo orders database',
    level: 'read',
    durationMs: 30 * 60_000,
    reason: 'checking replication lag',
    incidentKey: null,
    breakGlass: false,
    status: 'pending',
    score: 25,
    tier: 'medium',
    factors: [],
    cardFactors: [{ id: 'sensitivity', points: 20, reason: 'high sensitivity (demo-db)' }],
    approvals: [],
    approvalsCounted: 0,
    approvalsRequired: 1,
    approverGroups: ['sre'],
    openGroups: ['sre'],
    distinctGroups: false,
    deniedBy: null,
    decisionNote: null,
    approvalExpiresAt: new Date('2026-11-24T10:00:00Z'),
    activatedAt: null,
    expiresAt: null,
    endedAt: null,
    endReason: null,
    endedBy: null,
    lastError: null,
    reviewRequired: false,
    reviewedBy: null,
    actions: ['approve', 'deny'],
    timezone: 'Europe/Berlin',
    createdAt: now,
    ...overrides,
  };
}

type AnyBlock = {
  type: string;
  text?: { text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{ text?: string | { text: string } }>;
};
const texts = (blocks: unknown[]) =>
  (blocks as AnyBlock[]).flatMap((b) =>
    [b.text?.text, ...(b.fields ?? []).map((x) => x.text)].filter((t): t is string => typeof t === 'string'),
  );

/** The card's context line that starts "*Risk". */
const riskLine = (blocks: unknown[]) =>
  (blocks as AnyBlock[])
    .filter((b) => b.type === 'context')
    .flatMap((b) => (b.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : e.text?.text)))
    .find((t) => t?.startsWith('*Risk')) ?? '';

describe('Slack Block Kit rendering', () => {
  it('keeps a card within Block Kit limits and truncates a long reason gracefully', () => {
    const card = renderCard(
      view({
        reason: 'x'.repeat(5000),
        approvals: Array.from({ length: 3 }, (_, i) => ({
          approver: `a${i}@example.com`,
          groups: ['sre'],
          at: now,
          comment: 'y'.repeat(900),
        })),
      }),
      now,
    );
    expect(card.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    for (const text of texts(card.blocks)) expect(text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    const reason = texts(card.blocks).find((t) => t.startsWith('*Reason*'))!;
    expect(reason).toMatch(/x … \(truncated\)$/);
    expect(card.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
  });

  it('names every scored factor, largest first, and a zero-point routing factor on the risk line', () => {
    const card = renderCard(view({ factors: ROUTED_FACTORS, cardFactors: cardFactors(ROUTED_FACTORS) }), now);
    const risk = riskLine(card.blocks);
    expect(risk).toContain('+6 demo-db is outside their usual work');
    expect(risk).toContain('-5 incident INC-7, and they are on call');
    expect(risk.endsWith(`\n• routing: ${RELIEF_REASON}`)).toBe(true);
    expect(risk).not.toContain('more');
    expect(risk).not.toContain('business hours');
    expect(risk).not.toMatch(/[+-]?0 on call/);
  });

  it('shows the step up and the responder discount a four-factor card hid', () => {
    const card = renderCard(view({ factors: STEP_UP_FACTORS, cardFactors: cardFactors(STEP_UP_FACTORS), score: 80, tier: 'high' }), now);
    expect(riskLine(card.blocks)).toBe(STEP_UP_SLACK_LINES);
  });

  it('shows the same factor list when the card is updated: approved, denied, expired', () => {
    const factors = cardFactors(STEP_UP_FACTORS);
    const ended = { endedAt: now, activatedAt: now, expiresAt: now, actions: [] };
    for (const state of [
      { status: 'approved' as const, actions: [] },
      { status: 'denied' as const, deniedBy: 'bob@example.com', decisionNote: 'use the replica', actions: [] },
      { status: 'expired' as const, endReason: 'expired' as const, ...ended },
    ]) {
      const card = renderCard(view({ factors: STEP_UP_FACTORS, cardFactors: factors, score: 80, tier: 'high', ...state }), now);
      expect(riskLine(card.blocks)).toBe(STEP_UP_SLACK_LINES);
    }
  });

  it('keeps every factor on a risk line within the context limit, escaped, by cutting reasons (15 factors, 300-character reasons)', () => {
    const factors = WORST_CASE_FACTORS.map((f) => (f.points === 0 ? f : { ...f, reason: `<!channel> & ${f.reason}` }));
    const card = renderCard(view({ factors, cardFactors: cardFactors(factors) }), now);
    const risk = riskLine(card.blocks);
    expect(risk.length).toBeLessThanOrEqual(LIMITS.contextText);
    expect(risk).not.toContain('(truncated)');
    for (let i = 0; i < 15; i++) expect(risk).toContain(`+${20 - i} &lt;!channel&gt; &amp; reason ${i}: rrr`);
    expect(risk).toMatch(/\n• routing: 3 auto-approved requests within 1d \(cap 3\)$/);
    expect(risk).not.toContain('<!channel>');
    expect(card.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    for (const b of card.blocks as AnyBlock[]) if (b.type === 'context') expect(b.elements!.length).toBeLessThanOrEqual(10);
  });

  it('escapes user text so it cannot mention or link', () => {
    expect(escapeText('<!here> & <https://evil|click>')).toBe('&lt;!here&gt; &amp; &lt;https://evil|click&gt;');
    const card = renderCard(view({ reason: 'ping <!channel>' }), now);
    expect(JSON.stringify(card.blocks)).not.toContain('<!channel>');
  });

  it('splits a long credential over code blocks and messages without losing a character, and keeps it out of the notification text', () => {
    const secret = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    const messages = renderCredential(
      view({ status: 'active', expiresAt: new Date('2026-11-24T09:30:00Z') }),
      { summary: 'login kc_alice', secret },
      now,
    );
    expect(messages).toHaveLength(3);
    const secretText = messages
      .flatMap((m) => texts(m.blocks))
      .filter((t) => t.startsWith('```'))
      .map((t) => t.slice(3, -3))
      .join('');
    expect(secretText).toBe(secret);
    for (const m of messages) {
      expect(m.text).not.toContain(secret.slice(0, 20));
      expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
      for (const text of texts(m.blocks)) expect(text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    }
    expect(messages[0]!.text).toBe('KC-1: your access to demo-db (read) is active until 10:30:00. Your credential is in this message.');
  });

  it('caps the App Home at 100 blocks however much is waiting', () => {
    const waiting = Array.from({ length: 80 }, (_, i) => view({ id: `w${i}`, number: i + 2, ref: `KC-${i + 2}` }));
    const home = renderHome({ mine: [], waitingForMe: waiting, toReview: [] }, now, 'Europe/Berlin');
    expect(home.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    expect(JSON.stringify(home.blocks)).toContain('… and 65 more: /access list');
  });

  it('builds a modal whose titles and options respect Slack limits', () => {
    const modal = renderRequestModal(makePolicy(), {}, '{}');
    expect(modal.title.text.length).toBeLessThanOrEqual(24);
    expect(modal.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
  });

  it('says on an anomaly DM that Keycard already revoked, escapes the summary, and offers only what the recipient may do', () => {
    const revoked = view({ status: 'revoked', endReason: 'revoked', endedBy: 'keycard', endedAt: now });
    const message = renderAnomaly(
      {
        request: revoked,
        detector: 'outside-window',
        severity: 'critical',
        summary: 'activity after the grant ended: <!channel> DROP',
        at: now,
        autoRevoked: true,
        extendBy: 30 * 60_000,
        actions: ['acknowledge'],
      },
      now,
    );
    expect(message.text).toContain('CRITICAL activity on KC-1');
    expect(message.text).toContain('revoked automatically');
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('Keycard revoked KC-1 automatically');
    expect(json).toContain('&lt;!channel&gt;');
    expect(json).not.toContain('<!channel>');
    const actions = message.blocks.filter((b) => b.type === 'actions');
    expect(JSON.stringify(actions)).toContain('kc_anomaly_ack');
    expect(JSON.stringify(actions)).not.toMatch(/kc_anomaly_(revoke|extend)/);
  });

  it('links incident lines and cards only with https links, escaping labels', () => {
    const line = renderIncidentLine('KC-1: <@U1> requested', { ref: 'KC-1', url: 'https://acme.slack.com/archives/C1/p1' });
    expect(JSON.stringify(line.blocks)).toContain('<https://acme.slack.com/archives/C1/p1|KC-1 approval card>');
    expect(JSON.stringify(line.blocks)).toContain('&lt;@U1&gt;');
    const bad = renderIncidentLine('x', { ref: 'KC-1', url: 'javascript:alert(1)|x>' });
    expect(JSON.stringify(bad.blocks)).not.toContain('javascript');
    const card = renderCard(view({ incidentKey: 'INC-4211' }), now, {
      incident: { url: 'https://acme.slack.com/archives/C9/p2', label: '#inc-4211 › INC-4211' },
    });
    expect(JSON.stringify(card.blocks)).toContain('Incident thread: <https://acme.slack.com/archives/C9/p2|#inc-4211 › INC-4211>');
  });
});
