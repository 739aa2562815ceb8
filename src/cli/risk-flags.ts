import { constants } from 'node:fs';
import { access, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Policy } from '../core/policy/schema.js';
import { policySchema } from '../core/policy/schema.js';
import { errorCodeOf } from '../core/result.js';
import { createProviders, loadEnvironment, loadPolicy, loadSettings } from '../main.js';
import { isSampleOrg, SAMPLE_ORG_POLICY, samplePolicyYaml } from '../risk-lab/sample-org.js';
import { type FlagSpec, flagString, type ParsedArgs, SWITCH, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { RISK_USAGE } from './risk-usage.js';

/** What each `keycard risk` flag's value is, completing "--NAME needs …"; each subcommand picks its own with riskFlags. */
const RISK_FLAGS = {
  as: 'an e-mail address, e.g. --as alice@example.com',
  at: 'an ISO time, e.g. --at 2026-11-24T21:14:00+01:00',
  reason: 'a reason, e.g. --reason "restore the orders table"',
  incident: 'an incident key, e.g. --incident INC-4211',
  since: 'a duration, e.g. --since 7d',
  until: 'a time, e.g. --until 2026-03-31T00:00:00Z',
  from: 'a history directory or audit JSONL file, e.g. --from history',
  policy: 'a policy file or "sample", e.g. --policy sample',
  write: 'a file name, e.g. --write policy-patch.yaml',
  html: 'a file name, e.g. --html report.html',
  'max-review-share': 'a share between 0 and 1, e.g. --max-review-share 0.2',
  out: 'a directory to write the history to, e.g. --out history',
  days: 'a whole number of days, e.g. --days 90',
  requests: 'a whole number, e.g. --requests 50000',
  seed: 'a seed, e.g. --seed 1',
  start: 'a date, e.g. --start 2026-01-05',
  warmup: 'a whole number of days, e.g. --warmup 30',
  'misuse-rate': 'a share, e.g. --misuse-rate 0.01',
  holdout: 'a duration or 0, e.g. --holdout 30d',
  generators: 'a comma-separated list, e.g. --generators threat-model,risk-lab',
  'calibration-seeds': 'a comma-separated list, e.g. --calibration-seeds c1,c2,c3,c4',
  seeds: 'a comma-separated list, e.g. --seeds h1,h2,h3',
  people: 'a whole number from 20, e.g. --people 400',
  json: SWITCH,
  'break-glass': SWITCH,
  database: SWITCH,
  misses: SWITCH,
} as const satisfies FlagSpec;

/** The spec of a risk subcommand's flags, for checkFlags. */
export function riskFlags(...names: (keyof typeof RISK_FLAGS)[]): FlagSpec {
  return Object.fromEntries(names.map((name) => [name, RISK_FLAGS[name]]));
}

export interface LoadedPolicy {
  policy: Policy;
  /** The policy file's text, copied next to a generated history. */
  text: string;
  sample: boolean;
}

/** --policy FILE|sample, else a history directory's policy.yaml, else the configured policy. */
export async function riskPolicy(io: CliIo, args: ParsedArgs, historyPolicy?: string): Promise<LoadedPolicy> {
  const spec = flagString(args, 'policy');
  if (spec === 'sample') return { policy: policySchema.parse(SAMPLE_ORG_POLICY), text: samplePolicyYaml(), sample: true };
  let path = spec ? resolve(io.cwd, spec) : historyPolicy;
  if (!path) path = loadSettings(loadEnvironment(io.cwd, io.env), io.cwd).config.policyPath;
  const { policy } = await loadPolicy(path, createProviders());
  return { policy, text: await readFile(path, 'utf8'), sample: isSampleOrg(policy) };
}

export function numberFlag(args: ParsedArgs, name: string, fallback: number, check: (n: number) => boolean, hint: string): number {
  const text = flagString(args, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${hint} (got "${text}")`, RISK_USAGE);
  return n;
}

/**
 * Checks, before any work, that an output file named by --FLAG can be written: its folder exists and is
 * writable, and the name is not a folder. A run of several minutes must not end in ENOENT.
 */
export async function checkOutputFile(io: CliIo, flag: string, file: string | undefined): Promise<void> {
  if (file === undefined) return;
  const path = resolve(io.cwd, file);
  const folder = dirname(path);
  const kind = await pathKind(path);
  if (kind === 'folder')
    throw new UsageError(`--${flag} ${file} is a folder; name the file to write, e.g. ${file}/report.html`, RISK_USAGE);
  if ((await pathKind(folder)) !== 'folder')
    throw new UsageError(`--${flag} ${file}: the folder ${folder} does not exist; create it first`, RISK_USAGE);
  if (!(await isWritable(kind === 'file' ? path : folder)))
    throw new UsageError(
      `--${flag} ${file}: ${kind === 'file' ? 'the file' : `the folder ${folder}`} is not writable by this user`,
      RISK_USAGE,
    );
}

/**
 * Checks, before any work, that --FLAG DIR can take a new history: DIR is a new or empty directory (a
 * history already there is never overwritten) under a writable folder, and not a file.
 */
export async function checkOutputDir(io: CliIo, flag: string, dir: string): Promise<void> {
  const path = resolve(io.cwd, dir);
  const kind = await pathKind(path);
  if (kind === 'file') throw new UsageError(`--${flag} ${dir} is a file; name a new directory for the history`, RISK_USAGE);
  if (kind === 'folder') {
    const entries = await readdir(path);
    if (entries.length > 0)
      throw new UsageError(
        `--${flag} ${dir} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, e.g. ${entries[0]}); name a new directory or remove this one first`,
        RISK_USAGE,
      );
  }
  // The nearest path that exists is where the directory (and any missing parents) will be created.
  let folder = kind === 'folder' ? path : dirname(path);
  while ((await pathKind(folder)) === 'none') folder = dirname(folder);
  if ((await pathKind(folder)) !== 'folder')
    throw new UsageError(`--${flag} ${dir}: ${folder} is a file, so the directory cannot be created under it`, RISK_USAGE);
  if (!(await isWritable(folder))) throw new UsageError(`--${flag} ${dir}: the folder ${folder} is not writable by this user`, RISK_USAGE);
}

/** What is at `path`: a folder, a file, or nothing (or nothing this user may look at). */
async function pathKind(path: string): Promise<'folder' | 'file' | 'none'> {
  return stat(path).then(
    (s) => (s.isDirectory() ? 'folder' : 'file'),
    () => 'none',
  );
}

async function isWritable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}

/** Writes an output file checked by checkOutputFile; a failure now (disk full, removed folder) says which file and why. */
export async function writeOutputFile(io: CliIo, flag: string, file: string, text: string): Promise<void> {
  try {
    await writeFile(resolve(io.cwd, file), text);
  } catch (error) {
    throw new Error(`could not write --${flag} ${file} (${errorCodeOf(error) ?? 'unknown error'})`);
  }
}

export function shareFlag(args: ParsedArgs): number {
  return numberFlag(args, 'max-review-share', 0.2, (n) => n > 0 && n <= 1, 'a share between 0 and 1, e.g. 0.2');
}
