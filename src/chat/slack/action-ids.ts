/** Block Kit action and callback ids. Buttons carry only a request number as their value, never secrets. */
export const ACTION = {
  approve: 'kc_approve',
  deny: 'kc_deny',
  extend: 'kc_extend',
  release: 'kc_release',
  openRequestModal: 'kc_open_request_modal',
} as const;

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
