import type { StoreTx } from '../../src/core/ports/store.js';
import type { AccessRequest, NewAccessRequest } from '../../src/core/types.js';

export const T0 = new Date('2026-03-02T10:00:00.000Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function at(msFromT0: number): Date {
  return new Date(T0.getTime() + msFromT0);
}

/** A complete pending access request; override what the test is about. */
export function newRequest(overrides: Partial<NewAccessRequest> = {}): NewAccessRequest {
  return {
    kind: 'access',
    parentId: null,
    requester: 'alice@example.com',
    resource: 'prod-db',
    level: 'read',
    durationMs: HOUR,
    reason: 'fix stuck order INC-4211',
    incidentKey: 'INC-4211',
    breakGlass: false,
    status: 'pending',
    score: 42,
    tier: 'medium',
    factors: [{ id: 'sensitivity', points: 30, reason: 'prod-db is high sensitivity' }],
    approvalsRequired: 1,
    approverGroups: ['sre'],
    distinctGroups: false,
    approvalExpiresAt: at(HOUR),
    remindAt: at(45 * MINUTE),
    remindedAt: null,
    createdAt: T0,
    decidedAt: null,
    decisionNote: null,
    activatedAt: null,
    expiresAt: null,
    endedAt: null,
    endReason: null,
    endedBy: null,
    provider: 'postgres',
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
    origin: { platform: 'slack', channel: 'C0ACCESS', user: 'U123' },
    ...overrides,
  };
}

/** Inserts a request with the next number from the sequence. */
export async function insert(tx: StoreTx, overrides: Partial<NewAccessRequest> = {}): Promise<AccessRequest> {
  return tx.insertRequest({ ...newRequest(overrides), number: await tx.nextRequestNumber() });
}

/** A requester name no other test in the same database uses. */
export function uniqueRequester(label: string): string {
  return `${label}-${Math.random().toString(36).slice(2, 10)}@example.com`;
}
