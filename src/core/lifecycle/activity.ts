import { withRefusalAudit } from '../audit/refusals.js';
import { parseRequestId } from '../commands/parse.js';
import { atLeast, type Baseline, detect, EMPTY_BASELINE, type Finding, nextBaseline } from '../monitor/detectors.js';
import type { AnomalyAlert } from '../ports/chat.js';
import { ok, type Result, refuse } from '../result.js';
import type { AccessRequest, ActivityInput, ActivityRecord } from '../types.js';
import type { CoreDeps } from './deps.js';
import { announceIncidentEvent } from './incident.js';
import { loadView } from './notify.js';
import { suggestedExtensionMs } from './plan.js';
import { beginRevoke, performRevoke } from './revoke.js';
import { mayRevokeOthers } from './revokers.js';

const BASELINE_NS = 'monitor:baseline';
const ALERTED_NS = 'monitor:alerted';
/** At most this many alerts per grant per dedupe window, across detectors: a noisy session must not flood anyone. */
const MAX_ALERTS_PER_WINDOW = 5;
/** Activity this long after a grant ended still maps to it (use-after-expiry detection). */
const LATE_ACTIVITY_MS = 24 * 3_600_000;

export interface ActivityOutcome {
  activity: ActivityRecord;
  grant: string;
  findings: Finding[];
  alerted: Finding[];
  autoRevoked: boolean;
}

/** Which grant an event belongs to: an explicit KC id, a Keycard-made principal (kc_…_kc_12, keycard-kc-12), or the requester's email. */
export async function resolveGrant(deps: CoreDeps, input: ActivityInput): Promise<AccessRequest | undefined> {
  const fromRef = parseRequestId(input.grantRef);
  const fromPrincipal = input.principal ? /(?:^|[_-])kc[_-](\d{1,9})$/i.exec(input.principal)?.[1] : undefined;
  const number = fromRef ?? (fromPrincipal ? Number(fromPrincipal) : undefined);
  if (number !== undefined) {
    const grant = await deps.store.getRequestByNumber(number);
    return grant?.kind === 'access' ? grant : undefined;
  }
  if (!input.principal?.includes('@')) return undefined;
  const candidates = await deps.store.listRequests({
    requester: input.principal.toLowerCase(),
    statuses: ['active', 'revoking', 'revoke_failed', 'expired', 'revoked'],
    ...(input.resource ? { resource: input.resource } : {}),
    limit: 20,
  });
  const at = input.at.getTime();
  return candidates.find(
    (g) =>
      g.kind === 'access' && g.activatedAt && g.activatedAt.getTime() <= at && (!g.endedAt || g.endedAt.getTime() + LATE_ACTIVITY_MS >= at),
  );
}

/**
 * Records one activity event against its grant, runs the detectors, and responds: an audit event per
 * alerted finding, DMs to the requester and the approvers with one-click responses, a reply in the card's
 * thread and the incident thread, and an automatic revoke for the severities the policy names.
 */
export async function recordActivity(deps: CoreDeps, input: ActivityInput): Promise<Result<ActivityOutcome>> {
  const grant = await resolveGrant(deps, input);
  if (!grant) {
    return refuse(
      'unknown_grant',
      `no Keycard grant matches ${input.grantRef ?? input.principal ?? 'this event'}${input.resource ? ` on ${input.resource}` : ''}`,
    );
  }
  const now = deps.clock.now();
  const policy = deps.policy();
  const activity = await deps.store.recordActivity({ ...input, requestId: grant.id, receivedAt: now });
  const baseline = ((await deps.store.state.get(BASELINE_NS, grant.id)) as Baseline | undefined) ?? EMPTY_BASELINE;
  const elevated = grant.incidentKey !== null && grant.factors.some((f) => f.id === 'on-call');
  const findings = detect(policy, grant, input, baseline, elevated);
  await deps.store.state.put(BASELINE_NS, grant.id, { ...nextBaseline(baseline, input) });

  const alerted: Finding[] = [];
  for (const finding of findings) {
    if (!atLeast(finding.severity, policy.monitoring.alertAtOrAbove)) continue;
    if (await claimAlert(deps, grant, finding, now)) alerted.push(finding);
  }
  let autoRevoked = false;
  for (const finding of alerted) {
    const revoke = policy.monitoring.autoRevoke.includes(finding.severity) && !autoRevoked;
    await deps.store.transaction(async (tx) =>
      tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: 'anomaly.detected',
        requestId: grant.id,
        details: {
          ref: `KC-${grant.number}`,
          requester: grant.requester,
          detector: finding.detector,
          severity: finding.severity,
          summary: finding.summary,
          source: input.source,
          autoRevoke: revoke,
        },
      }),
    );
    deps.scoringCache?.invalidate(grant.requester);
    if (revoke) autoRevoked = await autoRevoke(deps, grant, finding);
    await notifyAnomaly(deps, grant, finding, input.at, revoke && autoRevoked);
  }
  deps.log.info(
    { ref: `KC-${grant.number}`, source: input.source, findings: findings.length, alerted: alerted.length },
    'activity recorded',
  );
  return ok({ activity, grant: `KC-${grant.number}`, findings, alerted, autoRevoked });
}

