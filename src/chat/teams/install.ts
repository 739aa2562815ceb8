import { type TeamsChannelAccount, TeamsInfo, type TurnContext } from 'botbuilder';
import type { Logger } from '../../core/ports/runtime.js';
import { channelReference, referenceOf, teamOf, tenantOf } from './activity.js';
import type { ChannelDirectory } from './channels.js';
import type { Directory, MemberInfo } from './identity.js';
import type { ReferenceStore } from './references.js';

/** The Teams REST calls Keycard makes during a turn; a seam so TestAdapter flows (which have no connector) can fake them. */
export interface TeamsApi {
  getMember(context: TurnContext, userId: string): Promise<MemberInfo>;
  /** Channels of the team this turn happened in (the General channel has no name). */
  getTeamChannels(context: TurnContext): Promise<Array<{ id: string; name?: string }>>;
  /** Members of that team, page by page. */
  getTeamMembers(context: TurnContext): AsyncIterable<MemberInfo[]>;
}

const MAX_MEMBER_PAGES = 50;

function toMember(account: TeamsChannelAccount): MemberInfo {
  return {
    id: account.id,
    ...(account.aadObjectId ? { aadObjectId: account.aadObjectId } : {}),
    ...(account.email ? { email: account.email } : {}),
    ...(account.userPrincipalName ? { userPrincipalName: account.userPrincipalName } : {}),
  };
}

export const teamsInfoApi: TeamsApi = {
  async getMember(context, userId) {
    return toMember(await TeamsInfo.getMember(context, userId));
  },
  async getTeamChannels(context) {
    const channels = await TeamsInfo.getTeamChannels(context);
    return channels.flatMap((c) => (c.id ? [{ id: c.id, ...(c.name ? { name: c.name } : {}) }] : []));
  },
  async *getTeamMembers(context) {
    let token: string | undefined;
    for (let page = 0; page < MAX_MEMBER_PAGES; page += 1) {
      const result = await TeamsInfo.getPagedTeamMembers(context, undefined, 500, token);
      yield result.members.map(toMember);
      token = result.continuationToken;
      if (!token) return;
    }
  },
};

export interface InstallParts {
  refs: ReferenceStore;
  channels: ChannelDirectory;
  api: TeamsApi;
  directory: Directory;
  identify: (context: TurnContext) => Promise<string | undefined>;
  log: Logger;
  now: () => number;
  /** Teams announces one install twice (conversationUpdate and installationUpdate); each team is scanned once. */
  scanned: Map<string, number>;
}

const RESCAN_MS = 10 * 60_000;

/**
 * Keycard was added to a team, a group chat or a personal scope. In a team it stores a reference and the
 * name of every channel (a tier's channel may be any of them, an incident channel is found by name) and
 * learns who the members are, so approvers can get DMs before they ever talk to the bot. Each step is
 * best effort: an install must not fail.
 */
export async function onInstalled(context: TurnContext, parts: InstallParts): Promise<void> {
  const found = referenceOf(context.activity);
  if (!found) return;
  const { reference } = found;
  const scope = reference.conversation.conversationType;
  parts.log.info({ scope, conversation: reference.conversation.id, team: reference.teamId }, 'teams app installed');
  if (scope === 'personal') {
    await parts.identify(context);
    return;
  }
  if (!reference.teamId) return;
  const last = parts.scanned.get(reference.teamId);
  if (last !== undefined && parts.now() - last < RESCAN_MS) return;
  parts.scanned.set(reference.teamId, parts.now());
  try {
    const team = teamOf(context.activity);
    for (const channel of await parts.api.getTeamChannels(context)) {
      await parts.refs.save(`channel:${channel.id}`, channelReference(reference, channel.id));
      // Names let Keycard find an incident channel (#inc-4211) by name.
      if (channel.name) await parts.channels.remember(channel.id, { name: channel.name, ...team });
    }
  } catch (error) {
    parts.log.warn({ team: reference.teamId, err: error instanceof Error ? error.message : String(error) }, 'listing team channels failed');
  }
  try {
    const tenantId = tenantOf(context.activity);
    for await (const page of parts.api.getTeamMembers(context)) for (const member of page) await parts.directory.remember(member, tenantId);
  } catch (error) {
    parts.log.warn({ team: reference.teamId, err: error instanceof Error ? error.message : String(error) }, 'listing team members failed');
  }
}

/**
 * A channel was created or renamed in a team where Keycard is installed (incident channels usually appear
 * mid-incident): Keycard can post there from now on, and finds it by its name.
 */
export async function onChannelChanged(
  context: TurnContext,
  channel: { id?: string; name?: string },
  parts: Pick<InstallParts, 'refs' | 'channels' | 'log'>,
): Promise<void> {
  const found = referenceOf(context.activity);
  if (!found || !channel.id) return;
  await parts.refs.save(`channel:${channel.id}`, channelReference(found.reference, channel.id));
  if (channel.name) await parts.channels.remember(channel.id, { name: channel.name, ...teamOf(context.activity) });
  parts.log.info({ channel: channel.id, team: found.reference.teamId }, 'teams channel learned');
}
