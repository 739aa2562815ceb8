import type { PastRequest } from '../risk/habits.js';
import type { HistoryChanges, HistorySnapshotData } from '../risk/history-snapshot.js';
import type {
  AccessRequest,
  ActivityInput,
  ActivityRecord,
  Approval,
  ApproverRecord,
  ApproverRecordQuery,
  AuditEvent,
  AuditInput,
  HabitQuery,
  HistoryQuery,
  NewAccessRequest,
  ReasonPeersQuery,
  RequesterHistory,
  RequestStatus,
} from '../types.js';
import type { DirectoryStore } from './directory.js';
import type { InboundEventLog } from './inbound.js';
import type { StateStore } from './state.js';

/** Fields a transition may change besides the status. */
export type RequestPatch = Partial<
  Omit<AccessRequest, 'id' | 'number' | 'kind' | 'requester' | 'resource' | 'level' | 'createdAt' | 'updatedAt'>
>;

export interface RequestFilter {
  requester?: string;
  statuses?: readonly RequestStatus[];
  resource?: string;
  parentId?: string;
  limit?: number;
}

/** Work the scheduler claims; each kind selects due rows with FOR UPDATE SKIP LOCKED. */
export type DueKind =
  /** active and expires_at <= now */
  | 'expired'
  /** revoking or revoke_failed, next_attempt_at <= now (retries and abandoned claims) */
  | 'revoke_retry'
  /** approved, next_attempt_at <= now (grant interrupted by a crash, or not yet attempted) */
  | 'activation_retry'
  /** pending and approval_expires_at <= now */
  | 'approval_timeout'
  /** pending and remind_at <= now and reminded_at is null */
  | 'approval_reminder'
  /** active and next_notice_at <= now */
  | 'notice';

/** Repositories usable inside one transaction. Never call the outer Store from inside `transaction`. */
export interface StoreTx {
  /** Next value of the human id sequence (KC-<n>), for callers that need the number before the insert. */
  nextRequestNumber(): Promise<number>;
  /** Without `number` the row draws the next one from the sequence itself (no extra round trip). */
  insertRequest(request: NewAccessRequest & { number?: number }): Promise<AccessRequest>;
  getRequest(id: string): Promise<AccessRequest | undefined>;
  getRequestByNumber(number: number): Promise<AccessRequest | undefined>;
  /** SELECT … FOR UPDATE of one request. */
  lockRequest(id: string): Promise<AccessRequest | undefined>;
  /** SELECT … FOR UPDATE of one request by its number (KC-<n>, typed by people: out of range is "not found"). */
  lockRequestByNumber(number: number): Promise<AccessRequest | undefined>;
  /** Conditional update: applies only when the current status is one of `from`; returns the updated row or undefined. */
  transition(id: string, from: readonly RequestStatus[], patch: RequestPatch): Promise<AccessRequest | undefined>;
  /** `transition` of many rows with the same patch in one statement; returns the rows that moved, in the order of `ids`. */
  transitionMany(ids: readonly string[], from: readonly RequestStatus[], patch: RequestPatch): Promise<AccessRequest[]>;
  /** Ends revoking/revoke_failed grants their target confirmed (each its own end time) in one statement per status; the rows that moved, in input order. */
  recordEnded(ends: ReadonlyArray<{ id: string; status: 'expired' | 'revoked'; endedAt: Date }>): Promise<AccessRequest[]>;
  /** Unconditional update of non-status bookkeeping fields (reminders, notices, attempts); status only moves by `transition`. */
  update(id: string, patch: Omit<RequestPatch, 'status'>): Promise<AccessRequest>;
  listRequests(filter: RequestFilter): Promise<AccessRequest[]>;
  /** The requester's open grant (active) on resource+level, if any. */
  findActiveGrant(requester: string, resource: string, level: string): Promise<AccessRequest | undefined>;
  /** The requester's pending access request on resource+level, if any. */
  findPending(requester: string, resource: string, level: string): Promise<AccessRequest | undefined>;
  /** Claims due rows (FOR UPDATE SKIP LOCKED); the caller updates them in the same transaction. */
  claimDue(kind: DueKind, now: Date, limit: number): Promise<AccessRequest[]>;
  insertApproval(approval: Omit<Approval, 'id'>): Promise<Approval | 'duplicate'>;
  listApprovals(requestId: string): Promise<Approval[]>;
  /**
   * Adds an event to the hash chain as part of this transaction. Events are queued in call order and written
   * when the transaction's body returns, with one lock and one insert, just before the commit: the chain's
   * lock (which serialises every writer) is held from then to the commit only, not across the body.
   * A body that throws writes none of them.
   */
  appendAudit(event: AuditInput): void;
  /** `appendAudit` for several events, in order. */
  appendAudits(events: readonly AuditInput[]): void;
  history(query: HistoryQuery): Promise<RequesterHistory>;
  /** The requester's own recent requests for the habit factors (newest first, bounded). */
  habitRecords(query: HabitQuery): Promise<PastRequest[]>;
}

