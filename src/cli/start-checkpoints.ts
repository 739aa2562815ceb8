import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readCheckpointAlerts } from '../config/checkpoint-alerts-env.js';
import type { KeycardConfig } from '../config/env.js';
import type { Keycard } from '../main.js';
import { type CheckpointSinks, type CheckpointWriter, startCheckpoints } from '../store/audit-checkpoints.js';
import { createCheckpointAlerts } from './checkpoint-alerts.js';

export const CHECKPOINT_FILE = 'audit-checkpoints.jsonl';

/** Where checkpoints go: KEYCARD_AUDIT_CHECKPOINT_FILE (default beside the data, "off" disables) and KEYCARD_AUDIT_CHECKPOINT_URL. */
export function checkpointSinks(
  config: Pick<KeycardConfig, 'dataDir'>,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): CheckpointSinks {
  const fileSetting = env.KEYCARD_AUDIT_CHECKPOINT_FILE?.trim();
  const file = fileSetting?.toLowerCase() === 'off' ? undefined : resolve(cwd, fileSetting || join(config.dataDir, CHECKPOINT_FILE));
  const url = env.KEYCARD_AUDIT_CHECKPOINT_URL?.trim();
  return { ...(file ? { file } : {}), ...(url ? { url } : {}) };
}

/** Checkpoints for a running Keycard: on by default, every minute and at graceful stop. */
export function startAuditCheckpoints(
  keycard: Keycard,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): CheckpointWriter | undefined {
  if (!keycard.auditKeys) return undefined;
  const sinks = checkpointSinks(keycard.config, env, cwd);
  if (!sinks.file && !sinks.url) {
    keycard.log.warn(
      'audit checkpoints are off (KEYCARD_AUDIT_CHECKPOINT_FILE=off and no KEYCARD_AUDIT_CHECKPOINT_URL): a truncated audit log cannot be detected',
    );
    return undefined;
  }
  if (sinks.file) mkdirSync(dirname(sinks.file), { recursive: true });
  // Validated by readConfig at start; a value that got here is true or false.
  const alerts = readCheckpointAlerts(env);
  const alertLines = alerts.ok && alerts.on;
  if (alertLines && !keycard.deps.policy().alerts.channel) {
    keycard.log.warn(
      'KEYCARD_AUDIT_CHECKPOINT_ALERTS is on but the policy has no alerts.channel: checkpoint lines go nowhere until one is set',
    );
  }
  keycard.log.info({ file: sinks.file ?? null, webhook: sinks.url ? 'set' : null, alertsChannel: alertLines }, 'audit checkpoints on');
  return startCheckpoints({
    store: keycard.store,
    key: keycard.auditKeys.current,
    sinks: { ...sinks, ...(alertLines ? { alert: createCheckpointAlerts(keycard.deps) } : {}) },
    clock: keycard.deps.clock,
    log: keycard.log,
  });
}
