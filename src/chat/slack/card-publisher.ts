import type { CoreDeps } from '../../core/lifecycle/deps.js';
import { loadView } from '../../core/lifecycle/notify.js';
import type { ChannelRef } from '../../core/policy/schema.js';
import { ChannelNotConfiguredError } from '../../core/ports/chat.js';
import type { Logger } from '../../core/ports/runtime.js';
import type { RequestView } from '../../core/views/request-view.js';
import { type CardRef, type CardStore, createCardStore, neverHadCard } from './card-store.js';
import { createIncidentStore } from './incident/incident-store.js';
import type { PostMessage } from './post-message.js';
import { fallbackText } from './render/block-kit.js';
import { renderCard } from './render/card.js';
import type { SerialQueue } from './serial-queue.js';
import { CHANNEL_ACCESS_ERRORS, rateLimitRetryAfter, slackErrorCode } from './slack-errors.js';
import type { WebClient } from './web-clients.js';

/** Rounds of "the client gave up on a 429" before a card update is reported as failed (each round itself retries). */
const MAX_RATE_LIMITED_ROUNDS = 10;

export interface CardPublisherDeps {
  outbound: WebClient;
  queue: SerialQueue;
  log: Logger;
  post: PostMessage;
  /** Waits between rate-limited rounds (tests shorten it). */
  sleep: (ms: number) => Promise<void>;
  /** Tells the requester and the log that the tier's channel is unreachable, then throws. */
  cannotPost(view: RequestView, target: string, code: string): Promise<never>;
}

export interface CardPublisher {
  publish(core: CoreDeps, view: RequestView, channel: ChannelRef | undefined): Promise<void>;
  /** Re-renders a posted card once its incident thread exists, so the card links to it. No card, nothing to do. */
  linkIncident(core: CoreDeps, view: RequestView, incidentUrl: string): Promise<void>;
}

/**
 * Approval cards: posted to the tier's channel the first time, then updated in place, always with the
 * request's latest state and, once the incident thread exists, a link to it. Runs on the request's queue.
 */
export function createCardPublisher(deps: CardPublisherDeps): CardPublisher {
  async function render(core: CoreDeps, view: RequestView) {
    // Render the latest state, not the one captured when this update was queued.
    const stored = await core.store.getRequest(view.id);
    const latest = stored ? await loadView(core, stored) : view;
    const root = latest.incidentKey ? await createIncidentStore(core.store.state).get(latest.incidentKey) : undefined;
    const incident =
      root?.permalink && latest.incidentKey
        ? { url: root.permalink, label: root.name ? `#${root.name} › ${latest.incidentKey}` : latest.incidentKey }
        : undefined;
    return { message: renderCard(latest, core.clock.now(), incident ? { incident } : {}), incidentUrl: incident?.url };
  }

  async function update(core: CoreDeps, cards: CardStore, ref: CardRef, view: RequestView): Promise<void> {
    let { message, incidentUrl } = await render(core, view);
    for (let attempt = 1; ; attempt++) {
      try {
        await deps.outbound.chat.update({ channel: ref.channel, ts: ref.ts, text: fallbackText(message.text), blocks: message.blocks });
        break;
      } catch (error) {
        // The client already waited out Retry-After several times; a card stuck in an old state misleads
        // approvers, so keep waiting (on this request's queue, so later updates stay behind it).
        const retryAfter = rateLimitRetryAfter(error);
        if (retryAfter === undefined || attempt >= MAX_RATE_LIMITED_ROUNDS) throw error;
        deps.log.warn({ ref: view.ref, retryAfter, attempt }, 'card update still rate limited by Slack; retrying after Retry-After');
        await deps.sleep((retryAfter + 1) * 1000);
        ({ message, incidentUrl } = await render(core, view));
      }
    }
    if (incidentUrl && incidentUrl !== ref.incidentUrl) await cards.put(view.id, { ...ref, incidentUrl });
  }

  return {
    publish(core, view, channel) {
      // Auto-approved and break-glass grants never waited for anyone, so they get no card (and need no lookup).
      if (neverHadCard(view)) return Promise.resolve();
      return deps.queue.run(view.id, async () => {
        const cards = createCardStore(core.store.state);
        const ref = await cards.get(view.id);
        if (ref) return update(core, cards, ref, view);
        if (view.status !== 'pending') return;
        const target = channel?.slack;
        if (!target) {
          throw new ChannelNotConfiguredError('slack', `tiers.${view.tier}.channel.slack`, `approval channel for the ${view.tier} tier`);
        }
        const { message, incidentUrl } = await render(core, view);
        try {
          const posted = await deps.post(target, message);
          await cards.put(view.id, { channel: posted.channel, ts: posted.ts, ...(incidentUrl ? { incidentUrl } : {}) });
        } catch (error) {
          const code = slackErrorCode(error);
          if (code && CHANNEL_ACCESS_ERRORS.has(code)) return deps.cannotPost(view, target, code);
          throw error;
        }
      });
    },
    linkIncident(core, view, incidentUrl) {
      return deps.queue.run(view.id, async () => {
        const cards = createCardStore(core.store.state);
        const ref = await cards.get(view.id);
        if (ref && ref.incidentUrl !== incidentUrl) await update(core, cards, ref, view);
      });
    },
  };
}
