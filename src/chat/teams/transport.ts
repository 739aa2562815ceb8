import type { Activity, CloudAdapter, ConversationParameters, ConversationReference, TurnContext } from 'botbuilder';
import type { AdaptiveCard } from './cards/adaptive.js';
import { CARD_CONTENT_TYPE } from './cards/adaptive.js';
import type { StoredReference } from './references.js';

/** One outbound message: plain text, or an Adaptive Card with the text as its notification summary. */
export interface OutboundMessage {
  text: string;
  card?: AdaptiveCard;
}

/**
 * Proactive sends to the Bot Connector, behind an interface: TestAdapter cannot continue conversations,
 * so flow tests use a recording fake and the HTTP tests run this over the real CloudAdapter and nock.
 */
export interface TeamsTransport {
  /** Posts to a conversation (a channel root post, a thread reply with `;messageid=`, a DM); returns the new activity id. */
  send(reference: StoredReference, conversationId: string, message: OutboundMessage): Promise<string>;
  update(reference: StoredReference, conversationId: string, activityId: string, message: OutboundMessage): Promise<void>;
  /** Creates (or finds) the 1:1 chat with a user; Teams returns the existing one when there is one. */
  createPersonal(via: StoredReference, user: { id: string; aadObjectId: string }, tenantId: string): Promise<StoredReference>;
}

export function toActivity(message: OutboundMessage): Partial<Activity> {
  if (!message.card) return { type: 'message', text: message.text, textFormat: 'plain' };
  return { type: 'message', summary: message.text, attachments: [{ contentType: CARD_CONTENT_TYPE, content: message.card }] };
}

export function toConversationReference(reference: StoredReference): Partial<ConversationReference> {
  const { teamId: _team, ...rest } = reference;
  return rest as Partial<ConversationReference>;
}

/** The part of the Bot Connector client Keycard uses (its type lives in a package Keycard does not depend on directly). */
interface Connector {
  conversations: {
    sendToConversation(conversationId: string, activity: Partial<Activity>): Promise<{ id?: string }>;
    updateActivity(conversationId: string, activityId: string, activity: Partial<Activity>): Promise<unknown>;
    createConversation(parameters: ConversationParameters): Promise<{ id?: string }>;
  };
}

function isConnector(value: unknown): value is Connector {
  if (typeof value !== 'object' || value === null || !('conversations' in value)) return false;
  const conversations = value.conversations;
  return typeof conversations === 'object' && conversations !== null && 'sendToConversation' in conversations;
}

function connectorOf(context: TurnContext): Connector {
  const client: unknown = context.turnState.get(context.adapter.ConnectorClientKey);
  if (!isConnector(client)) throw new Error('the Bot Connector client is missing from the turn');
  return client;
}

/**
 * The CloudAdapter transport. It calls the connector directly (`sendToConversation`, `updateActivity`)
 * instead of `context.sendActivity`, which would turn every proactive post into a reply to the
 * synthetic continuation activity.
 */
export function createCloudTransport(adapter: CloudAdapter, appId: string): TeamsTransport {
  const withClient = async <T>(reference: StoredReference, work: (client: Connector) => Promise<T>): Promise<T> => {
    let result: { value: T } | undefined;
    await adapter.continueConversationAsync(appId, toConversationReference(reference), async (context) => {
      result = { value: await work(connectorOf(context)) };
    });
    if (!result) throw new Error('the proactive turn did not run');
    return result.value;
  };
  return {
    send: (reference, conversationId, message) =>
      withClient(reference, async (client) => {
        const response = await client.conversations.sendToConversation(conversationId, toActivity(message));
        return response.id ?? '';
      }),
    update: (reference, conversationId, activityId, message) =>
      withClient(reference, async (client) => {
        await client.conversations.updateActivity(conversationId, activityId, { ...toActivity(message), id: activityId });
      }),
    createPersonal: (via, user, tenantId) =>
      withClient(via, async (client) => {
        const created = await client.conversations.createConversation({
          isGroup: false,
          bot: { id: via.bot.id, name: via.bot.name ?? '' },
          members: [{ id: user.id, name: '' }],
          tenantId,
          channelData: { tenant: { id: tenantId } },
        });
        if (!created.id) throw new Error('Teams did not return a conversation id for the personal chat');
        return {
          serviceUrl: via.serviceUrl,
          channelId: via.channelId,
          conversation: { id: created.id, conversationType: 'personal', tenantId },
          bot: via.bot,
          user: { id: user.id, aadObjectId: user.aadObjectId },
        };
      }),
  };
}
