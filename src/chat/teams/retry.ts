/** Statuses Teams documents as transient for bots: throttled, precondition (concurrent edit), bad gateway, gateway timeout. */
const RETRYABLE = new Set([429, 412, 502, 504]);

export interface RetryOptions {
  sleep: (ms: number) => Promise<void>;
  /** Uniform [0,1), for jitter. */
  random: () => number;
  retries?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** The HTTP status of a failed connector call (the connector's RestError carries `statusCode`). */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = 'statusCode' in error ? error.statusCode : 'status' in error ? error.status : undefined;
  return typeof status === 'number' ? status : undefined;
}

export function isRetryable(error: unknown): boolean {
  const status = statusOf(error);
  return status !== undefined && RETRYABLE.has(status);
}

/**
 * Exponential backoff with ±20 % jitter, Microsoft's sample policy for bots (3 retries, 2 s to 20 s).
 * The connector's own pipeline already retries some 5xx answers with short delays; this is the outer,
 * slower layer for throttling and for gateways that stay down a little longer.
 */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  const retries = options.retries ?? 3;
  const min = options.minDelayMs ?? 2_000;
  const max = options.maxDelayMs ?? 20_000;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= retries || !isRetryable(error)) throw error;
      const base = Math.min(max, min * 2 ** attempt);
      await options.sleep(Math.round(base * (0.8 + 0.4 * options.random())));
    }
  }
}
