import { describe, expect, it } from 'vitest';
import { renderCard } from '../../../src/chat/console/render.js';
import { toRequestView } from '../../../src/core/views/request-view.js';
import { RELIEF_REASON, ROUTED_FACTORS } from '../../core/views/routed-factors.js';
import { newRequest } from '../../store/fixtures.js';

const NOW = new Date('2026-11-24T09:00:00Z');

describe('console approval card', () => {
  it('names a zero-point routing factor and counts the scored factors left out', () => {
    const view = toRequestView({ ...newRequest({ factors: ROUTED_FACTORS }), id: 'r-1', number: 1, updatedAt: NOW }, [], {
      timezone: 'Europe/Berlin',
    });
    const risk = renderCard(view, NOW, false).find((line) => line.startsWith('  risk'));
    expect(risk).toBe(
      `  risk 42 (medium) · +20 high sensitivity (demo-db), +15 write access, +10 first access to demo-db, +8 4 requests in the last 1h, routing: ${RELIEF_REASON} · +2 more`,
    );
  });

  it('shows no dangling separator when there is no factor to show', () => {
    const view = toRequestView({ ...newRequest({ factors: [] }), id: 'r-1', number: 1, updatedAt: NOW }, [], { timezone: 'Europe/Berlin' });
    expect(renderCard(view, NOW, false)).toContain('  risk 42 (medium)');
  });
});
