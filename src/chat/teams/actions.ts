import { replyText } from '../../core/commands/reply.js';
import { decide } from '../../core/lifecycle/decide.js';
import type { CoreDeps } from '../../core/lifecycle/deps.js';
import { requestExtension } from '../../core/lifecycle/extend.js';
import { endGrant, retryRevokeNow, review } from '../../core/lifecycle/manage.js';
import { loadView } from '../../core/lifecycle/notify.js';
import { requestStatus } from '../../core/lifecycle/queries.js';
import { submitRequest } from '../../core/lifecycle/submit.js';
import type { Result } from '../../core/result.js';
import type { AccessRequest, RequestOrigin } from '../../core/types.js';
import { statusLine } from '../../core/views/format.js';
import type { ActionInput } from './action-data.js';
import { runAnomalyAction } from './anomaly-actions.js';
import type { AdaptiveCard } from './cards/adaptive.js';
import { approvalCard, DENY_REASON_INPUT } from './cards/approval-card.js';
import { textCard } from './cards/direct-cards.js';
import { fieldOfRefusal, readFormValues, requestForm, validateForm } from './cards/request-form.js';

/** What a click answers: a card that replaces the clicked one, or a message shown only to the person who clicked. */
export type ActionOutcome = { kind: 'card'; card: AdaptiveCard; text: string } | { kind: 'message'; text: string };

export interface ActionContext {
  deps: CoreDeps;
  actor: string;
  origin: RequestOrigin;
  /** The clicked card's message id (the invoke's replyToId), when Teams says. */
  messageId?: string;
}

const message = (text: string): ActionOutcome => ({ kind: 'message', text });

async function requestCard(deps: CoreDeps, request: AccessRequest, note?: string): Promise<ActionOutcome> {
  const view = await loadView(deps, request);
  const now = deps.clock.now();
  const text = `${view.ref} · ${statusLine(view, now)}${note ? ` · ${note}` : ''}`;
  return { kind: 'card', card: approvalCard(view, now, note ? { banner: note } : {}), text };
}

async function resultCard(
  deps: CoreDeps,
  result: Result<AccessRequest>,
  event: 'submitted' | 'ended' | 'reviewed',
): Promise<ActionOutcome> {
  if (!result.ok) return message(result.message);
  const view = await loadView(deps, result.value);
  const text = replyText({ kind: 'request', event, request: view }, deps.clock.now());
  return { kind: 'card', card: textCard(text), text };
}

async function submitForm(ctx: ActionContext, data: Record<string, unknown>): Promise<ActionOutcome> {
  const policy = ctx.deps.policy();
  const values = readFormValues(data);
  const checked = validateForm(policy, values);
  if (!checked.ok) return { kind: 'card', card: requestForm(policy, values, checked.errors), text: 'Please fix the highlighted fields.' };
  const result = await submitRequest(ctx.deps, { requester: ctx.actor, ...checked.request, origin: ctx.origin });
  if (!result.ok) {
    return { kind: 'card', card: requestForm(policy, values, { [fieldOfRefusal(result.code)]: result.message }), text: result.message };
  }
  return resultCard(ctx.deps, result, 'submitted');
}

/**
 * Runs one button click through the same core use cases the commands use. Refusals come back as a
 * message for the clicker (core has already audited them); the card stays as it was.
 */
export async function runAction(ctx: ActionContext, action: ActionInput): Promise<ActionOutcome> {
  const { deps, actor } = ctx;
  if (action.kc === 'submitRequest') return submitForm(ctx, action);
  const number = action.number;
  if (number === undefined) return message('This button does not say which request it is for; use the command instead.');
  switch (action.kc) {
    case 'approve':
    case 'deny': {
      const reason = typeof action[DENY_REASON_INPUT] === 'string' ? action[DENY_REASON_INPUT].trim() : '';
      const result = await decide(deps, { number, actor, decision: action.kc, comment: action.kc === 'deny' ? reason : '' });
      if (!result.ok) return message(result.message);
      const { final, counted, required } = result.value;
      return requestCard(deps, result.value.request, final ? undefined : `Your approval is recorded (${counted} of ${required}).`);
    }
    case 'extend': {
      if (action.durationMs === undefined) return message('This button does not say how long to extend by.');
      const result = await requestExtension(deps, { number, actor, durationMs: action.durationMs, reason: '', origin: ctx.origin });
      return resultCard(deps, result, 'submitted');
    }
    case 'release':
      return resultCard(deps, await endGrant(deps, { number, actor, reason: '', mode: 'release' }), 'ended');
    case 'review':
      return resultCard(deps, await review(deps, { number, actor, comment: '' }), 'reviewed');
    case 'retryRevoke':
      return resultCard(deps, await retryRevokeNow(deps, { number, actor }), 'ended');
    case 'anomalyRevoke':
    case 'anomalyAck':
    case 'anomalyExtend':
      return runAnomalyAction(ctx, { ...action, kc: action.kc });
  }
}

/**
 * What to answer when the work outlives the invoke deadline: the request as it stands now (for
 * approve/deny usually "approved · granting access…"); the card is updated again when the work ends.
 */
export async function interimOutcome(deps: CoreDeps, action: ActionInput): Promise<ActionOutcome> {
  const working = message('Working on it: Keycard will update the card and message you when it is done.');
  if ((action.kc !== 'approve' && action.kc !== 'deny') || action.number === undefined) return working;
  const view = await requestStatus(deps, action.number);
  if (!view.ok) return working;
  const now = deps.clock.now();
  return { kind: 'card', card: approvalCard(view.value, now), text: `${view.value.ref} · ${statusLine(view.value, now)}` };
}
