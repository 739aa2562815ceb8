import type { AuditKey, AuditKeyLookup } from '../core/audit/hash-chain.js';
import { type Clock, type Logger, silentLogger } from '../core/ports/runtime.js';
import type { Store, StoreTx } from '../core/ports/store.js';
import type { Approval, AuditInput } from '../core/types.js';
import { listActivity, recordActivity } from './activity-repository.js';
import { insertApproval, listApprovals } from './approval-repository.js';
import { readApproverRecord } from './approver-record.js';
import { auditInsertText, chainAudits, countUnchained, insertAudits, readAudit, readAuditHead, toStoredAudit } from './audit-log.js';
import { createAuditSequencer } from './audit-sequencer.js';
import { insertRequestAudited, recordEnded, recordEndedAudited, transitionAudited } from './audited-writes.js';
import { claimDue } from './claims.js';
import type { Database, DatabaseHandle } from './database.js';
import { createDirectoryRepository } from './directory-repository.js';
import { readHabitRecords } from './habit-records.js';
import { readHistory } from './history.js';
import { loadHistorySnapshot, readHistoryChanges } from './history-snapshot.js';
import { createInboundEventLog } from './inbound-events.js';
import { createKeyLocks } from './key-locks.js';
import { runPgTransaction } from './pg-transaction.js';
import { readReasonPeers } from './reason-peers.js';
import {
  expiringSoon,
  findActiveGrant,
  findPending,
  getRequest,
  getRequestByNumber,
  getRequestWithApprovals,
  insertRequest,
  listRequests,
  lockRequestAndApprovals,
  lockRequestByNumber,
  nextRequestNumber,
  transition,
  transitionMany,
  updateRequest,
} from './request-repository.js';
import { createStateStore } from './state-store.js';
import { createTransactionGuard } from './transaction-guard.js';

export interface StoreOptions {
  /** Source of `updated_at` stamps; the system clock by default. */
  clock?: Clock;
  /** Keys the audit chain (HMAC); without it events are chained with plain SHA-256. */
  auditKey?: AuditKey;
  /** Retired keys too, by id: rows a replica wrote with the previous key during a rotation are still chained. */
  auditKeyLookup?: AuditKeyLookup;
  /**
   * Also chain audit events every this many ms, not only after this process's own transactions (`keycard
   * start` sets it, so events a stopped replica left unchained are chained); off by default.
   */
  auditSweepMs?: number;
  log?: Logger;
}

const systemClock: Clock = { now: () => new Date() };

