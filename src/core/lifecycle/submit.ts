import { approverGroupsFor } from '../approval/approver-groups.js';
import { checkIdentity } from '../directory/identity-gate.js';
import { isMember, resolveResource } from '../policy/access.js';
import { KeycardError, ok, type Result, refuse } from '../result.js';
import { findIncidentKey, isIncidentKey, notAnIncidentKey } from '../risk/incident.js';
import type { AccessRequest, AuditInput, NewAccessRequest, RequestKind, RequestOrigin } from '../types.js';
import { MAX_REASON_LENGTH, quoteInput, unstorableText } from '../views/safe-text.js';
import { activationLease, runActivation } from './activate.js';
import { announceBreakGlass } from './break-glass.js';
import type { CoreDeps } from './deps.js';
import { announceIncidentEvent, incidentKeyFromChannel } from './incident.js';
import { rememberApprovals } from './known-approvals.js';
import { announce, incidentRequestLine, loadView } from './notify.js';
import { isPilot, originWithMode, pilotDetail } from './pilot.js';
import { checkDuration, planApproval } from './plan.js';
import { scoreRequest, startScoringReads } from './score.js';

export interface SubmitInput {
  requester: string;
  resource: string;
  level?: string;
  durationMs?: number;
  /** The duration as the requester typed it (`99h`), quoted by a refusal instead of its normal form (`4d3h`). */
  durationText?: string;
  reason: string;
  incidentKey?: string;
  breakGlass?: boolean;
  origin: RequestOrigin;
  kind?: RequestKind;
  parent?: AccessRequest;
}

