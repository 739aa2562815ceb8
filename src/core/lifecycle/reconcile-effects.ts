import type { AccessRequest } from '../types.js';
import type { CoreDeps } from './deps.js';
import { announce } from './notify.js';
import { describeError } from './provider-input.js';
import type { DriftItem, LostItem, StandingItem } from './reconcile-types.js';

/** Where "already alerted" findings are remembered, so each is alerted (and audited when only reported) once. */
const SEEN = 'reconcile:seen';

/** How long the one-shot claim of a new finding is kept; by then the finding is remembered under SEEN. */
const SEEN_CLAIM_MS = 3_600_000;

/**
 * True the first time `key` is seen (and remembers it). Atomic across replicas: of two passes that meet a new
 * finding at the same moment (a pass outliving its lease), only the one that claims it first alerts.
 */
export async function firstSighting(deps: CoreDeps, key: string, now: Date): Promise<boolean> {
  if (await deps.store.state.get(SEEN, key)) return false;
  if (!(await deps.store.state.acquireLease(`${SEEN}|${key}`, deps.ids.uuid(), now, SEEN_CLAIM_MS))) return false;
  await deps.store.state.put(SEEN, key, { at: now.toISOString() });
  return true;
}

export async function auditReconcile(
  deps: CoreDeps,
  now: Date,
  action: string,
  request: AccessRequest | null,
  details: object,
): Promise<void> {
  await deps.store.transaction(async (tx) =>
    tx.appendAudit({ at: now, actor: 'keycard', action, requestId: request?.id ?? null, details: { ...details } }),
  );
}

/** active → lost (one conditional update plus its audit event), then the holder and the approvers are told. */
export async function markLost(deps: CoreDeps, request: AccessRequest, now: Date): Promise<AccessRequest | undefined> {
  const lost = await deps.store.transaction(async (tx) => {
    const row = await tx.transition(request.id, ['active'], {
      status: 'lost',
      endedAt: now,
      nextNoticeAt: null,
      nextAttemptAt: null,
      lastError: 'the credential is missing at the target',
    });
    if (row) {
      tx.appendAudit({
        at: now,
        actor: 'keycard',
        action: 'grant.lost',
        requestId: request.id,
        details: { ref: `KC-${request.number}`, resource: request.resource, expiresAt: request.expiresAt?.toISOString() ?? null },
      });
    }
    return row;
  });
  if (lost) await announce(deps, lost, 'lost');
  return lost;
}

function driftLine(item: DriftItem): string {
  const what = item.grantId
    ? `${item.grantId}${item.principal ? ` (${item.principal})` : ''}`
    : `${item.principal ?? 'an object'} (no Keycard label)`;
  const why: Record<DriftItem['reason'], string> = {
    no_live_grant: `carries Keycard's label but Keycard knows it as ${item.known}`,
    unlabelled: 'looks like Keycard’s but no Keycard grant made it',
    label_mismatch: `claims to be ${item.grantId}, which Keycard granted as a different object (forged or copied label)`,
    revoke_failed: 'is Keycard’s grant whose revoke keeps failing',
  };
  return `${item.resource}: ${what} ${why[item.reason]} · ${item.action.replace('_', ' ')}${item.error ? ` (${item.error})` : ''}`;
}

/** One alert to the alerts (security) channel with what this pass found for the first time. */
export async function alertFindings(deps: CoreDeps, drift: DriftItem[], lost: LostItem[], standing: StandingItem[]): Promise<void> {
  if (drift.length + lost.length + standing.length === 0) return;
  const lines = [
    ...drift.map(driftLine),
    ...lost.map(
      (l) => `${l.resource}: ${l.grantId} (${l.principal}) is active in Keycard but its credential is gone at the target · marked lost`,
    ),
    ...standing.map((s) => `${s.resource} (${s.level}): ${s.principal} has standing access outside Keycard · ${s.via}`),
  ];
  try {
    await deps.chat.postAlert(deps.policy().alerts.channel, { kind: 'info', text: `Reconciliation found drift:\n${lines.join('\n')}` });
  } catch (error) {
    deps.log.warn({ err: describeError(error) }, 'drift alert failed');
  }
}
