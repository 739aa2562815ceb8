import type { AuditInput } from '../core/types.js';
import type { Organisation, Resource } from './organisation.js';
import type { Pattern, PlannedAccess } from './plan.js';
import type { Random } from './random.js';

const MINUTE = 60_000;

/** How often a session of each misuse pattern trips an activity detector (routine work: rarely). */
const ANOMALY: Record<Pattern, number> = {
  'compromised-account': 0.45,
  'slow-escalation': 0.15,
  'incident-riding': 0.25,
  'pasted-generic-reason': 0.2,
  'departing-bulk-reads': 0.35,
  'approver-collusion': 0.1,
};

export interface TrailOptions {
  org: Organisation;
  random: Random;
  /** Requester → accomplice approver (approver collusion). */
  accomplices: Map<string, string>;
  /** The rota the requester is on call through at `at`, if any. */
  onCall: (email: string, at: number) => string | undefined;
}

export interface Trail {
  events: AuditInput[];
  labels: Array<{ requestId: string; pattern: Pattern; campaign: string }>;
}

/**
 * What the audit log records for these requests under the organisation's current, simple rules:
 * writes, admin and anything high or critical wait for a lead of the owning team; the rest is granted
 * at once. Approvers see only the card, so they stop some misuse and wave most through; sessions of
 * misuse trip the activity detectors more often than routine ones.
 */
export function writeTrail(plans: readonly PlannedAccess[], options: TrailOptions): Trail {
  const { org, random } = options;
  const pending: AuditInput[] = [];
  const labels: Trail['labels'] = [];
  let number = 0;
  const push = (at: number, actor: string, action: string, requestId: string, details: Record<string, unknown>) =>
    pending.push({ at: new Date(at), actor, action, requestId, details });
  const approverFor = (requester: string, resource: Resource): string => {
    const accomplice = options.accomplices.get(requester);
    if (accomplice) return accomplice;
    const team = org.teams.find((t) => t.name === resource.owner);
    const leads = (team?.leads ?? []).filter((l) => l !== requester);
    return leads.length > 0 ? random.pick(leads) : random.pick(org.securityTeam.filter((s) => s !== requester));
  };

  for (const p of plans) {
    const resource = org.byResource.get(p.resource)!;
    const id = random.uuid();
    number += 1;
    const ref = `KC-${number}`;
    const rota = options.onCall(p.requester, p.at);
    const needsHuman = p.level !== 'read' || resource.sensitivity === 'high' || resource.sensitivity === 'critical';
    push(p.at, p.requester, 'request.submitted', id, {
      ref,
      resource: p.resource,
      level: p.level,
      durationMs: p.minutes * MINUTE,
      reason: p.reason,
      incidentKey: p.incidentKey,
      score: needsHuman ? 40 : 10,
      tier: needsHuman ? 'medium' : 'low',
      factors: rota ? [{ id: 'on-call', points: -5, reason: `on call (${rota})` }] : [],
      parent: null,
      platform: random.chance(0.6) ? 'slack' : 'teams',
    });
    if (p.misuse) labels.push({ requestId: id, ...p.misuse });
    let grantAt = p.at + 2000;
    if (!needsHuman) {
      push(p.at, 'keycard', 'request.auto_approved', id, { ref, tier: 'low', score: 10 });
    } else {
      const approver = approverFor(p.requester, resource);
      const quick = options.accomplices.get(p.requester) === approver;
      const waitMs = quick ? random.int(15, 90) * 1000 : Math.round(Math.exp(Math.log(12) + random.gauss() * 0.9) * MINUTE);
      if (!quick && waitMs > 60 * MINUTE && random.chance(0.5)) {
        push(p.at + 60 * MINUTE, 'keycard', 'request.timed_out', id, { ref });
        continue;
      }
      const deny = quick ? 0 : p.misuse ? 0.3 : 0.02;
      if (random.chance(deny)) {
        push(p.at + waitMs, approver, 'request.denied', id, { ref, reason: 'not convinced', groups: [resource.owner] });
        continue;
      }
      push(p.at + waitMs, approver, 'approval.recorded', id, { ref, groups: [resource.owner], counted: 1, required: 1, comment: null });
      push(p.at + waitMs, approver, 'request.approved', id, { ref, approvers: [approver] });
      grantAt = p.at + waitMs + 2000;
    }
    const expiresAt = grantAt + p.minutes * MINUTE;
    push(grantAt, 'keycard', 'grant.activated', id, {
      ref,
      provider: 'demo',
      expiresAt: new Date(expiresAt).toISOString(),
      fingerprint: null,
    });
    let end = expiresAt;
    let reason: 'expired' | 'released' | 'revoked' = 'expired';
    let endedBy = 'keycard';
    if (random.chance(p.misuse ? ANOMALY[p.misuse.pattern] : 0.003)) {
      const at = grantAt + Math.round(p.minutes * MINUTE * (0.1 + random.next() * 0.6));
      push(at, 'keycard', 'anomaly.detected', id, {
        ref,
        requestId: id,
        requester: p.requester,
        resource: p.resource,
        detector: random.pick(['bulk-read', 'volume-spike', 'privilege-statement']),
        severity: 'warning',
        summary: 'unusual activity during the session',
      });
      if (random.chance(0.4)) {
        end = at + 5 * MINUTE;
        reason = 'revoked';
        endedBy = random.pick(org.securityTeam);
      }
    }
    if (reason === 'expired' && random.chance(p.misuse ? 0.1 : 0.4)) {
      end = grantAt + Math.round(p.minutes * MINUTE * (0.2 + random.next() * 0.6));
      reason = 'released';
      endedBy = p.requester;
    }
    if (end > expiresAt) end = expiresAt;
    push(end, endedBy, 'grant.revoking', id, { ref, endReason: reason });
    push(end + 1000, 'keycard', reason === 'expired' ? 'grant.expired' : 'grant.revoked', id, {
      ref,
      endReason: reason,
      endedBy,
      attempts: 1,
    });
  }
  // The log is in time order (ties keep their order of writing).
  const order = pending.map((e, i) => [e.at.getTime(), i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { events: order.map(([, i]) => pending[i]!), labels };
}
