import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Clock, Logger } from '../../../core/ports/runtime.js';
import type { Admission, Release } from './admission.js';
import { type DeliveryGuard, deliveryKeys } from './delivery-guard.js';
import { parseSlackBody } from './parse-slack-body.js';
import { BodyTooLargeError, readRawBody } from './read-raw-body.js';
import { verifySlackSignature } from './verify-signature.js';

/** Slack's largest payloads (view submissions with many inputs) stay far below this. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface SignedHttpReceiverOptions {
  signingSecret: string;
  clock: Clock;
  log: Logger;
  ackTimeoutMs: number;
  /** Replay and workspace checks, shared by every replica through the database. */
  guard: DeliveryGuard;
  /** Acknowledged deliveries whose listeners may work at once (the ack itself never waits for it). */
  admission: Admission;
}

function reply(res: ServerResponse, status: number, body?: string | object): void {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status, { 'content-length': '0' });
    res.end();
  } else if (typeof body === 'string') {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  } else {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }
}

/** What a listener passed to ack(): text, a JSON body (modal errors, an ephemeral message), or nothing. */
function ackBody(response: unknown): string | object | undefined {
  if (typeof response === 'string') return response === '' ? undefined : response;
  return typeof response === 'object' && response !== null ? response : undefined;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * A Bolt receiver for Keycard's own HTTP server. It checks every request itself (v0 signature over the
 * raw bytes, timestamp within 300 s either way, each signed body processed once) before Bolt sees it,
 * then answers Slack as soon as a listener calls ack() while the listener carries on.
 */
export class SignedHttpReceiver implements Receiver {
  private app: App | undefined;
  private started = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: SignedHttpReceiverOptions) {}

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {
    this.started = true;
  }

  /** Stops taking requests and waits for listeners that are still working. */
  async stop(): Promise<void> {
    this.started = false;
    await Promise.allSettled([...this.inFlight]);
  }

  /** The `/slack/events` route handler. */
  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { log } = this.options;
    if (req.method !== 'POST') return reply(res, 405, 'method not allowed');
    if (!this.app || !this.started) return reply(res, 503, 'Keycard is starting');
    let rawBody: Buffer;
    try {
      rawBody = await readRawBody(req, MAX_BODY_BYTES);
    } catch (error) {
      return reply(res, error instanceof BodyTooLargeError ? 413 : 400, 'unreadable body');
    }
    const check = verifySlackSignature({
      signingSecret: this.options.signingSecret,
      rawBody,
      signature: header(req, 'x-slack-signature'),
      timestamp: header(req, 'x-slack-request-timestamp'),
      nowMs: this.options.clock.now().getTime(),
    });
    if (!check.ok) {
      log.warn({ reason: check.reason }, 'rejected a Slack request that failed signature verification');
      return reply(res, 401, 'invalid request signature');
    }
    const parsed = parseSlackBody(rawBody, header(req, 'content-type'));
    if (parsed.kind === 'ssl_check') return reply(res, 200);
    if (parsed.kind === 'url_verification') return reply(res, 200, { challenge: parsed.challenge });
    if (parsed.kind === 'invalid') {
      log.warn({ reason: parsed.reason }, 'rejected a signed Slack request that could not be parsed');
      return reply(res, 400, 'unparseable body');
    }
    // Only after the signature checked out, so forged requests cannot fill the table.
    const retryNum = header(req, 'x-slack-retry-num') ?? null;
    const signatureKey = createHash('sha256')
      .update(header(req, 'x-slack-signature') ?? '')
      .digest('hex');
    let verdict: Awaited<ReturnType<DeliveryGuard['admit']>>;
    try {
      verdict = await this.options.guard.admit(deliveryKeys(signatureKey, parsed.body), parsed.body);
    } catch (error) {
      // Without the shared store Keycard cannot tell a replay from a first delivery: Slack retries a 503.
      log.error(
        { err: error instanceof Error ? error.message : String(error) },
        'could not record a Slack delivery; asking Slack to retry',
      );
      return reply(res, 503, 'Keycard cannot record this delivery right now');
    }
    if (verdict === 'duplicate') {
      // A retry (X-Slack-Retry-Num) or a replay, on this replica or another one: acknowledged, no second effect.
      log.info({ retryNum }, 'ignored a Slack delivery that was already processed');
      return reply(res, 200);
    }
    if (verdict === 'foreign') return reply(res, 403, 'this Keycard serves another Slack workspace');
    this.dispatch(this.app, req, res, parsed.body);
  };

  private dispatch(app: App, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): void {
    const { log } = this.options;
    let acked = false;
    const answer = (response?: unknown): void => {
      if (acked) return;
      acked = true;
      clearTimeout(timer);
      reply(res, 200, ackBody(response));
    };
    let slot: Promise<Release> | undefined;
    // Slack gets its answer at once; the listener's work after `await ack()` waits for a slot, so a burst does
    // not run hundreds of use cases side by side: their interleaved steps made every event-loop turn long, and
    // Node accepts one new connection per turn, so later deliveries were not even accepted within Slack's 3 s.
    // The answer goes out when ack is called, so a listener that must act at once (open a form within
    // trigger_id's 3 s) calls ack without awaiting it and skips the wait.
    const ack = async (response?: unknown): Promise<void> => {
      answer(response);
      slot ??= this.options.admission.acquire();
      await slot;
    };
    // A listener that forgets to ack must not leave Slack waiting into its 3 s timeout.
    const timer = setTimeout(() => {
      if (acked) return;
      log.warn({ type: body.type ?? body.command ?? null }, 'a Slack request was not acknowledged in time; answered it empty');
      answer();
    }, this.options.ackTimeoutMs);
    timer.unref();
    const retry = header(req, 'x-slack-retry-num');
    const event: ReceiverEvent = {
      body,
      ack,
      ...(retry !== undefined ? { retryNum: Number(retry), retryReason: header(req, 'x-slack-retry-reason') ?? '' } : {}),
    };
    const work = app
      .processEvent(event)
      .catch((error: unknown) => {
        log.error({ err: error instanceof Error ? error.message : String(error) }, 'a Slack listener failed');
      })
      .finally(() => {
        // Nothing matched (an event or button Keycard does not handle): Slack still wants its 200.
        answer();
        void slot?.then((release) => release());
      });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }
}
