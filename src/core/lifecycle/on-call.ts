import { onCallFromPolicy } from '../oncall/policy-schedule.js';
import type { CoreDeps } from './deps.js';

/** Rotations through which `email` is on call; a failing on-call source never blocks a request. */
export async function onCallOf(deps: CoreDeps, email: string, at: Date): Promise<string[]> {
  if (!deps.onCall) return onCallFromPolicy(deps.policy(), email, at);
  try {
    return await deps.onCall.onCallVia(email, at);
  } catch (error) {
    deps.log.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'on-call lookup failed; treating the requester as not on call',
    );
    return onCallFromPolicy(deps.policy(), email, at);
  }
}
