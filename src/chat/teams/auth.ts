import { type Activity, CloudAdapter, ConfigurationBotFrameworkAuthentication, type InvokeResponse, type TurnContext } from 'botbuilder';
import { KeycardError } from '../../core/result.js';
import type { TeamsAdapterConfig } from './config.js';

/** What `AuthenticateRequestResult` is, without importing the connector package Keycard does not depend on directly. */
export type AuthenticatedRequest = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;

/**
 * Refuses a config that would accept unsigned activities for a real bot, or that has no way to
 * authenticate at all. Local mode is the only unauthenticated shape: no app id, loopback only.
 */
export function checkTeamsAuthConfig(config: TeamsAdapterConfig): void {
  if (config.allowUnauthenticated && config.appId) {
    throw new KeycardError(
      'teams_unauthenticated_with_app_id',
      'KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED=true cannot be used with MICROSOFT_APP_ID: with an app id every Teams request must carry a valid token. Unset KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED, or unset MICROSOFT_APP_ID for local mode with the Bot Framework Emulator.',
    );
  }
  if (!config.appId && !config.allowUnauthenticated) {
    throw new KeycardError(
      'teams_app_id_missing',
      'Teams cannot start without MICROSOFT_APP_ID (the bot’s Microsoft App ID): every request must be authenticated. For local mode with the Bot Framework Emulator only, leave MICROSOFT_APP_ID unset and set KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED=true.',
    );
  }
}

/**
 * Bot Framework authentication from Keycard's config. In local mode it is built without an app id:
 * botbuilder's emulator mode, which accepts requests with no token (the route admits loopback only).
 */
export function createAuthentication(config: TeamsAdapterConfig): ConfigurationBotFrameworkAuthentication {
  checkTeamsAuthConfig(config);
  if (config.allowUnauthenticated) return new ConfigurationBotFrameworkAuthentication({});
  return new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.appId,
    MicrosoftAppType: config.appType,
    ...(config.appPassword ? { MicrosoftAppPassword: config.appPassword } : {}),
    ...(config.tenantId ? { MicrosoftAppTenantId: config.tenantId } : {}),
  });
}

/**
 * True for every way a token can be wrong. botbuilder raises AuthenticationError for most of them but
 * lets jsonwebtoken's own errors through (a bad signature surfaces as JsonWebTokenError), which its
 * `process()` would answer with 500.
 */
export function isAuthFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError'].includes(error.name)) return true;
  if (error.constructor.name === 'AuthenticationError') return true;
  return 'statusCode' in error && (error.statusCode === 401 || error.statusCode === 403);
}

/**
 * CloudAdapter with the turn pipeline callable after Keycard authenticated the request itself, so auth
 * failures map to 401 and are logged by Keycard's logger (`process()` prints errors with console.error).
 */
export class KeycardCloudAdapter extends CloudAdapter {
  constructor(readonly authentication: ConfigurationBotFrameworkAuthentication) {
    super(authentication);
  }

  runAuthenticated(
    authenticated: AuthenticatedRequest,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(authenticated, activity, logic);
  }
}
