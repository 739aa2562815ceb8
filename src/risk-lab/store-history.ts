import type { Policy } from '../core/policy/schema.js';
import type { Store } from '../core/ports/store.js';
import { type LedgerRequest, replayAudit } from '../core/risk/audit-ledger.js';
import type { AuditEvent, AuditInput, NewAccessRequest, RequestStatus } from '../core/types.js';
import { parseTruth } from './history-files.js';
import type { GroundTruth } from './simulate.js';

/** Where the labels of a history written into a database live: a key/value namespace of their own, not a table the scorer reads. */
export const TRUTH_NAMESPACE = 'risk-lab';
export const TRUTH_KEY = 'ground-truth';

const BATCH = 500;

export type StoreWriteProgress = (phase: 'requests' | 'approvals' | 'audit', done: number, total: number) => void;

/**
 * Writes a generated history into a Keycard database through the Store port: every request row in
 * its final state, every approval, and every audit event appended to the hash chain in order. The
 * database must be empty, so a generated history can never mix with a real one.
 */
export async function writeHistoryToStore(
  store: Store,
  policy: Policy,
  events: readonly AuditInput[],
  truth: GroundTruth,
  progress: StoreWriteProgress = () => {},
): Promise<void> {
  if ((await store.listRequests({ limit: 1 })).length > 0 || (await store.readAudit({ limit: 1 })).length > 0) {
    throw new Error('the database already holds requests or audit events; simulate into an empty database (or use --out DIR)');
  }
  const t = policy.risk.thresholds;
  const requests = replayAudit(events, {
    historyWindowMs: t.historyWindow,
    denialWindowMs: t.denialWindow,
    velocityWindowMs: t.velocityWindow,
  }).requests();

  for (let i = 0; i < requests.length; i += BATCH) {
    await store.transaction(async (tx) => {
      for (const request of requests.slice(i, i + BATCH)) {
        const number = await tx.nextRequestNumber();
        if (`KC-${number}` !== request.ref) throw new Error(`request numbers are out of step (${request.ref} would be KC-${number})`);
        await tx.insertRequest({ ...requestRow(policy, request), number });
      }
    });
    progress('requests', Math.min(i + BATCH, requests.length), requests.length);
  }

  const decisions = events.filter((e) => e.action === 'approval.recorded' || e.action === 'request.denied');
  for (let i = 0; i < decisions.length; i += BATCH) {
    await store.transaction(async (tx) => {
      for (const e of decisions.slice(i, i + BATCH)) {
        const groups = Array.isArray(e.details.groups) ? e.details.groups.filter((g): g is string => typeof g === 'string') : [];
        const comment =
          typeof e.details.comment === 'string' ? e.details.comment : typeof e.details.reason === 'string' ? e.details.reason : null;
        await tx.insertApproval({
          requestId: e.requestId!,
          approver: e.actor,
          decision: e.action === 'request.denied' ? 'deny' : 'approve',
          groups,
          comment,
          createdAt: e.at,
        });
      }
    });
    progress('approvals', Math.min(i + BATCH, decisions.length), decisions.length);
  }

  for (let i = 0; i < events.length; i += BATCH) {
    await store.transaction(async (tx) => {
      for (const event of events.slice(i, i + BATCH)) tx.appendAudit(event);
    });
    progress('audit', Math.min(i + BATCH, events.length), events.length);
  }
  await store.state.put(TRUTH_NAMESPACE, TRUTH_KEY, { ...truth });
}

/** The whole audit log, in chain order. */
export async function readStoreAudit(store: Store): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let afterSeq = 0;
  for (;;) {
    const batch = await store.readAudit({ afterSeq, limit: 5000 });
    events.push(...batch);
    if (batch.length < 5000) return events;
    afterSeq = batch[batch.length - 1]!.seq;
  }
}

export async function readStoreTruth(store: Store): Promise<GroundTruth | undefined> {
  const value = await store.state.get(TRUTH_NAMESPACE, TRUTH_KEY);
  return value ? parseTruth(value, `kv ${TRUTH_NAMESPACE}/${TRUTH_KEY}`) : undefined;
}

function statusOf(r: LedgerRequest): RequestStatus {
  if (r.activatedAt) {
    if (!r.endedAt) return 'active';
    return r.endReason === 'expired' ? 'expired' : 'revoked';
  }
  switch (r.outcome) {
    case 'denied':
      return 'denied';
    case 'timed_out':
      return 'timed_out';
    case 'cancelled':
      return 'cancelled';
    case 'pending':
      return 'pending';
    default:
      return r.failed ? 'failed' : 'approved';
  }
}

/** The request row as the lifecycle would have left it. */
function requestRow(policy: Policy, r: LedgerRequest): NewAccessRequest {
  const tier = policy.tiers[r.recorded.tier];
  return {
    id: r.id,
    kind: r.kind,
    parentId: null,
    requester: r.requester,
    resource: r.resource,
    level: r.level,
    durationMs: r.durationMs,
    reason: r.reason,
    incidentKey: r.incidentKey,
    breakGlass: r.breakGlass,
    status: statusOf(r),
    score: r.recorded.score,
    tier: r.recorded.tier,
    factors: r.recorded.factors,
    approvalsRequired: tier.approvals,
    approverGroups: tier.approvers,
    distinctGroups: tier.distinctGroups,
    approvalExpiresAt: null,
    remindAt: null,
    remindedAt: null,
    createdAt: r.createdAt,
    decidedAt: r.decidedAt,
    decisionNote:
      r.outcome === 'auto_approved' ? 'auto-approved by policy' : r.outcome === 'denied' ? 'not justified by the reason given' : null,
    activatedAt: r.activatedAt,
    expiresAt: r.activatedAt ? new Date(r.activatedAt.getTime() + r.durationMs) : null,
    endedAt: r.endedAt,
    endReason: r.endReason,
    endedBy: r.endedBy,
    provider: policy.resources[r.resource]?.provider ?? 'demo',
    grantRef: null,
    credentialFingerprint: null,
    attempts: 0,
    nextAttemptAt: null,
    lastError: null,
    noticesSent: [],
    nextNoticeAt: null,
    reviewRequired: false,
    reviewedBy: null,
    reviewedAt: null,
    origin: { platform: r.platform === 'slack' || r.platform === 'teams' ? r.platform : 'console' },
  };
}
