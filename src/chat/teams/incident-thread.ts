import type { CoreDeps } from '../../core/lifecycle/deps.js';
import type { IncidentRef } from '../../core/ports/chat.js';
import type { Logger } from '../../core/ports/runtime.js';
import type { RequestView } from '../../core/views/request-view.js';
import { createOnce } from '../once.js';
import { incidentLineCard, incidentRootCard, withRef } from './cards/incident-card.js';
import type { ChannelDirectory } from './channels.js';
import { messageLink } from './deep-link.js';
import { type CardPlacement, isChannel, type ReferenceStore, type StoredReference } from './references.js';
import type { OutboundMessage } from './transport.js';

export interface IncidentThreadParts {
  refs: ReferenceStore;
  channels: ChannelDirectory;
  post(reference: StoredReference, conversationId: string, message: OutboundMessage): Promise<string>;
  serial<T>(key: string, task: () => Promise<T>): Promise<T>;
  log: Logger;
  /** Identifies this replica when it takes the lease to open a thread. */
  holder: string;
  /** Re-renders the request's approval card with a link to the thread. */
  linkCard(view: RequestView, incident: { key: string; url: string }): Promise<void>;
}

export interface IncidentThreads {
  post(core: CoreDeps, incident: IncidentRef, view: RequestView, text: string): Promise<void>;
  /** A deep link to the incident's thread, once it exists. */
  link(key: string): Promise<string | undefined>;
}

/** In a channel `;messageid=<root>` makes a post a reply in the root's thread; group chats have no threads. */
export function threadOf(placement: CardPlacement): string {
  const { reference, activityId } = placement;
  return isChannel(reference) ? `${reference.conversation.id};messageid=${activityId}` : reference.conversation.id;
}

/**
 * One thread per incident: a root post ("Production access for INC-4211") in the incident channel the first
 * time, kept in `teams:incident`; every later event of every linked request is a reply to it. Posts for one
 * incident run one at a time, so concurrent requests never open two threads.
 */
export function createIncidentThreads(parts: IncidentThreadParts): IncidentThreads {
  const linkOf = async (placement: CardPlacement) => messageLink(placement, await parts.channels.get(placement.reference.conversation.id));

  async function channelFor(core: CoreDeps, incident: IncidentRef): Promise<StoredReference | undefined> {
    // The request was made in the incident channel itself (on Teams): that is the channel.
    if (incident.platform === 'teams' && incident.channel) {
      const origin = await parts.refs.channel(incident.channel);
      if (origin) return origin;
    }
    const found = await parts.channels.findIncident(incident.key, core.policy().incidents);
    if (!found) {
      parts.log.debug({ incident: incident.key }, 'no Teams channel for this incident; nothing posted');
      return undefined;
    }
    const reference = await parts.refs.channel(found.id);
    if (!reference) {
      parts.log.warn(
        { incident: incident.key, channel: found.id },
        `Teams channel ${found.info.name} is ${incident.key}'s channel but Keycard has no reference for it: @mention Keycard there once`,
      );
    }
    return reference;
  }

  async function open(core: CoreDeps, incident: IncidentRef): Promise<CardPlacement | undefined> {
    const existing = await parts.refs.incident(incident.key);
    if (existing) return existing;
    const reference = await channelFor(core, incident);
    if (!reference) return undefined;
    return createOnce({
      state: core.store.state,
      name: `teams:incident:${incident.key}`,
      holder: parts.holder,
      now: () => core.clock.now(),
      existing: () => parts.refs.incident(incident.key),
      create: async () => {
        const text = `Production access for ${incident.key}`;
        const activityId = await parts.post(reference, reference.conversation.id, { text, card: incidentRootCard(incident.key) });
        const placement = { reference, activityId };
        await parts.refs.saveIncident(incident.key, placement);
        parts.log.info({ incident: incident.key, conversation: reference.conversation.id }, 'opened the incident thread');
        return placement;
      },
    });
  }

  return {
    async post(core, incident, view, text) {
      const root = await parts.serial(`incident:${incident.key}`, async () => {
        const opened = await open(core, incident);
        if (!opened) return undefined;
        const card = await parts.refs.card(view.id);
        const url = card ? await linkOf(card) : undefined;
        const line = withRef(view.ref, text);
        const message = { text: line.slice(0, 200), card: incidentLineCard(line, url ? { ref: view.ref, url } : undefined) };
        await parts.post(opened.reference, threadOf(opened), message);
        return opened;
      });
      const url = root ? await linkOf(root) : undefined;
      if (url) await parts.linkCard(view, { key: incident.key, url });
    },
    async link(key) {
      const root = await parts.refs.incident(key);
      return root ? linkOf(root) : undefined;
    },
  };
}
