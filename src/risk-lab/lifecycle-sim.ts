import { resolveResource } from '../core/policy/access.js';
import type { Policy, Tier } from '../core/policy/schema.js';
import { createAuditLedger } from '../core/risk/audit-ledger.js';
import { findIncidentKey } from '../core/risk/incident.js';
import { assessAsSubmitted } from '../core/risk/risk-features.js';
import type { AuditInput, RequesterHistory, RiskAssessment } from '../core/types.js';
import type { EventQueue } from './event-queue.js';
import type { Rng } from './prng.js';
import type { MisusePlan, MisuseType, PlannedRequest } from './request-plan.js';
import { approvalWaitMs } from './wait-model.js';
import type { Zone } from './zoned-time.js';

const SECOND = 1000;
const MINUTE = 60_000;

export interface MisuseLabel {
  requestId: string;
  ref: string;
  type: MisuseType;
  campaign: string;
  onset: boolean;
}

// What the people and detectors of the simulated organisation do. Misuse that reaches a reviewer
// is often, not always, denied; its sessions trip the anomaly detectors more often than routine
// work, which trips them now and then (false positives).
const ANOMALY: Record<MisuseType, number> = {
  'off-hours-critical-write': 0.5,
  'new-resource-burst': 0.35,
  'reason-without-substance': 0.25,
  'activity-anomalies': 0.8,
};
const REVOKE_AFTER_ANOMALY: Record<MisuseType, number> = {
  'off-hours-critical-write': 0.5,
  'new-resource-burst': 0.3,
  'reason-without-substance': 0.3,
  'activity-anomalies': 0.4,
};
const DENY_MISUSE: Record<MisuseType, number> = {
  'off-hours-critical-write': 0.7,
  'new-resource-burst': 0.45,
  'reason-without-substance': 0.6,
  'activity-anomalies': 0.15,
};
const DETECTORS: Record<MisuseType, ReadonlyArray<readonly [string, string, string]>> = {
  'off-hours-critical-write': [
    ['destructive-statement', 'critical', 'UPDATE without WHERE'],
    ['off-hours-activity', 'warning', 'writes outside business hours'],
  ],
  'new-resource-burst': [['volume-spike', 'warning', 'row reads 40x the grant baseline']],
  'reason-without-substance': [['bulk-read', 'warning', 'full-table reads of customer tables']],
  'activity-anomalies': [
    ['bulk-export', 'critical', 'COPY of a customer table to a client'],
    ['destructive-statement', 'critical', 'DROP TABLE'],
    ['privilege-statement', 'warning', 'GRANT to an unknown role'],
  ],
};
const FALSE_POSITIVES: ReadonlyArray<readonly [string, string, string]> = [
  ['volume-spike', 'warning', 'row reads 12x the grant baseline'],
  ['new-source-address', 'info', 'session from a new address'],
];

export interface LifecycleSim {
  submit(plan: PlannedRequest, at: number): void;
  /** Postpones a request whose person already holds or awaits the same access; undefined when free. */
  busyUntil(plan: PlannedRequest): number | undefined;
  readonly events: AuditInput[];
  readonly labels: MisuseLabel[];
}

/**
 * Runs each request through what Keycard and the organisation would do with it: scored by the real
 * assessRisk on the history the audit log gives (through the same ledger calibrate and evaluate
 * replay), routed by the policy's tiers, decided by approvers after a realistic wait, granted,
 * watched by the anomaly detectors, and ended. Everything lands as audit events of the shapes the
 * lifecycle writes. The misuse label goes into `labels` only.
 */
