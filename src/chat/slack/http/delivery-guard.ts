import { auditRefusal } from '../../../core/audit/refusals.js';
import type { CoreDeps } from '../../../core/lifecycle/deps.js';
import type { Logger } from '../../../core/ports/runtime.js';
import { REPLAY_TTL_MS } from '../options.js';
import { checkInstallation, type SlackInstallation } from './workspace-pin.js';

/** Slack retries an event for about an hour (immediately, after 1 min, after 5 min); its id is kept longer. */
export const EVENT_ID_TTL_MS = 2 * 60 * 60_000;

export interface DeliveryKey {
  key: string;
  ttlMs: number;
}

export type Admission = 'first' | 'duplicate' | 'foreign';

/** Decides, across every replica, whether a verified Slack delivery takes effect. */
export interface DeliveryGuard {
  admit(keys: DeliveryKey[], body: Record<string, unknown>): Promise<Admission>;
}

/**
 * What makes a delivery "the same" one: the signature (an exact replay within the 5-minute window),
 * the Events API's `event_id` and an action's `trigger_id` (a retry carries a new signature but the same id).
 */
export function deliveryKeys(signatureHash: string, body: Record<string, unknown>): DeliveryKey[] {
  const keys: DeliveryKey[] = [{ key: `sig:${signatureHash}`, ttlMs: REPLAY_TTL_MS }];
  if (typeof body.event_id === 'string' && body.event_id !== '') keys.push({ key: `event:${body.event_id}`, ttlMs: EVENT_ID_TTL_MS });
  // Slash commands and interactions carry a trigger_id unique to the person's action: a re-signed resend of it is the same action.
  if (typeof body.trigger_id === 'string' && body.trigger_id !== '')
    keys.push({ key: `trigger:${body.trigger_id}`, ttlMs: EVENT_ID_TTL_MS });
  return keys;
}

/**
 * The guard over the shared inbound-event table: every key is claimed (first claim wins on any
 * replica), then the delivery's workspace is checked against the installation; a foreign one is
 * refused and audited once.
 */
export function createDeliveryGuard(options: {
  core: () => CoreDeps;
  installation: () => SlackInstallation | undefined;
  log: Logger;
}): DeliveryGuard {
  return {
    async admit(keys, body) {
      const deps = options.core();
      // All keys in one statement, first only if it recorded every one of them: two replicas handed the same body
      // at once can never each win a different key (then neither would process it).
      const first = await deps.store.inbound.claimAll('slack', keys, deps.clock.now());
      if (!first) return 'duplicate';
      const installation = options.installation();
      if (!installation) return 'first';
      const pin = checkInstallation(body, installation);
      if (pin.ok) return 'first';
      const user = (body.user as { id?: unknown } | undefined)?.id ?? body.user_id;
      options.log.warn({ ...pin.origin, reason: pin.reason }, 'refused a signed Slack request from another workspace or app');
      await auditRefusal(deps, {
        operation: 'identify',
        actor: `slack:${typeof user === 'string' ? user : 'unknown'}`,
        code: 'wrong_workspace',
        message: `refused a Slack request: ${pin.reason}`,
        details: { platform: 'slack', ...pin.origin },
      });
      return 'foreign';
    },
  };
}
