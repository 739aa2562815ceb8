import type { CoreDeps } from '../lifecycle/deps.js';
import type { Refusal, Result } from '../result.js';

/**
 * Every way a person can be refused, by what they tried. One registry, so a test can enumerate the
 * refusal paths and fail when one is added without an audit record (test/lifecycle/refusal-audit.test.ts).
 */
export const REFUSAL_PATHS = {
  approve: [
    'not_found',
    'not_pending',
    'approval_expired',
    'self_approval',
    'not_an_approver',
    'duplicate_approver',
    'group_already_covered',
    'concentrated_approver',
    'invalid_text',
    'text_too_long',
  ],
  deny: [
    'invalid_text',
    'text_too_long',
    'not_found',
    'reason_required',
    'not_pending',
    'approval_expired',
    'self_approval',
    'not_an_approver',
    'duplicate_approver',
  ],
  release: ['not_found', 'not_allowed', 'not_a_grant', 'not_active'],
  revoke: ['not_found', 'not_allowed', 'not_a_grant', 'not_active'],
  cancel: ['not_found', 'not_allowed', 'not_pending'],
  extend: [
    'invalid_text',
    'text_too_long',
    'not_found',
    'not_a_grant',
    'not_allowed',
    'not_active',
    'duration_too_long',
    'over_max_total',
    'duplicate_pending',
  ],
  review: ['invalid_text', 'text_too_long', 'not_found', 'no_review', 'already_reviewed', 'self_review', 'not_allowed'],
  retry: ['not_found', 'not_allowed', 'not_revoking'],
  acknowledge: ['not_found', 'not_allowed'],
  /** Refused before any use case: the chat account cannot act at all, or the request came from elsewhere. */
  identify: ['unknown_user', 'deactivated_user', 'bot_user', 'no_email', 'wrong_workspace', 'wrong_tenant'],
} as const;

export type RefusalOperation = keyof typeof REFUSAL_PATHS;

/** The audit action a refusal of `operation` is recorded under. approve/deny keep the older `approval.refused`. */
export function refusalAction(operation: RefusalOperation): string {
  return operation === 'approve' || operation === 'deny' ? 'approval.refused' : `${operation}.refused`;
}

/** Codes `decide` already audits inside its own transaction (its approver checks, for approve and deny alike). */
const DECIDE_AUDITS: ReadonlySet<string> = new Set([
  'not_pending',
  'approval_expired',
  'self_approval',
  'not_an_approver',
  'duplicate_approver',
  'group_already_covered',
  'concentrated_approver',
]);
const AUDITED_IN_TRANSACTION: Partial<Record<RefusalOperation, ReadonlySet<string>>> = { approve: DECIDE_AUDITS, deny: DECIDE_AUDITS };

// A refusal passed up through a second audited use case (release of an own pending request → cancel) is recorded once.
const recorded = new WeakSet<object>();

export interface RefusalRecord {
  operation: RefusalOperation;
  /** Who tried: an email, or `slack:U123` / `teams:<aad id>` when the account maps to nobody. */
  actor: string;
  code: string;
  message: string;
  /** KC-n the attempt was about, when there was one. */
  number?: number;
  /** Where it came from (slack, teams, console, http) and any platform ids worth keeping. */
  details?: Record<string, unknown>;
}

/** Appends one `<operation>.refused` audit event: who, what and why. Never throws for the caller's sake. */
export async function auditRefusal(deps: Pick<CoreDeps, 'store' | 'clock' | 'log'>, refusal: RefusalRecord): Promise<void> {
  try {
    const request = refusal.number === undefined ? undefined : await deps.store.getRequestByNumber(refusal.number);
    await deps.store.transaction(async (tx) =>
      tx.appendAudit({
        at: deps.clock.now(),
        actor: refusal.actor.toLowerCase(),
        action: refusalAction(refusal.operation),
        requestId: request?.id ?? null,
        details: {
          ...(refusal.number === undefined ? {} : { ref: `KC-${refusal.number}` }),
          operation: refusal.operation,
          code: refusal.code,
          message: refusal.message,
          ...(request ? { status: request.status } : {}),
          ...refusal.details,
        },
      }),
    );
  } catch (error) {
    // The refusal itself stands; losing its audit line is logged loudly rather than turned into a 500.
    deps.log.error(
      { operation: refusal.operation, code: refusal.code, err: error instanceof Error ? error.message : String(error) },
      'could not audit a refusal',
    );
  }
}

/**
 * Runs a use case and audits its refusal, if it refuses. Wraps the use case itself, not the chat
 * handlers, so Slack, Teams, the console and the HTTP routes are all covered by one line each.
 */
export async function withRefusalAudit<T>(
  deps: Pick<CoreDeps, 'store' | 'clock' | 'log'>,
  operation: RefusalOperation,
  attempt: { actor: string; number?: number },
  run: () => Promise<Result<T>>,
): Promise<Result<T>> {
  const result = await run();
  if (result.ok || recorded.has(result)) return result;
  recorded.add(result);
  if (AUDITED_IN_TRANSACTION[operation]?.has(result.code)) return result;
  await auditRefusal(deps, { operation, actor: attempt.actor, code: result.code, message: result.message, ...numberOf(attempt) });
  return result;
}

function numberOf(attempt: { number?: number }): { number?: number } {
  return attempt.number === undefined ? {} : { number: attempt.number };
}

/** Marks a refusal its producer already audited under its own action (the identity gate), so it is not audited twice. */
export function markAudited<R extends Refusal>(refusal: R): R {
  recorded.add(refusal);
  return refusal;
}

/** True when this refusal was already written to the audit log. */
export function isAuditedRefusal(refusal: Refusal): boolean {
  return recorded.has(refusal);
}
