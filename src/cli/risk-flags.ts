import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Policy } from '../core/policy/schema.js';
import { policySchema } from '../core/policy/schema.js';
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

export function shareFlag(args: ParsedArgs): number {
  return numberFlag(args, 'max-review-share', 0.2, (n) => n > 0 && n <= 1, 'a share between 0 and 1, e.g. 0.2');
}
