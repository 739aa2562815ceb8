import { TIER_NAMES } from '../policy/schema.js';
import type { AuditInput, EndReason, RequesterHistory, RiskFactor } from '../types.js';
import type { LedgerRequest } from './audit-ledger.js';
import { onCallFromFactors } from './habit-factors.js';

/**
 * A request as its `*.submitted` audit event records it (what it asked, and the score, tier and factors it was
 * given), and the field readers the audit ledger uses on every event: tolerant of older and partial logs.
 */
export function submittedRequest(
  event: AuditInput,
  history: (requester: string, resource: string) => RequesterHistory,
): LedgerRequest | undefined {
  const d = event.details;
  const resource = text(d.resource);
  const level = text(d.level);
  if (!event.requestId || !resource || !level) return undefined;
  const requester = event.actor.toLowerCase();
  const tier = TIER_NAMES.find((name) => name === d.tier) ?? 'critical';
  const factors = factorsOf(d.factors);
  return {
    id: event.requestId,
    ref: text(d.ref) ?? event.requestId,
    requester,
    resource,
    level,
    durationMs: typeof d.durationMs === 'number' ? d.durationMs : 0,
    reason: text(d.reason) ?? '',
    incidentKey: text(d.incidentKey) ?? null,
    kind: event.action === 'extension.submitted' ? 'extension' : 'access',
    breakGlass: d.breakGlass === true,
    platform: text(d.platform) ?? null,
    // On-call is a fact of that moment (rotations or PagerDuty), read back from the factor it was scored with.
    onCallVia: onCallFromFactors(factors),
    createdAt: event.at,
    recorded: { score: typeof d.score === 'number' ? d.score : 0, tier, factors },
    history: history(requester, resource),
    outcome: 'pending',
    decidedAt: null,
    approvers: [],
    deniedBy: null,
    activatedAt: null,
    endedAt: null,
    endReason: null,
    endedBy: null,
    failed: false,
    anomalies: [],
  };
}

function factorsOf(value: unknown): RiskFactor[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((f: unknown) => {
    if (typeof f !== 'object' || f === null) return [];
    const { id, points, reason } = f as Record<string, unknown>;
    return typeof id === 'string' && typeof points === 'number' ? [{ id, points, reason: typeof reason === 'string' ? reason : '' }] : [];
  });
}

export function endReason(value: unknown): EndReason | null {
  return value === 'expired' || value === 'released' || value === 'revoked' ? value : null;
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
