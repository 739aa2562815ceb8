/** Vendor-neutral reasons an on-call lookup failed (the same vocabulary as ProviderError). */
export type OnCallErrorCode = 'auth_failed' | 'rate_limited' | 'invalid_config' | 'unavailable' | 'unknown';

export class PagerDutyError extends Error {
  constructor(
    readonly code: OnCallErrorCode,
    message: string,
    /** How long to leave PagerDuty alone before asking again (from Retry-After / ratelimit-reset, when sent). */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PagerDutyError';
  }
}
