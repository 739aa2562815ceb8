import type { AuditKey } from '../core/audit/hash-chain.js';
import type { Clock } from '../core/ports/runtime.js';
import type { Store, StoreTx } from '../core/ports/store.js';
import { listActivity, recordActivity } from './activity-repository.js';
import { insertApproval, listApprovals } from './approval-repository.js';
import { type AuditHead, appendAudit, appendAudits, readAudit, readAuditHead } from './audit-log.js';
import { claimDue } from './claims.js';
import type { Database, DatabaseHandle } from './database.js';
import { createDirectoryRepository } from './directory-repository.js';
import { readHabitRecords } from './habit-records.js';
import { readHistory } from './history.js';
import { createInboundEventLog } from './inbound-events.js';
import {
  expiringSoon,
  findActiveGrant,
  findPending,
  getRequest,
  getRequestByNumber,
  insertRequest,
  listRequests,
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
  return {
    async transaction(fn) {
      guard.assertOutside('transaction');
      return guard.enclose(() => db.transaction((tx) => fn(createStoreTx(tx, clock, options.auditKey))));
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

/** Repositories bound to one drizzle transaction. */
function createStoreTx(tx: Database, clock: Clock, auditKey: AuditKey | undefined): StoreTx {
  // After its first append a transaction holds the chain's lock, so it knows the head from then on.
  let head: AuditHead | undefined;
  return {
    nextRequestNumber: () => nextRequestNumber(tx),
    insertRequest: (request) => insertRequest(tx, request),
    getRequest: (id) => getRequest(tx, id),
    getRequestByNumber: (number) => getRequestByNumber(tx, number),
    lockRequest: (id) => getRequest(tx, id, true),
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
    appendAudit: async (event) => {
      const appended = await appendAudit(tx, event, auditKey, head);
      head = { seq: appended.seq, hash: appended.hash };
      return appended;
    },
    appendAudits: async (events) => {
      const appended = await appendAudits(tx, events, auditKey, head);
      const newest = appended.at(-1);
      if (newest) head = { seq: newest.seq, hash: newest.hash };
      return appended;
    },
    history: (query) => readHistory(tx, query),
    habitRecords: (query) => readHabitRecords(tx, query),
  };
}
