import type { TierName } from './policy/schema.js';

export type Platform = 'slack' | 'teams' | 'console';

/**
 * Lifecycle states of DESIGN.md §2. `merged`: an overlapping request or extension folded into its parent grant.
 * `lost`: reconciliation found a live grant's credential gone at the target (removed behind Keycard's back).
 */
export const REQUEST_STATUSES = [
  'pending',
  'approved',
  'active',
  'denied',
  'cancelled',
  'timed_out',
  'failed',
  'revoking',
  'revoked',
  'expired',
  'revoke_failed',
  'merged',
  'lost',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const OPEN_STATUSES: readonly RequestStatus[] = ['pending', 'approved', 'active', 'revoking', 'revoke_failed'];

export type RequestKind = 'access' | 'extension';
export type EndReason = 'expired' | 'released' | 'revoked';

export interface RiskFactor {
  id: string;
  points: number;
  reason: string;
  /** approver-concentration: the concentrated approver, who may not be the sole approver of this request. */
  approver?: string;
}

export interface RiskAssessment {
  score: number;
  tier: TierName;
  factors: RiskFactor[];
}

/** Where a request came from, so replies and threads can find their way back, and under which mode it was made. */
export interface RequestOrigin {
  platform: Platform;
  channel?: string;
  /** The channel's name (Slack channel_name, Teams channel name), for incident-channel linking. */
  channelName?: string;
  user?: string;
  /**
   * Set by submit (never by a chat adapter) when the resource was in pilot mode: the request runs the whole
   * workflow but no provider is ever called for it. Fixed for the request's life, so a policy change cannot
   * turn a recorded "would grant" into a revoke of something that was never granted, or the reverse.
   */
  pilot?: true;
}

export interface AccessRequest {
  id: string;
  number: number;
  kind: RequestKind;
  parentId: string | null;
  requester: string;
  resource: string;
  level: string;
  durationMs: number;
  reason: string;
  incidentKey: string | null;
  breakGlass: boolean;
  status: RequestStatus;
  score: number;
  tier: TierName;
  factors: RiskFactor[];
  approvalsRequired: number;
  approverGroups: string[];
  distinctGroups: boolean;
  approvalExpiresAt: Date | null;
  /** When approvers get a reminder (approvalExpiresAt - tier.remindBefore); null once reminded or not pending. */
  remindAt: Date | null;
  remindedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  decidedAt: Date | null;
  decisionNote: string | null;
  activatedAt: Date | null;
  expiresAt: Date | null;
  endedAt: Date | null;
  endReason: EndReason | null;
  endedBy: string | null;
  provider: string;
  grantRef: Record<string, unknown> | null;
  credentialFingerprint: string | null;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  /** Expiry-notice offsets (ms before expiry) already sent for the current window. */
  noticesSent: number[];
  /** When the next expiry notice is due; null when none is left. */
  nextNoticeAt: Date | null;
  reviewRequired: boolean;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  origin: RequestOrigin;
}

export type NewAccessRequest = Omit<AccessRequest, 'id' | 'number' | 'updatedAt'> & { id?: string };

export type Decision = 'approve' | 'deny';

export interface Approval {
  id: string;
  requestId: string;
  approver: string;
  decision: Decision;
  groups: string[];
  comment: string | null;
  createdAt: Date;
}

export interface AuditInput {
  at: Date;
  actor: string;
  action: string;
  requestId: string | null;
  details: Record<string, unknown>;
}

export interface AuditEvent extends AuditInput {
  seq: number;
  prevHash: string;
  hash: string;
  /** Id of the HMAC key that keyed `hash`; null (or absent) for events of the unkeyed SHA-256 chain. */
  keyId?: string | null;
}

/** Counts the risk engine reads from history; the store computes them with indexed queries. */
export interface RequesterHistory {
  /** Grants on this resource that ended without incident in the history window. */
  cleanGrantsOnResource: number;
  /** Any grant (clean or not) on this resource ever. */
  priorGrantsOnResource: number;
  recentDenials: number;
  recentAnomalies: number;
  requestsInVelocityWindow: number;
  /** Distinct resources requested in the last 24 h that the requester had never been granted before. */
  newResourcesLastDay: number;
}

export interface HistoryQuery {
  requester: string;
  resource: string;
  now: Date;
  historyWindowMs: number;
  denialWindowMs: number;
  velocityWindowMs: number;
}

/** Which of a requester's earlier requests the habit factors read (src/core/risk/habits.ts). */
export interface HabitQuery {
  requester: string;
  now: Date;
  /** How far back (the policy's history window). */
  windowMs: number;
  /** The policy's ticket pattern, to find cited tickets. */
  ticketPattern: string;
}

/** An approver's decisions in a window, for the approver-rubber-stamp factor. */
export interface ApproverRecordQuery {
  approver: string;
  now: Date;
  /** How far back (the policy's history window). */
  windowMs: number;
}

/** What an approver decided in the window: every approval and denial they recorded, on any request. */
export interface ApproverRecord {
  decisions: number;
  denials: number;
  /** Their approvals of high- or critical-tier requests, and the median time from submission to that approval. */
  highRiskApprovals: number;
  highRiskMedianMs: number | null;
}

/** Who else gave a reason: other requesters whose access requests in the window carry the same words (counted up to REASON_PEERS_CAP). */
export interface ReasonPeersQuery {
  /** The reason as typed; compared lower-cased with punctuation ignored (normaliseReason). */
  reason: string;
  /** Left out of the count. */
  requester: string;
  now: Date;
  /** How far back (the policy's history window). */
  windowMs: number;
}

/** One normalised activity event from a source (ingest, Kubernetes audit, Postgres poller), tied to a grant. */
export interface ActivityInput {
  at: Date;
  source: 'ingest' | 'k8s-audit' | 'pg-poller';
  /** The grant it belongs to (KC-<n>) when the source knows it. */
  grantRef?: string;
  /** Who acted at the target: a Postgres role, a Kubernetes user, an email. */
  principal?: string;
  resource?: string;
  /** SQL text, when the activity is a statement. */
  statement?: string;
  /** Kubernetes-style action: verb plus resource/subresource and namespace. */
  verb?: string;
  target?: string;
  namespace?: string;
  sourceAddress?: string;
  /** Rows, bytes or calls this event stands for (volume detection). */
  volume?: number;
  details?: Record<string, unknown>;
}

export interface ActivityRecord extends ActivityInput {
  id: string;
  requestId: string | null;
  receivedAt: Date;
}
