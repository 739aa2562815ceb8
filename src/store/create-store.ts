import type { AuditKey } from '../core/audit/hash-chain.js';
import type { Clock } from '../core/ports/runtime.js';
import type { Store, StoreTx } from '../core/ports/store.js';
import type { AuditInput } from '../core/types.js';
import { listActivity, recordActivity } from './activity-repository.js';
import { insertApproval, listApprovals } from './approval-repository.js';
import { lockAuditHead, readAudit, readAuditHead, toStoredAudit, writeAudits } from './audit-log.js';
import { claimDue } from './claims.js';
import type { Database, DatabaseHandle } from './database.js';
import { createDirectoryRepository } from './directory-repository.js';
import { readHabitRecords } from './habit-records.js';
import { readHistory } from './history.js';
import { loadHistorySnapshot, readHistoryChanges } from './history-snapshot.js';
import { createInboundEventLog } from './inbound-events.js';
import {
  expiringSoon,
  findActiveGrant,
  findPending,
  getRequest,
  getRequestByNumber,
  insertRequest,
  listRequests,
  lockRequestByNumber,
  nextRequestNumber,
  recordEnded,
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
}

const systemClock: Clock = { now: () => new Date() };

/** The Store port on drizzle, for either driver. The store owns the handle: `close()` closes it. */
export function createStore(handle: DatabaseHandle, options: StoreOptions = {}): Store {
  const clock = options.clock ?? systemClock;
  const guard = createTransactionGuard();
  const db = handle.db;
  const audit: AuditWriter = { key: options.auditKey, oneMessage: handle.driver === 'pg' };
  return {
    async transaction(fn) {
      guard.assertOutside('transaction');
      return guard.enclose(() =>
        db.transaction(async (tx) => {
          const queued: AuditInput[] = [];
          const result = await fn(createStoreTx(tx, clock, queued));
          await flushAudit(tx, queued, audit);
          return result;
        }),
      );
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
    historySnapshot(requester, from) {
      guard.assertOutside('historySnapshot');
      return loadHistorySnapshot(db, requester, from.getTime());
    },
    historyChanges(since) {
      guard.assertOutside('historyChanges');
      return readHistoryChanges(db, since);
    },
    readAudit(query) {
      guard.assertOutside('readAudit');
      return readAudit(db, query);
    },
    auditHead() {
      guard.assertOutside('auditHead');
      return readAuditHead(db);
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
    inbound: createInboundEventLog(db, guard.assertOutside),
    close: () => handle.close(),
  };
}

interface AuditWriter {
  key: AuditKey | undefined;
  /** node-postgres: take the chain's lock and read its head in one message. */
  oneMessage: boolean;
}

/**
 * Writes a transaction's queued audit events as its last statements: lock and head in one round trip, then
 * one insert. The chain's lock is taken last, after any row lock, and held only to the commit.
 */
async function flushAudit(tx: Database, queued: AuditInput[], audit: AuditWriter): Promise<void> {
  if (queued.length === 0) return;
  const head = await lockAuditHead(tx, audit.oneMessage);
  await writeAudits(tx, queued, audit.key, head);
}

/** Repositories bound to one drizzle transaction; audit events go to `queued`. */
function createStoreTx(tx: Database, clock: Clock, queued: AuditInput[]): StoreTx {
  return {
    nextRequestNumber: () => nextRequestNumber(tx),
    insertRequest: (request) => insertRequest(tx, request),
    getRequest: (id) => getRequest(tx, id),
    getRequestByNumber: (number) => getRequestByNumber(tx, number),
    lockRequest: (id) => getRequest(tx, id, true),
    lockRequestByNumber: (number) => lockRequestByNumber(tx, number),
    transition: (id, from, patch) => transition(tx, id, from, patch, clock.now()),
    transitionMany: (ids, from, patch) => transitionMany(tx, ids, from, patch, clock.now()),
    recordEnded: (ends) => recordEnded(tx, ends, clock.now()),
    update: (id, patch) => updateRequest(tx, id, patch, clock.now()),
    listRequests: (filter) => listRequests(tx, filter),
    findActiveGrant: (requester, resource, level) => findActiveGrant(tx, requester, resource, level),
    findPending: (requester, resource, level) => findPending(tx, requester, resource, level),
    claimDue: (kind, now, limit) => claimDue(tx, kind, now, limit),
    insertApproval: (approval) => insertApproval(tx, approval),
    listApprovals: (requestId) => listApprovals(tx, requestId),
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
