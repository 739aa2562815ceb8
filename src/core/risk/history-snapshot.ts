import type { HabitQuery, HistoryQuery, RequesterHistory } from '../types.js';
import { normaliseReason, type PastRequest, ticketsIn } from './habits.js';

/**
 * One requester's recent requests held in memory, from which the history counts and habit records of a
 * score are derived without a database round trip (issue #19: ≥ 10,000 scores/s). The derivations
 * answer exactly what `Store.history` and `Store.habitRecords` answer for the same query, as long as the
 * query's windows start at or after `from` (test/risk/history-snapshot.test.ts replays a history through
 * both and compares).
 */

const DAY_MS = 86_400_000;
/** `Store.habitRecords` returns at most this many records, newest first. */
export const MAX_HABIT_RECORDS = 500;

/** One of the requester's requests (any kind), with what scoring reads of it. */
export interface SnapshotRequest {
  id: string;
  kind: string;
  createdAt: number;
  resource: string;
  level: string;
  durationMs: number;
  reason: string;
  incidentKey: string | null;
  activatedAt: number | null;
  status: string;
  endReason: string | null;
  endedAt: number | null;
  approvalsRequired: number;
  breakGlass: boolean;
  decidedAt: number | null;
  /** The latest approving approver, if anyone approved. */
  approver: string | null;
}

/** Per resource, over the requester's requests created before the snapshot's `from`. */
export interface EarlierOnResource {
  resource: string;
  /** Access grants that were activated. */
  accessActivated: number;
  /** The latest of those activations (null when none was): a query at an earlier time cannot use `accessActivated`. */
  lastAccessActivatedAt: number | null;
  /** The earliest activation of any kind (null when none was). */
  firstActivatedAt: number | null;
}

export interface HistorySnapshotData {
  requester: string;
  /** Every request of theirs created at or after this instant (ms) is in `requests`; every anomaly at or after it in `anomalies`. */
  from: number;
  requests: SnapshotRequest[];
  earlier: EarlierOnResource[];
  /** Their anomaly alerts: id, time, and the request it was raised on (null when none). */
  anomalies: SnapshotAnomaly[];
}

export interface SnapshotAnomaly {
  id: string;
  at: number;
  requestId: string | null;
}

/** What changed since a watermark, for every requester: requests updated (or newly approved) and anomalies recorded. */
export interface HistoryChanges {
  /** False when the store returned only part of what changed (a bulk change): the snapshots cannot be kept current. */
  complete: boolean;
  requests: Array<SnapshotRequest & { requester: string }>;
  anomalies: Array<SnapshotAnomaly & { requester: string }>;
}

/** A snapshot that can be updated from the change feed and answer history queries. */
export interface HistorySnapshot {
  readonly requester: string;
  readonly from: number;
  /** How many rows it holds (the cache's memory budget counts these). */
  readonly size: number;
  /**
   * The counts `Store.history` gives as of `query.now` (nothing recorded after it counts), or undefined when the
   * query reaches back before `from` or the per-resource aggregate before `from` holds an activation after `now`.
   */
  history(query: Omit<HistoryQuery, 'requester'>): RequesterHistory | undefined;
  /** The records `Store.habitRecords` gives, or undefined when the window reaches back before `from`. */
  habitRecords(query: Omit<HabitQuery, 'requester'>): PastRequest[] | undefined;
  /**
   * Applies a changed request of theirs. Returns false when it cannot (a request created before `from`
   * changed, so the per-resource aggregates may be wrong): the caller drops the snapshot.
   */
  applyRequest(request: SnapshotRequest): boolean;
  applyAnomaly(anomaly: SnapshotAnomaly): void;
}

/** A row as a habit record, built once per row and ticket pattern (scores read the same rows many times). */
interface Derived {
  pattern: string;
  anomalies: number;
  record: PastRequest;
}

function toPastRequest(r: SnapshotRequest, pattern: string, anomalies: number): PastRequest {
  const granted = r.activatedAt !== null;
  // Frozen: every score that reads this row shares the object.
  return Object.freeze({
    at: r.createdAt,
    resource: r.resource,
    level: r.level,
    durationMs: r.durationMs,
    reasonKey: normaliseReason(r.reason),
    tickets: Object.freeze(ticketsIn(r.reason, pattern, r.incidentKey)) as string[],
    granted,
    // Approved by policy when submitted, whether or not the grant is active yet (as the audit replay counts it).
    autoApproved: r.decidedAt !== null && r.approvalsRequired === 0 && !r.breakGlass,
    approver: r.approver,
    decisionMs: r.approver !== null && r.decidedAt !== null ? r.decidedAt - r.createdAt : null,
    anomalies,
  });
}

