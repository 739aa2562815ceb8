import type { App } from '@slack/bolt';
import { requestExtension } from '../../../core/lifecycle/extend.js';
import { endGrant, retryRevokeNow } from '../../../core/lifecycle/manage.js';
import { suggestedExtensionMs } from '../../../core/lifecycle/plan.js';
import { ACTION } from '../action-ids.js';
import { renderReply } from '../render/replies.js';
import { actorEmail, type Click, type ListenerContext, parseClick, replierFor } from './context.js';
import { submittedReply } from './request-modal.js';

/** How long Extend adds: the grant's own duration, capped at the resource's maximum (what the notice offered). */
async function extensionFor(ctx: ListenerContext, number: number): Promise<number | undefined> {
  const core = ctx.core();
  const request = await core.store.getRequestByNumber(number);
  return request ? suggestedExtensionMs(core.policy(), request) : undefined;
}

/** Where the click came from decides how the outcome is shown: the notice DM is replaced, App Home re-rendered. */
async function settle(ctx: ListenerContext, click: Click, message: Parameters<ReturnType<typeof replierFor>['send']>[0]): Promise<void> {
  if (click.fromHome) return ctx.publishHome(click.userId, message.text);
  await replierFor(ctx, click).send(message, 'replace');
}

/** Extend and I'm done on expiry notices, Release on App Home, and Retry now on a revoke that keeps failing. */
export function registerGrantActions(app: App, ctx: ListenerContext): void {
  app.action(ACTION.extend, async ({ ack, body }) => {
    await ack();
    const click = parseClick(body);
    if (!click?.number) return;
    const reply = replierFor(ctx, click);
    const email = await actorEmail(ctx, click.userId, reply);
    if (!email) return;
    const durationMs = await extensionFor(ctx, click.number);
    if (durationMs === undefined) return reply.say(`KC-${click.number} does not exist.`);
    const core = ctx.core();
    const result = await requestExtension(core, {
      number: click.number,
      actor: email,
      durationMs,
      reason: '',
      origin: { platform: 'slack', user: click.userId },
    });
    // A refusal leaves the notice (and its buttons) in place, so the person can still press I'm done.
    if (!result.ok) return reply.say(result.message, ':no_entry_sign:');
    await settle(ctx, click, renderReply(await submittedReply(core, result, 'submitted'), core.clock.now()));
  });

  app.action(ACTION.release, async ({ ack, body }) => {
    await ack();
    const click = parseClick(body);
    if (!click?.number) return;
    const reply = replierFor(ctx, click);
    const email = await actorEmail(ctx, click.userId, reply);
    if (!email) return;
    const core = ctx.core();
    const result = await endGrant(core, { number: click.number, actor: email, reason: '', mode: 'release' });
    if (!result.ok) return reply.say(result.message, ':no_entry_sign:');
    await settle(ctx, click, renderReply(await submittedReply(core, result, 'ended'), core.clock.now()));
  });

  app.action(ACTION.retryRevoke, async ({ ack, body }) => {
    await ack();
    const click = parseClick(body);
    if (!click?.number) return;
    const reply = replierFor(ctx, click);
    const email = await actorEmail(ctx, click.userId, reply);
    if (!email) return;
    const core = ctx.core();
    // Who may press it is decided in core (approvers of the tier and reviewers); a refusal is said, nothing else.
    const result = await retryRevokeNow(core, { number: click.number, actor: email });
    if (!result.ok) return reply.say(result.message, ':no_entry_sign:');
    await reply.say(
      result.value.status === 'revoked' || result.value.status === 'expired'
        ? `KC-${click.number} is revoked: the target confirmed it.`
        : `KC-${click.number}: the retry failed too (${result.value.lastError ?? 'unknown error'}); Keycard keeps retrying.`,
    );
  });
}
