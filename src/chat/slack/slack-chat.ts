import type { CoreDeps } from '../../core/lifecycle/deps.js';
import type { ChannelRef } from '../../core/policy/schema.js';
import {
  type AnomalyAlert,
  type ChannelAlert,
  ChannelNotConfiguredError,
  type ChatPort,
  type DirectMessage,
  type IncidentRef,
} from '../../core/ports/chat.js';
import type { Logger } from '../../core/ports/runtime.js';
import { KeycardError } from '../../core/result.js';
import type { RequestView } from '../../core/views/request-view.js';
import { createCardPublisher } from './card-publisher.js';
import { createCardStore, neverHadCard } from './card-store.js';
import type { Identity } from './identity.js';
import type { ChannelDirectory } from './incident/channel-directory.js';
import { createIncidentThreads } from './incident/incident-thread.js';
import { createPoster } from './post-message.js';
import { renderAnomaly } from './render/anomaly.js';
import type { SlackMessage } from './render/block-kit.js';
import { renderAlert, renderDirect, renderThreadLine } from './render/messages.js';
import type { SerialQueue } from './serial-queue.js';
import { CHANNEL_ACCESS_ERRORS, describeSlackError, slackErrorCode } from './slack-errors.js';
import type { WebClient } from './web-clients.js';

export interface SlackChatDeps {
  outbound: WebClient;
  identity: Identity;
  queue: SerialQueue;
  log: Logger;
  /** Incident channels by name (conversations.list, cached). */
  channels: ChannelDirectory;
  /** This replica's id, for the lease that opens an incident thread once. */
  holder: string;
  /** The built core, once the adapter has started. */
  core: () => CoreDeps | undefined;
  /** Waits between rate-limited rounds of a card update (default: real time). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The chat port on Slack: approval cards in the tier's channel (posted once, then updated in place),
 * lifecycle lines in the card's thread and in the incident's thread, DMs by email (anomaly DMs with
 * buttons), and alerts. Everything for one request runs through one queue, so updates land in order;
 * each call throws only when Slack refused it.
 */
export function createSlackChat(deps: SlackChatDeps): ChatPort {
  const core = (): CoreDeps => {
    const built = deps.core();
    if (!built) throw new KeycardError('slack_not_started', 'the Slack adapter has not started yet');
    return built;
  };
  const post = createPoster(deps.outbound);

  /** Posts to someone's DM; the message may hold a credential, so a failure reports the kind, never the content. */
  async function direct(to: string, kind: string, parts: SlackMessage[]): Promise<void> {
    const channel = await deps.identity.directChannelOf(to);
    for (const part of parts) {
      try {
        await post(channel, part);
      } catch (error) {
        throw new KeycardError('slack_dm_failed', `Slack refused a ${kind} DM to ${to}: ${describeSlackError(error)}`);
      }
    }
  }

  const sendDirect = (to: string, message: DirectMessage) => direct(to, message.kind, renderDirect(message, core().clock.now()));

  async function cannotPost(view: RequestView, target: string, code: string): Promise<never> {
    const fix = `Invite the Keycard bot to ${target} (type /invite @Keycard in that channel) or correct tiers.${view.tier}.channel.slack in the policy`;
    deps.log.error({ requestId: view.id, ref: view.ref, channel: target, slackError: code }, `cannot post the approval card: ${fix}`);
    const text = `Keycard could not post the approval card for ${view.ref} to ${target} (${code}). ${fix}. Until then approvers can decide from the Keycard App Home or with /access approve ${view.ref}.`;
    await sendDirect(view.requester, { kind: 'info', request: view, text }).catch((error: unknown) =>
      deps.log.warn({ requestId: view.id, err: error instanceof Error ? error.message : String(error) }, 'could not tell the requester'),
    );
    throw new KeycardError('slack_channel_unreachable', `cannot post to Slack channel ${target}: ${code}`);
  }

  const cards = createCardPublisher({
    outbound: deps.outbound,
    queue: deps.queue,
    log: deps.log,
    post,
    cannotPost,
    sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms).unref())),
  });
  const incidents = createIncidentThreads({
    outbound: deps.outbound,
    channels: deps.channels,
    queue: deps.queue,
    log: deps.log,
    post,
    holder: deps.holder,
    linkCard: (built, view, url) => cards.linkIncident(built, view, url),
  });

  return {
    publishCard: (view: RequestView, channel: ChannelRef | undefined) => cards.publish(core(), view, channel),
    postThread(view: RequestView, text: string) {
      // A card's thread: a request that never had a card has none.
      if (neverHadCard(view)) return Promise.resolve();
      return deps.queue.run(view.id, async () => {
        const ref = await createCardStore(core().store.state).get(view.id);
        if (!ref) return;
        await post(ref.channel, renderThreadLine(text), ref.ts);
      });
    },
    sendDirect,
    async postAlert(channel: ChannelRef | undefined, alert: ChannelAlert) {
      const target = channel?.slack;
      // Thrown, not skipped: a caller that records deliveries (the weekly report) must not count this as posted.
      if (!target) throw new ChannelNotConfiguredError('slack', 'alerts.channel.slack', 'alerts channel');
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
    async sendAnomaly(to: string, alert: AnomalyAlert) {
      const built = core();
      await direct(to, 'anomaly', [renderAnomaly(alert, built.clock.now())]);
    },
    postIncident: (incident: IncidentRef, view: RequestView, text: string) => incidents.post(core(), incident, view, text),
  };
}
