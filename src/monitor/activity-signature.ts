import { createHmac, timingSafeEqual } from 'node:crypto';

// The same recipe and headers as the webhook provider's outgoing calls (src/providers/webhook/sign.ts),
// copied rather than imported: adapters never import each other.
export const TIMESTAMP_HEADER = 'X-Keycard-Timestamp';
export const SIGNATURE_HEADER = 'X-Keycard-Signature';
/** How far the sender's clock may be from ours, either way. */
export const TOLERANCE_SEC = 300;

/** `v1=<hex HMAC-SHA256(secret, "v1:<timestamp>:<raw body>")>`. */
export function signActivityBody(secret: string, timestamp: number, body: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:`).update(body).digest('hex')}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** Checks the signature over the exact bytes received and that the timestamp is within ±TOLERANCE_SEC of now. */
export function verifyActivitySignature(opts: {
  secret: string;
  body: Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSec: number;
}): SignatureCheck {
  if (!opts.timestamp || !opts.signature) return { ok: false, reason: `missing ${TIMESTAMP_HEADER} or ${SIGNATURE_HEADER} header` };
  if (!/^\d{1,12}$/.test(opts.timestamp)) return { ok: false, reason: `${TIMESTAMP_HEADER} must be Unix time in seconds` };
  const ts = Number(opts.timestamp);
  if (Math.abs(opts.nowSec - ts) > TOLERANCE_SEC) {
    return { ok: false, reason: `${TIMESTAMP_HEADER} is more than ${TOLERANCE_SEC} s from Keycard's clock (check the sender's clock)` };
  }
  const expected = Buffer.from(signActivityBody(opts.secret, ts, opts.body));
  const given = Buffer.from(opts.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: `${SIGNATURE_HEADER} does not match the body (expected v1=<hex HMAC-SHA256 of "v1:<timestamp>:<body>">)` };
  }
  return { ok: true };
}
