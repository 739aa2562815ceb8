import { webApi } from '@slack/bolt';

/** Slack's `error` string from a failed Web API call (`not_in_channel`, `users_not_found`, …), if it was one. */
export function slackErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('data' in error)) return undefined;
  const { data } = error;
  return typeof data === 'object' && data !== null && 'error' in data && typeof data.error === 'string' ? data.error : undefined;
}

export function isRateLimited(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === webApi.ErrorCode.RateLimitedError;
}

/**
 * Seconds Slack asked to wait when a call ended rate limited: a fail-fast client's RateLimitedError, or
 * the outbound client giving up after its retries (its last error names the Retry-After it saw).
 */
export function rateLimitRetryAfter(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if (isRateLimited(error) && 'retryAfter' in error && typeof error.retryAfter === 'number') return error.retryAfter;
  const message = error instanceof Error ? error.message : '';
  const match = /rate limit was exceeded .*retry-after: (\d+)/i.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** A short, secret-free description of a Web API failure for logs and user-facing messages. */
export function describeSlackError(error: unknown): string {
  const code = slackErrorCode(error);
  if (code) return code;
  if (isRateLimited(error)) return 'rate limited by Slack';
  return error instanceof Error ? error.message : String(error);
}

/** Errors that mean "the bot cannot post in that channel". */
export const CHANNEL_ACCESS_ERRORS = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action']);
