import type { CoreDeps } from '../../../core/lifecycle/deps.js';
import type { IncidentRef } from '../../../core/ports/chat.js';
import type { Logger } from '../../../core/ports/runtime.js';
import type { RequestView } from '../../../core/views/request-view.js';
import { createOnce } from '../../once.js';
import { createCardStore } from '../card-store.js';
import { type PostMessage, permalinkOf } from '../post-message.js';
import { renderIncidentLine, renderIncidentRoot, withRef } from '../render/incident.js';
import type { SerialQueue } from '../serial-queue.js';
import { CHANNEL_ACCESS_ERRORS, slackErrorCode } from '../slack-errors.js';
import type { WebClient } from '../web-clients.js';
import type { ChannelDirectory } from './channel-directory.js';
import { createIncidentStore, type IncidentRoot } from './incident-store.js';

export interface IncidentThreadDeps {
  outbound: WebClient;
  channels: ChannelDirectory;
  queue: SerialQueue;
  log: Logger;
  post: PostMessage;
  /** Identifies this replica when it takes the lease to open a thread. */
  holder: string;
  /** Re-renders the request's card with the thread's link. */
  linkCard(core: CoreDeps, view: RequestView, incidentUrl: string): Promise<void>;
}

export interface IncidentThreads {
  post(core: CoreDeps, incident: IncidentRef, view: RequestView, text: string): Promise<void>;
}

/**
 * One thread per incident: the root ("Production access for INC-4211") is posted in the incident channel
 * the first time and kept in `slack:incident`; every later event of every linked request is a reply to it.
 * Posts for one incident run one at a time, so concurrent requests never open two threads.
 */
export function createIncidentThreads(deps: IncidentThreadDeps): IncidentThreads {
  async function channelFor(core: CoreDeps, incident: IncidentRef): Promise<{ id: string; name?: string } | undefined> {
    // The request was made in the incident channel itself (on Slack): that is the channel, unless the policy
    // names who creates incident channels; then it is looked up like any other, so a look-alike channel
    // someone else created cannot become the incident's thread by being the first place a request is typed.
    const pinned = core.policy().incidents.slackChannelCreators.length > 0;
    if (incident.platform === 'slack' && incident.channel && !pinned) {
      return { id: incident.channel, ...(incident.channelName ? { name: incident.channelName } : {}) };
    }
    const found = await deps.channels.find(incident.key, core.policy().incidents);
    if (!found) {
      deps.log.debug({ incident: incident.key }, 'no Slack channel for this incident; nothing posted');
      return undefined;
    }
    if (!found.isMember) {
      deps.log.warn(
        { incident: incident.key, channel: found.id },
        `#${found.name} is ${incident.key}'s channel but the Keycard bot is not in it: type /invite @Keycard there to get the access thread`,
      );
      return undefined;
    }
    return { id: found.id, name: found.name };
  }

  async function open(core: CoreDeps, incident: IncidentRef): Promise<IncidentRoot | undefined> {
    const store = createIncidentStore(core.store.state);
    const existing = await store.get(incident.key);
    if (existing) return existing;
    const channel = await channelFor(core, incident);
    if (!channel) return undefined;
    try {
      return await createOnce({
        state: core.store.state,
        name: `slack:incident:${incident.key}`,
        holder: deps.holder,
        now: () => core.clock.now(),
        existing: () => store.get(incident.key),
        create: async () => {
          const posted = await deps.post(channel.id, renderIncidentRoot(incident.key));
          const permalink = await permalinkOf(deps.outbound, posted.channel, posted.ts);
          const root: IncidentRoot = {
            channel: posted.channel,
            ts: posted.ts,
            ...(channel.name ? { name: channel.name } : {}),
            ...(permalink ? { permalink } : {}),
          };
          await store.put(incident.key, root);
          deps.log.info({ incident: incident.key, channel: root.channel }, 'opened the incident thread');
          return root;
        },
      });
    } catch (error) {
      const code = slackErrorCode(error);
      if (!code || !CHANNEL_ACCESS_ERRORS.has(code)) throw error;
      deps.log.warn(
        { incident: incident.key, channel: channel.id, slackError: code },
        'cannot post in the incident channel: invite the Keycard bot there (/invite @Keycard)',
      );
      return undefined;
    }
  }

  /** The card's permalink, fetched once and kept with the card (on the request's queue, like every card write). */
  function cardLink(core: CoreDeps, view: RequestView): Promise<{ ref: string; url: string } | undefined> {
    return deps.queue.run(view.id, async () => {
      const cards = createCardStore(core.store.state);
      const card = await cards.get(view.id);
      if (!card) return undefined;
      const url = card.permalink ?? (await permalinkOf(deps.outbound, card.channel, card.ts));
      if (!url) return undefined;
      if (!card.permalink) await cards.put(view.id, { ...card, permalink: url });
      return { ref: view.ref, url };
    });
  }

  return {
    async post(core, incident, view, text) {
      const root = await deps.queue.run(`incident:${incident.key}`, async () => {
        const opened = await open(core, incident);
        if (!opened) return undefined;
        await deps.post(opened.channel, renderIncidentLine(withRef(view.ref, text), await cardLink(core, view)), opened.ts);
        return opened;
      });
      if (root?.permalink) await deps.linkCard(core, view, root.permalink);
    },
  };
}