export function createLifecycleSim(options: { policy: Policy; zone: Zone; rng: Rng; ids: Rng; queue: EventQueue }): LifecycleSim {
  const { policy, zone, rng, ids, queue } = options;
  const t = policy.risk.thresholds;
  const ledger = createAuditLedger({
    historyWindowMs: t.historyWindow,
    denialWindowMs: t.denialWindow,
    velocityWindowMs: t.velocityWindow,
  });
  const events: AuditInput[] = [];
  const labels: MisuseLabel[] = [];
  const busy = new Map<string, number>();
  let number = 0;

  const emit = (at: number, actor: string, action: string, requestId: string, details: Record<string, unknown>) => {
    const event: AuditInput = { at: new Date(at), actor, action, requestId, details };
    events.push(event);
    ledger.apply(event);
  };
  const later = (at: number, actor: string, action: string, requestId: string, details: Record<string, unknown>) =>
    queue.schedule(at, () => emit(at, actor, action, requestId, details));
  const members = (groups: readonly string[], except: string) =>
    groups.map((g) => [g, (policy.groups[g] ?? []).filter((m) => m !== except)] as const).filter(([, m]) => m.length > 0);
  const reviewers = (except: string) => {
    const pool = members(policy.alerts.reviewers, except).flatMap(([, m]) => m);
    return pool.length > 0 ? pool : ['security@example.com'];
  };

  const approversFor = (tier: Tier, requester: string): Array<{ email: string; group: string }> => {
    const groups = members(tier.approvers, requester);
    if (groups.length === 0)
      return Array.from({ length: tier.approvals }, (_, i) => ({ email: `approver${i + 1}@example.com`, group: 'approvers' }));
    const chosen: Array<{ email: string; group: string }> = [];
    for (let i = 0; i < tier.approvals; i += 1) {
      const [group, pool] = tier.distinctGroups ? groups[i % groups.length]! : rng.pick(groups);
      const free = pool.filter((m) => !chosen.some((c) => c.email === m));
      chosen.push({ email: free.length > 0 ? rng.pick(free) : rng.pick(pool), group });
    }
    return chosen;
  };

  const denyChance = (plan: PlannedRequest, assessment: RiskAssessment, history: RequesterHistory): number => {
    if (plan.misuse) {
      return plan.misuse.type === 'activity-anomalies' && history.recentAnomalies > 0 ? 0.6 : DENY_MISUSE[plan.misuse.type];
    }
    // Reviewers push back on what the card shows: vague reasons, admin, long windows, earlier alerts.
    const has = (id: string) => assessment.factors.some((f) => f.id === id && f.points !== 0);
    let p = 0.015;
    if (has('weak-reason')) p *= 2.5;
    if (plan.level === 'admin') p *= 1.5;
    if (assessment.factors.some((f) => f.id === 'duration' && f.points > 0)) p *= 1.5;
    if (history.recentAnomalies > 0) p *= 2;
    return Math.min(p, 0.25);
  };

  const grant = (plan: PlannedRequest, id: string, ref: string, at: number, key: string) => {
    const requester = plan.person.email;
    const expiresAt = at + plan.durationMs;
    later(at, 'keycard', 'grant.activated', id, {
      ref,
      provider: policy.resources[plan.resource]!.provider,
      expiresAt: new Date(expiresAt).toISOString(),
      fingerprint: null,
    });
    const misuse: MisusePlan | null = plan.misuse;
    const anomalyChance = misuse ? ANOMALY[misuse.type] : plan.level === 'read' ? 0.001 : plan.level === 'admin' ? 0.008 : 0.004;
    let end = expiresAt;
    let ending: 'expired' | 'released' | 'revoked' = 'expired';
    let endedBy = 'keycard';
    let anomalyAt: number | undefined;
    if (rng.chance(anomalyChance)) {
      anomalyAt = at + Math.round(plan.durationMs * rng.between(0.05, 0.7));
      const [detector, severity, summary] = rng.pick(misuse ? DETECTORS[misuse.type] : FALSE_POSITIVES);
      later(anomalyAt, 'keycard', 'anomaly.detected', id, {
        ref,
        requestId: id,
        requester,
        resource: plan.resource,
        detector,
        severity,
        summary,
      });
      if (rng.chance(misuse ? REVOKE_AFTER_ANOMALY[misuse.type] : 0.1)) {
        const revokeAt = anomalyAt + rng.int(2, 20) * MINUTE;
        if (revokeAt < expiresAt) {
          end = revokeAt;
          ending = 'revoked';
          endedBy = rng.pick(reviewers(requester));
        }
      }
    }
    if (ending === 'expired' && rng.chance(misuse ? 0.2 : 0.45)) {
      const releaseAt = at + Math.round(plan.durationMs * rng.between(0.15, 0.9));
      if (anomalyAt === undefined || releaseAt > anomalyAt) {
        end = releaseAt;
        ending = 'released';
        endedBy = requester;
      }
    }
    later(end, endedBy, 'grant.revoking', id, {
      ref,
      endReason: ending,
      ...(ending === 'revoked' ? { note: 'anomaly during the session' } : {}),
    });
    const done = end + SECOND;
    later(done, 'keycard', ending === 'expired' ? 'grant.expired' : 'grant.revoked', id, { ref, endReason: ending, endedBy, attempts: 1 });
    busy.set(key, done);
  };

  return {
    events,
    labels,
    busyUntil(plan) {
      const until = busy.get(`${plan.person.email}|${plan.resource}|${plan.level}`);
      return until === undefined ? undefined : until;
    },
    submit(plan, at) {
      const requester = plan.person.email;
      const resource = resolveResource(policy, plan.resource)!;
      const id = ids.uuid();
      number += 1;
      const ref = `KC-${number}`;
      const key = `${requester}|${plan.resource}|${plan.level}`;
      const incidentKey = findIncidentKey(plan.reason, policy.incidents.keyPattern);
      const history = ledger.historyFor(requester, plan.resource, new Date(at));
      // As submission scores it (scoreRequest). The generator writes no on-call rotations into the
      // policy, so onCallVia stays empty and incident relief never applies here.
      const assessment = assessAsSubmitted(policy, {
        resource: plan.resource,
        resourcePolicy: resource,
        level: plan.level,
        durationMs: plan.durationMs,
        reason: plan.reason,
        incidentKey,
        breakGlass: false,
        kind: 'access',
        at: new Date(at),
        history,
      });
      emit(at, requester, 'request.submitted', id, {
        ref,
        resource: plan.resource,
        level: plan.level,
        durationMs: plan.durationMs,
        reason: plan.reason,
        incidentKey,
        score: assessment.score,
        tier: assessment.tier,
        factors: assessment.factors,
        parent: null,
        platform: plan.platform,
      });
      if (plan.misuse) labels.push({ requestId: id, ref, ...plan.misuse });
      const tier = policy.tiers[assessment.tier];
      if (tier.approvals === 0) {
        emit(at, 'keycard', 'request.auto_approved', id, { ref, tier: assessment.tier, score: assessment.score });
        grant(plan, id, ref, at, key);
        return;
      }
      const wait = approvalWaitMs(policy, zone, { id, at: new Date(at), incident: incidentKey !== null }, tier.approvals);
      if (wait >= tier.approvalTtl) {
        later(at + tier.approvalTtl, 'keycard', 'request.timed_out', id, { ref });
        busy.set(key, at + tier.approvalTtl);
        return;
      }
      const decidedAt = at + wait;
      const approvers = approversFor(tier, requester);
      if (rng.chance(denyChance(plan, assessment, history))) {
        const denier = approvers[0]!;
        later(decidedAt, denier.email, 'request.denied', id, { ref, reason: 'not justified by the reason given', groups: [denier.group] });
        busy.set(key, decidedAt);
        return;
      }
      approvers.forEach((a, i) => {
        const last = i === approvers.length - 1;
        const when = last ? decidedAt : at + Math.round(wait * rng.between(0.3, 0.8));
        later(when, a.email, 'approval.recorded', id, {
          ref,
          groups: [a.group],
          counted: i + 1,
          required: approvers.length,
          comment: null,
        });
      });
      const last = approvers[approvers.length - 1]!;
      later(decidedAt, last.email, 'request.approved', id, { ref, approvers: approvers.map((a) => a.email) });
      grant(plan, id, ref, decidedAt + rng.int(1, 5) * SECOND, key);
    },
  };
}
