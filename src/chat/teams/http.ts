import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Activity, TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Logger } from '../../core/ports/runtime.js';
import { tenantOf } from './activity.js';
import { type AuthenticatedRequest, isAuthFailure, type KeycardCloudAdapter } from './auth.js';

/** Bot Framework activities are a few KB; anything far larger is not one. */
const MAX_BODY_BYTES = 1024 * 1024;

/** The fields the turn pipeline relies on; botbuilder reads the rest of the activity itself. */
const activitySchema = z.looseObject({
  type: z.string().min(1),
  serviceUrl: z.string().min(1),
  channelId: z.string().min(1),
  conversation: z.looseObject({ id: z.string().min(1) }),
  from: z.looseObject({ id: z.string().min(1) }).optional(),
  recipient: z.looseObject({ id: z.string().min(1) }).optional(),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'request body too large');
    chunks.push(buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** From this machine and not relayed: a proxy on loopback would otherwise carry the world's traffic in. */
export function isLocalRequest(req: IncomingMessage): boolean {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return false;
  return req.headers['x-forwarded-for'] === undefined && req.headers.forwarded === undefined;
}

export interface MessagesRouteOptions {
  adapter: KeycardCloudAdapter;
  logic: (context: TurnContext) => Promise<void>;
  log: Logger;
  /** When set, activities from any other tenant are refused. */
  tenantId?: string;
  /**
   * Local mode: no token is checked, so only the machine itself may talk to the route (the Bot
   * Framework Emulator). A request relayed by a proxy is refused even when the proxy is local.
   */
  loopbackOnly?: boolean;
  /** False until `start()`: Teams retries deliveries that get 503. */
  isServing: () => boolean;
  /** Claims the activity's id in the shared inbound-event table; false for a redelivery seen by any replica. */
  admit: (activity: Activity) => Promise<boolean>;
  /** Audits an authenticated activity from a tenant other than the configured one (once per activity id, see `admit`). */
  refuseTenant: (activity: Activity, tenant: string | undefined) => Promise<void>;
}

/**
 * `POST /api/messages`: reads and parses the body (Keycard has no body-parsing middleware), validates
 * the activity's JWT (401 for every bad token, before anything runs), then runs the turn and writes
 * the invoke response, if any, as the HTTP answer.
 */
export function createMessagesRoute(options: MessagesRouteOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
    if (options.loopbackOnly && !isLocalRequest(req)) {
      options.log.warn({ remote: req.socket.remoteAddress }, 'teams local mode: request from outside this machine refused');
      return send(res, 403, { error: 'Keycard runs Teams in local mode and accepts requests from this machine only' });
    }
    if (!options.isServing()) return send(res, 503, { error: 'Keycard is starting' });
    let activity: Activity;
    try {
      const parsed = activitySchema.safeParse(await readJson(req));
      if (!parsed.success) throw new HttpError(400, 'not a Bot Framework activity');
      // Validated above for what Keycard and the pipeline read; the schema keeps every other field as sent.
      activity = parsed.data as unknown as Activity;
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 400;
      return send(res, status, { error: error instanceof Error ? error.message : 'bad request' });
    }
    const header = req.headers.authorization ?? '';
    let authenticated: AuthenticatedRequest;
    try {
      authenticated = await options.adapter.authentication.authenticateRequest(activity, header);
    } catch (error) {
      if (!isAuthFailure(error)) {
        options.log.error({ err: error instanceof Error ? error.message : String(error) }, 'teams authentication could not run');
        return send(res, 503, { error: 'authentication unavailable' });
      }
      // The reason helps operators; the token itself is never logged.
      options.log.warn({ reason: error instanceof Error ? error.message : 'invalid token', type: activity.type }, 'teams request refused');
      return send(res, 401, { error: 'unauthorized' });
    }
    const tenant = tenantOf(activity);
    if (options.tenantId && tenant !== options.tenantId) {
      // Refused on every delivery, audited once: a redelivery or a replay to another replica claims the same key.
      const first = await options.admit(activity).catch(() => true);
      options.log.warn({ tenant, first }, 'teams request from another tenant refused');
      if (first) await options.refuseTenant(activity, tenant).catch(() => undefined);
      return send(res, 403, { error: 'tenant not allowed' });
    }
    try {
      if (!(await options.admit(activity))) {
        options.log.info({ type: activity.type }, 'ignored a Teams activity that was already processed');
        return send(res, 200);
      }
    } catch (error) {
      options.log.error({ err: error instanceof Error ? error.message : String(error) }, 'could not record a Teams activity');
      return send(res, 503, { error: 'cannot record this activity right now' });
    }
    try {
      const response = await options.adapter.runAuthenticated(authenticated, activity, options.logic);
      send(res, response?.status ?? 200, response?.body);
    } catch (error) {
      options.log.error({ type: activity.type, err: error instanceof Error ? error.message : String(error) }, 'teams turn failed');
      send(res, 500, { error: 'internal error' });
    }
  };
}
