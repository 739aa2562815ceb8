import type { Env } from './load-dot-env.js';

export interface SlackConfig {
  botToken: string;
  /** Verifies HTTP event deliveries; not needed in Socket Mode. */
  signingSecret?: string;
  /** xapp- token; when set Keycard connects over Socket Mode and needs no public URL. */
  appToken?: string;
  /** Overrides https://slack.com/api/ (tests, Slack-compatible gateways). */
  apiUrl?: string;
  socketMode: boolean;
  /** Installation pins; without them the workspace (and enterprise) are learned from auth.test at start. */
  teamId?: string;
  enterpriseId?: string;
  appId?: string;
  /** HTTP mode: acknowledged deliveries whose work runs at once (SLACK_CONCURRENT_DELIVERIES; adapter default when unset). */
  concurrentDeliveries?: number;
}

export const TEAMS_APP_TYPES = ['SingleTenant', 'MultiTenant', 'UserAssignedMSI'] as const;
export type TeamsAppType = (typeof TEAMS_APP_TYPES)[number];

export interface TeamsConfig {
  /** Empty in local mode (Bot Framework Emulator, no Azure). */
  appId: string;
  /** Client secret; absent for a user-assigned managed identity. */
  appPassword?: string;
  tenantId?: string;
  appType: TeamsAppType;
  /**
   * Local mode for the Bot Framework Emulator: no app id, no token checks, and requests are accepted from
   * loopback only. Never together with an app id (refused at start).
   */
  allowUnauthenticated: boolean;
}

export interface ChatEnv<T> {
  config?: T;
  errors: string[];
  warnings: string[];
}

const URL_FIX = 'must be an http(s) URL such as https://slack.com/api/';

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * Slack is on when a bot token and a way to receive events (signing secret for HTTP, app token for
 * Socket Mode) are set. Some but not all of them is a mistake worth stopping for: silently running
 * without Slack would look like "the bot ignores me".
 */
export function readSlackEnv(env: Env): ChatEnv<SlackConfig> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const botToken = env.SLACK_BOT_TOKEN;
  const signingSecret = env.SLACK_SIGNING_SECRET;
  const appToken = env.SLACK_APP_TOKEN;
  const apiUrl = env.SLACK_API_URL;

  if (apiUrl !== undefined && !isHttpUrl(apiUrl)) errors.push(`SLACK_API_URL ${URL_FIX}`);
  if (botToken === undefined && signingSecret === undefined && appToken === undefined) {
    if (apiUrl !== undefined)
      warnings.push('SLACK_API_URL is set but Slack is not configured (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)');
    return { errors, warnings };
  }
  if (botToken === undefined) {
    const present = [signingSecret && 'SLACK_SIGNING_SECRET', appToken && 'SLACK_APP_TOKEN'].filter(Boolean).join(' and ');
    errors.push(
      `Slack is partially configured: set SLACK_BOT_TOKEN (the xoxb- Bot User OAuth Token), or unset ${present} to run without Slack`,
    );
  } else if (signingSecret === undefined && appToken === undefined) {
    errors.push('Slack is partially configured: set SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)');
  }
  errors.push(...slackSecretErrors(botToken, signingSecret, appToken));
  if (appToken !== undefined && signingSecret !== undefined) {
    warnings.push(
      'SLACK_APP_TOKEN and SLACK_SIGNING_SECRET are both set: Keycard uses Socket Mode (unset SLACK_APP_TOKEN to receive events over HTTP)',
    );
  }
  const pins = slackPins(env, errors);
  const concurrentDeliveries = slackConcurrency(env.SLACK_CONCURRENT_DELIVERIES, errors);
  if (errors.length > 0 || botToken === undefined) return { errors, warnings };
  return {
    config: {
      botToken,
      signingSecret,
      appToken,
      apiUrl,
      socketMode: appToken !== undefined,
      ...pins,
      ...(concurrentDeliveries === undefined ? {} : { concurrentDeliveries }),
    },
    errors,
    warnings,
  };
}

