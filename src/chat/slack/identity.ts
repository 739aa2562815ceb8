import { z } from 'zod';
import type { Clock, Logger } from '../../core/ports/runtime.js';
import { KeycardError } from '../../core/result.js';
import type { ProfileZones } from '../profile-zones.js';
import { createTtlCache } from '../ttl-cache.js';
import { describeSlackError, isRateLimited, slackErrorCode } from './slack-errors.js';
import type { WebClient } from './web-clients.js';

/** Why an account cannot act; `unavailable` is Slack's trouble, not a refusal of the person. */
export type IdentityRefusal = 'unknown_user' | 'deactivated_user' | 'bot_user' | 'no_email' | 'unavailable';
export type SlackIdentity = { ok: true; email: string } | { ok: false; code: IdentityRefusal; message: string };

const usersInfoSchema = z.object({
  user: z.object({
    id: z.string(),
    deleted: z.boolean().optional(),
    is_bot: z.boolean().optional(),
    profile: z.object({ email: z.string().optional() }).optional(),
    // The person's IANA zone, for off-hours; a tz of any other shape means no zone, not an unreadable profile.
    tz: z.string().optional().catch(undefined),
  }),
});
const lookupSchema = z.object({ user: z.object({ id: z.string() }) });
const openSchema = z.object({ channel: z.object({ id: z.string() }) });

export interface Identity {
  /** The verified Slack user's email (how policy groups name people), or why they cannot act. */
  emailOf(userId: string): Promise<SlackIdentity>;
  /** The DM channel with the person who has this email; throws a KeycardError naming the problem. */
  directChannelOf(email: string): Promise<string>;
  /** The Slack user id of the person with this email; undefined when Slack has nobody with it. Other failures throw. */
  userIdOf(email: string): Promise<string | undefined>;
}

/**
 * Slack user ids to emails (users.info, scope users:read.email) and emails to DM channels
 * (users.lookupByEmail + conversations.open), cached with a TTL so a busy approver costs one lookup.
 * An email learned from users.info also remembers whose it is, so a DM to that person needs no
 * users.lookupByEmail. Refusals are not cached: a fixed profile works on the next click. The profile's `tz`, when
 * the runtime knows it, goes to `zones` (scoring judges off-hours in it when no directory source gives a zone).
 */
export function createIdentity(deps: {
  interactive: WebClient;
  outbound: WebClient;
  clock: Clock;
  log: Logger;
  ttlMs: number;
  zones?: ProfileZones;
}): Identity {
  const emails = createTtlCache<string>({ ttlMs: deps.ttlMs, maxEntries: 10_000, clock: deps.clock });
  const channels = createTtlCache<string>({ ttlMs: deps.ttlMs, maxEntries: 10_000, clock: deps.clock });
  const userIds = createTtlCache<string>({ ttlMs: deps.ttlMs, maxEntries: 10_000, clock: deps.clock });
  const pending = new Map<string, Promise<SlackIdentity>>();

  async function lookup(userId: string): Promise<SlackIdentity> {
    let response: unknown;
    try {
      response = await deps.interactive.users.info({ user: userId });
    } catch (error) {
      if (isRateLimited(error))
        return { ok: false, code: 'unavailable', message: 'Slack is rate-limiting Keycard right now; try again in a few seconds.' };
      if (slackErrorCode(error) === 'user_not_found')
        return { ok: false, code: 'unknown_user', message: 'Slack does not know your account, so Keycard cannot act for it.' };
      deps.log.warn({ userId, err: describeSlackError(error) }, 'users.info failed');
      return {
        ok: false,
        code: 'unavailable',
        message: `Keycard could not look up your Slack profile (${describeSlackError(error)}); try again.`,
      };
    }
    const parsed = usersInfoSchema.safeParse(response);
    if (!parsed.success)
      return { ok: false, code: 'unavailable', message: 'Slack returned an unexpected profile, so Keycard cannot tell who you are.' };
    const user = parsed.data.user;
    if (user.deleted)
      return { ok: false, code: 'deactivated_user', message: 'Your Slack account is deactivated, so it cannot request or approve access.' };
    if (user.is_bot || user.id === 'USLACKBOT')
      return { ok: false, code: 'bot_user', message: 'Bots and apps cannot request or approve access.' };
    const email = user.profile?.email?.trim().toLowerCase();
    if (!email) {
      deps.log.warn({ userId }, 'Slack user has no visible email; the app needs the users:read.email scope');
      return {
        ok: false,
        code: 'no_email',
        message:
          'Keycard could not read an email address from your Slack profile, and it matches people by email. Ask your Slack admin to check that the Keycard app has the users:read.email scope and that your profile has an email.',
      };
    }
    emails.set(userId, email);
    userIds.set(email, user.id);
    if (deps.zones && !deps.zones.note(email, user.tz) && user.tz)
      deps.log.debug({ userId }, 'Slack profile tz is not a time zone this runtime knows: ignored');
    return { ok: true, email };
  }

  /** The Slack user id for a lower-case email, remembered (users.info answers fill the same cache). */
  async function userIdOf(email: string): Promise<string> {
    const cached = userIds.get(email);
    if (cached) return cached;
    try {
      const id = lookupSchema.parse(await deps.outbound.users.lookupByEmail({ email })).user.id;
      userIds.set(email, id);
      return id;
    } catch (error) {
      if (slackErrorCode(error) === 'users_not_found') {
        throw new KeycardError(
          'slack_user_not_found',
          `No Slack user has the email ${email}; the policy must use the same addresses as Slack profiles.`,
        );
      }
      throw new KeycardError('slack_lookup_failed', `Could not find ${email} in Slack: ${describeSlackError(error)}`);
    }
  }

  return {
    async emailOf(userId) {
      const cached = emails.get(userId);
      if (cached) return { ok: true, email: cached };
      // Two quick clicks by the same person share one users.info call.
      let inFlight = pending.get(userId);
      if (!inFlight) {
        inFlight = lookup(userId).finally(() => pending.delete(userId));
        pending.set(userId, inFlight);
      }
      return inFlight;
    },
    async userIdOf(email) {
      try {
        return await userIdOf(email.toLowerCase());
      } catch (error) {
        if (error instanceof KeycardError && error.code === 'slack_user_not_found') return undefined;
        throw error;
      }
    },
    async directChannelOf(email) {
      const key = email.toLowerCase();
      const cached = channels.get(key);
      if (cached) return cached;
      const userId = await userIdOf(key);
      try {
        const channel = openSchema.parse(await deps.outbound.conversations.open({ users: userId })).channel.id;
        channels.set(key, channel);
        return channel;
      } catch (error) {
        throw new KeycardError('slack_dm_failed', `Could not open a DM with ${key}: ${describeSlackError(error)}`);
      }
    },
  };
}
