import type { Logger } from '../core/ports/runtime.js';
import type { Store, StoreTx } from '../core/ports/store.js';
import type { AccessRequest, AuditInput } from '../core/types.js';

/** Called once per audit event, after the transaction that wrote it committed. */
export type CommittedEventListener = (event: AuditInput, request: AccessRequest | undefined) => void;

interface Collected {
  events: Array<{ event: AuditInput; request: AccessRequest | undefined }>;
}

function watchTx(tx: StoreTx, collected: Collected): StoreTx {
  // The latest version of each request row this transaction has read or written, so an audit event can
  // be labelled (resource, tier, provider, timestamps) without another query.
  const rows = new Map<string, AccessRequest>();
  const seen = <T extends AccessRequest | undefined>(row: T): T => {
    if (row) rows.set(row.id, row);
    return row;
  };
  // Store ports are plain objects (see src/store/create-store.ts), so spreading keeps every method.
  return {
    ...tx,
    insertRequest: async (request) => seen(await tx.insertRequest(request)),
    getRequest: async (id) => seen(await tx.getRequest(id)),
    getRequestByNumber: async (number) => seen(await tx.getRequestByNumber(number)),
    lockRequest: async (id) => seen(await tx.lockRequest(id)),
    lockRequestByNumber: async (number) => seen(await tx.lockRequestByNumber(number)),
    transition: async (id, from, patch) => seen(await tx.transition(id, from, patch)),
    recordEnded: async (ends) => {
      const moved = await tx.recordEnded(ends);
      for (const row of moved) seen(row);
      return moved;
    },
    transitionMany: async (ids, from, patch) => {
      const moved = await tx.transitionMany(ids, from, patch);
      for (const row of moved) seen(row);
      return moved;
    },
    update: async (id, patch) => seen(await tx.update(id, patch)),
    claimDue: async (kind, now, limit) => {
      const due = await tx.claimDue(kind, now, limit);
      for (const row of due) seen(row);
      return due;
    },
    appendAudit: (event) => {
      tx.appendAudit(event);
      collected.events.push({ event, request: event.requestId ? rows.get(event.requestId) : undefined });
    },
    appendAudits: (events) => {
      tx.appendAudits(events);
      for (const event of events) collected.events.push({ event, request: event.requestId ? rows.get(event.requestId) : undefined });
    },
  };
}

/**
 * Derives lifecycle metrics without touching the core: every transition writes exactly one audit event
 * in its transaction (DESIGN.md §2), so watching `appendAudit` sees every transition. Events are handed
 * on only after the commit, so a rolled-back transaction (or a retried body) is never counted twice.
 * A listener failure is logged and swallowed: metrics must never break the lifecycle.
 */
export function instrumentStore(store: Store, onCommitted: CommittedEventListener, log: Logger): Store {
  const report = (events: Collected['events']) => {
    for (const { event, request } of events) {
      try {
        onCommitted(event, request);
      } catch (error) {
        log.warn({ action: event.action, err: error instanceof Error ? error.message : String(error) }, 'recording a metric failed');
      }
    }
  };
  // An audited write stores only the events of the rows it moved, and commits as it returns.
  const reportMoved = (events: readonly AuditInput[], moved: readonly AccessRequest[]) => {
    const byId = new Map(moved.map((row) => [row.id, row]));
    report(
      events.flatMap((event) => (event.requestId && byId.has(event.requestId) ? [{ event, request: byId.get(event.requestId) }] : [])),
    );
  };
  return {
    ...store,
    async transitionAudited(id, from, patch, events) {
      const row = await store.transitionAudited(id, from, patch, events);
      if (row) reportMoved(events, [row]);
      return row;
    },
    async recordEndedAudited(ends, events) {
      const moved = await store.recordEndedAudited(ends, events);
      reportMoved(events, moved);
      return moved;
    },
    async insertRequestAudited(request, events) {
      const row = await store.insertRequestAudited(request, events);
      reportMoved(events, [row]);
      return row;
    },
    async transaction(fn) {
      let collected: Collected | undefined;
      const result = await store.transaction((tx) => {
        const current: Collected = { events: [] };
        collected = current;
        return fn(watchTx(tx, current));
      });
      report(collected?.events ?? []);
      return result;
    },
  };
}
