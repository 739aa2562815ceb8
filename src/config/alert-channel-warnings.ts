import type { Policy } from '../core/policy/schema.js';
import type { Platform } from '../core/types.js';
import type { KeycardConfig } from './env.js';

const WHERE = {
  slack: 'a Slack channel id (C…) the Keycard bot is in',
  teams: 'a Teams channel id (19:…@thread.tacv2) of a team where the Keycard app is installed',
} as const;

/** The chat platforms the environment turns on (the console is the fallback when there is none). */
export function configuredPlatforms(config: Pick<KeycardConfig, 'slack' | 'teams'>): Platform[] {
  return [...(config.slack ? (['slack'] as const) : []), ...(config.teams ? (['teams'] as const) : [])];
}

/**
 * A platform Keycard runs on whose alerts channel the policy does not name: break-glass broadcasts, revoke
 * failures and drift reach no channel there, nor does the weekly approver report. The console needs none
 * (it prints alerts under a default name).
 */
export function alertChannelWarnings(policy: Policy, platforms: readonly Platform[]): string[] {
  const warnings: string[] = [];
  for (const platform of platforms) {
    if (platform === 'console' || policy.alerts.channel?.[platform]) continue;
    const report = policy.risk.approverReport.enabled ? ', and the weekly approver report (risk.approverReport) has nowhere to go' : '';
    warnings.push(
      `alerts.channel.${platform} is not set but ${platform === 'slack' ? 'Slack' : 'Teams'} is configured: break-glass broadcasts, revoke failures and drift alerts are not posted there${report}; set it to ${WHERE[platform]}`,
    );
  }
  return warnings;
}
