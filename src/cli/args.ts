/** Minimal argv parsing: positionals plus `--flag value`, `--flag=value` and switches (flags without a value). */
export interface ParsedArgs {
  positionals: string[];
  /** A flag's value, or `true` for a switch — and for a value flag given without its value, which checkFlags refuses. */
  flags: Map<string, string | true>;
}

/**
 * Every flag of every keycard command that takes no value. The parser must know them before the command
 * is known: `--json demo-db` leaves demo-db a positional, `--at demo-db` makes it --at's value.
 */
export const SWITCHES: ReadonlySet<string> = new Set([
  'help',
  'json',
  'break-glass',
  'dry-run',
  'offline',
  'env',
  'online',
  'revoke',
  'report',
  'misses',
  'database',
]);

export function parseArgs(argv: string[], switches: ReadonlySet<string> = SWITCHES): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      flags.set('help', true);
    } else if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      if (inline !== undefined) flags.set(name, inline);
      else if (switches.has(name)) flags.set(name, true);
      else {
        const value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) flags.set(name, true);
        else {
          flags.set(name, value);
          i += 1;
        }
      }
    } else {
      positionals.push(arg);
    }
  }
  return { positionals, flags };
}

/** A value flag's value (undefined when not given; checkFlags has already refused one given without its value). */
export function flagString(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

/** Thrown for a wrong command line; the CLI prints the message and the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Marks a flag in a FlagSpec as a switch: it takes no value. */
export const SWITCH = false;

/**
 * The flags a command accepts: for a flag that takes a value, what that value is, completing
 * "--NAME needs …" (e.g. `write: 'a file name, e.g. --write policy-patch.yaml'`); SWITCH for a flag without one.
 */
export type FlagSpec = Readonly<Record<string, string | typeof SWITCH>>;

/**
 * Refuses, before the command does anything, an unknown flag, a value flag given without its value (or
 * with an empty one), and a switch given a value (`--json=no`).
 */
export function checkFlags(args: ParsedArgs, spec: FlagSpec, usage: string): void {
  for (const [name, value] of args.flags) {
    if (name === 'help') continue;
    const wants = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (wants === undefined) throw new UsageError(`unknown option --${name}`, usage);
    // The parser decides what a flag consumes before any command runs; a spec that disagrees would misread argv.
    if ((wants === SWITCH) !== SWITCHES.has(name))
      throw new Error(
        `--${name} is ${wants === SWITCH ? 'a switch here but not in' : 'a value flag here but in'} SWITCHES (src/cli/args.ts)`,
      );
    if (wants === SWITCH) {
      if (value !== true) throw new UsageError(`--${name} takes no value (got "--${name}=${value}")`, usage);
    } else if (value === true || value === '') {
      throw new UsageError(`--${name} needs ${wants}`, usage);
    }
  }
}
