import { createHmac, timingSafeEqual } from 'node:crypto';
import { SIGNATURE_WINDOW_SEC } from '../options.js';

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature' };

/**
 * Verifies Slack's v0 request signature over the raw body bytes. Unlike Bolt's own check, a timestamp
 * too far in the FUTURE is rejected as well as one too far in the past, so a captured request cannot
 * be replayed later by anyone who can forge nothing but the clock skew.
 */
export function verifySlackSignature(input: {
  signingSecret: string;
  rawBody: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  nowMs: number;
}): SignatureCheck {
  const { signature, timestamp } = input;
  if (!signature || !timestamp) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  const skew = Math.abs(Math.floor(input.nowMs / 1000) - Number(timestamp));
  if (skew > SIGNATURE_WINDOW_SEC) return { ok: false, reason: 'stale_timestamp' };
  const expected = `v0=${createHmac('sha256', input.signingSecret).update(`v0:${timestamp}:`).update(input.rawBody).digest('hex')}`;
  const given = Buffer.from(signature, 'utf8');
  const wanted = Buffer.from(expected, 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch is itself a failed check.
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return { ok: false, reason: 'bad_signature' };
  return { ok: true };
}
