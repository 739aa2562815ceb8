import type { EndReason, RequesterHistory, RequestKind } from '../types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The look-back windows of a history query (policy.risk.thresholds, in ms). */
export interface HistoryWindows {
  historyWindowMs: number;
  denialWindowMs: number;
  velocityWindowMs: number;
}

interface TrackedRequest {
  requester: string;
  resource: string;
  kind: RequestKind;
  createdAt: number;
  activated: boolean;
}

interface RequesterState {
  /** created_at of kind='access' requests, ascending (velocity). */
  accessTimes: number[];
  /** Every request (any kind), ascending by created_at (new-resource burst). */
  recent: Array<{ at: number; resource: string }>;
  /** created_at of requests that ended up denied (recent denials count by creation time, as the SQL does). */
  deniedCreatedAt: number[];
  /** Times of anomaly.detected events naming this requester, ascending. */
  anomalies: number[];
}

interface PairState {
  priorGrants: number;
  cleanCreatedAt: number[];
  firstActivatedAt: number | undefined;
}

export interface HistoryTracker {
  submitted(request: { id: string; requester: string; resource: string; kind: RequestKind; at: Date }): void;
  activated(id: string, at: Date): void;
  ended(id: string, status: 'expired' | 'revoked', endReason: EndReason | null): void;
  denied(id: string): void;
  anomaly(requester: string, at: Date): void;
  /** What `store.history()` would return at `now`, given everything fed in so far. */
  history(requester: string, resource: string, now: Date): RequesterHistory;
}

/**
 * The requester history of src/store/history.ts, computed incrementally from lifecycle facts fed in
 * time order, so a replay of the audit log (or the history generator) sees exactly the counts the
 * store's indexed queries would have returned at each submission. Every rule below mirrors one
 * subquery there; test/risk/history-tracker.test.ts checks them against the real store.
 */
export function createHistoryTracker(windows: HistoryWindows): HistoryTracker {
  const requests = new Map<string, TrackedRequest>();
  const people = new Map<string, RequesterState>();
  const pairs = new Map<string, PairState>();

  const person = (requester: string): RequesterState => {
    let state = people.get(requester);
    if (!state) {
      state = { accessTimes: [], recent: [], deniedCreatedAt: [], anomalies: [] };
      people.set(requester, state);
    }
    return state;
  };
  const pair = (requester: string, resource: string): PairState => {
    const key = `${requester}\u0000${resource}`;
    let state = pairs.get(key);
    if (!state) {
      state = { priorGrants: 0, cleanCreatedAt: [], firstActivatedAt: undefined };
      pairs.set(key, state);
    }
    return state;
  };

  return {
    submitted({ id, requester, resource, kind, at }) {
      const createdAt = at.getTime();
      requests.set(id, { requester, resource, kind, createdAt, activated: false });
      const state = person(requester);
      if (kind === 'access') insertSorted(state.accessTimes, createdAt);
      insertSortedBy(state.recent, { at: createdAt, resource }, (r) => r.at);
    },
    activated(id, at) {
      const request = requests.get(id);
      if (!request || request.activated) return;
      request.activated = true;
      const state = pair(request.requester, request.resource);
      // prior_grants: kind='access' rows with activated_at set; the burst rule looks at any kind.
      if (request.kind === 'access') state.priorGrants += 1;
      const t = at.getTime();
      if (state.firstActivatedAt === undefined || t < state.firstActivatedAt) state.firstActivatedAt = t;
    },
    ended(id, status, endReason) {
      const request = requests.get(id);
      if (request?.kind !== 'access' || !request.activated) return;
      const clean = (status === 'expired' || status === 'revoked') && (endReason === 'expired' || endReason === 'released');
      if (clean) pair(request.requester, request.resource).cleanCreatedAt.push(request.createdAt);
    },
    denied(id) {
      const request = requests.get(id);
      if (request) person(request.requester).deniedCreatedAt.push(request.createdAt);
    },
    anomaly(requester, at) {
      insertSorted(person(requester).anomalies, at.getTime());
    },
    history(requester, resource, now) {
      const t = now.getTime();
      const historySince = t - windows.historyWindowMs;
      const daySince = t - DAY_MS;
      const state = people.get(requester);
      const own = pairs.get(`${requester}\u0000${resource}`);
      let newResources = 0;
      if (state) {
        const seen = new Set<string>();
        for (let i = lowerBound(state.recent, daySince, (r) => r.at); i < state.recent.length; i += 1) {
          const name = state.recent[i]!.resource;
          if (seen.has(name)) continue;
          seen.add(name);
          const first = pairs.get(`${requester}\u0000${name}`)?.firstActivatedAt;
          if (first === undefined || first >= daySince) newResources += 1;
        }
      }
      return {
        cleanGrantsOnResource: own ? own.cleanCreatedAt.filter((c) => c >= historySince).length : 0,
        priorGrantsOnResource: own?.priorGrants ?? 0,
        recentDenials: state ? state.deniedCreatedAt.filter((c) => c >= t - windows.denialWindowMs).length : 0,
        recentAnomalies: state ? state.anomalies.length - lowerBound(state.anomalies, historySince, (a) => a) : 0,
        requestsInVelocityWindow: state
          ? state.accessTimes.length - lowerBound(state.accessTimes, t - windows.velocityWindowMs, (a) => a)
          : 0,
        newResourcesLastDay: newResources,
      };
    },
  };
}

/** First index whose key is >= value (the list is sorted ascending by key). */
export function lowerBound<T>(list: readonly T[], value: number, key: (item: T) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(list[mid]!) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(list: number[], value: number): void {
  insertSortedBy(list, value, (v) => v);
}

// Events arrive in time order, so this is an append almost always; the search keeps it correct when not.
export function insertSortedBy<T>(list: T[], item: T, key: (item: T) => number): void {
  const k = key(item);
  if (list.length === 0 || key(list[list.length - 1]!) <= k) {
    list.push(item);
    return;
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(list[mid]!) <= k) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, item);
}
