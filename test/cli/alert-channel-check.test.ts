import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';
import { alertChannelWarnings, channelWarnings, tierChannelWarnings } from '../../src/config/channel-warnings.js';
import { createLogger } from '../../src/logging/create-logger.js';
import { bootKeycard } from '../../src/main.js';
import { makePolicy } from '../fixtures/policy.js';
import { seededDataDir } from '../helpers/db.js';
import { createRecordingChat } from '../helpers/harness.js';

function io(env: Record<string, string | undefined>, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd, stdin: process.stdin, stdoutIsTTY: false };
  return { io: value, out, err };
}

const example = readFileSync(join(import.meta.dirname, '../../manifests/policy.example.yaml'), 'utf8');
const exampleLines = example.split('\n');
/** The Bot Framework Emulator's local mode: Teams is on without credentials. */
const TEAMS = { KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED: 'true' };
const TEAMS_WARNING =
  /keycard\.yaml:\d+:\d+ alerts\.channel\.teams: is not set but Teams is configured: .*weekly approver report \(risk\.approverReport\) has nowhere to go/;
/** The example's approval tiers name Slack and console channels, none a Teams one. */
const TIER_WARNING =
  /keycard\.yaml:(\d+):\d+ tiers\.(medium|high|critical)\.channel\.teams: is not set but Teams is configured: approval cards for the \2 tier are not posted there/;

describe('a chat platform with no alerts channel', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'kc-alerts-'));
  // The example names Slack and console alert channels, not a Teams one.
  writeFileSync(join(cwd, 'keycard.yaml'), example);
  const baseEnv = { KEYCARD_DATA_DIR: seededDataDir(join(cwd, 'data')), KEYCARD_POLICY: join(cwd, 'keycard.yaml'), LOG_LEVEL: 'silent' };

  it('policy check warns when Teams is configured, and not when it is not', async () => {
    const teams = io({ ...baseEnv, ...TEAMS }, cwd);
    expect(await runCli(['policy', 'check', '--offline'], teams.io)).toBe(0);
    expect(teams.out.filter((line) => line.includes('alerts.channel'))).toEqual([expect.stringMatching(TEAMS_WARNING)]);
    const tiers = teams.out.flatMap((line) => {
      const match = TIER_WARNING.exec(line);
      return match ? [match] : [];
    });
    expect(tiers.map((match) => match[2])).toEqual(['medium', 'high', 'critical']);
    // Each points at its tier's channel key, as every other warning carries its file:line.
    expect(tiers.map((match) => exampleLines[Number(match[1]) - 1]!.trim())).toEqual(['channel:', 'channel:', 'channel:']);
    expect(teams.out.filter((line) => line.startsWith('  warning: ') && !/^ {2}warning: \S+:\d+:\d+ /.test(line))).toEqual([]);
    const none = io(baseEnv, cwd);
    expect(await runCli(['policy', 'check', '--offline'], none.io)).toBe(0);
    expect(none.out.join('\n')).not.toContain('alerts.channel');
    expect(none.out.join('\n')).not.toContain('tiers.');
  });

  it('keycard start logs it once', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const keycard = await bootKeycard({
      env: { ...baseEnv, ...TEAMS },
      cwd,
      chat: [{ platform: 'teams', chat: createRecordingChat() }],
      log: createLogger({ level: 'warn', destination }),
    });
    await keycard.close();
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    const warnings = logged.filter((l) => TEAMS_WARNING.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(40);
    const tiers = logged.filter((l) => TIER_WARNING.test(l.msg));
    expect(tiers.map((l) => [l.level, TIER_WARNING.exec(l.msg)![2]])).toEqual([
      [40, 'medium'],
      [40, 'high'],
      [40, 'critical'],
    ]);
  }, 60_000);

  it('names each configured platform without a channel; the report is mentioned only when it is on', () => {
    const none = makePolicy({ alerts: { channel: { console: '#security' } } });
    expect(alertChannelWarnings(none, ['console', 'slack', 'teams']).map((w) => w.path)).toEqual([
      ['alerts', 'channel', 'slack'],
      ['alerts', 'channel', 'teams'],
    ]);
    expect(
      alertChannelWarnings(makePolicy({ alerts: { channel: { slack: 'C1', teams: '19:a@thread.tacv2' } } }), ['slack', 'teams']),
    ).toEqual([]);
    const off = makePolicy({ alerts: { channel: {} }, risk: { approverReport: { enabled: false } } });
    expect(alertChannelWarnings(off, ['teams'])[0]?.message).not.toContain('approver report');
  });

  it('names each tier that needs approvals and lacks a channel on a configured platform, with where to find one', () => {
    const slackOnly = makePolicy({
      tiers: {
        low: { upTo: 14, approvals: 0 },
        medium: { upTo: 49, approvals: 1, approvers: ['sre'], channel: { slack: 'C1', teams: '19:m@thread.tacv2' } },
        high: { upTo: 74, approvals: 1, approvers: ['db-owners'], channel: { slack: 'C2' } },
        critical: { approvals: 2, approvers: ['db-owners', 'security'] },
      },
      alerts: { channel: { slack: 'C3', teams: '19:a@thread.tacv2' } },
    });
    // low auto-approves (no card); medium names both; high names only Slack; critical names none.
    expect(channelWarnings(slackOnly, ['console', 'slack', 'teams'])).toEqual([
      {
        path: ['tiers', 'high', 'channel', 'teams'],
        message:
          'is not set but Teams is configured: approval cards for the high tier are not posted there (approvers there can still decide by command, e.g. approve KC-12); set it to a Teams channel id (19:…@thread.tacv2) of a team where the Keycard app is installed',
      },
      {
        path: ['tiers', 'critical', 'channel', 'slack'],
        message: expect.stringMatching(/^is not set but Slack is configured: .*set it to a Slack channel id \(C…\)/),
      },
      { path: ['tiers', 'critical', 'channel', 'teams'], message: expect.stringMatching(/^is not set but Teams is configured/) },
    ]);
    expect(tierChannelWarnings(slackOnly, ['slack']).map((w) => w.path)).toEqual([['tiers', 'critical', 'channel', 'slack']]);
    expect(tierChannelWarnings(slackOnly, ['console'])).toEqual([]);
  });
});
