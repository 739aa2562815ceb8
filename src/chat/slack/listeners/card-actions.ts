import type { App } from '@slack/bolt';
import { decide } from '../../../core/lifecycle/decide.js';
import { ACTION, DENY_REASON_BLOCK, VIEW } from '../action-ids.js';
import { renderDenyModal } from '../render/modals.js';
import { describeSlackError } from '../slack-errors.js';
import { actorEmail, decodeMetadata, encodeMetadata, type ListenerContext, parseClick, replierFor } from './context.js';
import { textValue } from './view-state.js';

/**
 * Approve and Deny, on approval cards, reminder DMs and App Home. The approver is the Slack user who
 * signed the click; the button says only which request. Refusals (own request, not an approver,
 * already decided) are audited by the core and shown to the clicker alone.
 */
export function registerCardActions(app: App, ctx: ListenerContext): void {
  app.action(ACTION.approve, async ({ ack, body }) => {
    await ack();
    const click = parseClick(body);
    if (!click?.number) return;
    const reply = replierFor(ctx, click);
    const email = await actorEmail(ctx, click.userId, reply);
    if (!email) return;
    const result = await decide(ctx.core(), { number: click.number, actor: email, decision: 'approve', comment: '' });
    if (!result.ok) return reply.say(result.message, ':no_entry_sign:');
    const { final, counted, required } = result.value;
    if (!final) await reply.say(`Your approval of KC-${click.number} is recorded (${counted} of ${required}).`, ':white_check_mark:');
    else if (click.fromHome) await ctx.publishHome(click.userId, `You approved KC-${click.number}.`);
  });

  app.action(ACTION.deny, async ({ ack, body }) => {
    // Answered at the call; not awaited, so the form does not wait for a work slot past trigger_id's 3 s.
    void ack();
    const click = parseClick(body);
    if (!click?.number || !click.triggerId) return;
    const metadata = encodeMetadata({ n: click.number, ...(click.responseUrl ? { r: click.responseUrl } : {}), h: click.fromHome });
    try {
      // trigger_id expires 3 s after the click, so the modal opens before anything else happens.
      await ctx.interactive.views.open({ trigger_id: click.triggerId, view: renderDenyModal(click.number, metadata) });
    } catch (error) {
      await replierFor(ctx, click).say(
        `Could not open the denial form (${describeSlackError(error)}); try again, or type /access deny KC-${click.number} <reason>.`,
      );
    }
  });

  app.view(VIEW.denyModal, async ({ ack, body, view }) => {
    const reason = textValue(view.state.values, DENY_REASON_BLOCK);
    if (!reason) {
      await ack({
        response_action: 'errors',
        errors: { [DENY_REASON_BLOCK]: 'A denial needs a reason, so the requester knows what to change.' },
      });
      return;
    }
    await ack();
    const metadata = decodeMetadata(view.private_metadata);
    if (!metadata.n) return;
    const target = { userId: body.user.id, responseUrl: metadata.r, fromHome: metadata.h ?? false };
    const reply = replierFor(ctx, target);
    const email = await actorEmail(ctx, body.user.id, reply);
    if (!email) return;
    const result = await decide(ctx.core(), { number: metadata.n, actor: email, decision: 'deny', comment: reason });
    if (!result.ok) return reply.say(result.message, ':no_entry_sign:');
    if (target.fromHome) await ctx.publishHome(body.user.id, `You denied KC-${metadata.n}.`);
  });
}