/** The Store port on drizzle, for either driver. The store owns the handle: `close()` closes it. */
export function createStore(handle: DatabaseHandle, options: StoreOptions = {}): Store {
  const clock = options.clock ?? systemClock;
  const guard = createTransactionGuard();
  const db = handle.db;
  const oneMessage = handle.driver === 'pg';
  const log = options.log ?? silentLogger;
  const current = options.auditKey;
  const keys = { current, lookup: options.auditKeyLookup ?? ((id: string) => (id === current?.id ? current : undefined)) };
  const reported = new Set<number>();
  const refused = (id: number, why: string) => {
    if (reported.has(id)) return;
    reported.add(id);
    log.error({ auditEventId: id }, `audit event ${id} is left unchained, because ${why}; audit verify counts it as not chained`);
  };
  // On node-postgres the chaining transaction's BEGIN rides on its first message (lock, head and batch).
  const chainIn = <T>(body: (tx: Database) => Promise<T>): Promise<T> =>
    handle.driver === 'pg' ? runPgTransaction(handle.pool, body, () => undefined) : db.transaction(body);
  const sequencer = createAuditSequencer({
    chainBatch: (limit) => chainAudits(chainIn, keys, oneMessage, limit, refused),
    log,
    ...(options.auditSweepMs ? { sweepMs: options.auditSweepMs } : {}),
  });
  if (options.auditSweepMs) sequencer.kick();
  let closing: Promise<void> | undefined;
  const locks = createKeyLocks({ ...(handle.driver === 'pg' ? { lockPool: handle.lockPool } : {}), log });
  return {
    exclusive(key, work) {
      guard.assertOutside('exclusive');
      return locks.run(key, work);
    },
    async transaction(fn) {
      guard.assertOutside('transaction');
      const queued: AuditInput[] = [];
      // The transaction's events go in as its last statement, unchained and without a lock; chained after the commit.
      const result = await guard.enclose(() =>
        handle.driver === 'pg'
          ? // BEGIN rides on the first statement and the events' insert on COMMIT (pg-transaction.ts).
            runPgTransaction(
              handle.pool,
              (tx) => fn(createStoreTx(tx, clock, queued, true)),
              () => auditInsertText(queued, current),
            )
          : db.transaction(async (tx) => {
              const value = await fn(createStoreTx(tx, clock, queued, false));
              await insertAudits(tx, queued, current);
              return value;
            }),
      );
      if (queued.length > 0) sequencer.kick();
      return result;
    },
    getRequestWithApprovals(number) {
      guard.assertOutside('getRequestWithApprovals');
      return getRequestWithApprovals(db, number);
    },
    nextRequestNumber() {
      guard.assertOutside('nextRequestNumber');
      return nextRequestNumber(db);
    },
    async transitionAudited(id, from, patch, events) {
      guard.assertOutside('transitionAudited');
      const row = await transitionAudited(db, id, from, patch, clock.now(), events.map(toStoredAudit), current);
      if (row && events.length > 0) sequencer.kick();
      return row;
    },
    async recordEndedAudited(ends, events) {
      guard.assertOutside('recordEndedAudited');
      const moved = await recordEndedAudited(db, ends, clock.now(), events.map(toStoredAudit), current);
      if (moved.length > 0 && events.length > 0) sequencer.kick();
      return moved;
    },
    async insertRequestAudited(request, events) {
      guard.assertOutside('insertRequestAudited');
      const row = await insertRequestAudited(db, request, events.map(toStoredAudit), current);
      if (events.length > 0) sequencer.kick();
      return row;
    },
    expiringSoon(before, limit) {
      guard.assertOutside('expiringSoon');
      return expiringSoon(db, before, limit);
    },
    getRequest(id) {
      guard.assertOutside('getRequest');
      return getRequest(db, id);
    },
    getRequestByNumber(number) {
      guard.assertOutside('getRequestByNumber');
      return getRequestByNumber(db, number);
    },
    listRequests(filter) {
      guard.assertOutside('listRequests');
      return listRequests(db, filter);
    },
    listApprovals(requestId) {
      guard.assertOutside('listApprovals');
      return listApprovals(db, requestId);
    },
    history(query) {
      guard.assertOutside('history');
      return readHistory(db, query);
    },
    habitRecords(query) {
      guard.assertOutside('habitRecords');
      return readHabitRecords(db, query);
    },
    approverRecord(query) {
      guard.assertOutside('approverRecord');
      return readApproverRecord(db, query);
    },
    reasonPeers(query) {
      guard.assertOutside('reasonPeers');
      return readReasonPeers(db, query);
    },
    historySnapshot(requester, from) {
      guard.assertOutside('historySnapshot');
      return loadHistorySnapshot(db, requester, from.getTime());
    },
    historyChanges(since) {
      guard.assertOutside('historyChanges');
      return readHistoryChanges(db, since);
    },
    // Events this process committed before the call are chained before it reads.
    async readAudit(query) {
      guard.assertOutside('readAudit');
      await sequencer.settled();
      return readAudit(db, query);
    },
    async auditHead() {
      guard.assertOutside('auditHead');
      await sequencer.settled();
      return readAuditHead(db);
    },
    auditBacklog() {
      guard.assertOutside('auditBacklog');
      return countUnchained(db);
    },
    recordActivity(event) {
      guard.assertOutside('recordActivity');
      return recordActivity(db, event);
    },
    listActivity(requestId, limit) {
      guard.assertOutside('listActivity');
      return listActivity(db, requestId, limit);
    },
    state: createStateStore(db, clock, guard.assertOutside),
    directory: createDirectoryRepository(db, guard.assertOutside),
    inbound: createInboundEventLog(handle.driver === 'pg' ? handle.claimDb : db, guard.assertOutside),
    close() {
      // Chains what this process wrote before the pool goes away (what is left is chained by the next sweep).
      closing ??= sequencer.stop().then(() => handle.close());
      return closing;
    },
  };
}

/**
 * Repositories bound to one drizzle transaction; audit events go to `queued`. With `oneMessage` (node-postgres)
 * locking a request by number reads its approvals in the same message, and `listApprovals` of that request
 * answers from them until this transaction inserts an approval: every approval is inserted under its
 * request's lock, so none can appear meanwhile.
 */
function createStoreTx(tx: Database, clock: Clock, queued: AuditInput[], oneMessage: boolean): StoreTx {
  let locked: { id: string; approvals: Approval[] } | undefined;
  return {
    nextRequestNumber: () => nextRequestNumber(tx),
    insertRequest: (request) => insertRequest(tx, request),
    getRequest: (id) => getRequest(tx, id),
    getRequestByNumber: (number) => getRequestByNumber(tx, number),
    lockRequest: (id) => getRequest(tx, id, true),
    lockRequestByNumber: async (number) => {
      if (!oneMessage) return lockRequestByNumber(tx, number);
      const read = await lockRequestAndApprovals(tx, number);
      locked = read && { id: read.request.id, approvals: read.approvals };
      return read?.request;
    },
    transition: (id, from, patch) => transition(tx, id, from, patch, clock.now()),
    transitionMany: (ids, from, patch) => transitionMany(tx, ids, from, patch, clock.now()),
    recordEnded: (ends) => recordEnded(tx, ends, clock.now()),
    update: (id, patch) => updateRequest(tx, id, patch, clock.now()),
    listRequests: (filter) => listRequests(tx, filter),
    findActiveGrant: (requester, resource, level) => findActiveGrant(tx, requester, resource, level),
    findPending: (requester, resource, level) => findPending(tx, requester, resource, level),
    claimDue: (kind, now, limit) => claimDue(tx, kind, now, limit),
    insertApproval: (approval) => {
      if (locked?.id === approval.requestId) locked = undefined;
      return insertApproval(tx, approval);
    },
    listApprovals: async (requestId) => (locked?.id === requestId ? [...locked.approvals] : listApprovals(tx, requestId)),
    // Converted now, so a details object the caller changes later is recorded as it was, and a bad one fails here.
    appendAudit: (event) => {
      queued.push(toStoredAudit(event));
    },
    appendAudits: (events) => {
      queued.push(...events.map(toStoredAudit));
    },
    history: (query) => readHistory(tx, query),
    habitRecords: (query) => readHabitRecords(tx, query),
  };
}
