import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, commandUsage, MAIN_USAGE } from '../../src/cli/keycard.js';

/** The command part of each entry under "Commands:" in MAIN_USAGE: its first word, and the second when it is a word. */
function listedEntries(): Array<[string, string | undefined]> {
  const section = MAIN_USAGE.slice(MAIN_USAGE.indexOf('Commands:\n') + 'Commands:\n'.length).split('\n\n')[0]!;
  return section.split('\n').map((line) => {
    const [command, second] = line.trim().split(/\s+/);
    return [command!, /^[a-z][a-z-]*$/.test(second ?? '') ? second : undefined];
  });
}

/** The subcommands a command's own usage documents ("  keycard risk explain …"), none for a command without. */
function subcommands(command: string, usage: string): string[] {
  return [...usage.matchAll(new RegExp(`^ {2}keycard ${command} ([a-z][a-z-]*)\\b`, 'gm'))].map((m) => m[1]!);
}

describe('keycard --help', () => {
  it('lists every command the dispatcher accepts exactly once (each subcommand of one that has them)', async () => {
    const entries = listedEntries();
    const expected: string[] = [];
    for (const command of COMMAND_NAMES) {
      const subs = [...new Set(subcommands(command, (await commandUsage(command)) ?? ''))];
      if (subs.length === 0) expected.push(command);
      else expected.push(...subs.map((sub) => `${command} ${sub}`));
    }
    const listed = entries.map(([command, second]) => {
      const hasSubs = expected.some((e) => e.startsWith(`${command} `));
      return hasSubs && second ? `${command} ${second}` : command;
    });
    expect([...listed].sort()).toEqual([...expected].sort());
    expect(expected).toContain('risk approvers');
  });
});
