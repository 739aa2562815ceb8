import type { Policy } from '../core/policy/schema.js';
import { TIER_NAMES } from '../core/policy/schema.js';
import type { Platform } from '../core/types.js';
import type { KeycardConfig } from './env.js';
import type { PolicyFinding } from './policy-errors.js';

const WHERE = {
  slack: 'a Slack channel id (C…) the Keycard bot is in',
  teams: 'a Teams channel id (19:…@thread.tacv2) of a team where the Keycard app is installed',
} as const;
const LABEL = { slack: 'Slack', teams: 'Teams' } as const;

/** The chat platforms the environment turns on (the console is the fallback when there is none). */
export function configuredPlatforms(config: Pick<KeycardConfig, 'slack' | 'teams'>): Platform[] {
  return [...(config.slack ? (['slack'] as const) : []), ...(config.teams ? (['teams'] as const) : [])];
}

/**
 * Every channel warning for the platforms Keycard runs on: alerts channel first, then each tier's. The
 * loader locates each path (the `channel` key, or its tier or `alerts` when there is none) as it does its own.
 */
export function channelWarnings(policy: Policy, platforms: readonly Platform[]): PolicyFinding[] {
  return [...alertChannelWarnings(policy, platforms), ...tierChannelWarnings(policy, platforms)];
}

/**
 * A platform Keycard runs on whose alerts channel the policy does not name: break-glass broadcasts, revoke
 * failures and drift reach no channel there, nor does the weekly approver report. The console needs none
 * (it prints alerts under a default name).
 */
export function alertChannelWarnings(policy: Policy, platforms: readonly Platform[]): PolicyFinding[] {
  const warnings: PolicyFinding[] = [];
  for (const platform of platforms) {
    if (platform === 'console' || policy.alerts.channel?.[platform]) continue;
    const report = policy.risk.approverReport.enabled ? ', and the weekly approver report (risk.approverReport) has nowhere to go' : '';
    warnings.push({
      path: ['alerts', 'channel', platform],
      message: `is not set but ${LABEL[platform]} is configured: break-glass broadcasts, revoke failures and drift alerts are not posted there${report}; set it to ${WHERE[platform]}`,
    });
  }
  return warnings;
}

/**
 * A tier that needs approvals whose channel does not name a platform Keycard runs on: its approval cards
 * are not posted there. Said once here rather than on every card (the chat fan-out logs it once, at info).
 */
export function tierChannelWarnings(policy: Policy, platforms: readonly Platform[]): PolicyFinding[] {
  const warnings: PolicyFinding[] = [];
  for (const tier of TIER_NAMES) {
    if (policy.tiers[tier].approvals === 0) continue;
    for (const platform of platforms) {
      if (platform === 'console' || policy.tiers[tier].channel?.[platform]) continue;
      warnings.push({
        path: ['tiers', tier, 'channel', platform],
        message: `is not set but ${LABEL[platform]} is configured: approval cards for the ${tier} tier are not posted there (approvers there can still decide by command, e.g. approve KC-12); set it to ${WHERE[platform]}`,
      });
    }
  }
  return warnings;
}
