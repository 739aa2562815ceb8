import { z } from 'zod';
import type { CoreDeps } from '../../core/lifecycle/deps.js';
import { loadView } from '../../core/lifecycle/notify.js';
import type { ChannelRef } from '../../core/policy/schema.js';
import type { ChannelAlert, ChatPort, DirectMessage } from '../../core/ports/chat.js';
import type { Logger } from '../../core/ports/runtime.js';
import { KeycardError } from '../../core/result.js';
import type { RequestView } from '../../core/views/request-view.js';
import { createCardStore } from './card-store.js';
import type { Identity } from './identity.js';
import type { SlackMessage } from './render/block-kit.js';
import { renderCard } from './render/card.js';
import { renderAlert, renderDirect, renderThreadLine } from './render/messages.js';
import type { SerialQueue } from './serial-queue.js';
import { CHANNEL_ACCESS_ERRORS, describeSlackError, slackErrorCode } from './slack-errors.js';
import type { WebClient } from './web-clients.js';

const postedSchema = z.object({ channel: z.string(), ts: z.string() });

export interface SlackChatDeps {
  outbound: WebClient;
  identity: Identity;
  queue: SerialQueue;
  log: Logger;
  /** The built core, once the adapter has started. */
  core: () => CoreDeps | undefined;
}

/**
 * The chat port on Slack: approval cards in the tier's channel (posted once, then updated in place),
 * lifecycle lines in the card's thread, DMs by email, and alerts. Everything for one request runs
 * through one queue, so updates land in order; each call throws only when Slack refused it.
 */
export function createSlackChat(deps: SlackChatDeps): ChatPort {
  const core = (): CoreDeps => {
    const built = deps.core();
    if (!built) throw new KeycardError('slack_not_started', 'the Slack adapter has not started yet');
    return built;
  };
  const post = async (channel: string, message: SlackMessage, threadTs?: string) =>
    postedSchema.parse(
      await deps.outbound.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      }),
    );

  async function sendDirect(to: string, message: DirectMessage): Promise<void> {
    const channel = await deps.identity.directChannelOf(to);
    const now = core().clock.now();
    for (const part of renderDirect(message, now)) {
      try {
        await post(channel, part);
      } catch (error) {
        // The message may hold a credential: report the failure, never the content.
        throw new KeycardError('slack_dm_failed', `Slack refused a ${message.kind} DM to ${to}: ${describeSlackError(error)}`);
      }
    }
  }

  async function cannotPost(view: RequestView, target: string, code: string): Promise<never> {
    const fix = `Invite the Keycard bot to ${target} (type /invite @Keycard in that channel) or correct tiers.${view.tier}.channel.slack in the policy`;
    deps.log.error({ requestId: view.id, ref: view.ref, channel: target, slackError: code }, `cannot post the approval card: ${fix}`);
    const text = `Keycard could not post the approval card for ${view.ref} to ${target} (${code}). ${fix}. Until then approvers can decide from the Keycard App Home or with /access approve ${view.ref}.`;
    await sendDirect(view.requester, { kind: 'info', request: view, text }).catch((error: unknown) =>
      deps.log.warn({ requestId: view.id, err: error instanceof Error ? error.message : String(error) }, 'could not tell the requester'),
    );
    throw new KeycardError('slack_channel_unreachable', `cannot post to Slack channel ${target}: ${code}`);
  }

  return {
    publishCard(view: RequestView, channel: ChannelRef | undefined) {
      return deps.queue.run(view.id, async () => {
        const built = core();
        const cards = createCardStore(built.store.state);
        const ref = await cards.get(view.id);
        // Render the latest state, not the one captured when this update was queued.
        const stored = await built.store.getRequest(view.id);
        const latest = stored ? await loadView(built, stored) : view;
        const message = renderCard(latest, built.clock.now());
        if (ref) {
          await deps.outbound.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks });
          return;
        }
        // Auto-approved and break-glass grants never waited for anyone, so they get no card.
        if (view.status !== 'pending') return;
        const target = channel?.slack;
        if (!target) {
          deps.log.warn(
            { ref: view.ref, tier: view.tier },
            `no Slack channel for the ${view.tier} tier (tiers.${view.tier}.channel.slack); no card posted`,
          );
          return;
        }
        try {
          const posted = await post(target, message);
          await cards.put(view.id, { channel: posted.channel, ts: posted.ts });
        } catch (error) {
          const code = slackErrorCode(error);
          if (code && CHANNEL_ACCESS_ERRORS.has(code)) return cannotPost(view, target, code);
          throw error;
        }
      });
    },
    postThread(view: RequestView, text: string) {
      return deps.queue.run(view.id, async () => {
        const ref = await createCardStore(core().store.state).get(view.id);
        if (!ref) return;
        await post(ref.channel, renderThreadLine(text), ref.ts);
      });
    },
    sendDirect,
    async postAlert(channel: ChannelRef | undefined, alert: ChannelAlert) {
      const target = channel?.slack;
      if (!target) {
        deps.log.warn({ kind: alert.kind }, 'no Slack alerts channel (alerts.channel.slack in the policy); alert not posted to Slack');
        return;
      }
      try {
        await post(target, renderAlert(alert, core().clock.now()));
      } catch (error) {
        const code = slackErrorCode(error);
        if (code && CHANNEL_ACCESS_ERRORS.has(code)) {
          deps.log.error({ channel: target, slackError: code }, `cannot post alerts: invite the Keycard bot to ${target}`);
        }
        throw error;
      }
    },
  };
}
