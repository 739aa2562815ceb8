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
import { statusLine } from '../../core/views/format.js';
import type { RequestView } from '../../core/views/request-view.js';
import { anomalyCard } from './cards/anomaly-card.js';
import { approvalCard } from './cards/approval-card.js';
import { alertCard, directCard } from './cards/direct-cards.js';
import type { ChannelDirectory } from './channels.js';
import type { Directory } from './identity.js';
import { createIncidentThreads } from './incident-thread.js';
import { baseConversationId, isChannel, type ReferenceStore, type StoredReference } from './references.js';
import type { OutboundMessage, TeamsTransport } from './transport.js';

export interface TeamsChatParts {
  refs: ReferenceStore;
  directory: Directory;
  /** Channel names, for finding incident channels and for deep links. */
  channels: ChannelDirectory;
  transport: TeamsTransport;
  /** Rate-limited, retried delivery to one conversation. */
  deliver<T>(conversationId: string, operation: () => Promise<T>): Promise<T>;
  /** Runs work for one request in order (card posts, updates and thread replies never overtake each other). */
  serial<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** The built core (policy, store, clock). */
  core(): CoreDeps;
  log: Logger;
  /** This replica's id, for the lease that opens an incident thread once. */
  holder: string;
}

const INSTALL_HINT = 'add the Keycard app to the team that owns it (Teams → Apps → Keycard → Add to a team)';

/** Text for notifications and lock screens. Never the credential: that lives in the card body only. */
function directSummary(message: DirectMessage): string {
  const ref = message.request?.ref ?? 'Keycard';
  switch (message.kind) {
    case 'credential':
      return `${ref}: your access is active`;
    case 'expiry_notice':
      return `${ref}: your access ends soon`;
    case 'info':
      return message.text.slice(0, 200);
    default:
      return `${ref}: ${message.kind.replace('_', ' ')}`;
  }
}

/** The Teams chat port: approval cards in the tier's channel, replies in their threads and the incident's, DMs by email. */
export function createTeamsChat(parts: TeamsChatParts): ChatPort {
  const { refs, transport, deliver } = parts;
  const now = () => parts.core().clock.now();

  const channelReference = async (id: string | undefined, setting: string, what: string): Promise<StoredReference> => {
    if (!id) throw new ChannelNotConfiguredError('teams', setting, what);
    const reference = await refs.channel(id);
    if (!reference) {
      throw new KeycardError(
        'teams_channel_unknown',
        `Keycard has no conversation reference for Teams channel ${id}: ${INSTALL_HINT}, or @mention Keycard once in that channel.`,
      );
    }
    return reference;
  };

  const personalReference = async (email: string): Promise<StoredReference> => {
    const unknown = () =>
      new KeycardError(
        'teams_user_unknown',
        `Keycard cannot message ${email} in Teams: they need to add the Keycard app for themselves (Teams → Apps → Keycard → Add) or be in a team where it is installed, and say "help" to it once.`,
      );
    const user = await parts.directory.byEmail(email);
    if (!user) throw unknown();
    const existing = await refs.personal(user.aadObjectId);
    if (existing) return existing;
    const via = await refs.any();
    const tenantId = user.tenantId ?? via?.conversation.tenantId;
    if (!via || !tenantId) throw unknown();
    const created = await deliver(`create:${user.aadObjectId}`, () =>
      transport.createPersonal(via, { id: user.userId, aadObjectId: user.aadObjectId }, tenantId),
    );
    await refs.save(`user:${user.aadObjectId}`, created);
    return created;
  };

  const post = async (reference: StoredReference, conversationId: string, message: OutboundMessage) =>
    deliver(baseConversationId(conversationId), () => transport.send(reference, conversationId, message));

  const cardMessage = (view: RequestView, incident: { key: string; url: string } | undefined) => ({
    text: `${view.ref} · ${statusLine(view, now())}`,
    card: approvalCard(view, now(), incident ? { incident } : {}),
  });

  const incidents = createIncidentThreads({
    refs,
    channels: parts.channels,
    post,
    serial: parts.serial,
    log: parts.log,
    holder: parts.holder,
    linkCard: (view, incident) =>
      parts.serial(view.id, async () => {
        const placed = await refs.card(view.id);
        if (!placed || placed.incidentLink === incident.url) return;
        const conversationId = placed.reference.conversation.id;
        await deliver(conversationId, () =>
          transport.update(placed.reference, conversationId, placed.activityId, cardMessage(view, incident)),
        );
        await refs.saveCard(view.id, { ...placed, incidentLink: incident.url });
      }),
  });

  return {
    publishCard(view: RequestView, channel: ChannelRef | undefined) {
      return parts.serial(view.id, async () => {
        const url = view.incidentKey ? await incidents.link(view.incidentKey) : undefined;
        const incident = url && view.incidentKey ? { key: view.incidentKey, url } : undefined;
        const message = cardMessage(view, incident);
        const placed = await refs.card(view.id);
        if (placed) {
          const conversationId = placed.reference.conversation.id;
          await deliver(conversationId, () => transport.update(placed.reference, conversationId, placed.activityId, message));
          if (url && url !== placed.incidentLink) await refs.saveCard(view.id, { ...placed, incidentLink: url });
          return;
        }
        // Auto-approved and break-glass requests never waited for anyone, so they get no approval card.
        if (view.status !== 'pending') return;
        const reference = await channelReference(
          channel?.teams,
          `tiers.${view.tier}.channel.teams`,
          `approval channel for the ${view.tier} tier`,
        );
        const activityId = await post(reference, reference.conversation.id, message);
        await refs.saveCard(view.id, { reference, activityId, ...(url ? { incidentLink: url } : {}) });
      });
    },

    postThread(view: RequestView, text: string) {
      return parts.serial(view.id, async () => {
        const placed = await refs.card(view.id);
        if (!placed) return;
        const { reference, activityId } = placed;
        // In a channel, `;messageid=<root>` makes the post a reply in the card's thread; chats have no threads.
        const conversationId = isChannel(reference) ? `${reference.conversation.id};messageid=${activityId}` : reference.conversation.id;
        await post(reference, conversationId, { text: `${view.ref}: ${text}` });
      });
    },

    async sendDirect(to: string, message: DirectMessage) {
      const reference = await personalReference(to.toLowerCase());
      await post(reference, reference.conversation.id, { text: directSummary(message), card: directCard(message, now()) });
    },

    async postAlert(channel: ChannelRef | undefined, alert: ChannelAlert) {
      const reference = await channelReference(channel?.teams, 'alerts.channel.teams', 'alerts channel');
      await post(reference, reference.conversation.id, { text: alert.text.slice(0, 200), card: alertCard(alert) });
    },

    async sendAnomaly(to: string, alert: AnomalyAlert) {
      const reference = await personalReference(to.toLowerCase());
      const summary = `${alert.severity.toUpperCase()} activity on ${alert.request.ref}: ${alert.summary}`.slice(0, 200);
      await post(reference, reference.conversation.id, { text: summary, card: anomalyCard(alert, now()) });
    },

    postIncident: (incident: IncidentRef, view: RequestView, text: string) => incidents.post(parts.core(), incident, view, text),
  };
}
