import { randomUUID } from 'node:crypto';
import type { ProviderErrorCode } from '../../core/ports/provider.js';
import { ProviderError } from '../../core/ports/provider.js';
import type { Clock } from '../../core/ports/runtime.js';
import { redactUrls, safeUrl } from '../redact-url.js';
import { SIGNATURE_HEADER, signWebhookBody, TIMESTAMP_HEADER } from './sign.js';

export type Sleep = (ms: number) => Promise<void>;

export interface SignedPost {
  url: string;
  secret: string;
  action: 'grant' | 'revoke' | 'extend' | 'list' | 'inventory';
  body: Record<string, unknown>;
  timeoutMs: number;
  retries: number;
  /** Status codes that count as success besides 2xx (revoke: 404/410 = already gone). */
  alsoOk?: readonly number[];
}

export interface HttpDeps {
  clock: Clock;
  sleep: Sleep;
  fetch: typeof fetch;
}

const MAX_BODY = 1024 * 1024;
const MAX_RETRY_AFTER_MS = 60_000;

const STATUS_CODES: Record<number, ProviderErrorCode> = { 400: 'invalid_config', 401: 'auth_failed', 403: 'auth_failed', 404: 'not_found' };
const statusCode = (status: number): ProviderErrorCode => {
  if (status === 409) return 'conflict';
  if (status === 422) return 'invalid_config';
  if (status === 429) return 'rate_limited';
  return STATUS_CODES[status] ?? (status >= 500 ? 'unavailable' : 'unknown');
};

function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Exponential backoff with jitter: ~250 ms, 500 ms, 1 s … capped at 8 s. */
const backoffMs = (attempt: number) => Math.min(250 * 2 ** attempt, 8_000) * (0.75 + Math.random() * 0.5);

/** POSTs a signed JSON body, retrying network errors, timeouts, 5xx and 429; returns the parsed JSON (or {} when empty). */
export async function postSigned(req: SignedPost, deps: HttpDeps): Promise<{ status: number; json: unknown }> {
  const where = `webhook ${safeUrl(req.url)} (${req.action})`;
  const raw = JSON.stringify(req.body);
  const delivery = randomUUID();
  let last: WebhookError | undefined;

  for (let attempt = 0; attempt <= req.retries; attempt++) {
    if (attempt > 0)
      await deps.sleep(last?.code === 'rate_limited' && last.retryAfterMs !== undefined ? last.retryAfterMs : backoffMs(attempt - 1));
    const timestamp = Math.floor(deps.clock.now().getTime() / 1000);
    let res: Response;
    let text: string;
    try {
      res = await deps.fetch(req.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(req.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'keycard-webhook/1',
          'x-keycard-action': req.action,
          'x-keycard-delivery': delivery,
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signWebhookBody(req.secret, timestamp, raw),
        },
        body: raw,
      });
      text = await readCapped(res);
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      const reason = timedOut ? `no answer within ${req.timeoutMs} ms` : `network error (${errorCause(err)})`;
      last = new WebhookError('unavailable', `${where}: ${reason}`, err);
      continue;
    }
    if ((res.status >= 200 && res.status < 300) || req.alsoOk?.includes(res.status)) {
      return { status: res.status, json: parseJson(text, where) };
    }
    if (res.status >= 300 && res.status < 400) {
      throw new WebhookError('invalid_config', `${where}: answered a redirect (${res.status}); configure the final URL`);
    }
    const code = statusCode(res.status);
    const snippet = text.trim().slice(0, 200).replace(/\s+/g, ' ');
    const wait = code === 'rate_limited' ? retryAfterMs(res.headers.get('retry-after'), deps.clock.now().getTime()) : undefined;
    const after = wait === undefined ? '' : ` (retry after ${Math.ceil(wait / 1000)} s)`;
    last = new WebhookError(code, `${where}: answered HTTP ${res.status}${after}${snippet ? `: ${snippet}` : ''}`);
    last.retryAfterMs = wait;
    if (code === 'rate_limited') {
      if (last.retryAfterMs !== undefined && last.retryAfterMs > MAX_RETRY_AFTER_MS) throw last;
      continue;
    }
    if (code !== 'unavailable') throw last;
  }
  throw last ?? new WebhookError('unknown', `${where}: no attempt made`);
}

/** A ProviderError that also carries the receiver's Retry-After, when it sent one. */
export class WebhookError extends ProviderError {
  retryAfterMs: number | undefined;
  constructor(code: ProviderErrorCode, message: string, cause?: unknown) {
    super(code, message, cause === undefined ? undefined : { cause });
  }
}

function errorCause(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return err instanceof Error ? redactUrls(err.message).replace(/\?\S*/g, '').slice(0, 100) : 'unknown';
}

/** Reads the body, refusing more than MAX_BODY bytes (a misbehaving receiver must not exhaust memory). */
async function readCapped(res: Response): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > MAX_BODY) {
    await res.body?.cancel();
    throw new Error(`response body of ${declared} bytes exceeds ${MAX_BODY}`);
  }
  const text = await res.text();
  if (text.length > MAX_BODY) throw new Error(`response body exceeds ${MAX_BODY} bytes`);
  return text;
}

function parseJson(text: string, where: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderError('unknown', `${where}: answered 2xx but the body is not JSON`, { retryable: false });
  }
}
