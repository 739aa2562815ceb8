import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { TIER_NAMES } from '../core/policy/schema.js';
import { REQUEST_STATUSES, type RequestOrigin, type RiskFactor } from '../core/types.js';

// One schema serves node-postgres (PG 15+) and PGlite (PG 18): keep to SQL both understand.
// Statuses are text + CHECK rather than a pg enum, so adding a status is a plain constraint swap in a migration.

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const sqlList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

/** The human request number (KC-<n>); an insert without one takes the next by the column default. */
export const requestNumberSeq = pgSequence('request_number_seq', { startWith: 1 });

export const accessRequests = pgTable(
  'access_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // Submissions take the default (the insert returns the number); nextRequestNumber() serves callers that need it first.
    number: integer('number').notNull().unique('access_requests_number_key').default(sql`nextval('request_number_seq')`),
    kind: text('kind', { enum: ['access', 'extension'] }).notNull(),
    parentId: uuid('parent_id').references((): AnyPgColumn => accessRequests.id),
    requester: text('requester').notNull(),
    resource: text('resource').notNull(),
    level: text('level').notNull(),
    // bigint: a policy may allow windows longer than int4's 24.8 days of milliseconds.
    durationMs: bigint('duration_ms', { mode: 'number' }).notNull(),
    reason: text('reason').notNull(),
    // Migration 0008 adds `reason_words`, generated from `reason` by the database (normaliseReason in SQL). It is
    // not declared here: requests never read or write it, only the borrowed-reason look-up (store/reason-peers.ts).
    incidentKey: text('incident_key'),
    breakGlass: boolean('break_glass').notNull(),
    status: text('status', { enum: REQUEST_STATUSES }).notNull(),
    score: integer('score').notNull(),
    tier: text('tier', { enum: TIER_NAMES }).notNull(),
    factors: jsonb('factors').$type<RiskFactor[]>().notNull(),
    approvalsRequired: integer('approvals_required').notNull(),
    approverGroups: jsonb('approver_groups').$type<string[]>().notNull(),
    distinctGroups: boolean('distinct_groups').notNull(),
    approvalExpiresAt: tz('approval_expires_at'),
    remindAt: tz('remind_at'),
    remindedAt: tz('reminded_at'),
    createdAt: tz('created_at').notNull(),
    updatedAt: tz('updated_at').notNull(),
    decidedAt: tz('decided_at'),
    decisionNote: text('decision_note'),
    activatedAt: tz('activated_at'),
    expiresAt: tz('expires_at'),
    endedAt: tz('ended_at'),
    endReason: text('end_reason', { enum: ['expired', 'released', 'revoked'] }),
    endedBy: text('ended_by'),
    provider: text('provider').notNull(),
    grantRef: jsonb('grant_ref').$type<Record<string, unknown>>(),
    credentialFingerprint: text('credential_fingerprint'),
    attempts: integer('attempts').notNull(),
    nextAttemptAt: tz('next_attempt_at'),
    lastError: text('last_error'),
    noticesSent: jsonb('notices_sent').$type<number[]>().notNull(),
    nextNoticeAt: tz('next_notice_at'),
    reviewRequired: boolean('review_required').notNull(),
    reviewedBy: text('reviewed_by'),
    reviewedAt: tz('reviewed_at'),
    origin: jsonb('origin').$type<RequestOrigin>().notNull(),
  },
  (t) => [
    check('access_requests_status_check', sql`status in (${sqlList(REQUEST_STATUSES)})`),
    check('access_requests_kind_check', sql`kind in ('access', 'extension')`),
    check('access_requests_end_reason_check', sql`end_reason in ('expired', 'released', 'revoked')`),
    // Scheduler claims: partial indexes hold only open rows, so a sweep costs what is due, not the table size.
    // Their predicates must match the literal predicates in claims.ts for the planner to use them.
    index('access_requests_expires_idx').on(t.expiresAt).where(sql`status = 'active'`),
    index('access_requests_next_attempt_idx').on(t.nextAttemptAt).where(sql`status in ('approved', 'revoking', 'revoke_failed')`),
    index('access_requests_approval_expires_idx').on(t.approvalExpiresAt).where(sql`status = 'pending'`),
    index('access_requests_remind_idx').on(t.remindAt).where(sql`status = 'pending' and reminded_at is null`),
    index('access_requests_next_notice_idx').on(t.nextNoticeAt).where(sql`status = 'active'`),
    // Requester history for the risk engine, and listings by person.
    index('access_requests_requester_resource_idx').on(t.requester, t.resource, t.createdAt),
    index('access_requests_requester_created_idx').on(t.requester, t.createdAt),
    // The scoring cache's change feed (rows updated since its last read).
    index('access_requests_updated_idx').on(t.updatedAt),
    // Who else gave a reason (the borrowed-reason factor): an index-only count over the window; migration 0010 also
    // covers the requester (INCLUDE), which this builder cannot say.
    index('access_requests_reason_words_idx').on(sql`reason_words`, t.createdAt).where(sql`kind = 'access'`),
    // Only extensions have a parent.
    index('access_requests_parent_idx').on(t.parentId).where(sql`parent_id is not null`),
  ],
);

