import { parseRequestId } from '../commands/parse.js';
import { resolveResource } from '../policy/access.js';
import type { ManagedGrant, Provider } from '../ports/provider.js';
import type { AccessRequest } from '../types.js';
import type { CoreDeps } from './deps.js';
import { isPilot } from './pilot.js';
import { describeError } from './provider-input.js';
import { alertFindings, auditReconcile, firstSighting, markLost } from './reconcile-effects.js';
import { reconcileStanding } from './reconcile-standing.js';
import type { DriftItem, DriftReason, ReconcileReport } from './reconcile-types.js';

export type { DriftItem, LostItem, ReconcileReport, StandingItem } from './reconcile-types.js';

/** States in which a grant may legitimately exist at the target. */
const LIVE = ['approved', 'active', 'revoking', 'revoke_failed'] as const;
const LIVE_SET = new Set<string>(LIVE);

/**
 * Every key Keycard recorded in the grant's ref that the target also reports must be equal (role name and
 * oid, binding name, assignment). A label copied onto another object, or an object re-created under the same
 * name, fails this check: Keycard's database is the truth, never the label at the target.
 */
export function sameObject(recorded: Record<string, unknown> | null, listed: Record<string, unknown>): boolean {
  if (!recorded) return true;
  return Object.entries(recorded).every(([key, value]) => !(key in listed) || JSON.stringify(listed[key]) === JSON.stringify(value));
}

/**
 * Compares each target with Keycard's records, in both directions. At the target, whatever looks like Keycard's
 * without a live grant behind it is drift: revoked or only reported as the policy's `reconcile.unknown` says,
 * alerted to the alerts channel once per finding, audited. Keycard's live grants whose credential is gone at the
 * target become `lost`. Grants whose revoke keeps failing count as drift until the target confirms. Standing
 * access through the level's roles is reported, and alerted once per finding. Cost: one list and one inventory
 * call per resource and one query for its live grants, whatever the number of grants.
 */