/** Scores a request, records it, routes it for approval or grants it at once (auto-approve / break-glass). */
export async function submitRequest(deps: CoreDeps, input: SubmitInput): Promise<Result<AccessRequest>> {
  const policy = deps.policy();
  const requester = input.requester.toLowerCase();
  const unknown = await checkIdentity(deps, requester, 'request');
  if (unknown) return unknown;
  // Modals, cards and commands all end here: text that cannot be stored, or is absurdly long, is refused before any query.
  const unstorable = unstorableText(input.reason);
  if (unstorable) return refuse('invalid_text', `The reason ${unstorable}; retype it without that character.`);
  if (input.reason.length > MAX_REASON_LENGTH)
    return refuse('reason_too_long', `The reason is ${input.reason.length} characters; keep it under ${MAX_REASON_LENGTH}.`);
  // A key typed by hand (--incident, a form's field) must be one: any word would buy the incident discount.
  if (input.incidentKey !== undefined && !isIncidentKey(input.incidentKey, policy.incidents.keyPattern))
    return refuse('invalid_incident_key', `${notAnIncidentKey(quoteInput(input.incidentKey), policy.incidents.keyPattern)}.`);
  const resource = resolveResource(policy, input.resource);
  if (!resource) return refuse('unknown_resource', `Unknown resource ${quoteInput(input.resource)}.`);
  if (resource.requesters && !resource.requesters.some((group) => isMember(policy, group, requester))) {
    return refuse('not_a_requester', `${resource.name} may only be requested by members of ${resource.requesters.join(', ')}.`);
  }
  const level = input.level ?? resource.defaultLevelName;
  if (!resource.levelNames.includes(level)) {
    return refuse('unknown_level', `${resource.name} has no "${level}" level (levels: ${resource.levelNames.join(', ')}).`);
  }
  const kind = input.kind ?? 'access';
  const durationMs = input.durationMs ?? resource.defaultDuration;
  if (kind === 'access') {
    const bounds = checkDuration(resource.name, durationMs, resource, input.durationText);
    if (!bounds.ok) return bounds;
  }
  // Incident link: an explicit --incident wins, then the incident channel the request was made in, then a key in the reason.
  const incidentKey = findIncidentKey(
    input.reason,
    policy.incidents.keyPattern,
    input.incidentKey ?? incidentKeyFromChannel(input.origin.channelName, policy.incidents.channelPattern, policy.incidents.keyPattern),
  );
  // An extension follows the grant it extends; a new request follows the resource's current mode.
  const pilot = kind === 'extension' && input.parent ? isPilot(input.parent) : resource.mode === 'pilot';

  // One submission of a requester at a time, across replicas: the score counts their earlier requests (the
  // auto-approve cap, velocity, new resources), so two sent at once must not both be scored without the other.
  const recorded = await inTurn(deps, requester, async (): Promise<Result<AccessRequest>> => {
    // Timed once the lock is held, so a submission that waited is scored after the one it waited for.
    const now = deps.clock.now();
    // What another replica wrote just before the lock was taken is not in this process's history cache yet.
    deps.scoringCache?.invalidate(requester);
    // The score's reads do not depend on the checks below: they go out now, beside the open-request read.
    const reads = startScoringReads(deps, requester, resource.name, now, incidentKey);
    let parent = input.parent;
    if (kind === 'access') {
      // One read for both checks: the same request already pending, and an active grant it would join.
      const open = await deps.store.listRequests({ requester, resource: resource.name, statuses: ['pending', 'active'] });
      const samePending = open.find((r) => r.status === 'pending' && r.level === level && r.kind === 'access');
      if (samePending) {
        return refuse(
          'duplicate_pending',
          `You already have KC-${samePending.number} pending for ${resource.name} (${level}); wait for it or cancel it first.`,
        );
      }
      // Only a grant of the same mode can absorb the request: merging a pilot request into a real grant would
      // extend real access, and merging a real request into a pilot grant would leave the requester without it.
      parent = open.find((r) => r.status === 'active' && r.level === level && r.kind === 'access' && isPilot(r) === pilot);
      if (parent?.expiresAt && parent.activatedAt && parent.expiresAt.getTime() >= parent.activatedAt.getTime() + resource.maxTotal) {
        return refuse(
          'at_max_total',
          `KC-${parent.number} already gives you ${resource.name} (${level}) for the maximum total window; it cannot be extended further.`,
        );
      }
    }

    const { assessment } = await scoreRequest(deps, {
      requester,
      resource,
      level,
      durationMs,
      reason: input.reason,
      incidentKey,
      breakGlass: input.breakGlass ?? false,
      kind,
      at: now,
      reads,
    });
    const tier = policy.tiers[assessment.tier];
    const plan = planApproval(policy, tier, assessment, input.breakGlass ?? false, now);
    if (!plan.ok) return plan;

    const approvedNow = plan.value.status === 'approved';
    // The number is drawn first so the audit events can name it; the insert and its events are then one
    // statement (atomic without a transaction's begin and commit).
    const number = await deps.store.nextRequestNumber();
    const request: NewAccessRequest & { id: string; number: number } = {
      id: deps.ids.uuid(),
      number,
      kind,
      parentId: parent?.id ?? null,
      requester,
      resource: resource.name,
      level,
      durationMs,
      reason: input.reason,
      incidentKey,
      breakGlass: plan.value.breakGlass,
      status: plan.value.status,
      score: assessment.score,
      tier: assessment.tier,
      factors: assessment.factors,
      approvalsRequired: tier.approvals,
      approverGroups: approverGroupsFor(policy, tier, assessment.factors),
      distinctGroups: tier.distinctGroups,
      approvalExpiresAt: plan.value.approvalExpiresAt,
      remindAt: plan.value.remindAt,
      remindedAt: null,
      createdAt: now,
      decidedAt: plan.value.status === 'approved' ? now : null,
      decisionNote: plan.value.autoApproved ? 'auto-approved by policy' : plan.value.breakGlass ? 'break-glass' : null,
      activatedAt: null,
      expiresAt: null,
      endedAt: null,
      endReason: null,
      endedBy: null,
      provider: resource.provider,
      grantRef: null,
      credentialFingerprint: null,
      // Approved at once (auto-approve, break-glass): this insert also takes the activation lease.
      ...(approvedNow ? activationLease(deps, 0, now) : { attempts: 0, nextAttemptAt: null }),
      lastError: null,
      noticesSent: [],
      nextNoticeAt: null,
      reviewRequired: plan.value.breakGlass,
      reviewedBy: null,
      reviewedAt: null,
      origin: originWithMode(input.origin, pilot),
    };
    const events: AuditInput[] = [
      {
        at: now,
        actor: requester,
        action: kind === 'extension' ? 'extension.submitted' : 'request.submitted',
        requestId: request.id,
        details: {
          ref: `KC-${number}`,
          resource: resource.name,
          level,
          durationMs,
          reason: input.reason,
          incidentKey,
          score: assessment.score,
          tier: assessment.tier,
          factors: assessment.factors,
          parent: parent ? `KC-${parent.number}` : null,
          platform: input.origin.platform,
          breakGlass: plan.value.breakGlass,
          ...pilotDetail(request),
        },
      },
    ];
    if (approvedNow) {
      events.push({
        at: now,
        actor: plan.value.breakGlass ? requester : 'keycard',
        action: plan.value.breakGlass ? 'request.break_glass' : 'request.auto_approved',
        requestId: request.id,
        details: { ref: `KC-${number}`, tier: assessment.tier, score: assessment.score, ...pilotDetail(request) },
      });
    }
    // A new request has no approvals yet: its card and the reply need not read them.
    const inserted = rememberApprovals(await deps.store.insertRequestAudited(request, events), []);
    // Their velocity and new-resource counts just moved: the next score reads them afresh.
    deps.scoringCache?.invalidate(requester);
    return ok(inserted);
  });
  if (!recorded.ok) return recorded;
  const created = recorded.value;

  deps.log.info(
    {
      requestId: created.id,
      ref: `KC-${created.number}`,
      tier: created.tier,
      score: created.score,
      status: created.status,
      ...pilotDetail(created),
    },
    'request submitted',
  );
  if (created.status === 'pending') {
    await announce(deps, created, 'submitted');
    return ok(created);
  }
  // No approval card for these, but a linked incident's thread still gets the "requested" line.
  if (created.incidentKey) {
    const view = await loadView(deps, created);
    await announceIncidentEvent(deps, created, view, incidentRequestLine(view));
  }
  if (created.breakGlass) await announceBreakGlass(deps, created);
  const activated = await runActivation(deps, created);
  return ok(activated ?? created);
}

/** Runs a requester's submission in its turn (Store.exclusive); a turn that never came is a refusal to retry, not a failure. */
async function inTurn(deps: CoreDeps, requester: string, work: () => Promise<Result<AccessRequest>>): Promise<Result<AccessRequest>> {
  try {
    return await deps.store.exclusive(`submit:${requester}`, work);
  } catch (error) {
    if (error instanceof KeycardError && error.code === 'busy') return refuse('busy', error.message);
    throw error;
  }
}
