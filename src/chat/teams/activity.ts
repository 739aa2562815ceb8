import type { Activity } from 'botbuilder';
import { z } from 'zod';
import { ACTION_DATA_SCHEMA } from './action-data.js';
import { baseConversationId, type StoredReference } from './references.js';

const channelDataSchema = z.looseObject({
  tenant: z.object({ id: z.string() }).optional(),
  team: z.looseObject({ id: z.string(), name: z.string().optional(), aadGroupId: z.string().optional() }).optional(),
  channel: z.looseObject({ id: z.string(), name: z.string().optional() }).optional(),
  eventType: z.string().optional(),
});
export type TeamsChannelData = z.infer<typeof channelDataSchema>;

export function channelDataOf(activity: Partial<Activity>): TeamsChannelData {
  const parsed = channelDataSchema.safeParse(activity.channelData);
  return parsed.success ? parsed.data : {};
}

export function tenantOf(activity: Partial<Activity>): string | undefined {
  return activity.conversation?.tenantId ?? channelDataOf(activity).tenant?.id;
}

/**
 * The IANA zone the sender's Teams client reported with this activity: `localTimezone` (e.g. America/Los_Angeles),
 * else the `timezone` of its `clientInfo` entity, which clients that leave `localTimezone` out still send.
 * Only a string is passed on; whether the runtime knows the zone is for the caller to judge.
 */
export function localZoneOf(activity: Partial<Activity>): string | undefined {
  const zone: unknown = activity.localTimezone;
  if (typeof zone === 'string') return zone;
  const clientInfo: unknown = activity.entities?.find((e) => e?.type === 'clientInfo');
  const fromEntity: unknown = clientInfo && typeof clientInfo === 'object' ? (clientInfo as { timezone?: unknown }).timezone : undefined;
  return typeof fromEntity === 'string' ? fromEntity : undefined;
}

/**
 * The reference to store for this activity and the key to store it under: personal chats by the
 * user's AAD object id, channels by the channel's conversation id (without the thread suffix).
 */
export function referenceOf(activity: Partial<Activity>): { key: string; reference: StoredReference } | undefined {
  const { serviceUrl, channelId, conversation, recipient, from } = activity;
  if (!serviceUrl || !channelId || !conversation?.id || !recipient?.id) return undefined;
  const data = channelDataOf(activity);
  const type = conversation.conversationType ?? (conversation.isGroup ? 'groupChat' : 'personal');
  const tenantId = tenantOf(activity);
  const reference: StoredReference = {
    serviceUrl,
    channelId,
    conversation: { id: baseConversationId(conversation.id), conversationType: type, ...(tenantId ? { tenantId } : {}) },
    bot: { id: recipient.id, ...(recipient.name ? { name: recipient.name } : {}) },
  };
  if (data.team?.id) reference.teamId = data.team.id;
  if (type === 'personal') {
    const aad = from?.aadObjectId;
    if (!aad || !from?.id) return undefined;
    reference.user = { id: from.id, aadObjectId: aad };
    return { key: `user:${aad}`, reference };
  }
  return { key: `channel:${reference.conversation.id}`, reference };
}

/** The same team reference pointed at another channel of that team (channels share the team's serviceUrl). */
export function channelReference(team: StoredReference, channelId: string): StoredReference {
  return { ...team, conversation: { ...team.conversation, id: channelId, conversationType: 'channel' } };
}

/** Action.Submit (the fallback for clients without Universal Actions) arrives as a message whose value holds the data. */
export function submittedAction(activity: Partial<Activity>) {
  const parsed = ACTION_DATA_SCHEMA.safeParse(activity.value);
  return parsed.success ? parsed.data : undefined;
}

/** Text typed to the bot, with the bot's @mention and Teams' HTML leftovers removed. */
export function commandText(withoutMention: string): string {
  return withoutMention
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The team's name and Entra group id as Teams sent them with this activity (deep links want both). */
export function teamOf(activity: Partial<Activity>): { teamId?: string; teamName?: string; groupId?: string } {
  const team = channelDataOf(activity).team;
  return {
    ...(team?.id ? { teamId: team.id } : {}),
    ...(team?.name ? { teamName: team.name } : {}),
    ...(team?.aadGroupId ? { groupId: team.aadGroupId } : {}),
  };
}
