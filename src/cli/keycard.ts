#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StartupError } from '../startup-error.js';
import { type ParsedArgs, parseArgs, UsageError } from './args.js';
import { type CliIo, processIo } from './io.js';
import { preferBaselineWasm } from './wasm-baseline.js';

export const MAIN_USAGE = `keycard — risk-based temporary production access from Slack, Teams and the terminal

Usage: keycard <command> [options]

Commands:
  start                 run Keycard: Slack/Teams when configured, otherwise the terminal console
  console               the terminal console only (no HTTP server)
  migrate               apply database migrations and exit
  policy check [FILE]   validate a policy file (and warn about standing access; --offline skips that)
  policy replay FILE    what a candidate policy would have done to the recorded requests (--since 30d; writes nothing)
  policy schema         print the policy JSON Schema
  risk explain …        score a hypothetical request and show every factor
  risk calibrate …      propose tier thresholds and weights from the audit history (a patch you review)
  risk simulate …       generate a seeded organisation history with planted misuse
  risk evaluate …       compare score-based routing with static tiers at equal review share
  risk approvers …      the weekly approver report as it would be posted now (--since 7d)
  risk review --incident KEY   the grants linked to an incident, their scores, approvers and anomalies
  audit verify          check the tamper-evident audit chain
  audit export …        export the audit log as JSONL or CSV
  reconcile [--dry-run] compare providers' targets with Keycard's records; revoke orphans, flag missing grants
  inventory [--resource R]     who holds standing access to each resource outside Keycard (read-only)
  grants retry KC-12 --as EMAIL   retry a revoke that keeps failing, now

Run "keycard <command> --help" for a command's options. Configuration comes from the environment
(and a .env file): DATABASE_URL, KEYCARD_DATA_DIR, KEYCARD_POLICY, PORT, LOG_LEVEL, SLACK_*, MICROSOFT_APP_*.`;

type Command = (io: CliIo, args: ParsedArgs) => Promise<number>;

/**
 * Each command's module is imported only when that command runs, so a one-shot command loads no chat
 * SDK, and `--help` loads nothing but the command's own module.
 */
const COMMANDS: Record<string, () => Promise<{ run: Command; usage?: string }>> = {
  start: async () => {
    const { startCommand } = await import('./start-command.js');
    return { run: (io, args) => startCommand(io, args, { http: true }) };
  },
  console: async () => {
    const { startCommand } = await import('./start-command.js');
    return { run: (io, args) => startCommand(io, args, { http: false, consoleOnly: true }) };
  },
  migrate: async () => ({ run: (await import('./migrate-command.js')).migrateCommand }),
  policy: async () => {
    const m = await import('./policy-command.js');
    return { run: m.policyCommand, usage: m.POLICY_USAGE };
  },
  risk: async () => {
    const m = await import('./risk-command.js');
    return { run: m.riskCommand, usage: m.RISK_USAGE };
  },
  audit: async () => {
    const m = await import('./audit-command.js');
    return { run: m.auditCommand, usage: m.AUDIT_USAGE };
  },
  reconcile: async () => {
    const m = await import('./reconcile-command.js');
    return { run: m.reconcileCommand, usage: m.RECONCILE_USAGE };
  },
  inventory: async () => {
    const m = await import('./inventory-command.js');
    return { run: m.inventoryCommand, usage: m.INVENTORY_USAGE };
  },
  grants: async () => {
    const m = await import('./grants-command.js');
    return { run: m.grantsCommand, usage: m.GRANTS_USAGE };
  },
};

const USAGES: Record<string, string> = {
  start:
    'Usage: keycard start\n  Runs Keycard. With SLACK_* or MICROSOFT_APP_* set it serves those platforms over HTTP;\n  without, it runs the terminal console on embedded Postgres with the policy from KEYCARD_POLICY.',
  console:
    'Usage: keycard console\n  The terminal console: "as <email>" picks who you are; then /access commands.\n  Reads commands line by line from stdin when it is not a terminal (plus "sleep <duration>").',
  migrate: 'Usage: keycard migrate\n  Applies pending migrations (under an advisory lock, safe with several instances) and exits.',
};

/** The commands the dispatcher accepts, and their usage (for the test that MAIN_USAGE lists each once). */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

/** A command's usage text, as `keycard <command> --help` prints it. */
export async function commandUsage(command: string): Promise<string | undefined> {
  return USAGES[command] ?? (Object.hasOwn(COMMANDS, command) ? (await COMMANDS[command]!()).usage : undefined);
}

export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.out(MAIN_USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === 'version') {
    io.out('keycard 0.1.0');
    return 0;
  }
  const args = parseArgs(rest);
  try {
    const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!load) {
      io.err(`keycard: unknown command "${command}"\n\n${MAIN_USAGE}`);
      return 2;
    }
    if (args.flags.has('help') && !['policy', 'risk', 'audit'].includes(command)) {
      const usage = USAGES[command] ?? (await load()).usage;
      if (usage) {
        io.out(usage);
        return 0;
      }
    }
    return await (await load()).run(io, args);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`keycard ${command}: ${error.message}\n\n${usageFor(error.usage, command, args.positionals[0])}`);
      return 2;
    }
    if (error instanceof StartupError) {
      io.err(error.message);
      return 1;
    }
    io.err(`keycard ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  preferBaselineWasm();
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`keycard: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

/**
 * The part of a command's usage that fits a mistake: with a subcommand whose own entry the usage has
 * (`keycard risk explain …`), that entry and a pointer to the rest; otherwise the whole usage.
 */
export function usageFor(usage: string, command: string, sub: string | undefined): string {
  if (!sub) return usage;
  const lines = usage.split('\n');
  const head = `  keycard ${command} ${sub}`;
  const starts = lines.flatMap((line, i) => (line.startsWith(`  keycard ${command} `) ? [i] : []));
  const mine = starts.filter((i) => lines[i] === head || lines[i]!.startsWith(`${head} `));
  if (mine.length === 0 || starts.length < 2) return usage;
  const entry = (i: number) => {
    const next = starts.find((j) => j > i) ?? lines.findIndex((line, j) => j > i && line.trim() === '');
    return lines.slice(i, next > i ? next : undefined);
  };
  return ['Usage:', ...mine.flatMap(entry), '', `keycard ${command} --help shows every ${command} command.`].join('\n');
}
