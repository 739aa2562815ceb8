import type { AccessRequest } from '../types.js';
import type { CoreDeps } from './deps.js';
import { loadView, sendDirect } from './notify.js';
import { isPilot } from './pilot.js';

/** Break-glass grants are broadcast to the alerts channel and every reviewer at once (post-hoc review). */
export async function announceBreakGlass(deps: CoreDeps, request: AccessRequest): Promise<void> {
  const policy = deps.policy();
  const view = await loadView(deps, request);
  const pilot = isPilot(request) ? ' (PILOT: nothing was granted)' : '';
  const text = `BREAK-GLASS${pilot}: ${request.requester} took ${request.resource} (${request.level}) without approval · KC-${request.number} · risk ${request.score} (${request.tier}) · reason: ${request.reason}. Review it with: /access review KC-${request.number}`;
  try {
    await deps.chat.postAlert(policy.alerts.channel, { kind: 'break_glass', text, request: view });
  } catch (error) {
    deps.log.warn({ requestId: request.id, err: error instanceof Error ? error.message : String(error) }, 'break-glass broadcast failed');
  }
  for (const reviewer of breakGlassReviewers(deps, request)) {
    await sendDirect(deps, reviewer, { kind: 'break_glass_review', request: view });
  }
}

/** Reviewers: the policy's alert reviewers plus the tier's approvers, never the requester. */
export function breakGlassReviewers(deps: CoreDeps, request: AccessRequest): string[] {
  const policy = deps.policy();
  const groups = new Set([...policy.alerts.reviewers, ...request.approverGroups]);
  const people = new Set<string>();
  for (const group of groups) for (const member of policy.groups[group] ?? []) if (member !== request.requester) people.add(member);
  return [...people];
}
