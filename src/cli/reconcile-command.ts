import { reconcile } from '../core/lifecycle/reconcile.js';
import { hasDrift } from '../core/lifecycle/reconcile-types.js';
import { ownEntry } from '../core/policy/own-entry.js';
import { checkFlags, flagString, type ParsedArgs, SWITCH } from './args.js';
import { withContext } from './context.js';
import type { CliIo } from './io.js';
import { reconcileText } from './reconcile-text.js';

export const RECONCILE_USAGE = `Usage:
  keycard reconcile [--dry-run] [--revoke | --report] [--resource NAME] [--json]

Compares every target with Keycard's records, in both directions:
  drift    what looks like Keycard's at the target (name prefix, label, comment, membership of a level's
           role) without a live grant behind it, including labels that name a live grant but sit on another
           object (forged), and Keycard's grants whose revoke keeps failing. Revoked or only reported as the
           policy's reconcile.unknown says (default report); --revoke / --report override it for this run.
  lost     active grants whose credential is gone at the target: marked lost, holder and approvers told.
  standing principals Keycard did not create that reach a level through its roles (alerted once each).
Everything found is audited and alerted to the alerts channel once. --dry-run changes nothing and alerts
no one. Exit code 3 when drift or lost grants were found, 1 when a provider could not be checked.`;

export async function reconcileCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  if (args.flags.has('help')) {
    io.out(RECONCILE_USAGE);
    return 0;
  }
  checkFlags(
    args,
    { 'dry-run': SWITCH, resource: 'a resource name, e.g. --resource demo-db', json: SWITCH, revoke: SWITCH, report: SWITCH },
    RECONCILE_USAGE,
    0,
  );
  const dryRun = args.flags.has('dry-run');
  const resource = flagString(args, 'resource');
  return withContext(
    io,
    async ({ deps, policy }) => {
      if (resource && !ownEntry(policy.resources, resource)) {
        io.err(`Unknown resource "${resource}" (known: ${Object.keys(policy.resources).join(', ')}).`);
        return 2;
      }
      if (args.flags.has('revoke') && args.flags.has('report')) {
        io.err('Choose one of --revoke and --report.');
        return 2;
      }
      const mode = args.flags.has('revoke') ? 'revoke' : args.flags.has('report') ? 'report' : undefined;
      const report = await reconcile(deps, deps.clock.now(), { dryRun, ...(resource ? { resource } : {}), ...(mode ? { mode } : {}) });
      if (args.flags.has('json')) io.out(JSON.stringify(report, null, 2));
      else {
        const text = reconcileText(report);
        for (const line of text.out) io.out(line);
        for (const line of text.err) io.err(line);
      }
      if (report.errors.length > 0) return 1;
      return hasDrift(report) ? 3 : 0;
      // A dry run writes nothing, so it reads an embedded database that does not exist yet as empty instead of creating one.
    },
    { readOnly: dryRun },
  );
}
