import { z } from 'zod';
import { incidentKeyFromChannel } from '../../../core/lifecycle/incident.js';
import type { Clock, Logger } from '../../../core/ports/runtime.js';
import { describeSlackError } from '../slack-errors.js';
import type { WebClient } from '../web-clients.js';

export interface SlackChannel {
  id: string;
  name: string;
  isMember: boolean;
  /** The Slack user who created it ('' when Slack does not say). */
  creator: string;
}

/** What decides which channel is an incident's: the policy's `incidents` section. */
export interface IncidentChannelRule {
  channelPattern: string;
  keyPattern: string;
  /** Only channels created by these Slack users count; empty: any creator. */
  slackChannelCreators: readonly string[];
}

const pageSchema = z.object({
  channels: z.array(z.object({ id: z.string(), name: z.string(), is_member: z.boolean().optional(), creator: z.string().optional() })),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});

/** conversations.list is Tier 2 (20 a minute): a workspace of 20,000 channels is 20 pages, and that is the cap. */
const MAX_PAGES = 20;
const PAGE_SIZE = 1000;

export interface ChannelDirectory {
  /** The channel for this incident key (`INC-4211` → `#inc-4211`), among the channels matching the policy's pattern. */
  find(key: string, incidents: IncidentChannelRule): Promise<SlackChannel | undefined>;
}

/** The channels named for this incident key, by core's own rule (`incidentKeyFromChannel`), whoever created them. */
function namedFor(channels: SlackChannel[], key: string, incidents: IncidentChannelRule): SlackChannel[] {
  const wanted = key.toUpperCase();
  return channels.filter((c) => incidentKeyFromChannel(c.name, incidents.channelPattern, incidents.keyPattern) === wanted);
}

/** Whether the channel's creator may make incident channels (any creator when the policy names none). */
function trustedCreator(channel: SlackChannel, incidents: IncidentChannelRule): boolean {
  return incidents.slackChannelCreators.length === 0 || incidents.slackChannelCreators.includes(channel.creator);
}

/**
 * Which incident channel a key belongs to uses core's own rule (`incidentKeyFromChannel`), so a channel
 * Keycard links requests from is exactly the channel it posts to. With `slackChannelCreators` set, only
 * channels those users created count: a squatted `#inc-4211` is neither threaded into nor asked who
 * responds. Among several, the exact name wins, then one the bot is in.
 */
export function pickIncidentChannel(channels: SlackChannel[], key: string, incidents: IncidentChannelRule): SlackChannel | undefined {
  const wanted = key.toUpperCase();
  const matching = namedFor(channels, key, incidents).filter((c) => trustedCreator(c, incidents));
  const rank = (c: SlackChannel) => (c.name.toUpperCase() === wanted ? 0 : 2) + (c.isMember ? 0 : 1);
  return matching.sort((a, b) => rank(a) - rank(b) || a.name.length - b.name.length)[0];
}

/**
 * Public and private channels the bot can see (conversations.list, scopes channels:read and groups:read),
 * cached for `ttlMs`: an incident's lookups cost one listing, and a channel created mid-incident is
 * found within a minute. Once an incident has a thread, no lookup happens again.
 */
export function createChannelDirectory(deps: { client: WebClient; clock: Clock; log: Logger; ttlMs: number }): ChannelDirectory {
  let cache: { at: number; channels: SlackChannel[] } | undefined;
  let inFlight: Promise<SlackChannel[]> | undefined;

  async function load(): Promise<SlackChannel[]> {
    const channels: SlackChannel[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const response = pageSchema.parse(
        await deps.client.conversations.list({
          types: 'public_channel,private_channel',
          exclude_archived: true,
          limit: PAGE_SIZE,
          ...(cursor ? { cursor } : {}),
        }),
      );
      for (const c of response.channels)
        channels.push({ id: c.id, name: c.name, isMember: c.is_member ?? false, creator: c.creator ?? '' });
      cursor = response.response_metadata?.next_cursor || undefined;
      if (!cursor) return channels;
    }
    deps.log.warn({ channels: channels.length }, 'stopped listing Slack channels after the page cap; an incident channel may be missed');
    return channels;
  }

  async function list(): Promise<SlackChannel[]> {
    const now = deps.clock.now().getTime();
    if (cache && now - cache.at < deps.ttlMs) return cache.channels;
    inFlight ??= load()
      .then((channels) => {
        cache = { at: deps.clock.now().getTime(), channels };
        return channels;
      })
      .catch((error: unknown) => {
        deps.log.warn({ err: describeSlackError(error) }, 'conversations.list failed; is the channels:read / groups:read scope granted?');
        throw error;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  /** Channels already reported as ignored (one warning per channel, not one per request). */
  const reported = new Set<string>();

  return {
    async find(key, incidents) {
      const channels = await list();
      for (const c of namedFor(channels, key, incidents)) {
        if (trustedCreator(c, incidents) || reported.has(c.id)) continue;
        reported.add(c.id);
        deps.log.warn(
          { channel: c.name, channelId: c.id, creator: c.creator || 'unknown', incident: key },
          `ignoring #${c.name} for ${key}: it was created by ${c.creator || 'an unknown user'}, not by one of incidents.slackChannelCreators, so nothing is threaded there and its members are not taken as responders`,
        );
      }
      return pickIncidentChannel(channels, key, incidents);
    },
  };
}
