/** Posts a short line per audit checkpoint to the policy's alerts channel when on (default off). */
export const CHECKPOINT_ALERTS_ENV = 'KEYCARD_AUDIT_CHECKPOINT_ALERTS';

const ON = new Set(['true', 'on', 'yes', '1']);
const OFF = new Set(['false', 'off', 'no', '0']);

/** KEYCARD_AUDIT_CHECKPOINT_ALERTS as a switch: off when unset or blank; anything but a yes/no is a clear error. */
export function readCheckpointAlerts(
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; on: boolean } | { ok: false; message: string } {
  const value = env[CHECKPOINT_ALERTS_ENV]?.trim().toLowerCase();
  if (value === undefined || value === '' || OFF.has(value)) return { ok: true, on: false };
  if (ON.has(value)) return { ok: true, on: true };
  return {
    ok: false,
    message: `${CHECKPOINT_ALERTS_ENV} must be true or false (got "${env[CHECKPOINT_ALERTS_ENV]?.trim().slice(0, 40)}"): true posts a line per audit checkpoint to the alerts channel`,
  };
}
