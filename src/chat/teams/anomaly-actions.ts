import { replyText } from '../../core/commands/reply.js';
import { acknowledgeAnomaly } from '../../core/lifecycle/activity.js';
import type { CoreDeps } from '../../core/lifecycle/deps.js';
import { requestExtension } from '../../core/lifecycle/extend.js';
import { endGrant } from '../../core/lifecycle/manage.js';
import { loadView } from '../../core/lifecycle/notify.js';
import { suggestedExtensionMs } from '../../core/lifecycle/plan.js';
import type { Result } from '../../core/result.js';
import type { AccessRequest } from '../../core/types.js';
import { formatClock } from '../../core/views/format.js';
import { claimClick } from '../once.js';
import type { ActionInput } from './action-data.js';
import type { ActionContext, ActionOutcome } from './actions.js';
import { anomalyHandledCard } from './cards/anomaly-card.js';

type AnomalyVerb = 'anomalyRevoke' | 'anomalyAck' | 'anomalyExtend';

/** A click on a known card stays claimed a day; without the card's id only long enough to absorb a double click. */
const CLAIM_MS = 24 * 3_600_000;
const CLAIM_WITHOUT_CARD_MS = 2 * 60_000;

type Done = { ok: true; request: AccessRequest; outcome: string } | { ok: false; message: string };

async function described(deps: CoreDeps, result: Result<AccessRequest>, event: 'submitted' | 'ended'): Promise<Done> {
  if (!result.ok) return { ok: false, message: result.message };
  const view = await loadView(deps, result.value);
  return { ok: true, request: result.value, outcome: replyText({ kind: 'request', event, request: view }, deps.clock.now()) };
}

/** One core use case per button; core refuses whoever may not act (only approvers and security may revoke). */
async function perform(ctx: ActionContext, verb: AnomalyVerb, number: number, detector: string): Promise<Done> {
  const { deps, actor } = ctx;
  switch (verb) {
    case 'anomalyRevoke':
      return described(deps, await endGrant(deps, { number, actor, reason: `anomaly alert: ${detector}`, mode: 'revoke' }), 'ended');
    case 'anomalyAck': {
      const result = await acknowledgeAnomaly(deps, { number, actor, detector });
      if (!result.ok) return { ok: false, message: result.message };
      const at = formatClock(deps.clock.now(), deps.policy().timezone, deps.clock.now());
      return { ok: true, request: result.value, outcome: `Acknowledged by ${actor} at ${at}.` };
    }
    case 'anomalyExtend': {
      const grant = await deps.store.getRequestByNumber(number);
      if (!grant) return { ok: false, message: `KC-${number} does not exist.` };
      const durationMs = suggestedExtensionMs(deps.policy(), grant);
      return described(deps, await requestExtension(deps, { number, actor, durationMs, reason: '', origin: ctx.origin }), 'submitted');
    }
  }
}

/**
 * Revoke now / Acknowledge / Extend on an anomaly card. The actor is the verified Teams user; refusals come
 * back as a message for them alone and leave the card as it was; a success replaces the card with the grant's
 * state and what was done. Each button on each card acts once, even when Teams delivers the click again to
 * another replica.
 */
export async function runAnomalyAction(ctx: ActionContext, action: ActionInput & { kc: AnomalyVerb }): Promise<ActionOutcome> {
  const { number, detector } = action;
  if (number === undefined || detector === undefined) {
    return { kind: 'message', text: 'This button does not say which alert it is for.' };
  }
  const { deps } = ctx;
  const target = ctx.messageId ?? `${ctx.actor}:${number}:${detector}`;
  const claim = await claimClick(
    deps.store.state,
    `teams:anomaly:${target}:${action.kc}`,
    deps.ids.uuid(),
    deps.clock.now(),
    ctx.messageId ? CLAIM_MS : CLAIM_WITHOUT_CARD_MS,
  );
  if (!claim) return { kind: 'message', text: `This KC-${number} alert was already handled.` };
  const done = await perform(ctx, action.kc, number, detector);
  if (!done.ok) {
    await claim.release();
    return { kind: 'message', text: done.message };
  }
  const view = await loadView(deps, (await deps.store.getRequestByNumber(number)) ?? done.request);
  return { kind: 'card', card: anomalyHandledCard(view, detector, done.outcome, deps.clock.now()), text: done.outcome };
}
