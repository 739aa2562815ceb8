import { describe, expect, it } from 'vitest';
import { renderCard } from '../../../src/chat/console/render.js';
import { toRequestView } from '../../../src/core/views/request-view.js';
import { RELIEF_REASON, ROUTED_FACTORS, STEP_UP_FACTORS, STEP_UP_LINE } from '../../core/views/routed-factors.js';
import { newRequest } from '../../store/fixtures.js';

const NOW = new Date('2026-11-24T09:00:00Z');

describe('console approval card', () => {
  it('names every scored factor, largest first, then a zero-point routing factor', () => {
    const view = toRequestView({ ...newRequest({ factors: ROUTED_FACTORS }), id: 'r-1', number: 1, updatedAt: NOW }, [], {
      timezone: 'Europe/Berlin',
    });
    const risk = renderCard(view, NOW, false).find((line) => line.startsWith('  risk'));
    expect(risk).toBe(
      '  risk 42 (medium) · +20 high sensitivity (demo-db), +15 write access, +10 first access to demo-db, +8 4 requests in the last 1h, ' +
        `+6 demo-db is outside their usual work (no grant in its family before), -5 incident INC-7, and they are on call, routing: ${RELIEF_REASON}`,
    );
  });

  it('shows the same factor list on the card updates: approved, denied, expired', () => {
    for (const state of [
      { status: 'approved' as const },
      { status: 'denied' as const, decisionNote: 'use the replica' },
      { status: 'expired' as const, endReason: 'expired' as const, activatedAt: NOW, expiresAt: NOW, endedAt: NOW },
    ]) {
      const view = toRequestView({ ...newRequest({ factors: STEP_UP_FACTORS, ...state }), id: 'r-1', number: 1, updatedAt: NOW }, [], {
        timezone: 'Europe/Berlin',
      });
      expect(renderCard(view, NOW, true)).toContain(`  risk 42 (medium) · ${STEP_UP_LINE}`);
    }
  });

  it('shows no dangling separator when there is no factor to show', () => {
    const view = toRequestView({ ...newRequest({ factors: [] }), id: 'r-1', number: 1, updatedAt: NOW }, [], { timezone: 'Europe/Berlin' });
    expect(renderCard(view, NOW, false)).toContain('  risk 42 (medium)');
  });
});