export function createHistorySnapshot(data: HistorySnapshotData): HistorySnapshot {
  const requests = new Map(data.requests.map((r) => [r.id, r]));
  const earlier = new Map(data.earlier.map((e) => [e.resource, e]));
  const anomalies = new Map(data.anomalies.map((a) => [a.id, a]));
  // Alert times per request, for the habit records' per-request anomaly count.
  const alertsOn = new Map<string, number[]>();
  const noteAlert = (a: SnapshotAnomaly) => {
    if (a.requestId === null) return;
    const list = alertsOn.get(a.requestId) ?? [];
    list.push(a.at);
    alertsOn.set(a.requestId, list);
  };
  for (const a of anomalies.values()) noteAlert(a);
  // Newest first, rebuilt only after a change: habitRecords walks it in order.
  let sorted: SnapshotRequest[] | null = null;
  const derived = new WeakMap<SnapshotRequest, Derived>();
  const newestFirst = () => {
    sorted ??= [...requests.values()].sort((a, b) => b.createdAt - a.createdAt);
    return sorted;
  };
  const recordOf = (r: SnapshotRequest, pattern: string, since: number, now: number): PastRequest => {
    let count = 0;
    for (const at of alertsOn.get(r.id) ?? []) if (at >= since && at < now) count += 1;
    const hit = derived.get(r);
    if (hit?.pattern === pattern && hit.anomalies === count) return hit.record;
    const record = toPastRequest(r, pattern, count);
    derived.set(r, { pattern, anomalies: count, record });
    return record;
  };
  return {
    requester: data.requester,
    from: data.from,
    get size() {
      return requests.size + earlier.size + anomalies.size;
    },
    history(q) {
      const now = q.now.getTime();
      const historySince = now - q.historyWindowMs;
      const denialSince = now - q.denialWindowMs;
      const velocitySince = now - q.velocityWindowMs;
      const daySince = now - DAY_MS;
      if (Math.min(historySince, denialSince, velocitySince, daySince) < data.from) return undefined;
      const before = earlier.get(q.resource);
      // The aggregate counts activations up to the present; a query at an earlier time asks the store instead.
      if ((before?.lastAccessActivatedAt ?? Number.NEGATIVE_INFINITY) > now) return undefined;
      // As the store's query: nothing recorded after `now` counts (rows carry their current status).
      const by = (t: number | null) => t !== null && t <= now;
      let clean = 0;
      let prior = before?.accessActivated ?? 0;
      let denials = 0;
      let velocity = 0;
      const recentResources = new Set<string>();
      const activatedBeforeDay = new Set<string>();
      for (const e of earlier.values())
        if (e.firstActivatedAt !== null && e.firstActivatedAt < daySince) activatedBeforeDay.add(e.resource);
      for (const r of requests.values()) {
        if (r.activatedAt !== null && r.activatedAt < daySince) activatedBeforeDay.add(r.resource);
        if (r.createdAt > now) continue;
        if (r.createdAt >= daySince) recentResources.add(r.resource);
        if (r.status === 'denied' && by(r.decidedAt) && r.createdAt >= denialSince) denials += 1;
        if (r.kind !== 'access') continue;
        if (r.createdAt >= velocitySince) velocity += 1;
        if (r.resource !== q.resource || !by(r.activatedAt)) continue;
        prior += 1;
        const ended = (r.status === 'expired' || r.status === 'revoked') && (r.endReason === 'expired' || r.endReason === 'released');
        if (ended && by(r.endedAt) && r.createdAt >= historySince) clean += 1;
      }
      let recentAnomalies = 0;
      for (const a of anomalies.values()) if (a.at >= historySince && a.at <= now) recentAnomalies += 1;
      let newResources = 0;
      for (const resource of recentResources) if (!activatedBeforeDay.has(resource)) newResources += 1;
      return {
        cleanGrantsOnResource: clean,
        priorGrantsOnResource: prior,
        recentDenials: denials,
        recentAnomalies,
        requestsInVelocityWindow: velocity,
        newResourcesLastDay: newResources,
      };
    },
    habitRecords(q) {
      const now = q.now.getTime();
      const since = now - q.windowMs;
      if (since < data.from) return undefined;
      const out: PastRequest[] = [];
      for (const r of newestFirst()) {
        // Up to and including `now`: a request recorded in the same millisecond came before this one.
        if (r.createdAt > now || r.kind !== 'access') continue;
        if (r.createdAt < since || out.length >= MAX_HABIT_RECORDS) break;
        out.push(recordOf(r, q.ticketPattern, since, now));
      }
      return out;
    },
    applyRequest(request) {
      if (request.createdAt < data.from) return false;
      requests.set(request.id, request);
      sorted = null;
      return true;
    },
    applyAnomaly(anomaly) {
      if (anomaly.at < data.from || anomalies.has(anomaly.id)) return;
      anomalies.set(anomaly.id, anomaly);
      noteAlert(anomaly);
    },
  };
}
