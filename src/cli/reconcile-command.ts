import { reconcile } from '../core/lifecycle/reconcile.js';
import { checkFlags, flagString, type ParsedArgs } from './args.js';
import { withContext } from './context.js';
import type { CliIo } from './io.js';

export const RECONCILE_USAGE = `Usage:
  keycard reconcile [--dry-run] [--resource NAME] [--json]

Asks every provider what it manages at its target and compares it with Keycard's records: grants that
exist at the target but are not live in Keycard (made behind Keycard's back, or left by a crash) are
revoked; active grants missing at the target are flagged. --dry-run only reports. Exit code 3 when drift
was found, 1 when a provider could not be checked.`;

export async function reconcileCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  if (args.flags.has('help')) {
    io.out(RECONCILE_USAGE);
    return 0;
  }
  checkFlags(args, ['dry-run', 'resource', 'json'], RECONCILE_USAGE);
  const dryRun = args.flags.has('dry-run');
  const resource = flagString(args, 'resource');
  return withContext(io, async ({ deps, policy }) => {
    if (resource && !policy.resources[resource]) {
      io.err(`Unknown resource "${resource}" (known: ${Object.keys(policy.resources).join(', ')}).`);
      return 2;
    }
    const report = await reconcile(deps, deps.clock.now(), { dryRun, ...(resource ? { resource } : {}) });
    if (args.flags.has('json')) io.out(JSON.stringify(report, null, 2));
    else {
      io.out(`Checked ${report.resources} resource(s)${dryRun ? ' (dry run: nothing changed)' : ''}.`);
      for (const o of report.orphans) {
        io.out(
          `  orphan  ${o.resource} ${o.grantId}${o.principal ? ` ${o.principal}` : ''} · Keycard knows it as ${o.known} · ${o.action.replace('_', ' ')}${o.error ? `: ${o.error}` : ''}`,
        );
      }
      for (const m of report.missing)
        io.out(`  missing ${m.resource} ${m.grantId} ${m.principal ?? ''} · active in Keycard but not at the target`);
      for (const e of report.errors) io.err(`  error   ${e.resource}: ${e.error}`);
      if (report.orphans.length === 0 && report.missing.length === 0 && report.errors.length === 0) io.out('No drift.');
    }
    if (report.errors.length > 0) return 1;
    return report.orphans.length > 0 || report.missing.length > 0 ? 3 : 0;
  });
}