export interface AuditQuery {
  since?: Date;
  afterSeq?: number;
  limit?: number;
}

export interface Store
  extends Pick<StoreTx, 'getRequest' | 'getRequestByNumber' | 'listRequests' | 'listApprovals' | 'history' | 'habitRecords'> {
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** `getRequestByNumber` and the request's approvals (in decision order), read together in one statement. */
  getRequestWithApprovals(number: number): Promise<{ request: AccessRequest; approvals: Approval[] } | undefined>;
  /** Next value of the human id sequence (KC-<n>), for `insertRequestAudited`, whose events name the request. */
  nextRequestNumber(): Promise<number>;
  // The audited writes below are each ONE statement (the change, and its audit events inserted from the rows
  // it returned), so each is atomic by itself without a transaction, and costs no begin/commit round trips:
  // the row moves and its events are written, or neither. Only events whose `requestId` is a row that moved
  // are written. Use them where a transaction would hold nothing but that one change.
  /** `StoreTx.transition` plus its audit events, in one statement. */
  transitionAudited(
    id: string,
    from: readonly RequestStatus[],
    patch: RequestPatch,
    events: readonly AuditInput[],
  ): Promise<AccessRequest | undefined>;
  /** `StoreTx.recordEnded` plus the events of the grants that moved, in one statement. */
  recordEndedAudited(
    ends: ReadonlyArray<{ id: string; status: 'expired' | 'revoked'; endedAt: Date }>,
    events: readonly AuditInput[],
  ): Promise<AccessRequest[]>;
  /** `StoreTx.insertRequest` (its number drawn by `nextRequestNumber`) plus its audit events, in one statement. */
  insertRequestAudited(request: NewAccessRequest & { number: number }, events: readonly AuditInput[]): Promise<AccessRequest>;
  /** Active grants whose expiry is at or before `before`, soonest first: only id and expiry (the precise-expiry timers). */
  expiringSoon(before: Date, limit: number): Promise<Array<{ id: string; expiresAt: Date }>>;
  /** The requester's requests created since `from`, what came before per resource, and their anomalies: what scoring holds in memory. */
  historySnapshot(requester: string, from: Date): Promise<HistorySnapshotData>;
  /**
   * How many people other than the requester gave the same reason (lower-cased, punctuation ignored) on an
   * access request within the window: the borrowed-reason factor's organisation-wide look-up, asked only
   * for a reason the requester never gave before on a family new to them.
   */
  reasonPeers(query: ReasonPeersQuery): Promise<number>;
  /**
   * Everything an approver decided in the window (approvals and denials, any requester), and how fast they
   * approved high-risk requests: the approver-rubber-stamp factor's look-up for a requester's usual approver.
   */
  approverRecord(query: ApproverRecordQuery): Promise<ApproverRecord>;
  /** Everyone's requests updated or approved, and anomalies recorded, at or after `since` (the scoring cache's change feed). */
  historyChanges(since: Date): Promise<HistoryChanges>;
  /**
   * Chained audit events in chain order. Transactions write their events unchained and the store chains
   * them shortly after the commit; events this process committed before the call are chained first.
   */
  readAudit(query: AuditQuery): Promise<AuditEvent[]>;
  /** The newest chained event's seq and hash (what a checkpoint signs); undefined when none is chained. */
  auditHead(): Promise<{ seq: number; hash: string } | undefined>;
  /** How many committed audit events are not chained yet (written moments ago, or left by a stopped replica). */
  auditBacklog(): Promise<number>;
  /** Stores one activity event (already mapped to its grant, or not). */
  recordActivity(event: ActivityInput & { requestId: string | null; receivedAt: Date }): Promise<ActivityRecord>;
  /** A grant's recent activity, newest first. */
  listActivity(requestId: string, limit: number): Promise<ActivityRecord[]>;
  /** Key/value state for providers and chat adapters. */
  readonly state: StateStore;
  /** People and groups identity providers pushed over SCIM. */
  readonly directory: DirectoryStore;
  /** Keys of inbound events already processed, shared by every replica. */
  readonly inbound: InboundEventLog;
  /**
   * Runs `work` holding the lock named `key`, exclusive across every Keycard process on this database (one
   * holder at a time; the others wait, up to a bound, then get a `busy` error). Not inside a transaction.
   */
  exclusive<T>(key: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
