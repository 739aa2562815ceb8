import type { AccessRequest, RequestOrigin } from '../types.js';

/**
 * Pilot mode (a resource's `mode: pilot`): requests are scored, routed and approved exactly as in
 * enforce, but the grant is only recorded ("would grant") and no provider is called, not on grant,
 * extend or revoke. The mark is stored on the request's origin at submit time, so the request keeps
 * its mode for life whatever the policy says later.
 */
export function isPilot(request: Pick<AccessRequest, 'origin'>): boolean {
  return request.origin.pilot === true;
}

/** The origin to store: whatever the chat adapter sent, with the pilot mark decided by core alone. */
export function originWithMode(origin: RequestOrigin, pilot: boolean): RequestOrigin {
  const { pilot: _fromAdapter, ...rest } = origin;
  return pilot ? { ...rest, pilot: true } : rest;
}

/** Spread into audit details: `pilot: true` on a pilot request's events; enforce events are unchanged. */
export function pilotDetail(request: Pick<AccessRequest, 'origin'>): { pilot?: true } {
  return isPilot(request) ? { pilot: true } : {};
}
