import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordActivity } from '../core/lifecycle/activity.js';
import type { CoreDeps } from '../core/lifecycle/deps.js';
import type { Clock, Logger } from '../core/ports/runtime.js';
import type { ActivityInput } from '../core/types.js';
import { safeErrorMessage } from '../core/views/safe-text.js';
import { createBackgroundQueue } from './background-queue.js';
import { isBearerToken } from './bearer-token.js';
import { header, replyJson } from './http-reply.js';
import { type AuditMapping, mapAuditEvent } from './k8s-audit-mapping.js';
import { auditEventListSchema, auditEventSchema } from './k8s-audit-schema.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { decodeUtf8, findUnstorable } from './unstorable.js';

/** The API server batches up to 400 events (--audit-webhook-batch-max-size); Request-level events are large. */
export const AUDIT_BODY_LIMIT = 10 * 1_048_576;
/** Events accepted but not yet recorded; beyond this the API server is told to retry (503). */
export const AUDIT_MAX_PENDING = 10_000;
/** The API server retries a batch for minutes at most; an auditID is remembered for a day. */
const AUDIT_ID_TTL_MS = 24 * 60 * 60_000;

export interface K8sAuditOptions {
  deps: () => CoreDeps;
  secret: string;
  log: Logger;
  clock?: Clock;
  bodyLimit?: number;
  maxPending?: number;
}

interface BatchCounts {
  recorded: number;
  unknown: number;
  failed: number;
  duplicates: number;
}

type Mapped = Extract<AuditMapping, { kind: 'event' }>;
const RESOURCE_RE = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * POST /activity/k8s-audit: the API server's audit webhook backend. Answers as soon as the batch is
 * authenticated and parsed (the API server waits on the webhook), then records the events of Keycard's
 * grantees in the background, in order. Everyone else's events are skipped and only counted ("ignored").
 */
export function createK8sAuditHandler(options: K8sAuditOptions) {
  const limit = options.bodyLimit ?? AUDIT_BODY_LIMIT;
  const { log } = options;
  const queue = createBackgroundQueue(options.maxPending ?? AUDIT_MAX_PENDING, (error) =>
    log.error({ route: '/activity/k8s-audit', err: error instanceof Error ? error.message : String(error) }, 'audit batch failed'),
  );
  const record = async (events: Mapped[]): Promise<void> => {
    const deps = options.deps();
    const counts: BatchCounts = { recorded: 0, unknown: 0, failed: 0, duplicates: 0 };
    for (const event of events) {
      // One record per auditID across replicas, restarts and the API server's resends. Streams (exec,
      // attach) are recorded when they start; their ResponseComplete later has the same auditID.
      const key = `audit:${event.auditId}`;
      try {
        if (!(await deps.store.inbound.claim('k8s-audit', key, deps.clock.now(), AUDIT_ID_TTL_MS))) {
          counts.duplicates += 1;
          continue;
        }
        if (await recordFirstMatch(deps, event)) counts.recorded += 1;
        else {
          counts.unknown += 1;
          await deps.store.inbound.release('k8s-audit', key);
        }
      } catch (error) {
        await deps.store.inbound.release('k8s-audit', key).catch(() => undefined);
        counts.failed += 1;
        log.warn({ auditID: event.auditId, err: safeErrorMessage(error) }, 'recording an audit event failed');
      }
    }
    const level = counts.recorded > 0 || counts.failed > 0 ? 'info' : 'debug';
    log[level]({ route: '/activity/k8s-audit', events: events.length, ...counts }, 'audit batch recorded');
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return replyJson(res, 405, { error: 'method_not_allowed', message: 'use POST' }, { allow: 'POST' });
    if (!isBearerToken(header(req, 'authorization'), options.secret)) {
      log.warn({ route: '/activity/k8s-audit' }, 'audit webhook rejected: missing or wrong bearer token');
      return replyJson(res, 401, { error: 'unauthorized', message: 'send Authorization: Bearer <KEYCARD_ACTIVITY_SECRET>' });
    }
    const resource = resourceOf(req.url);
    if (resource !== undefined && !RESOURCE_RE.test(resource)) {
      return replyJson(res, 400, { error: 'invalid_resource', message: 'the resource in the URL must be a resource name from the policy' });
    }
    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return replyJson(
        res,
        413,
        { error: 'too_large', message: `the batch exceeds ${limit} bytes; lower --audit-webhook-batch-max-size` },
        {
          connection: 'close',
        },
      );
    }
    const text = decodeUtf8(body);
    if (text === undefined) return replyJson(res, 400, { error: 'invalid_text', message: 'the body is not valid UTF-8' });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return replyJson(res, 400, { error: 'invalid_json', message: 'the body is not valid JSON' });
    }
    const unstorable = findUnstorable(json);
    if (unstorable) return replyJson(res, 400, { error: 'invalid_text', message: unstorable });
    const list = auditEventListSchema.safeParse(json);
    if (!list.success) {
      const issues = list.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
      return replyJson(res, 400, { error: 'invalid_body', message: issues.join('; '), issues });
    }

    const now = (options.clock ?? options.deps().clock).now();
    const mapped: Mapped[] = [];
    let ignored = 0;
    let malformed = 0;
    for (const item of list.data.items ?? []) {
      const event = auditEventSchema.safeParse(item);
      if (!event.success) {
        malformed += 1;
        continue;
      }
      const mapping = mapAuditEvent(event.data, { now, resource });
      if (mapping.kind === 'skip') {
        ignored += 1;
        continue;
      }
      mapped.push(mapping);
    }
    if (mapped.length > 0 && !queue.push(mapped.length, () => record(mapped))) {
      log.warn({ route: '/activity/k8s-audit', pending: queue.pending }, 'audit backlog full; asking the API server to retry');
      return replyJson(res, 503, { error: 'busy', message: 'Keycard is behind on audit events; retry' }, { 'retry-after': '5' });
    }
    if (malformed > 0) log.warn({ route: '/activity/k8s-audit', malformed }, 'audit events without the expected fields were skipped');
    replyJson(res, 200, { accepted: mapped.length, ignored, malformed });
  };

  return { handler, drain: () => queue.drain() };
}

/** `/activity/k8s-audit/<resource>` or `/activity/k8s-audit?resource=<resource>`: which cluster the batch comes from. */
function resourceOf(url: string | undefined): string | undefined {
  const parsed = new URL(url ?? '/', 'http://keycard');
  const fromPath = /^\/activity\/k8s-audit\/([^/]+)\/?$/.exec(parsed.pathname)?.[1];
  return fromPath ?? parsed.searchParams.get('resource') ?? undefined;
}

/** Tries each candidate principal until one maps to a grant; unknown grants are normal here (not everyone has one). */
async function recordFirstMatch(deps: CoreDeps, event: Mapped): Promise<boolean> {
  for (const principal of event.principals) {
    const input: ActivityInput = { ...event.input, principal };
    const outcome = await recordActivity(deps, input);
    if (outcome.ok) return true;
    if (outcome.code !== 'unknown_grant') {
      deps.log.warn({ auditID: event.auditId, code: outcome.code }, 'audit event refused');
      return false;
    }
  }
  return false;
}
