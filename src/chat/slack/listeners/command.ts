import type { App } from '@slack/bolt';
import { catalogOf, runCommand } from '../../../core/commands/handle.js';
import { parseCommand } from '../../../core/commands/parse.js';
import type { Reply } from '../../../core/commands/reply.js';
import { helpText } from '../../../core/commands/usage.js';
import type { CoreDeps } from '../../../core/lifecycle/deps.js';
import { renderReply } from '../render/replies.js';
import { actorEmail, type ListenerContext, replierFor } from './context.js';
import { prefillFromText } from './request-form.js';
import { openRequestModal } from './request-modal.js';

const SUBCOMMANDS = new Set(['help', 'list', 'status', 'release', 'revoke', 'cancel', 'extend', 'approve', 'deny', 'review']);
const READ_ONLY = new Set(['help', 'list', 'status']);

/** Says so on the confirmation when the tier routes cards nowhere in Slack (approvers still see App Home). */
function routingNote(core: CoreDeps, reply: Reply): string | undefined {
  if (reply.kind !== 'request' || reply.request.status !== 'pending') return undefined;
  if (core.policy().tiers[reply.request.tier].channel?.slack) return undefined;
  return `The ${reply.request.tier} tier has no Slack channel in the policy, so no approval card was posted; approvers can decide from the Keycard App Home or with /access approve ${reply.request.ref}.`;
}

/**
 * `/access …`. Acks at once (a short "working on it" for commands that change something), then runs
 * the command and answers through response_url. Bare or unparseable requests open the request form.
 */
export function registerCommand(app: App, ctx: ListenerContext): void {
  // Any command routed to this app is Keycard's (the manifest defines /access; a workspace may rename it).
  app.command(/.*/, async ({ ack, command }) => {
    const core = ctx.core();
    const text = command.text.trim();
    const parsed = parseCommand(text, catalogOf(core));
    const head = text.split(/\s+/)[0]?.toLowerCase() ?? '';
    if (!text || (!parsed.ok && !SUBCOMMANDS.has(head))) {
      // Answered at the call; not awaited, because `await ack()` also waits for a work slot, and in a burst
      // that wait could outlast trigger_id's 3 s before the form opens.
      void ack();
      const prefill = text && !parsed.ok ? { ...prefillFromText(core.policy(), text), problem: parsed.message } : {};
      const opened = await openRequestModal(ctx, command.trigger_id, prefill, {
        r: command.response_url,
        c: command.channel_id,
        cn: command.channel_name,
      });
      if (!opened.ok) await replierFor(ctx, { userId: command.user_id, responseUrl: command.response_url }).say(opened.message);
      return;
    }
    if (parsed.ok && parsed.command.kind === 'help') {
      // Pure text: answer in the ack itself.
      const help = renderReply({ kind: 'help', text: helpText(Object.keys(core.policy().resources)) }, core.clock.now());
      await ack({ response_type: 'ephemeral', ...help });
      return;
    }
    const changes = parsed.ok && !READ_ONLY.has(parsed.command.kind);
    await ack(changes ? { response_type: 'ephemeral', text: ':hourglass_flowing_sand: Working on it…' } : undefined);
    const reply = replierFor(ctx, { userId: command.user_id, responseUrl: command.response_url });
    const mode = changes ? 'replace' : 'ephemeral';
    if (!parsed.ok) return reply.send(renderReply({ kind: 'error', message: parsed.message, usage: parsed.usage }, core.clock.now()));
    const email = await actorEmail(ctx, command.user_id, reply);
    if (!email) return;
    // channel_name lets core link a request typed in an incident channel (#inc-4211) to that incident.
    const result = await runCommand(core, parsed.command, email, {
      platform: 'slack',
      channel: command.channel_id,
      channelName: command.channel_name,
      user: command.user_id,
    });
    await reply.send(renderReply(result, core.clock.now(), routingNote(core, result)), mode);
  });
}
