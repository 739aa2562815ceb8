import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Keycard-Timestamp';
export const SIGNATURE_HEADER = 'X-Keycard-Signature';

/** `v1=<hex HMAC-SHA256(secret, "v1:<timestamp>:<raw body>")>`. */
export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`;
}

/** Receiver-side check (also used by tests): signature matches and the timestamp is within `toleranceSec` of now. */
export function verifyWebhookSignature(opts: {
  secret: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSec: number;
  toleranceSec?: number;
}): boolean {
  const ts = Number(opts.timestamp);
  if (!Number.isInteger(ts) || Math.abs(opts.nowSec - ts) > (opts.toleranceSec ?? 300) || !opts.signature) return false;
  const expected = Buffer.from(signWebhookBody(opts.secret, ts, opts.body));
  const given = Buffer.from(opts.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
