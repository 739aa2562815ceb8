import { z } from 'zod';
import { type IncidentResponderSource, KNOWN_INCIDENT, type SourceAnswer } from '../../../core/ports/incident-responders.js';
import type { Clock, Logger } from '../../../core/ports/runtime.js';
import { describeSlackError, slackErrorCode } from '../slack-errors.js';
import type { WebClient } from '../web-clients.js';
import type { ChannelDirectory, IncidentChannelRule } from './channel-directory.js';

const membersSchema = z.object({
  members: z.array(z.string()),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});

/** conversations.members pages (1,000 members each); an incident channel past 10,000 members is read that far. */
const MAX_PAGES = 10;
const PAGE_SIZE = 1000;
/** A member list younger than this is not re-read for someone missing from it (they may have just joined). */
const REFRESH_AFTER_MS = 5_000;
/** Member lists kept at most (one per incident channel asked about). */
const MAX_CHANNELS = 200;

/**
 * An incident's responders are the members of its Slack channel (`#inc-4211`, found by the same rule the
 * incident thread uses): conversations.members (scopes channels:read, groups:read), cached for `ttlMs`
 * per channel, and re-read for someone missing from a list older than a few seconds, so who joined the
 * channel a moment ago counts. No incident channel is "unknown": a private channel the bot is not in, an
 * archived one, one created since the last listing or a workspace whose incidents have no channels all look
 * the same, so Slack never says there is no such incident. A channel whose members cannot be read (an
 * account Slack does not know, a list cut at the page cap, a listing that fails) is KNOWN_INCIDENT.
 */
export function createSlackIncidentResponders(deps: {
  client: WebClient;
  channels: ChannelDirectory;
  /** The policy's incident channel and key patterns, as the core has them now. */
  incidents: () => IncidentChannelRule;
  /** The Slack user id of the person with this email (undefined: Slack has nobody with it). */
  userIdOf: (email: string) => Promise<string | undefined>;
  clock: Clock;
  log: Logger;
  ttlMs: number;
}): IncidentResponderSource {
  /** Each channel's members; `complete` false when the page cap cut the list (someone missing from it is then unknown). */
  const members = new Map<string, { at: number; ids: Set<string>; complete: boolean }>();
  const loading = new Map<string, Promise<{ ids: Set<string>; complete: boolean }>>();

  async function read(channel: string): Promise<{ ids: Set<string>; complete: boolean }> {
    const ids = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const response = membersSchema.parse(
        await deps.client.conversations.members({ channel, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
      );
      for (const id of response.members) ids.add(id);
      cursor = response.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    const entry = { at: deps.clock.now().getTime(), ids, complete: cursor === undefined };
    members.delete(channel);
    members.set(channel, entry);
    // Incidents come and go: keep the lists of the most recent ones only.
    while (members.size > MAX_CHANNELS) members.delete(members.keys().next().value as string);
    return entry;
  }

  /** One read per channel at a time: requests citing the same incident at once share it. */
  function load(channel: string): Promise<{ ids: Set<string>; complete: boolean }> {
    let pending = loading.get(channel);
    if (!pending) {
      pending = read(channel).finally(() => loading.delete(channel));
      loading.set(channel, pending);
    }
    return pending;
  }

  const answer = (list: { ids: Set<string>; complete: boolean }, userId: string): SourceAnswer =>
    list.ids.has(userId) ? true : list.complete ? false : KNOWN_INCIDENT;

  return {
    async isResponder(email, incidentKey) {
      const channel = await deps.channels.find(incidentKey, deps.incidents());
      if (!channel) return undefined;
      const userId = await deps.userIdOf(email);
      if (!userId) return KNOWN_INCIDENT;
      const now = deps.clock.now().getTime();
      try {
        const known = members.get(channel.id);
        if (known && now - known.at < deps.ttlMs && (known.ids.has(userId) || now - known.at < REFRESH_AFTER_MS))
          return answer(known, userId);
        return answer(await load(channel.id), userId);
      } catch (error) {
        // A private channel the bot was not invited to answers channel_not_found: the channel exists, its members are unknown.
        deps.log.warn(
          { channel: channel.name, code: slackErrorCode(error), err: describeSlackError(error) },
          'could not list the incident channel members; is the bot in the channel, with channels:read / groups:read?',
        );
        return KNOWN_INCIDENT;
      }
    },
  };
}