/** One alert per grant and detector per dedupe window, and a cap across detectors. */
async function claimAlert(deps: CoreDeps, grant: AccessRequest, finding: Finding, now: Date): Promise<boolean> {
  const windowMs = deps.policy().monitoring.dedupeWindow;
  const record = ((await deps.store.state.get(ALERTED_NS, grant.id)) ?? {}) as Record<string, number[]>;
  const recent = (record[finding.detector] ?? []).filter((t) => now.getTime() - t < windowMs);
  const all = Object.values(record)
    .flat()
    .filter((t) => now.getTime() - t < windowMs);
  if (recent.length > 0 || all.length >= MAX_ALERTS_PER_WINDOW) return false;
  record[finding.detector] = [...recent, now.getTime()];
  await deps.store.state.put(ALERTED_NS, grant.id, record);
  return true;
}

async function autoRevoke(deps: CoreDeps, grant: AccessRequest, finding: Finding): Promise<boolean> {
  const now = deps.clock.now();
  const claimed = await deps.store.transaction(async (tx) => {
    const current = await tx.lockRequest(grant.id);
    return current?.status === 'active'
      ? beginRevoke(deps, tx, current, 'revoked', 'keycard', now, `automatic: ${finding.severity} ${finding.detector}`)
      : undefined;
  });
  if (!claimed) return false;
  const done = await performRevoke(deps, claimed);
  return done?.status === 'revoked';
}

/** The approvers who decided on the grant, or the tier's approver groups when it was auto-approved, plus security reviewers. */
export function anomalyResponders(deps: CoreDeps, grant: AccessRequest, approvers: string[]): string[] {
  const policy = deps.policy();
  const people = new Set(approvers);
  if (people.size === 0) for (const group of grant.approverGroups) for (const m of policy.groups[group] ?? []) people.add(m);
  for (const group of policy.alerts.reviewers) for (const m of policy.groups[group] ?? []) people.add(m);
  people.delete(grant.requester);
  return [...people];
}

async function notifyAnomaly(deps: CoreDeps, grant: AccessRequest, finding: Finding, at: Date, autoRevoked: boolean): Promise<void> {
  const current = (await deps.store.getRequest(grant.id)) ?? grant;
  const view = await loadView(deps, current);
  const approvals = await deps.store.listApprovals(grant.id);
  const base: Omit<AnomalyAlert, 'actions'> = {
    request: view,
    detector: finding.detector,
    severity: finding.severity,
    summary: finding.summary,
    at,
    autoRevoked,
    extendBy: suggestedExtensionMs(deps.policy(), current),
  };
  const live = current.status === 'active';
  const send = async (to: string, actions: AnomalyAlert['actions']) => {
    try {
      await deps.chat.sendAnomaly(to, { ...base, actions });
    } catch (error) {
      deps.log.warn({ ref: view.ref, err: error instanceof Error ? error.message : String(error) }, 'anomaly DM failed');
    }
  };
  await send(grant.requester, live ? ['acknowledge', 'extend'] : ['acknowledge']);
  const policy = deps.policy();
  for (const person of anomalyResponders(
    deps,
    grant,
    approvals.filter((a) => a.decision === 'approve').map((a) => a.approver),
  )) {
    const mayRevoke = approvals.some((a) => a.approver === person) || mayRevokeOthers(policy, grant, person);
    await send(person, live && mayRevoke ? ['revoke', 'acknowledge'] : ['acknowledge']);
  }
  const text = `ANOMALY (${finding.severity}) ${finding.summary}${autoRevoked ? ' · Keycard revoked the grant automatically' : ''}`;
  try {
    await deps.chat.postThread(view, text);
  } catch (error) {
    deps.log.warn({ ref: view.ref, err: error instanceof Error ? error.message : String(error) }, 'anomaly thread reply failed');
  }
  await announceIncidentEvent(deps, current, view, `${view.ref}: ${text}`);
}

/** "Acknowledge" on an anomaly DM: recorded, nothing else changes. */
export function acknowledgeAnomaly(
  deps: CoreDeps,
  input: { number: number; actor: string; detector: string },
): Promise<Result<AccessRequest>> {
  return withRefusalAudit(deps, 'acknowledge', input, () => acknowledgeOnce(deps, input));
}

async function acknowledgeOnce(deps: CoreDeps, input: { number: number; actor: string; detector: string }): Promise<Result<AccessRequest>> {
  const grant = await deps.store.getRequestByNumber(input.number);
  if (!grant) return refuse('not_found', `KC-${input.number} does not exist.`);
  const actor = input.actor.toLowerCase();
  const approvals = await deps.store.listApprovals(grant.id);
  if (
    actor !== grant.requester &&
    !anomalyResponders(
      deps,
      grant,
      approvals.map((a) => a.approver),
    ).includes(actor)
  ) {
    return refuse('not_allowed', `Only ${grant.requester} and KC-${input.number}'s approvers can acknowledge its alerts.`);
  }
  await deps.store.transaction(async (tx) =>
    tx.appendAudit({
      at: deps.clock.now(),
      actor,
      action: 'anomaly.acknowledged',
      requestId: grant.id,
      details: { ref: `KC-${grant.number}`, detector: input.detector },
    }),
  );
  return ok(grant);
}
