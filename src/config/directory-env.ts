import { parseDuration } from '../core/duration.js';

/** Which directory sources are configured, and how they are reached. Secrets never appear in messages. */
export interface DirectoryConfig {
  /** Bearer token identity providers use to push to /scim/v2 (the endpoint exists only when set). */
  scim?: { token: string };
  slack?: { token: string };
  entra?: { tenantId: string; clientId: string; clientSecret: string; leaveDates: boolean };
  okta?: { orgUrl: string; token: string };
  /** How often pull sources (Slack, Entra, Okta) are asked again. */
  refreshIntervalMs: number;
  /** How long a failing source's last known membership is kept before its groups resolve to nobody. */
  maxStalenessMs: number;
}

export interface DirectoryEnvResult {
  config?: DirectoryConfig;
  errors: string[];
  warnings: string[];
}

const DEFAULT_REFRESH = '5m';
const DEFAULT_MAX_STALENESS = '1h';
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function duration(vars: Record<string, string | undefined>, name: string, fallback: string, errors: string[]): number {
  const text = vars[name] ?? fallback;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    errors.push(`${name} must be a duration such as 5m or 1h (got "${text}")`);
    return parseDuration(fallback) ?? 0;
  }
  return ms;
}

/** Reads KEYCARD_SCIM_TOKEN, KEYCARD_DIRECTORY_SLACK_TOKEN, KEYCARD_ENTRA_*, KEYCARD_OKTA_* and the refresh settings. */
export function readDirectoryEnv(vars: Record<string, string | undefined>): DirectoryEnvResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const config: DirectoryConfig = {
    refreshIntervalMs: duration(vars, 'KEYCARD_DIRECTORY_REFRESH', DEFAULT_REFRESH, errors),
    maxStalenessMs: duration(vars, 'KEYCARD_DIRECTORY_MAX_STALENESS', DEFAULT_MAX_STALENESS, errors),
  };
  if (config.refreshIntervalMs < 30_000) errors.push('KEYCARD_DIRECTORY_REFRESH must be at least 30s (the identity providers rate-limit)');
  if (config.maxStalenessMs <= config.refreshIntervalMs)
    errors.push(
      'KEYCARD_DIRECTORY_MAX_STALENESS must be longer than KEYCARD_DIRECTORY_REFRESH, or one missed refresh would drop every directory group',
    );

  const scimToken = vars.KEYCARD_SCIM_TOKEN;
  if (scimToken !== undefined) {
    if (scimToken.length < 32) errors.push('KEYCARD_SCIM_TOKEN must be at least 32 characters (e.g. the output of `openssl rand -hex 32`)');
    else config.scim = { token: scimToken };
  }
  const slackToken = vars.KEYCARD_DIRECTORY_SLACK_TOKEN;
  if (slackToken !== undefined) {
    if (!/^xox[bp]-/.test(slackToken))
      errors.push('KEYCARD_DIRECTORY_SLACK_TOKEN must be a Slack bot token (xoxb-…) with usergroups:read, users:read and users:read.email');
    else config.slack = { token: slackToken };
  }
  const entra = {
    tenantId: vars.KEYCARD_ENTRA_TENANT_ID,
    clientId: vars.KEYCARD_ENTRA_CLIENT_ID,
    clientSecret: vars.KEYCARD_ENTRA_CLIENT_SECRET,
  };
  const entraSet = Object.entries(entra).filter(([, v]) => v !== undefined);
  if (entraSet.length > 0) {
    if (entraSet.length < 3)
      errors.push('Microsoft Entra ID needs all of KEYCARD_ENTRA_TENANT_ID, KEYCARD_ENTRA_CLIENT_ID and KEYCARD_ENTRA_CLIENT_SECRET');
    else if (!GUID_RE.test(entra.tenantId ?? '') || !GUID_RE.test(entra.clientId ?? ''))
      errors.push('KEYCARD_ENTRA_TENANT_ID and KEYCARD_ENTRA_CLIENT_ID must be GUIDs (Directory (tenant) ID and Application (client) ID)');
    else
      config.entra = {
        tenantId: entra.tenantId!,
        clientId: entra.clientId!,
        clientSecret: entra.clientSecret!,
        leaveDates: vars.KEYCARD_ENTRA_LEAVE_DATES === 'true',
      };
  }
  const orgUrl = vars.KEYCARD_OKTA_ORG_URL;
  const oktaToken = vars.KEYCARD_OKTA_API_TOKEN;
  if (orgUrl !== undefined || oktaToken !== undefined) {
    if (orgUrl === undefined || oktaToken === undefined) errors.push('Okta needs both KEYCARD_OKTA_ORG_URL and KEYCARD_OKTA_API_TOKEN');
    else if (!/^https:\/\/[^/\s]+\/?$/.test(orgUrl))
      errors.push(`KEYCARD_OKTA_ORG_URL must be your Okta org, e.g. https://example.okta.com (got "${orgUrl}")`);
    else config.okta = { orgUrl: orgUrl.replace(/\/$/, ''), token: oktaToken };
  }
  return { config: errors.length > 0 ? undefined : config, errors, warnings };
}

/** True when at least one directory source is configured. */
export function hasDirectorySource(config: DirectoryConfig): boolean {
  return Boolean(config.scim || config.slack || config.entra || config.okta);
}
