/**
 * Best-effort "was this a 429?" for errors thrown by the chat adapters, without importing them (adapters
 * may not depend on each other). What each platform throws, as of this writing:
 * - Slack (@slack/web-api): `code: 'slack_webapi_rate_limited_error'` (only when the client rejects
 *   rate-limited calls; the outbound client waits out Retry-After instead and then fails with this code
 *   after its retries), or a platform error `data.error === 'ratelimited'`.
 * - Teams (botframework connector): a RestError with `statusCode: 429`.
 * - Keycard's own wrappers (KeycardError) keep the original error as `cause` or name it in the message
 *   ("rate limited by Slack"), so causes and messages are checked too.
 * A miss only means the failure is counted in keycard_chat_errors_total without the 429 counter.
 */
export function isRateLimitError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const e = error as Record<string, unknown>;
  if (e.code === 'slack_webapi_rate_limited_error' || e.code === 'rate_limited') return true;
  if (e.statusCode === 429 || e.status === 429) return true;
  const data = e.data;
  if (typeof data === 'object' && data !== null && (data as Record<string, unknown>).error === 'ratelimited') return true;
  if (typeof e.message === 'string' && /\brate[- ]?limit(ed|ing)?\b|\b429\b|\bthrottl/i.test(e.message)) return true;
  return isRateLimitError(e.cause, depth + 1);
}
