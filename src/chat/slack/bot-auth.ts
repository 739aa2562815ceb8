import { z } from 'zod';
import { KeycardError } from '../../core/result.js';
import { describeSlackError, slackErrorCode } from './slack-errors.js';
import type { WebClient } from './web-clients.js';

const authSchema = z.object({
  user_id: z.string(),
  bot_id: z.string().optional(),
  team_id: z.string().optional(),
  enterprise_id: z.string().nullish(),
});

/** The bot's own ids and the installation it belongs to, as auth.test reports them. */
export interface BotIdentity {
  userId: string;
  botId?: string;
  teamId?: string;
  enterpriseId?: string;
}
const TOKEN_ERRORS = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive']);

/** Checks SLACK_BOT_TOKEN once at start (auth.test) and learns the bot's own ids. */
export async function verifyBotToken(client: WebClient): Promise<BotIdentity> {
  try {
    const auth = authSchema.parse(await client.auth.test());
    return {
      userId: auth.user_id,
      ...(auth.bot_id ? { botId: auth.bot_id } : {}),
      ...(auth.team_id ? { teamId: auth.team_id } : {}),
      ...(auth.enterprise_id ? { enterpriseId: auth.enterprise_id } : {}),
    };
  } catch (error) {
    const code = slackErrorCode(error);
    if (code && TOKEN_ERRORS.has(code)) {
      throw new KeycardError(
        'slack_auth_failed',
        `Slack rejected SLACK_BOT_TOKEN (${code}): use the Bot User OAuth Token (xoxb-…) from the app's "OAuth & Permissions" page, and reinstall the app if it was revoked.`,
      );
    }
    throw new KeycardError('slack_unreachable', `Could not reach Slack to check SLACK_BOT_TOKEN: ${describeSlackError(error)}`, {
      cause: error,
    });
  }
}
