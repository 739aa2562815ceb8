import { isUnsupported } from '../ports/provider.js';
import type { AccessRequest } from '../types.js';
import type { CoreDeps } from './deps.js';
import { isPilot } from './pilot.js';
import { describeError, providerInput } from './provider-input.js';

/** What moving a grant's expiry at its target came to. */
export type TargetExtension =
  | { ok: true }
  /** `retryable`: a passing failure (target unreachable) worth another attempt; otherwise the extension is refused. */
  | { ok: false; message: string; retryable: boolean; error?: unknown };

/**
 * Moves an active grant's expiry at its target (Postgres VALID UNTIL, a binding's annotation, a webhook's
 * `extend`) before Keycard records the new expiry. The target moves first and Keycard records only what
 * the target confirmed, so Keycard never shows a window the credential does not have. The two cannot share
 * one transaction (they are different systems): if Keycard's record then fails, the target's expiry is the
 * later one, which is the safe direction because Keycard still revokes at the expiry it recorded.
 */
export async function extendAtTarget(deps: CoreDeps, grant: AccessRequest, expiresAt: Date, now: Date): Promise<TargetExtension> {
  // A pilot grant exists only in Keycard's records: there is nothing to move.
  if (isPilot(grant) || expiresAt.getTime() === grant.expiresAt?.getTime()) return { ok: true };
  const provider = deps.providers.get(grant.provider);
  if (!provider) return { ok: false, message: `no provider "${grant.provider}" is installed`, retryable: false };
  const common = providerInput(deps, grant);
  if (!common.ok) return { ok: false, message: common.message, retryable: false };
  try {
    await provider.extend({ ...common.value, ref: grant.grantRef, now, expiresAt });
    return { ok: true };
  } catch (error) {
    const detail = describeError(error);
    if (isUnsupported(error)) {
      return { ok: false, message: `KC-${grant.number} cannot be extended at ${grant.resource}: ${detail}`, retryable: false, error };
    }
    const retryable = typeof error === 'object' && error !== null && 'retryable' in error && error.retryable === true;
    return { ok: false, message: `could not move KC-${grant.number}'s expiry at ${grant.resource}: ${detail}`, retryable, error };
  }
}
