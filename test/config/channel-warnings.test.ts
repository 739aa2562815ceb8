import { describe, expect, it } from 'vitest';
import { formatPolicyErrors } from '../../src/config/policy-errors.js';
import { parsePolicyText } from '../../src/config/policy-loader.js';
import { fakeProviderSchemas, validPolicy } from './fixtures.js';

const FILE = 'keycard.yaml';

// medium names a Slack channel only, high names no channel at all, critical is written in flow style.
const text = `${validPolicy.slice(0, validPolicy.indexOf('tiers:'))}tiers:
  low: { upTo: 14, approvals: 0 }
  medium:
    upTo: 49
    approvals: 1
    approvers: [sre]
    channel:
      slack: C0MEDIUM
  high:
    upTo: 74
    approvals: 1
    approvers: [db-owners]
  critical: { approvals: 2, approvers: [db-owners, sre], distinctGroups: true, channel: { teams: "19:c@thread.tacv2" } }
alerts:
  channel:
    slack: C0ALERTS
`;
/** `line:column` of the n-th (1-based) place `key:` is written as a key, in block or flow style. */
function keyAt(key: string, n = 1): string {
  const places = text.split('\n').flatMap((line, i) => {
    const match = new RegExp(`(^\\s*|[{,]\\s*)${key}:`).exec(line);
    return match ? [`${i + 1}:${match.index + match[1]!.length + 1}`] : [];
  });
  return places[n - 1]!;
}

function channelWarnings(platforms: Parameters<typeof parsePolicyText>[3]): string[] {
  const result = parsePolicyText(text, FILE, fakeProviderSchemas, platforms);
  if (!result.ok) throw new Error(formatPolicyErrors(result.errors).join('\n'));
  return result.warnings.filter((w) => w.includes('is not set but'));
}

describe('channel warnings', () => {
  it("point at the tier's or the alerts' channel key, or at the tier when it has none, like every other warning", () => {
    const warnings = channelWarnings(['console', 'slack', 'teams']);
    const where = warnings.map((w) => w.split(' is not set')[0]);
    expect(where).toEqual([
      `${FILE}:${keyAt('channel', 1)} tiers.medium.channel.teams:`,
      `${FILE}:${keyAt('high')} tiers.high.channel.slack:`,
      `${FILE}:${keyAt('high')} tiers.high.channel.teams:`,
      `${FILE}:${keyAt('channel', 2)} tiers.critical.channel.slack:`,
      `${FILE}:${keyAt('channel', 3)} alerts.channel.teams:`,
    ]);
    expect(warnings[0]).toContain('tiers.medium.channel.teams: is not set but Teams is configured: approval cards for the medium tier');
    expect(warnings[4]).toContain('alerts.channel.teams: is not set but Teams is configured: break-glass broadcasts');
  });

  it('are not given for a check of the file alone, nor for the console', () => {
    expect(channelWarnings(undefined)).toEqual([]);
    expect(channelWarnings(['console'])).toEqual([]);
  });

  it('fall back to the top of the file when the policy has no alerts section', () => {
    const result = parsePolicyText(validPolicy, FILE, fakeProviderSchemas, ['slack']);
    if (!result.ok) throw new Error('expected ok');
    expect(result.warnings.filter((w) => w.includes('alerts.channel'))).toEqual([
      expect.stringMatching(/^keycard\.yaml:1:1 alerts\.channel\.slack: is not set but Slack is configured/),
    ]);
  });
});
