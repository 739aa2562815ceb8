import type { CoreDeps } from '../core/lifecycle/deps.js';
import type { Checkpoint } from '../store/audit-checkpoints.js';

/** How long a posted head is remembered, so every replica that writes the same checkpoint posts it once. */
const POSTED_TTL_MS = 24 * 60 * 60_000;

/** The line a checkpoint leaves in the alerts channel: sequence, hash prefix and key id, enough to compare with `keycard audit verify`. */
export function checkpointLine(checkpoint: Checkpoint): string {
  return `Audit checkpoint #${checkpoint.seq} ${checkpoint.hash.slice(0, 16)} (key ${checkpoint.keyId})`;
}

/**
 * A checkpoint sink that posts the checkpoint's line to the policy's alerts channel through the chat
 * port: a witness outside the database that people (and the chat platform's own retention) keep.
 * Replicas share the head, so the first to claim it in the shared inbound-event table posts it.
 */
export function createCheckpointAlerts(deps: Pick<CoreDeps, 'chat' | 'store' | 'clock' | 'policy'>) {
  return async (checkpoint: Checkpoint): Promise<void> => {
    const key = `${checkpoint.seq}:${checkpoint.hash}`;
    if (!(await deps.store.inbound.claim('audit-checkpoint', key, deps.clock.now(), POSTED_TTL_MS))) return;
    try {
      await deps.chat.postAlert(deps.policy().alerts.channel, { kind: 'info', text: checkpointLine(checkpoint) });
    } catch (error) {
      // Not posted: let the next checkpoint of this head (another replica, the next interval) try again.
      await deps.store.inbound.release('audit-checkpoint', key).catch(() => undefined);
      throw error;
    }
  };
}
