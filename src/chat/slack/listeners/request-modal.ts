import type { App } from '@slack/bolt';
import type { Reply } from '../../../core/commands/reply.js';
import type { CoreDeps } from '../../../core/lifecycle/deps.js';
import { loadView } from '../../../core/lifecycle/notify.js';
import { submitRequest } from '../../../core/lifecycle/submit.js';
import type { Result } from '../../../core/result.js';
import type { AccessRequest } from '../../../core/types.js';
import { ACTION, VIEW } from '../action-ids.js';
import { type RequestModalPrefill, renderRequestModal } from '../render/modals.js';
import { renderReply } from '../render/replies.js';
import { describeSlackError } from '../slack-errors.js';
import { actorEmail, decodeMetadata, encodeMetadata, type ListenerContext, type ModalMetadata, parseClick, replierFor } from './context.js';
import { validateRequestForm } from './request-form.js';

/** Opens the request form; call it right after ack, since trigger_id lives for 3 s. */
export async function openRequestModal(
  ctx: ListenerContext,
  triggerId: string,
  prefill: RequestModalPrefill,
  metadata: ModalMetadata,
): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    await ctx.interactive.views.open({
      trigger_id: triggerId,
      view: renderRequestModal(ctx.core().policy(), prefill, encodeMetadata(metadata)),
    });
    return { ok: true };
  } catch (error) {
    ctx.log.warn({ err: describeSlackError(error) }, 'views.open failed for the request form');
    return {
      ok: false,
      message: `Could not open the request form (${describeSlackError(error)}); type the request instead: /access <resource> [duration] [level] <reason>`,
    };
  }
}

/** Turns a use case's result into the reply every surface shows. */
export async function submittedReply(core: CoreDeps, result: Result<AccessRequest>, event: 'submitted' | 'ended'): Promise<Reply> {
  if (!result.ok) return { kind: 'error', message: result.message };
  return { kind: 'request', event, request: await loadView(core, result.value) };
}

/** The request modal: opened from App Home or an empty/unparseable /access; validated before it closes. */
export function registerRequestModal(app: App, ctx: ListenerContext): void {
  app.action(ACTION.openRequestModal, async ({ ack, body }) => {
    await ack();
    const click = parseClick(body);
    if (!click?.triggerId) return;
    const opened = await openRequestModal(ctx, click.triggerId, {}, { h: click.fromHome });
    if (!opened.ok) await replierFor(ctx, click).say(opened.message);
  });

  app.view(VIEW.requestModal, async ({ ack, body, view }) => {
    const core = ctx.core();
    const form = validateRequestForm(core.policy(), view.state.values);
    if (!form.ok) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }
    await ack();
    const metadata = decodeMetadata(view.private_metadata);
    const reply = replierFor(ctx, { userId: body.user.id, responseUrl: metadata.r });
    const email = await actorEmail(ctx, body.user.id, reply);
    if (!email) return;
    const result = await submitRequest(core, {
      requester: email,
      ...form.value,
      origin: {
        platform: 'slack',
        user: body.user.id,
        ...(metadata.c ? { channel: metadata.c } : {}),
        ...(metadata.cn ? { channelName: metadata.cn } : {}),
      },
    });
    await reply.send(renderReply(await submittedReply(core, result, 'submitted'), core.clock.now()));
  });
}
