import { resolve } from 'node:path';
import { readConfig } from '../config/env.js';
import { formatPolicyErrors } from '../config/policy-errors.js';
import { policyJsonSchema } from '../config/policy-json-schema.js';
import { loadPolicyFile } from '../config/policy-loader.js';
import { TIER_NAMES } from '../core/policy/schema.js';
import { createProviders } from '../main.js';
import { checkFlags, type ParsedArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';

export const POLICY_USAGE = `Usage:
  keycard policy check [FILE]   validate a policy file (default: KEYCARD_POLICY, ./keycard.yaml, or the bundled example);
                                lists every problem with file:line and exits 1 when there is any
  keycard policy schema         print the policy's JSON Schema (for editor completion and CI checks)`;

export async function policyCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  const [sub, file, ...extra] = args.positionals;
  if (args.flags.has('help') || sub === undefined) {
    io.out(POLICY_USAGE);
    return sub === undefined && !args.flags.has('help') ? 2 : 0;
  }
  checkFlags(args, [], POLICY_USAGE);
  const registry = createProviders();
  if (sub === 'schema') {
    io.out(JSON.stringify(policyJsonSchema(registry.schemas()), null, 2));
    return 0;
  }
  if (sub !== 'check') throw new UsageError(`unknown policy command "${sub}"`, POLICY_USAGE);
  if (extra.length > 0) throw new UsageError(`policy check takes one file (got ${extra.length + 1})`, POLICY_USAGE);
  let path: string;
  if (file) path = resolve(io.cwd, file);
  else {
    const config = readConfig(io.env, { cwd: io.cwd });
    if (!config.ok) {
      io.err(config.errors.join('\n'));
      return 1;
    }
    path = config.config.policyPath;
  }
  const result = await loadPolicyFile(path, registry.schemas());
  if (!result.ok) {
    io.err(`${path}: ${result.errors.length} problem(s)`);
    for (const line of formatPolicyErrors(result.errors)) io.err(`  ${line}`);
    return 1;
  }
  const p = result.policy;
  io.out(
    `${path} is valid: ${Object.keys(p.resources).length} resources, ${Object.keys(p.groups).length} groups, tiers ${TIER_NAMES.map((t) => `${t}${t === 'critical' ? '' : ` ≤${p.tiers[t].upTo}`}`).join(' / ')}`,
  );
  for (const warning of result.warnings) io.out(`  warning: ${warning}`);
  return 0;
}
