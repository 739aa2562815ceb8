import type { AccessRequest, Approval } from '../types.js';

// Keyed by the row object itself: a newer version of the row is a new object, so nothing stale is found
// for it unless carried over on purpose (approvals cannot change once a request has left `pending`).
const known = new WeakMap<AccessRequest, readonly Approval[]>();

/**
 * Remembers the approvals a use case already holds for this version of a request (read or written in its
 * transaction), so the card and the reply built from it do not read them again.
 */
export function rememberApprovals<T extends AccessRequest>(request: T, approvals: readonly Approval[]): T {
  known.set(request, approvals);
  return request;
}

/** The approvals remembered for this version of the request, if any. */
export function knownApprovals(request: AccessRequest): readonly Approval[] | undefined {
  return known.get(request);
}

/** Hands a decided request's approvals on to its next version (they are final once it left `pending`). */
export function carryApprovals<T extends AccessRequest | undefined>(from: AccessRequest, to: T): T {
  const approvals = known.get(from);
  if (to && approvals && from.status !== 'pending') known.set(to, approvals);
  return to;
}