export async function reconcile(
  deps: CoreDeps,
  now: Date,
  options: { dryRun?: boolean; resource?: string; mode?: 'revoke' | 'report' } = {},
): Promise<ReconcileReport> {
  const policy = deps.policy();
  const dryRun = options.dryRun ?? false;
  const mode = options.mode ?? policy.reconcile.unknown;
  const report: ReconcileReport = { at: now, dryRun, mode, resources: 0, orphans: [], missing: [], standing: [], errors: [] };
  const names = Object.keys(policy.resources).filter((name) => !options.resource || name === options.resource);
  const fresh: { drift: DriftItem[]; standing: ReconcileReport['standing'] } = { drift: [], standing: [] };
  // A target that cannot be read is an error, but Keycard's own failing revokes are known without it: still drift.
  const unreadable = async (name: string, error: string) => {
    report.errors.push({ resource: name, error });
    for (const request of await deps.store.listRequests({ resource: name, statuses: ['revoke_failed'] }))
      report.orphans.push(revokeFailedItem(name, request));
  };
  for (const name of names) {
    const resource = resolveResource(policy, name)!;
    const provider = deps.providers.get(resource.provider);
    if (!provider) {
      await unreadable(name, `no provider "${resource.provider}" is installed`);
      continue;
    }
    const connection = resource.connection ? deps.resolveSecret(resource.connection) : undefined;
    if (resource.connection && !connection) {
      await unreadable(name, `${resource.connection} is not set`);
      continue;
    }
    const listInput = {
      resource: name,
      resourceConfig: resource.config,
      levels: resource.levels as Record<string, Record<string, unknown>>,
      ...(connection !== undefined ? { connection } : {}),
    };
    // Only grants live before the list was taken can be missing from it (one activated meanwhile is not lost).
    const listedAt = deps.clock.now();
    let managed: ManagedGrant[];
    try {
      managed = await provider.list(listInput);
    } catch (error) {
      await unreadable(name, describeError(error));
      continue;
    }
    report.resources += 1;
    const live = await deps.store.listRequests({ resource: name, statuses: LIVE });
    const byNumber = new Map(live.map((r) => [r.number, r]));
    const atTarget = new Set<number>();
    for (const entry of managed) {
      const number = entry.grantId ? parseRequestId(entry.grantId) : undefined;
      const known = number === undefined ? undefined : (byNumber.get(number) ?? (await deps.store.getRequestByNumber(number)));
      const sameResource = known?.resource === name && !isPilot(known);
      const genuine = sameResource && sameObject(known.grantRef, entry.ref);
      if (known && genuine && byNumber.has(known.number)) {
        atTarget.add(known.number);
        continue;
      }
      // Another resource's live grant on a shared target (the same server and group role): reconciled there.
      if (known && known.resource !== name && LIVE_SET.has(known.status) && !isPilot(known) && sameObject(known.grantRef, entry.ref))
        continue;
      const reason: DriftReason = !entry.grantId
        ? 'unlabelled'
        : sameResource && byNumber.has(known.number)
          ? 'label_mismatch'
          : 'no_live_grant';
      const item: DriftItem = {
        resource: name,
        grantId: entry.grantId,
        ...(entry.principal ? { principal: entry.principal } : {}),
        known: known ? known.status : 'unknown',
        reason,
        action: 'reported',
      };
      if (mode === 'revoke') await revokeDrift(provider, listInput, entry, item, known, dryRun, now);
      report.orphans.push(item);
      if (!dryRun && (item.action !== 'reported' || (await firstSighting(deps, driftKey(item), now)))) {
        await auditReconcile(deps, now, `reconcile.drift_${item.action}`, item.reason === 'label_mismatch' ? null : (known ?? null), item);
        fresh.drift.push(item);
      }
    }
    for (const request of live) {
      if (request.status === 'revoke_failed') {
        report.orphans.push(revokeFailedItem(name, request));
        continue;
      }
      if (request.status !== 'active' || isPilot(request) || atTarget.has(request.number)) continue;
      if (!request.activatedAt || request.activatedAt.getTime() >= listedAt.getTime()) continue;
      const lost = { resource: name, grantId: `KC-${request.number}`, principal: request.requester };
      if (dryRun) report.missing.push({ ...lost, action: 'would_mark_lost' });
      else if (await markLost(deps, request, now)) report.missing.push({ ...lost, action: 'marked_lost' });
    }
    if (resource.mode !== 'pilot') {
      const standing = await reconcileStanding(deps, name, dryRun, now);
      if (standing.error) report.errors.push({ resource: name, error: standing.error });
      report.standing.push(...standing.items);
      fresh.standing.push(...standing.items.filter((s) => s.isNew));
    }
  }
  if (!dryRun) await alertFindings(deps, fresh.drift, report.missing, fresh.standing);
  return report;
}

/** Keycard's own revoke keeps failing (it retries by itself): access may be live, so it is drift. */
function revokeFailedItem(resource: string, request: AccessRequest): DriftItem {
  return {
    resource,
    grantId: `KC-${request.number}`,
    principal: request.requester,
    known: 'revoke_failed',
    reason: 'revoke_failed',
    action: 'retrying',
    ...(request.lastError ? { error: request.lastError } : {}),
  };
}

function driftKey(item: DriftItem): string {
  return `${item.resource}|${item.grantId}|${item.principal ?? ''}|${item.reason}`;
}

async function revokeDrift(
  provider: Provider,
  listInput: {
    resource: string;
    resourceConfig: Record<string, unknown>;
    levels: Record<string, Record<string, unknown>>;
    connection?: string;
  },
  entry: ManagedGrant,
  item: DriftItem,
  known: AccessRequest | undefined,
  dryRun: boolean,
  now: Date,
): Promise<void> {
  if (dryRun) {
    item.action = 'would_revoke';
    return;
  }
  // The object is revoked as the target reports it (its own label and ref), never as the live grant its label
  // may name: a forged label must not lead Keycard to the real grant's credential.
  const genuineKnown = known && item.reason === 'no_live_grant' ? known : undefined;
  const level = genuineKnown?.level ?? Object.keys(listInput.levels)[0] ?? '';
  try {
    await provider.revoke({
      grantId: entry.grantId,
      requester: genuineKnown?.requester ?? entry.principal ?? 'unknown',
      resource: listInput.resource,
      level,
      levelConfig: listInput.levels[level] ?? {},
      resourceConfig: listInput.resourceConfig,
      ...(listInput.connection !== undefined ? { connection: listInput.connection } : {}),
      ref: entry.ref,
      now,
    });
    item.action = 'revoked';
  } catch (error) {
    item.action = 'revoke_failed';
    item.error = describeError(error);
  }
}
