/** Minimal argv parsing: positionals plus `--flag value`, `--flag=value` and switches (flags without a value). */
export interface ParsedArgs {
  positionals: string[];
  /** A flag's value, or `true` for a switch — and for a value flag given without its value, which checkFlags refuses. */
  flags: Map<string, string | true>;
  /** Every value of a flag given more than once, in order (`flags` holds the last); checkFlags refuses a repeated value flag. */
  repeated: Map<string, Array<string | true>>;
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
  const repeated = new Map<string, Array<string | true>>();
  const set = (name: string, value: string | true) => {
    if (flags.has(name)) repeated.set(name, [...(repeated.get(name) ?? [flags.get(name)!]), value]);
    flags.set(name, value);
  };
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
      if (inline !== undefined) set(name, inline);
      else if (switches.has(name)) set(name, true);
      else {
        const value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) set(name, true);
        else {
          set(name, value);
          i += 1;
        }
      }
    } else {
      positionals.push(arg);
    }
  }
  return { positionals, flags, repeated };
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
 * with an empty one), a value flag given more than once (no keycard flag is repeatable: the parser would keep
 * the last value and drop the others in silence), and a switch given a value (`--json=no`). A switch given
 * twice is still that switch. `positionals` is how many positional arguments the command takes at most,
 * its subcommand included (`risk approvers` takes 1, `policy check [FILE]` 2): a stray word is refused as an
 * unknown option is, not ignored. It has no default so that every command says.
 */
export function checkFlags(args: ParsedArgs, spec: FlagSpec, usage: string, positionals: number): void {
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
    } else if (args.repeated.has(name)) {
      const values = args.repeated.get(name)!.map((v) => (v === true ? `--${name}` : `--${name} ${v}`));
      throw new UsageError(`--${name} was given ${values.length} times (${values.join(', ')}); give it once`, usage);
    }
  }
  const stray = args.positionals[positionals];
  if (stray !== undefined) throw new UsageError(`unexpected argument "${stray}"`, usage);
}
