import { type OnCallErrorCode, PagerDutyError } from './pagerduty-error.js';

/** How long PagerDuty is left alone after a failure, by kind: a bad token or a rate limit waits longer than an outage. */
const BACKOFF: Record<OnCallErrorCode, { base: number; max: number }> = {
  rate_limited: { base: 30_000, max: 300_000 },
  auth_failed: { base: 300_000, max: 300_000 },
  invalid_config: { base: 300_000, max: 300_000 },
  unavailable: { base: 10_000, max: 120_000 },
  unknown: { base: 10_000, max: 120_000 },
};

/** When to ask PagerDuty again after failures: doubling per failure in a row, capped per kind, or as Retry-After says. */
export interface PagerDutyBackoff {
  /** True while a failure's wait has not passed. */
  blocked(now: number): boolean;
  /** Records a failure at `now`: the error as a PagerDutyError, and how long PagerDuty is now left alone. */
  failed(error: unknown, now: number): { error: PagerDutyError; waitMs: number };
  succeeded(): void;
}

export function createPagerDutyBackoff(): PagerDutyBackoff {
  let blockedUntil = 0;
  let failures = 0;
  return {
    blocked: (now) => now < blockedUntil,
    failed(error, now) {
      const pd =
        error instanceof PagerDutyError ? error : new PagerDutyError('unknown', error instanceof Error ? error.message : String(error));
      failures += 1;
      const { base, max } = BACKOFF[pd.code];
      const waitMs = pd.retryAfterMs ?? Math.min(max, base * 2 ** (failures - 1));
      blockedUntil = now + waitMs;
      return { error: pd, waitMs };
    },
    succeeded() {
      failures = 0;
    },
  };
}