/** SLACK_CONCURRENT_DELIVERIES: a whole number from 1 to 1000, or unset. */
function slackConcurrency(value: string | undefined, errors: string[]): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (Number.isInteger(n) && n >= 1 && n <= 1000) return n;
  errors.push(
    `SLACK_CONCURRENT_DELIVERIES must be a whole number from 1 to 1000 (how many acknowledged Slack deliveries work at once; default 4), got "${value}"`,
  );
  return undefined;
}

const SLACK_ID_RE = { SLACK_TEAM_ID: /^T[A-Z0-9]{2,}$/, SLACK_ENTERPRISE_ID: /^E[A-Z0-9]{2,}$/, SLACK_APP_ID: /^A[A-Z0-9]{2,}$/ };

/** Optional installation pins: requests from any other workspace, enterprise or app are refused. */
function slackPins(env: Env, errors: string[]): { teamId?: string; enterpriseId?: string; appId?: string } {
  for (const [name, pattern] of Object.entries(SLACK_ID_RE)) {
    const value = env[name];
    if (value !== undefined && !pattern.test(value))
      errors.push(`${name} must be a Slack id like ${pattern.source.slice(1, 2)}0123ABCD (got "${value.slice(0, 24)}")`);
  }
  return {
    ...(env.SLACK_TEAM_ID ? { teamId: env.SLACK_TEAM_ID } : {}),
    ...(env.SLACK_ENTERPRISE_ID ? { enterpriseId: env.SLACK_ENTERPRISE_ID } : {}),
    ...(env.SLACK_APP_ID ? { appId: env.SLACK_APP_ID } : {}),
  };
}

/** Slack's signing secrets are 32 hexadecimal characters ("Basic Information" → "App Credentials"). */
const SIGNING_SECRET_RE = /^[0-9a-f]{32}$/i;
const TOKEN_BODY_RE = /^[A-Za-z0-9-]{10,}$/;

/** Format checks at start, so a pasted wrong value fails now with a fix, not at the first request. Values are never echoed. */
function slackSecretErrors(botToken: string | undefined, signingSecret: string | undefined, appToken: string | undefined): string[] {
  const errors: string[] = [];
  if (signingSecret !== undefined && !SIGNING_SECRET_RE.test(signingSecret)) {
    errors.push(
      `SLACK_SIGNING_SECRET must be the app's Signing Secret: 32 hexadecimal characters from "Basic Information" → "App Credentials" (got ${signingSecret.length} character(s)${/^[0-9a-f]*$/i.test(signingSecret) ? '' : ', not all hexadecimal'}; the Verification Token and client secret are different values)`,
    );
  }
  if (botToken !== undefined && !(botToken.startsWith('xoxb-') && TOKEN_BODY_RE.test(botToken.slice(5)))) {
    errors.push(
      `SLACK_BOT_TOKEN must be the Bot User OAuth Token (xoxb-…) from "OAuth & Permissions"${botToken.startsWith('xoxp-') ? ' (got a user token, xoxp-)' : ''}`,
    );
  }
  if (appToken !== undefined && !(appToken.startsWith('xapp-') && TOKEN_BODY_RE.test(appToken.slice(5)))) {
    errors.push(
      'SLACK_APP_TOKEN must be an app-level token (xapp-…) with the connections:write scope ("Basic Information" → "App-Level Tokens")',
    );
  }
  return errors;
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Microsoft App and tenant ids are GUIDs; anything else fails every token check later with a vaguer error. */
function teamsIdErrors(appId: string | undefined, tenantId: string | undefined): string[] {
  const errors: string[] = [];
  if (appId !== undefined && !GUID_RE.test(appId))
    errors.push("MICROSOFT_APP_ID must be the bot's Microsoft App ID, a GUID such as 00000000-0000-0000-0000-000000000000");
  if (tenantId !== undefined && !GUID_RE.test(tenantId))
    errors.push('MICROSOFT_APP_TENANT_ID must be your Microsoft Entra tenant id, a GUID (Entra admin center → Overview → Tenant ID)');
  return errors;
}

function parseAppType(value: string | undefined, tenantId: string | undefined): TeamsAppType | undefined {
  // A tenant id without an explicit type almost always means a single-tenant bot, Azure's default for new bots.
  if (value === undefined) return tenantId === undefined ? 'MultiTenant' : 'SingleTenant';
  return TEAMS_APP_TYPES.find((type) => type.toLowerCase() === value.toLowerCase());
}

function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined) return false;
  const lower = value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  return undefined;
}

