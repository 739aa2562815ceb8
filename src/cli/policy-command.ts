import { resolve } from 'node:path';
import { configuredPlatforms } from '../config/channel-warnings.js';
import { readConfig } from '../config/env.js';
import { missingEnvReferences } from '../config/policy-env-refs.js';
import { formatPolicyErrors } from '../config/policy-errors.js';
import { policyJsonSchema } from '../config/policy-json-schema.js';
import { loadPolicyFile } from '../config/policy-loader.js';
import { TIER_NAMES } from '../core/policy/schema.js';
import { createLogger } from '../logging/create-logger.js';
import { createProviders, loadEnvironment, openStore } from '../main.js';
import { checkFlags, type ParsedArgs, SWITCH, UsageError } from './args.js';
import { checkDirectoryGroups, unconfiguredReferenceWarnings } from './directory-check.js';
import type { CliIo } from './io.js';
import { policyReplayCommand, REPLAY_USAGE } from './policy-replay.js';
import { standingAccessWarnings } from './standing-check.js';

export const POLICY_USAGE = `Usage:
  keycard policy check [FILE] [--offline] [--env] [--online]
                                validate a policy file (default: KEYCARD_POLICY, ./keycard.yaml, or the bundled example);
                                lists every problem with file:line and exits 1 when there is any; --env also fails
                                when a variable the policy names (connection: env:VAR, tokenEnv: VAR) is unset. Resources whose
                                connection secret is in the environment are also asked for standing access
                                (a warning, never a failure; at most a few seconds); --offline skips that.
                                --online also asks each directory source (Slack, Entra, Okta, SCIM) that every
                                directory group the policy names exists and has active members (exit 1 if not)
  keycard policy schema         print the policy's JSON Schema (for editor completion and CI checks)
${REPLAY_USAGE.replace('Usage:\n', '')}`;

export async function policyCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  const [sub, file] = args.positionals;
  if (args.flags.has('help') || sub === undefined) {
    io.out(POLICY_USAGE);
    return sub === undefined && !args.flags.has('help') ? 2 : 0;
  }
  if (sub === 'replay') return policyReplayCommand(io, args);
  if (sub !== 'check' && sub !== 'schema') throw new UsageError(`unknown policy command "${sub}"`, POLICY_USAGE);
  if (sub === 'schema') checkFlags(args, {}, POLICY_USAGE, 1);
  else checkFlags(args, { offline: SWITCH, env: SWITCH, online: SWITCH }, POLICY_USAGE, 2);
  const registry = createProviders();
  if (sub === 'schema') {
    io.out(JSON.stringify(policyJsonSchema(registry.schemas()), null, 2));
    return 0;
  }
  if (args.flags.has('offline') && args.flags.has('online'))
    throw new UsageError('--offline and --online exclude each other', POLICY_USAGE);
  const config = readConfig(io.env, { cwd: io.cwd });
  let path: string;
  if (file) path = resolve(io.cwd, file);
  else {
    if (!config.ok) {
      io.err(config.errors.join('\n'));
      return 1;
    }
    path = config.config.policyPath;
  }
  // Which platforms run comes from the environment; without it (a CI check of the file alone) no channel is warned about.
  const result = await loadPolicyFile(path, registry.schemas(), { platforms: config.ok ? configuredPlatforms(config.config) : [] });
  // --env problems are listed with the schema's, not only once the schema is satisfied: one run shows every problem.
  const missing = args.flags.has('env')
    ? missingEnvReferences(result.ok ? result.policy : result.document, loadEnvironment(io.cwd, io.env))
    : [];
  if (!result.ok) {
    io.err(`${path}: ${result.errors.length} problem(s)`);
    for (const line of formatPolicyErrors(result.errors)) io.err(`  ${line}`);
    reportMissingEnv(io, path, missing);
    return 1;
  }
  const p = result.policy;
  if (missing.length > 0) {
    reportMissingEnv(io, path, missing);
    return 1;
  }
  io.out(
    `${path} is valid: ${count(Object.keys(p.resources).length, 'resource')}, ${count(Object.keys(p.groups).length, 'group')}, tiers ${TIER_NAMES.map((t) => `${t}${t === 'critical' ? '' : ` ≤${p.tiers[t].upTo}`}`).join(' / ')}`,
  );
  for (const warning of result.warnings) io.out(`  warning: ${warning}`);
  const pilots = Object.entries(p.resources).filter(([, r]) => r.mode === 'pilot');
  if (pilots.length > 0) io.out(`  pilot mode (nothing is granted): ${pilots.map(([name]) => name).join(', ')}`);
  if (!args.flags.has('offline')) for (const warning of await standingAccessWarnings(io, p, registry)) io.out(`  warning: ${warning}`);
  const directory = config.ok ? config.config.directory : undefined;
  if (!args.flags.has('online')) {
    if (directory) for (const warning of unconfiguredReferenceWarnings(p, directory)) io.out(`  warning: ${warning}`);
    return 0;
  }
  if (!config.ok || !directory) {
    io.err(`--online needs the directory settings: ${config.ok ? '' : config.errors.join('; ')}`);
    return 1;
  }
  const online = await checkDirectoryGroups(p, directory, {
    openStore: () => openStore(config.config, createLogger({ level: 'warn', pretty: false }), { now: () => new Date() }),
  });
  for (const line of online.lines) io.out(`  directory: ${line}`);
  for (const problem of online.problems) io.err(`  directory: ${problem}`);
  return online.problems.length > 0 ? 1 : 0;
}

function reportMissingEnv(io: CliIo, path: string, missing: string[]): void {
  if (missing.length === 0) return;
  io.err(`${path}: ${missing.length} environment problem(s)`);
  for (const line of missing) io.err(`  ${line}`);
}

/** "1 resource", "3 groups". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
