import type { App } from '@slack/bolt';
import { z } from 'zod';
import { replyText } from '../../../core/commands/reply.js';
import { acknowledgeAnomaly } from '../../../core/lifecycle/activity.js';
import type { CoreDeps } from '../../../core/lifecycle/deps.js';
import { requestExtension } from '../../../core/lifecycle/extend.js';
import { endGrant } from '../../../core/lifecycle/manage.js';
import { loadView } from '../../../core/lifecycle/notify.js';
import { suggestedExtensionMs } from '../../../core/lifecycle/plan.js';
import type { Result } from '../../../core/result.js';
import type { AccessRequest } from '../../../core/types.js';
import { formatClock } from '../../../core/views/format.js';
import { claimClick } from '../../once.js';
import { ACTION, parseAnomalyValue } from '../action-ids.js';
import { resolveAnomaly } from '../render/anomaly.js';
import type { Block } from '../render/block-kit.js';
import { actorEmail, type ListenerContext, replierFor } from './context.js';

type AnomalyAction = 'revoke' | 'acknowledge' | 'extend';

/** A click on a known DM stays claimed a day; without the DM's id only long enough to absorb a double click. */
const CLAIM_MS = 24 * 3_600_000;
const CLAIM_WITHOUT_MESSAGE_MS = 2 * 60_000;

const clickSchema = z.object({
  user: z.object({ id: z.string().min(1) }),
  actions: z.array(z.object({ value: z.string().optional() })).min(1),
  response_url: z.string().optional(),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  message: z.object({ text: z.string().optional(), blocks: z.array(z.looseObject({ type: z.string() })).optional() }).optional(),
});

/** Who clicked (from the signed payload), which grant and detector (from the button), and the DM it was on. */
function parseAnomalyClick(body: unknown) {
  const parsed = clickSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const target = parseAnomalyValue(parsed.data.actions[0]?.value);
  if (!target) return undefined;
  const { container, message } = parsed.data;
  return {
    ...target,
    userId: parsed.data.user.id,
    responseUrl: parsed.data.response_url,
    messageKey: container?.channel_id && container.message_ts ? `${container.channel_id}:${container.message_ts}` : undefined,
    // The DM's own blocks come back with the click; they are re-sent without the buttons once acted on.
    original: message?.blocks as Block[] | undefined,
    originalText: message?.text ?? '',
  };
}

type Outcome = { ok: true; text: string } | { ok: false; message: string };

async function described(core: CoreDeps, result: Result<AccessRequest>, event: 'submitted' | 'ended'): Promise<Outcome> {
  if (!result.ok) return { ok: false, message: result.message };
  return { ok: true, text: replyText({ kind: 'request', event, request: await loadView(core, result.value) }, core.clock.now()) };
}

/** One use case per button; core refuses whoever may not act (only approvers and security may revoke). */
async function run(
  core: CoreDeps,
  action: AnomalyAction,
  input: { number: number; detector: string; actor: string; userId: string },
): Promise<Outcome> {
  switch (action) {
    case 'revoke':
      return described(
        core,
        await endGrant(core, { number: input.number, actor: input.actor, reason: `anomaly alert: ${input.detector}`, mode: 'revoke' }),
        'ended',
      );
    case 'acknowledge': {
      const result = await acknowledgeAnomaly(core, input);
      if (!result.ok) return { ok: false, message: result.message };
      const at = formatClock(core.clock.now(), core.policy().timezone, core.clock.now());
      return { ok: true, text: `Acknowledged by ${input.actor} at ${at}.` };
    }
    case 'extend': {
      const grant = await core.store.getRequestByNumber(input.number);
      if (!grant) return { ok: false, message: `KC-${input.number} does not exist.` };
      const result = await requestExtension(core, {
        number: input.number,
        actor: input.actor,
        durationMs: suggestedExtensionMs(core.policy(), grant),
        reason: '',
        origin: { platform: 'slack', user: input.userId },
      });
      return described(core, result, 'submitted');
    }
  }
}

/**
 * Revoke now / Acknowledge / Extend on anomaly DMs. The actor is the Slack user who signed the click.
 * A refusal is shown to them alone and leaves the DM as it was; a success replaces the DM's buttons with
 * what was done. Each button on each DM acts once, even when Slack delivers the click twice.
 */
export function registerAnomalyActions(app: App, ctx: ListenerContext): void {
  const actions: Array<[string, AnomalyAction]> = [
    [ACTION.anomalyRevoke, 'revoke'],
    [ACTION.anomalyAcknowledge, 'acknowledge'],
    [ACTION.anomalyExtend, 'extend'],
  ];
  for (const [actionId, action] of actions) {
    app.action(actionId, async ({ ack, body }) => {
      await ack();
      const click = parseAnomalyClick(body);
      if (!click) return;
      const reply = replierFor(ctx, click);
      const actor = await actorEmail(ctx, click.userId, reply);
      if (!actor) return;
      const core = ctx.core();
      const claimKey = `slack:anomaly:${click.messageKey ?? `${click.userId}:${click.number}:${click.detector}`}:${action}`;
      const ttl = click.messageKey ? CLAIM_MS : CLAIM_WITHOUT_MESSAGE_MS;
      const claim = await claimClick(core.store.state, claimKey, core.ids.uuid(), core.clock.now(), ttl);
      if (!claim) {
        ctx.log.info({ ref: `KC-${click.number}`, action }, 'anomaly button already handled; ignored the repeat');
        return;
      }
      const outcome = await run(core, action, { number: click.number, detector: click.detector, actor, userId: click.userId });
      if (!outcome.ok) {
        await claim.release();
        return reply.say(outcome.message, ':no_entry_sign:');
      }
      await reply.send(resolveAnomaly(click.original, outcome.text, click.originalText), 'replace');
    });
  }
}
