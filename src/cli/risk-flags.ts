import { constants } from 'node:fs';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Policy } from '../core/policy/schema.js';
import { policySchema } from '../core/policy/schema.js';
import { errorCodeOf } from '../core/result.js';
import { createProviders, loadEnvironment, loadPolicy, loadSettings } from '../main.js';
import { isSampleOrg, SAMPLE_ORG_POLICY, samplePolicyYaml } from '../risk-lab/sample-org.js';
import { flagString, type ParsedArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { RISK_USAGE } from './risk-usage.js';

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
  if (text === undefined) {
    if (args.flags.has(name)) throw new UsageError(`--${name} needs a value (${hint})`, RISK_USAGE);
    return fallback;
  }
  const n = Number(text);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${hint} (got "${text}")`, RISK_USAGE);
  return n;
}

/** --html FILE: where a report page goes (undefined without the flag; a usage error without its file name). */
export function htmlFlag(args: ParsedArgs): string | undefined {
  if (args.flags.has('html') && !flagString(args, 'html'))
    throw new UsageError('--html needs a file name, e.g. --html report.html', RISK_USAGE);
  return flagString(args, 'html');
}

/**
 * Checks, before any work, that an output file named by --FLAG can be written: its folder exists and is
 * writable, and the name is not a folder. A run of several minutes must not end in ENOENT.
 */
export async function checkOutputFile(io: CliIo, flag: string, file: string | undefined): Promise<void> {
  if (file === undefined) return;
  const path = resolve(io.cwd, file);
  const folder = dirname(path);
  const kind = await stat(path).then(
    (s) => (s.isDirectory() ? 'folder' : 'file'),
    () => 'none',
  );
  if (kind === 'folder')
    throw new UsageError(`--${flag} ${file} is a folder; name the file to write, e.g. ${file}/report.html`, RISK_USAGE);
  const folderOk = await stat(folder).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!folderOk) throw new UsageError(`--${flag} ${file}: the folder ${folder} does not exist; create it first`, RISK_USAGE);
  const writable = await access(kind === 'file' ? path : folder, constants.W_OK).then(
    () => true,
    () => false,
  );
  if (!writable)
    throw new UsageError(
      `--${flag} ${file}: ${kind === 'file' ? 'the file' : `the folder ${folder}`} is not writable by this user`,
      RISK_USAGE,
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
