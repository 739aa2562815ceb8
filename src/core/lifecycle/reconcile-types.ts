/** Why something at a target is drift. */
export type DriftReason =
  /** It carries a Keycard label, but Keycard has no live grant by that id on this resource. */
  | 'no_live_grant'
  /** It looks like Keycard's (name prefix, membership of a managed role) but carries no readable Keycard label. */
  | 'unlabelled'
  /** Its label names a live grant, but it is not the object Keycard recorded for it (a forged or copied label). */
  | 'label_mismatch'
  /** Keycard's own grant whose revocation keeps failing: drift until the target confirms the revoke. */
  | 'revoke_failed';

export interface DriftItem {
  resource: string;
  /** The grant id its label names; empty when it carries no label. */
  grantId: string;
  principal?: string;
  /** What Keycard knows about that id: a status, or "unknown". */
  known: string;
  reason: DriftReason;
  /** revoked / would_revoke / revoke_failed under `reconcile.unknown: revoke`; reported otherwise; retrying for revoke_failed grants. */
  action: 'revoked' | 'would_revoke' | 'revoke_failed' | 'reported' | 'retrying';
  error?: string;
}

/** A live grant whose credential is gone at the target. */
export interface LostItem {
  resource: string;
  grantId: string;
  principal: string;
  action: 'marked_lost' | 'would_mark_lost';
}

/** Standing access through a level's roles by a principal Keycard did not create. */
export interface StandingItem {
  resource: string;
  level: string;
  principal: string;
  via: string;
  /** First seen in this pass (alerted now); false when it was alerted before. */
  isNew: boolean;
}

export interface ReconcileReport {
  at: Date;
  dryRun: boolean;
  /** The policy's reconcile.unknown (or the caller's override). */
  mode: 'revoke' | 'report';
  resources: number;
  /** At the target without a live grant, or Keycard's grants whose revoke keeps failing. */
  orphans: DriftItem[];
  /** Live grants whose credential is missing at the target (now `lost`). */
  missing: LostItem[];
  standing: StandingItem[];
  errors: Array<{ resource: string; error: string }>;
}

/** True when the report holds anything Keycard cannot account for. */
export function hasDrift(report: Pick<ReconcileReport, 'orphans' | 'missing'>): boolean {
  return report.orphans.length > 0 || report.missing.length > 0;
}
