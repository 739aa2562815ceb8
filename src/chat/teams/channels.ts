import { z } from 'zod';
import { incidentKeyFromChannel } from '../../core/lifecycle/incident.js';
import type { StateStore } from '../../core/ports/state.js';
import { baseConversationId } from './references.js';

/**
 * `teams:channel`, keyed by channel conversation id (19:…@thread.tacv2): the channel's name and its team.
 * Teams sends names only in some activities, so Keycard learns them when it is added to a team
 * (TeamsInfo.getTeamChannels) and when a channel is created or renamed there, and looks incident
 * channels (#inc-4211) up here.
 */
export const CHANNELS = 'teams:channel';

const infoSchema = z.object({
  name: z.string().min(1),
  teamId: z.string().optional(),
  teamName: z.string().optional(),
  /** The team's Entra group id, which Teams deep links want. */
  groupId: z.string().optional(),
});
export type ChannelInfo = z.infer<typeof infoSchema>;

export interface ChannelDirectory {
  remember(channelId: string, info: ChannelInfo): Promise<void>;
  get(channelId: string): Promise<ChannelInfo | undefined>;
  /** The channel for an incident key (INC-4211 → inc-4211), by core's own rule for incident channels. */
  findIncident(
    key: string,
    incidents: { channelPattern: string; keyPattern: string },
  ): Promise<{ id: string; info: ChannelInfo } | undefined>;
}

export function createChannelDirectory(state: () => StateStore): ChannelDirectory {
  const written = new Map<string, string>();
  const read = async (id: string) => {
    const parsed = infoSchema.safeParse(await state().get(CHANNELS, id));
    return parsed.success ? parsed.data : undefined;
  };
  return {
    async remember(channelId, info) {
      const id = baseConversationId(channelId);
      const json = JSON.stringify(info);
      if (written.get(id) === json) return;
      await state().put(CHANNELS, id, { ...info });
      written.set(id, json);
    },
    get: (channelId) => read(baseConversationId(channelId)),
    async findIncident(key, incidents) {
      const wanted = key.toUpperCase();
      const matches = (await state().list(CHANNELS)).flatMap((row) => {
        const parsed = infoSchema.safeParse(row.value);
        if (!parsed.success) return [];
        const linked = incidentKeyFromChannel(parsed.data.name, incidents.channelPattern, incidents.keyPattern);
        return linked === wanted ? [{ id: row.key, info: parsed.data }] : [];
      });
      const rank = (m: { info: ChannelInfo }) => (m.info.name.toUpperCase() === wanted ? 0 : 1);
      return matches.sort((a, b) => rank(a) - rank(b) || a.info.name.length - b.info.name.length)[0];
    },
  };
}
