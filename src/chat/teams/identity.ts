import { z } from 'zod';
import type { Logger } from '../../core/ports/runtime.js';
import type { StateStore } from '../../core/ports/state.js';

/** `teams:user` keyed by AAD object id, and `teams:email` keyed by email: who a Teams account is, both ways. */
export const USERS = 'teams:user';
export const EMAILS = 'teams:email';

/** What Keycard needs to know about a Teams member (a subset of TeamsChannelAccount). */
export interface MemberInfo {
  /** The bot-specific user id (29:…), used to create a personal chat. */
  id: string;
  aadObjectId?: string;
  email?: string;
  userPrincipalName?: string;
}

export interface KnownUser {
  aadObjectId: string;
  userId: string;
  email: string;
  tenantId?: string;
}

const knownUserSchema = z.object({
  aadObjectId: z.string(),
  userId: z.string(),
  email: z.string(),
  tenantId: z.string().optional(),
});
const emailRowSchema = z.object({ aadObjectId: z.string() });

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;
const CACHE_MS = 60 * 60_000;

/** The email policy groups match against: the mail address, or the UPN when no mailbox is set (UPNs look like emails in Entra). */
export function emailOfMember(member: MemberInfo): string | undefined {
  for (const candidate of [member.email, member.userPrincipalName]) {
    const value = candidate?.trim().toLowerCase();
    if (value && EMAIL_RE.test(value)) return value;
  }
  return undefined;
}

export interface Directory {
  /**
   * Email of the sender of this turn: memory cache, then a fresh TeamsInfo lookup, then the last
   * stored answer when Teams cannot be reached. Every fresh answer is stored both ways.
   */
  emailOf(
    user: { id: string; aadObjectId?: string },
    tenantId: string | undefined,
    lookup: () => Promise<MemberInfo>,
  ): Promise<string | undefined>;
  remember(member: MemberInfo, tenantId: string | undefined): Promise<void>;
  /** The Teams account of a person known by email, for DMs. */
  byEmail(email: string): Promise<KnownUser | undefined>;
}

export function createDirectory(options: { state: () => StateStore; now: () => number; log: Logger }): Directory {
  const cache = new Map<string, { email: string; at: number }>();

  const remember = async (member: MemberInfo, tenantId: string | undefined): Promise<string | undefined> => {
    const email = emailOfMember(member);
    const aad = member.aadObjectId;
    if (!email || !aad) return undefined;
    cache.set(aad, { email, at: options.now() });
    const user: KnownUser = { aadObjectId: aad, userId: member.id, email, ...(tenantId ? { tenantId } : {}) };
    await options.state().put(USERS, aad, { ...user });
    await options.state().put(EMAILS, email, { aadObjectId: aad });
    return email;
  };

  const stored = async (aad: string): Promise<KnownUser | undefined> => {
    const parsed = knownUserSchema.safeParse(await options.state().get(USERS, aad));
    return parsed.success ? parsed.data : undefined;
  };

  return {
    async emailOf(user, tenantId, lookup) {
      const aad = user.aadObjectId;
      if (!aad) return undefined;
      const hit = cache.get(aad);
      if (hit && options.now() - hit.at < CACHE_MS) return hit.email;
      try {
        const email = await remember({ ...(await lookup()), aadObjectId: aad }, tenantId);
        if (email) return email;
        options.log.warn({ aadObjectId: aad }, 'teams member has neither an email nor an email-like UPN');
      } catch (error) {
        options.log.warn({ aadObjectId: aad, err: error instanceof Error ? error.message : String(error) }, 'teams member lookup failed');
      }
      return (await stored(aad))?.email;
    },
    async remember(member, tenantId) {
      await remember(member, tenantId);
    },
    async byEmail(email) {
      const row = emailRowSchema.safeParse(await options.state().get(EMAILS, email.toLowerCase()));
      return row.success ? stored(row.data.aadObjectId) : undefined;
    },
  };
}
