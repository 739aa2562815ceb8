import type { CoreDeps } from '../core/lifecycle/deps.js';
import { reconcile } from '../core/lifecycle/reconcile.js';
import type { ReconcileReport } from '../core/lifecycle/reconcile-types.js';
import { findingLines } from './reconcile-text.js';

/** A grant reconciliation found without its credential at the target (status `lost`). */
export interface LostGrant {
  resource: string;
  grantId: string;
  principal: string;
  level: string;
  since: Date | null;
}

/** What `keycard inventory` adds to standing access: everything of Keycard's it cannot account for. */
export interface Accounting {
  /** A dry-run reconciliation: drift at the targets (rogue, forged, revoke_failed) and grants that would be marked lost. */
  check: Pick<ReconcileReport, 'orphans' | 'missing' | 'errors'>;
  /** Grants already marked lost by an earlier pass. */
  lost: LostGrant[];
}

/**
 * Read-only: a dry-run reconciliation (nothing is revoked, marked, audited or alerted) plus the grants
 * already marked lost, so the inventory never hides a credential Keycard cannot account for.
 */
export async function accountFor(deps: CoreDeps, resource?: string): Promise<Accounting> {
  const report = await reconcile(deps, deps.clock.now(), { dryRun: true, ...(resource !== undefined ? { resource } : {}) });
  const lost = await deps.store.listRequests({ statuses: ['lost'], ...(resource !== undefined ? { resource } : {}) });
  return {
    check: { orphans: report.orphans, missing: report.missing, errors: report.errors },
    lost: lost.map((r) => ({
      resource: r.resource,
      grantId: `KC-${r.number}`,
      principal: r.requester,
      level: r.level,
      since: r.endedAt ?? null,
    })),
  };
}

export function accountingText(accounting: Accounting): string[] {
  const lines = [
    ...findingLines(accounting.check),
    ...accounting.lost.map(
      (l) =>
        `  lost     ${l.resource} ${l.grantId} ${l.principal} (${l.level}) · credential removed at the target outside Keycard${l.since ? ` · marked lost ${l.since.toISOString()}` : ''}`,
    ),
    ...accounting.check.errors.map((e) => `  error    ${e.resource}: could not compare with Keycard's records: ${e.error}`),
  ];
  if (lines.length === 0) return ['Keycard accounts for every grant and every Keycard-looking object at the targets.'];
  return ['Not accounted for by Keycard (a dry-run reconcile; nothing was changed):', ...lines];
}
