import { parseRequestId } from '../commands/parse.js';
import { resolveResource } from '../policy/access.js';
import type { ManagedGrant } from '../ports/provider.js';
import type { AccessRequest } from '../types.js';
import type { CoreDeps } from './deps.js';
import { isPilot } from './pilot.js';
import { describeError } from './provider-input.js';

/** States in which a grant may legitimately exist at the target (being granted, live, or being revoked). */
const LIVE = new Set(['approved', 'active', 'revoking', 'revoke_failed']);

export interface DriftItem {
  resource: string;
  grantId: string;
  principal?: string;
  /** What Keycard knows about it: a status, or "unknown" for a grant it never made. */
  known: string;
  action: 'revoked' | 'would_revoke' | 'revoke_failed' | 'flagged';
  error?: string;
}

export interface ReconcileReport {
  at: Date;
  dryRun: boolean;
  resources: number;
  orphans: DriftItem[];
  missing: DriftItem[];
  errors: Array<{ resource: string; error: string }>;
}

/**
 * Compares what each provider manages at its target with what Keycard believes is live. Grants at the
 * target that Keycard does not know as live are revoked (orphans: made behind Keycard's back, or left by a
 * crash between grant and commit); active grants missing at the target are flagged. Everything is audited.
 */
export async function reconcile(
  deps: CoreDeps,
  now: Date,
  options: { dryRun?: boolean; resource?: string } = {},
): Promise<ReconcileReport> {
  const policy = deps.policy();
  const dryRun = options.dryRun ?? false;
  const report: ReconcileReport = { at: now, dryRun, resources: 0, orphans: [], missing: [], errors: [] };
  const names = Object.keys(policy.resources).filter((name) => !options.resource || name === options.resource);
  for (const name of names) {
    const resource = resolveResource(policy, name)!;
    const provider = deps.providers.get(resource.provider);
    if (!provider) {
      report.errors.push({ resource: name, error: `no provider "${resource.provider}" is installed` });
      continue;
    }
    const connection = resource.connection ? deps.resolveSecret(resource.connection) : undefined;
    if (resource.connection && !connection) {
      report.errors.push({ resource: name, error: `${resource.connection} is not set` });
      continue;
    }
    let managed: ManagedGrant[];
    try {
      managed = await provider.list({
        resource: name,
        resourceConfig: resource.config,
        levels: resource.levels as Record<string, Record<string, unknown>>,
        ...(connection !== undefined ? { connection } : {}),
      });
    } catch (error) {
      report.errors.push({ resource: name, error: describeError(error) });
      continue;
    }
    report.resources += 1;
    const atTarget = new Set<string>();
    for (const grant of managed) {
      atTarget.add(grant.grantId);
      const number = parseRequestId(grant.grantId);
      const known = number === undefined ? undefined : await deps.store.getRequestByNumber(number);
      const matches = known && known.resource === name;
      // A pilot request never made anything at the target, so a grant carrying its id is not one of its own.
      if (matches && LIVE.has(known.status) && !isPilot(known)) continue;
      report.orphans.push(await revokeOrphan(deps, now, dryRun, name, grant, matches ? known : undefined));
    }
    const active = await deps.store.listRequests({ resource: name, statuses: ['active'] });
    for (const request of active) {
      const grantId = `KC-${request.number}`;
      if (atTarget.has(grantId) || isPilot(request)) continue;
      report.missing.push({ resource: name, grantId, principal: request.requester, known: 'active', action: 'flagged' });
      if (!dryRun) await audit(deps, now, 'reconcile.missing_at_target', request, { ref: grantId, resource: name });
    }
  }
  if (!dryRun && (report.orphans.length > 0 || report.missing.length > 0)) await alertDrift(deps, report);
  return report;
}

async function revokeOrphan(
  deps: CoreDeps,
  now: Date,
  dryRun: boolean,
  resource: string,
  grant: ManagedGrant,
  known: AccessRequest | undefined,
): Promise<DriftItem> {
  const item: DriftItem = {
    resource,
    grantId: grant.grantId,
    ...(grant.principal ? { principal: grant.principal } : {}),
    known: known ? known.status : 'unknown',
    action: dryRun ? 'would_revoke' : 'revoked',
  };
  if (dryRun) return item;
  const policy = deps.policy();
  const resolved = resolveResource(policy, resource)!;
  const provider = deps.providers.get(resolved.provider)!;
  const level = known?.level ?? Object.keys(resolved.levels)[0] ?? '';
  const connection = resolved.connection ? deps.resolveSecret(resolved.connection) : undefined;
  try {
    await provider.revoke({
      grantId: grant.grantId,
      requester: known?.requester ?? grant.principal ?? 'unknown',
      resource,
      level,
      levelConfig: (resolved.levels[level] ?? {}) as Record<string, unknown>,
      resourceConfig: resolved.config,
      ...(connection !== undefined ? { connection } : {}),
      ref: grant.ref,
      now,
    });
  } catch (error) {
    item.action = 'revoke_failed';
    item.error = describeError(error);
  }
  await audit(deps, now, item.action === 'revoked' ? 'reconcile.orphan_revoked' : 'reconcile.orphan_revoke_failed', known ?? null, {
    ref: grant.grantId,
    resource,
    principal: grant.principal ?? null,
    known: item.known,
    ...(item.error ? { error: item.error } : {}),
  });
  return item;
}

async function audit(
  deps: CoreDeps,
  now: Date,
  action: string,
  request: AccessRequest | null,
  details: Record<string, unknown>,
): Promise<void> {
  await deps.store.transaction((tx) => tx.appendAudit({ at: now, actor: 'keycard', action, requestId: request?.id ?? null, details }));
}

async function alertDrift(deps: CoreDeps, report: ReconcileReport): Promise<void> {
  const lines = [
    ...report.orphans.map(
      (o) =>
        `${o.resource}: ${o.grantId}${o.principal ? ` (${o.principal})` : ''} existed at the target but Keycard knows it as ${o.known}: ${o.action.replace('_', ' ')}${o.error ? ` (${o.error})` : ''}`,
    ),
    ...report.missing.map((m) => `${m.resource}: ${m.grantId} (${m.principal}) is active in Keycard but missing at the target`),
  ];
  try {
    await deps.chat.postAlert(deps.policy().alerts.channel, { kind: 'info', text: `Reconciliation found drift:\n${lines.join('\n')}` });
  } catch (error) {
    deps.log.warn({ err: describeError(error) }, 'drift alert failed');
  }
}