export const approvals = pgTable(
  'approvals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => accessRequests.id),
    approver: text('approver').notNull(),
    decision: text('decision', { enum: ['approve', 'deny'] }).notNull(),
    groups: jsonb('groups').$type<string[]>().notNull(),
    comment: text('comment'),
    createdAt: tz('created_at').notNull(),
  },
  (t) => [
    // One decision per approver per request: a double click or a redelivered action is a no-op.
    unique('approvals_request_approver_key').on(t.requestId, t.approver),
    index('approvals_created_idx').on(t.createdAt),
    // What an approver decided in the history window (the approver-rubber-stamp factor).
    index('approvals_approver_created_idx').on(t.approver, t.createdAt),
    check('approvals_decision_check', sql`decision in ('approve', 'deny')`),
  ],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    /** Insertion order (a sequence, so it may have gaps); the chain's order is `seq`. */
    id: bigint('id', { mode: 'number' }).primaryKey().default(sql`nextval('audit_events_id_seq')`),
    // The chain columns (seq, prev_hash, hash, key_id) are null until the sequencer chains the event
    // (audit-sequencer.ts): seq is assigned there under the chain's lock, so the chain has no gaps.
    seq: bigint('seq', { mode: 'number' }),
    at: tz('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    // No foreign key: the audit log must outlive and never block on the rows it describes.
    requestId: uuid('request_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    prevHash: text('prev_hash'),
    hash: text('hash'),
    /** Id of the HMAC key that keyed `hash` (before chaining: `mac`); null for events of the unkeyed chain (plain SHA-256). */
    keyId: text('key_id'),
    /** The writer's HMAC of the event's content, so the sequencer never chains (and keys) a row written without the key. */
    mac: text('mac'),
  },
  (t) => [
    // Only chained events have a place in the chain (the unchained ones stay out of the index).
    uniqueIndex('audit_events_seq_key').on(t.seq).where(sql`seq is not null`),
    // The sequencer's queue: events not chained yet, in insertion order.
    index('audit_events_unchained_idx').on(t.id).where(sql`seq is null`),
    check('audit_events_chained_check', sql`(seq is null) = (hash is null) and (seq is null) = (prev_hash is null)`),
    index('audit_events_at_idx').on(t.at),
    index('audit_events_request_idx').on(t.requestId),
    // Requester history counts recent anomalies by the requester named in the event details.
    index('audit_events_anomaly_requester_idx').on(sql`(${t.details}->>'requester')`, t.at).where(sql`action = 'anomaly.detected'`),
  ],
);

export const auditEventIdSeq = pgSequence('audit_events_id_seq', { startWith: 1 });

export const kvState = pgTable(
  'kv_state',
  {
    namespace: text('namespace').notNull(),
    key: text('key').notNull(),
    value: jsonb('value').$type<Record<string, unknown>>().notNull(),
    updatedAt: tz('updated_at').notNull(),
  },
  (t) => [primaryKey({ name: 'kv_state_pkey', columns: [t.namespace, t.key] })],
);

/**
 * Keys of inbound events already processed (Slack deliveries, Teams activities, activity ingest,
 * Kubernetes audit ids): the first INSERT wins across every replica and restart; rows expire.
 */
export const inboundEvents = pgTable(
  'inbound_events',
  {
    source: text('source').notNull(),
    key: text('key').notNull(),
    receivedAt: tz('received_at').notNull(),
    expiresAt: tz('expires_at').notNull(),
  },
  (t) => [primaryKey({ name: 'inbound_events_pkey', columns: [t.source, t.key] }), index('inbound_events_expires_at_idx').on(t.expiresAt)],
);

/** Normalised activity during grants (ingest, Kubernetes audit, Postgres poller); detectors read it. */
export const activityEvents = pgTable(
  'activity_events',
  {
    id: uuid('id').defaultRandom().primaryKey(),
    requestId: uuid('request_id'),
    at: tz('at').notNull(),
    receivedAt: tz('received_at').notNull(),
    source: text('source').notNull(),
    event: jsonb('event').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('activity_events_request_at_idx').on(t.requestId, t.at)],
);

/** People an identity provider pushed over SCIM (migration 0004). */
export const scimUsers = pgTable(
  'scim_users',
  {
    id: text('id').primaryKey(),
    userName: text('user_name').notNull(),
    externalId: text('external_id'),
    email: text('email').notNull(),
    active: boolean('active').notNull(),
    displayName: text('display_name'),
    department: text('department'),
    manager: text('manager'),
    resource: jsonb('resource').$type<Record<string, unknown>>().notNull(),
    createdAt: tz('created_at').notNull(),
    updatedAt: tz('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [uniqueIndex('scim_users_user_name_idx').on(sql`lower(${t.userName})`), index('scim_users_email_idx').on(t.email)],
);

export const scimGroups = pgTable(
  'scim_groups',
  {
    id: text('id').primaryKey(),
    displayName: text('display_name').notNull(),
    externalId: text('external_id'),
    createdAt: tz('created_at').notNull(),
    updatedAt: tz('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [uniqueIndex('scim_groups_display_name_idx').on(sql`lower(${t.displayName})`)],
);

export const scimGroupMembers = pgTable(
  'scim_group_members',
  {
    groupId: text('group_id')
      .notNull()
      .references(() => scimGroups.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => scimUsers.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ name: 'scim_group_members_pkey', columns: [t.groupId, t.userId] }),
    index('scim_group_members_user_idx').on(t.userId),
  ],
);

export type AccessRequestRow = typeof accessRequests.$inferSelect;
export type ApprovalRow = typeof approvals.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;
