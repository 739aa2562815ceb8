import { describe, expect, it } from 'vitest';
import { formatPolicyErrors } from '../../src/config/policy-errors.js';
import { parsePolicyText } from '../../src/config/policy-loader.js';
import { columnOf, fakeProviderSchemas, lineOf, validPolicy } from './fixtures.js';

function thresholdWarnings(thresholds: string): string[] {
  const text = `${validPolicy}risk:\n  thresholds:\n${thresholds}`;
  const result = parsePolicyText(text, 'keycard.yaml', fakeProviderSchemas);
  if (!result.ok) throw new Error(formatPolicyErrors(result.errors).join('\n'));
  return result.warnings.filter((w) => w.includes('risk.thresholds'));
}

describe('policy warnings: windows longer than risk.thresholds.historyWindow', () => {
  it('names a habit window that reaches back further than the history it reads, with both values and the fix', () => {
    const thresholds = '    historyWindow: 30d\n    escalationWindow: 60d\n    ticketMaxAge: 7d\n';
    const text = `${validPolicy}risk:\n  thresholds:\n${thresholds}`;
    expect(thresholdWarnings(thresholds)).toEqual([
      `keycard.yaml:${lineOf(text, 'escalationWindow')}:${columnOf(text, 'escalationWindow')} risk.thresholds.escalationWindow: is 60d, longer than risk.thresholds.historyWindow (30d): a requester's earlier requests are read only within historyWindow, so climbs in level or sensitivity more than 30d ago never count towards escalationSteps; shorten escalationWindow to at most 30d, or lengthen historyWindow (which also widens what cleanHistory, routineWork, recentAnomaly and the other habit factors count)`,
    ]);
  });

  it('counts a default that a shorter historyWindow cuts, and says it is the default', () => {
    // Defaults: escalationWindow 45d, sessionAnomalyWindow 14d, autoApproveWindow 1d, ticketMaxAge 30d.
    const warned = thresholdWarnings('    historyWindow: 20d\n');
    expect(warned.map((w) => w.split(': ')[0]!.split(' ')[1])).toEqual([
      'risk.thresholds.escalationWindow',
      'risk.thresholds.ticketMaxAge',
    ]);
    expect(warned[0]).toContain('is 45d (the default), longer than risk.thresholds.historyWindow (20d)');
  });

  it('flags session anomalies and the auto-approval cap the same way', () => {
    const warned = thresholdWarnings(
      '    historyWindow: 7d\n    sessionAnomalyWindow: 8d\n    autoApproveWindow: 10d\n    escalationWindow: 7d\n    ticketMaxAge: 3d\n',
    );
    expect(warned).toHaveLength(2);
    expect(warned[0]).toContain('risk.thresholds.sessionAnomalyWindow: is 8d, longer than risk.thresholds.historyWindow (7d)');
    expect(warned[0]).toContain('never counts for sessionAnomaly or sessionAnomalyElsewhere');
    expect(warned[1]).toContain('risk.thresholds.autoApproveWindow: is 10d');
    expect(warned[1]).toContain('never count towards autoApproveCap');
  });

  it('flags a ticketMaxAge equal to historyWindow: no ticket is ever seen as older than it', () => {
    const [warned, ...rest] = thresholdWarnings('    historyWindow: 30d\n    ticketMaxAge: 30d\n    escalationWindow: 30d\n');
    expect(rest).toEqual([]);
    expect(warned).toContain('risk.thresholds.ticketMaxAge: is 30d, the same as risk.thresholds.historyWindow (30d)');
    expect(warned).toContain('shorten ticketMaxAge below 30d');
  });

  it('says nothing when every habit window fits, nor about denialWindow and velocityWindow, which are read on their own', () => {
    expect(thresholdWarnings('    historyWindow: 90d\n')).toEqual([]);
    expect(
      thresholdWarnings(
        '    historyWindow: 7d\n    escalationWindow: 7d\n    sessionAnomalyWindow: 7d\n    ticketMaxAge: 6d\n    denialWindow: 30d\n    velocityWindow: 10d\n',
      ),
    ).toEqual([]);
  });
});
