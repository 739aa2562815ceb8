import type { DriftItem, ReconcileReport } from '../core/lifecycle/reconcile-types.js';

const WHY: Record<DriftItem['reason'], string> = {
  no_live_grant: 'no live grant',
  unlabelled: 'no Keycard label (made outside Keycard)',
  label_mismatch: 'label names a live grant but this is not its object (forged label)',
  revoke_failed: 'Keycard’s revoke keeps failing; access may be live',
};

/** The human-readable reconcile report. "No drift." only when nothing at any target is unaccounted for. */
export function reconcileText(report: ReconcileReport): { out: string[]; err: string[] } {
  const out = [
    `Checked ${report.resources} resource(s) · unknown objects are ${report.mode === 'revoke' ? 'revoked' : 'reported'}${report.dryRun ? ' (dry run: nothing changed)' : ''}.`,
    ...findingLines(report),
  ];
  for (const s of report.standing) {
    out.push(`  standing ${s.resource} (${s.level}) ${s.principal} · ${s.via}${s.isNew ? ' · NEW (alerted)' : ''}`);
  }
  const err = report.errors.map((e) => `  error    ${e.resource}: ${e.error}`);
  if (report.orphans.length === 0 && report.missing.length === 0 && report.errors.length === 0) {
    // Never "No drift" while a finding is listed: standing access is access Keycard does not account for.
    out.push(
      report.standing.length === 0
        ? 'No drift.'
        : `Keycard's grants match the targets, but ${report.standing.length} standing access finding(s) are outside Keycard (listed above, see keycard inventory).`,
    );
  }
  return { out, err };
}

/** One line per drift item and per lost grant (shared with `keycard inventory`). */
export function findingLines(report: Pick<ReconcileReport, 'orphans' | 'missing'>): string[] {
  const out: string[] = [];
  for (const o of report.orphans) {
    const who = o.grantId ? `${o.grantId}${o.principal ? ` ${o.principal}` : ''}` : (o.principal ?? '?');
    out.push(
      `  drift    ${o.resource} ${who} · ${WHY[o.reason]} · Keycard knows it as ${o.known} · ${o.action.replace('_', ' ')}${o.error ? `: ${o.error}` : ''}`,
    );
  }
  for (const m of report.missing) {
    out.push(
      `  lost     ${m.resource} ${m.grantId} ${m.principal} · active in Keycard, credential gone at the target · ${m.action.replace(/_/g, ' ')}`,
    );
  }
  return out;
}
