import type { ChannelInfo } from './channels.js';
import { type CardPlacement, isChannel } from './references.js';

/**
 * A Teams deep link to a channel message and its thread (learn.microsoft.com, "Deep link to navigate to
 * channel conversation"). Teams documents tenantId, groupId, teamName and channelName as part of it;
 * Keycard fills what it learned on install and leaves out what it does not know. Chats get no link.
 */
export function messageLink(placement: CardPlacement, channel: ChannelInfo | undefined): string | undefined {
  const { reference, activityId } = placement;
  if (!isChannel(reference)) return undefined;
  const params = new URLSearchParams();
  if (reference.conversation.tenantId) params.set('tenantId', reference.conversation.tenantId);
  if (channel?.groupId) params.set('groupId', channel.groupId);
  params.set('parentMessageId', activityId);
  if (channel?.teamName) params.set('teamName', channel.teamName);
  if (channel?.name) params.set('channelName', channel.name);
  // Channel message ids are their creation time in milliseconds.
  if (/^\d+$/.test(activityId)) params.set('createdTime', activityId);
  return `https://teams.microsoft.com/l/message/${encodeURIComponent(reference.conversation.id)}/${encodeURIComponent(activityId)}?${params.toString()}`;
}