/** Teams is on when the bot's Microsoft App ID and its password (or a managed identity) are set. */
export function readTeamsEnv(env: Env): ChatEnv<TeamsConfig> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const appId = env.MICROSOFT_APP_ID;
  const appPassword = env.MICROSOFT_APP_PASSWORD;
  const tenantId = env.MICROSOFT_APP_TENANT_ID;
  const appType = parseAppType(env.MICROSOFT_APP_TYPE, tenantId);
  const allowUnauthenticated = parseBoolean(env.KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED);

  if (appType === undefined) {
    errors.push(`MICROSOFT_APP_TYPE must be one of ${TEAMS_APP_TYPES.join(', ')} (got "${env.MICROSOFT_APP_TYPE}")`);
  }
  if (allowUnauthenticated === undefined) {
    errors.push(`KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED must be true or false (got "${env.KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED}")`);
  }
  const anySet = [appId, appPassword, tenantId, env.MICROSOFT_APP_TYPE].some((value) => value !== undefined);
  if (allowUnauthenticated === true && appId !== undefined) {
    // A real app id means a real bot: accepting unsigned activities would let anyone act as anyone.
    errors.push(
      'KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED=true cannot be used with MICROSOFT_APP_ID: with an app id every Teams request must carry a valid token. Unset KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED (or unset the MICROSOFT_APP_* variables for local mode with the Bot Framework Emulator)',
    );
    return { errors, warnings };
  }
  if (allowUnauthenticated === true) {
    if (appPassword !== undefined || tenantId !== undefined) {
      warnings.push('MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID are ignored in Teams local mode (no MICROSOFT_APP_ID)');
    }
    warnings.push(
      'Teams local mode (KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED=true, no MICROSOFT_APP_ID): requests are not authenticated and are accepted from loopback only; use it with the Bot Framework Emulator, never in production',
    );
    if (errors.length > 0) return { errors, warnings };
    return { config: { appId: '', appType: 'MultiTenant', allowUnauthenticated: true }, errors, warnings };
  }
  if (!anySet) return { errors, warnings };

  errors.push(...teamsIdErrors(appId, tenantId));
  const isMsi = appType === 'UserAssignedMSI';
  if (appId === undefined) {
    const present = ['MICROSOFT_APP_PASSWORD', 'MICROSOFT_APP_TENANT_ID', 'MICROSOFT_APP_TYPE'].filter((name) => env[name] !== undefined);
    errors.push(
      `Teams is partially configured: set MICROSOFT_APP_ID (the bot's Microsoft App ID), or unset ${present.join(' and ')} to run without Teams`,
    );
  } else if (appPassword === undefined && !isMsi) {
    errors.push('Teams is partially configured: set MICROSOFT_APP_PASSWORD (or MICROSOFT_APP_TYPE=UserAssignedMSI for a managed identity)');
  }
  if (appId !== undefined && appType !== undefined && appType !== 'MultiTenant' && tenantId === undefined) {
    errors.push(`Teams is partially configured: set MICROSOFT_APP_TENANT_ID (your Microsoft Entra tenant id; required for ${appType})`);
  }
  if (isMsi && appPassword !== undefined) {
    warnings.push('MICROSOFT_APP_PASSWORD is ignored with MICROSOFT_APP_TYPE=UserAssignedMSI (the managed identity authenticates)');
  }
  if (errors.length > 0 || appId === undefined || appType === undefined || allowUnauthenticated === undefined) return { errors, warnings };
  return {
    config: { appId, appPassword: isMsi ? undefined : appPassword, tenantId, appType, allowUnauthenticated },
    errors,
    warnings,
  };
}
