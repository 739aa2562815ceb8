/** Block Kit action and callback ids. Buttons carry only a request number (and, on anomaly DMs, a detector), never secrets. */
export const ACTION = {
  approve: 'kc_approve',
  deny: 'kc_deny',
  extend: 'kc_extend',
  release: 'kc_release',
  retryRevoke: 'kc_retry_revoke',
  openRequestModal: 'kc_open_request_modal',
  anomalyRevoke: 'kc_anomaly_revoke',
  anomalyAcknowledge: 'kc_anomaly_ack',
  anomalyExtend: 'kc_anomaly_extend',
} as const;

/** Anomaly buttons say which grant and which detector (`12:destructive-sql`), nothing else. */
export function anomalyValue(number: number, detector: string): string {
  return `${number}:${detector}`;
}

export function parseAnomalyValue(value: string | undefined): { number: number; detector: string } | undefined {
  const match = value ? /^(\d{1,9}):([a-z][a-z0-9-]{0,63})$/.exec(value) : null;
  return match?.[1] && match[2] ? { number: Number(match[1]), detector: match[2] } : undefined;
}

export const VIEW = {
  requestModal: 'kc_request_modal',
  denyModal: 'kc_deny_modal',
} as const;

/** Block ids of the request modal's inputs; validation errors are keyed by them. */
export const REQUEST_FIELD = {
  resource: 'resource',
  duration: 'duration',
  level: 'level',
  reason: 'reason',
  incident: 'incident',
  options: 'options',
} as const;

export const DENY_REASON_BLOCK = 'reason';
/** Every input in Keycard's modals uses this action id inside its own block. */
export const INPUT_ACTION = 'value';
