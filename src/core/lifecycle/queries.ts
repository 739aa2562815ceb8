import { approverGroupsFor } from '../approval/approver-groups.js';
import { eligibleGroups } from '../approval/rules.js';
import { resolveResource } from '../policy/access.js';
import { ok, type Result, refuse } from '../result.js';
import { findIncidentKey, isIncidentKey, notAnIncidentKey } from '../risk/incident.js';
import type { RequesterHistory, RiskAssessment } from '../types.js';
import { OPEN_STATUSES } from '../types.js';
import type { RequestView } from '../views/request-view.js';
import type { CoreDeps } from './deps.js';
import { rememberApprovals } from './known-approvals.js';
import { loadView } from './notify.js';
import { checkDuration } from './plan.js';
import { scoreRequest } from './score.js';

export async function requestStatus(deps: CoreDeps, number: number): Promise<Result<RequestView>> {
  const found = await deps.store.getRequestWithApprovals(number);
  if (!found) return refuse('not_found', `KC-${number} does not exist.`);
  return ok(await loadView(deps, rememberApprovals(found.request, found.approvals)));
}

export interface Overview {
  mine: RequestView[];
  waitingForMe: RequestView[];
  toReview: RequestView[];
}

/** What `list` and App Home show: my open requests and grants, and what waits for my decision or review. */
export async function overview(deps: CoreDeps, actor: string): Promise<Overview> {
  const policy = deps.policy();
  const me = actor.toLowerCase();
  const mine = await deps.store.listRequests({ requester: me, statuses: OPEN_STATUSES, limit: 50 });
  const pending = await deps.store.listRequests({ statuses: ['pending'], limit: 200 });
  const waiting = [];
  for (const request of pending) {
    if (request.requester === me || eligibleGroups(policy, request, me).length === 0) continue;
    const approvals = await deps.store.listApprovals(request.id);
    if (!approvals.some((a) => a.approver === me)) waiting.push(request);
  }
  const reviewerGroups = policy.alerts.reviewers;
  const isReviewer = reviewerGroups.some((group) => policy.groups[group]?.includes(me));
  const recent = await deps.store.listRequests({ statuses: ['active', 'revoking', 'revoked', 'expired', 'revoke_failed'], limit: 200 });
  const toReview = recent.filter(
    (r) => r.reviewRequired && !r.reviewedBy && r.requester !== me && (isReviewer || eligibleGroups(policy, r, me).length > 0),
  );
  return {
    mine: await Promise.all(mine.map((r) => loadView(deps, r))),
    waitingForMe: await Promise.all(waiting.map((r) => loadView(deps, r))),
    toReview: await Promise.all(toReview.map((r) => loadView(deps, r))),
  };
}

export interface RiskExplanation {
  assessment: RiskAssessment;
  history: RequesterHistory;
  route: {
    approvals: number;
    approvers: string[];
    distinctGroups: boolean;
    channel: Record<string, string | undefined>;
    breakGlass: boolean;
    approvalTtlMs: number;
  };
  level: string;
  durationMs: number;
  at: Date;
}

/** Scores a hypothetical request without creating anything (`keycard risk explain`). */
export async function explainRisk(
  deps: CoreDeps,
  input: {
    requester: string;
    resource: string;
    durationMs?: number;
    /** The duration as typed ("99h"), for a refusal to quote; else the normalised form. */
    durationText?: string;
    level?: string;
    reason?: string;
    /** As `/access --incident KEY`: wins over a key in the reason. */
    incidentKey?: string;
    at?: Date;
    breakGlass?: boolean;
  },
): Promise<Result<RiskExplanation>> {
  const policy = deps.policy();
  if (input.incidentKey !== undefined && !isIncidentKey(input.incidentKey, policy.incidents.keyPattern))
    return refuse('invalid_incident_key', notAnIncidentKey(`"${input.incidentKey}"`, policy.incidents.keyPattern));
  const resource = resolveResource(policy, input.resource);
  if (!resource)
    return refuse('unknown_resource', `Unknown resource "${input.resource}" (known: ${Object.keys(policy.resources).join(', ')}).`);
  const level = input.level ?? resource.defaultLevelName;
  if (!resource.levelNames.includes(level))
    return refuse('unknown_level', `${resource.name} has no "${level}" level (levels: ${resource.levelNames.join(', ')}).`);
  const durationMs = input.durationMs ?? resource.defaultDuration;
  // Explained exactly as submitted: a duration the resource does not allow is refused there, so here too.
  const bounds = checkDuration(resource.name, durationMs, resource, input.durationText);
  if (!bounds.ok) return bounds;
  const at = input.at ?? deps.clock.now();
  const reason = input.reason ?? '';
  const { assessment, history } = await scoreRequest(deps, {
    requester: input.requester.toLowerCase(),
    resource,
    level,
    durationMs,
    reason,
    incidentKey: findIncidentKey(reason, policy.incidents.keyPattern, input.incidentKey),
    breakGlass: input.breakGlass ?? false,
    kind: 'access',
    at,
  });
  const tier = policy.tiers[assessment.tier];
  return ok({
    assessment,
    history,
    level,
    durationMs,
    at,
    route: {
      approvals: tier.approvals,
      approvers: approverGroupsFor(policy, tier, assessment.factors),
      distinctGroups: tier.distinctGroups,
      channel: { ...(tier.channel ?? {}) },
      breakGlass: tier.breakGlass,
      approvalTtlMs: tier.approvalTtl,
    },
  });
}
