import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordActivity } from '../core/lifecycle/activity.js';
import type { CoreDeps } from '../core/lifecycle/deps.js';
import type { Clock, Logger } from '../core/ports/runtime.js';
import { safeErrorMessage } from '../core/views/safe-text.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyActivitySignature } from './activity-signature.js';
import { header, replyJson } from './http-reply.js';
import { parseIngestBody } from './ingest-schema.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { decodeUtf8, findUnstorable } from './unstorable.js';

export const INGEST_BODY_LIMIT = 1_048_576;
/** A signed body verifies for at most 600 s of wall-clock time; its key is kept a little longer. */
const BODY_KEY_TTL_MS = 11 * 60_000;
/** Senders retry an event with its own id for hours at most (a shipper's backlog); a day covers that. */
const ID_KEY_TTL_MS = 24 * 60 * 60_000;

export interface IngestOptions {
  deps: () => CoreDeps;
  secret: string;
  log: Logger;
  clock?: Clock;
  bodyLimit?: number;
}

/** What the sender gets back for each event, in order. */
export type IngestResult =
  | { index: number; ok: true; grant: string; findings: number; alerted: string[]; autoRevoked: boolean }
  | { index: number; ok: true; duplicate: true }
  | { index: number; ok: false; error: string; message: string };

/**
 * POST /activity: signed events from any log shipper. Authentication and validation happen before
 * anything is stored, so a rejected request leaves no trace but a log line.
 */
export function createIngestHandler(options: IngestOptions) {
  const limit = options.bodyLimit ?? INGEST_BODY_LIMIT;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return replyJson(res, 405, { error: 'method_not_allowed', message: 'use POST' }, { allow: 'POST' });
    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return replyJson(
        res,
        413,
        { error: 'too_large', message: `the body exceeds ${limit} bytes; send fewer events per request` },
        {
          connection: 'close',
        },
      );
    }
    const now = (options.clock ?? options.deps().clock).now();
    const check = verifyActivitySignature({
      secret: options.secret,
      body,
      timestamp: header(req, TIMESTAMP_HEADER),
      signature: header(req, SIGNATURE_HEADER),
      nowSec: Math.floor(now.getTime() / 1000),
    });
    if (!check.ok) {
      options.log.warn({ route: '/activity', reason: check.reason }, 'activity ingest rejected: not authenticated');
      return replyJson(res, 401, { error: 'unauthorized', message: check.reason });
    }
    const text = decodeUtf8(body);
    if (text === undefined) return replyJson(res, 400, { error: 'invalid_text', message: 'the body is not valid UTF-8' });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return replyJson(res, 400, { error: 'invalid_json', message: 'the body is not valid JSON', issues: ['body: is not valid JSON'] });
    }
    const unstorable = findUnstorable(json);
    if (unstorable) return replyJson(res, 400, { error: 'invalid_text', message: unstorable, issues: [unstorable] });
    const parsed = parseIngestBody(json);
    if (!parsed.ok) return replyJson(res, 400, { error: 'invalid_body', message: parsed.issues.join('; '), issues: parsed.issues });

    const deps = options.deps();
    const results: IngestResult[] = [];
    const bodyHash = createHash('sha256').update(body).digest('hex');
    for (const [index, event] of parsed.events.entries()) {
      // Exactly once across replicas and restarts: the event's own id, else its place in this signed body.
      const given = parsed.ids[index];
      const key = given === undefined ? `body:${bodyHash}:${index}` : `id:${given}`;
      let outcome: Awaited<ReturnType<typeof recordActivity>>;
      try {
        if (!(await deps.store.inbound.claim('activity', key, now, given === undefined ? BODY_KEY_TTL_MS : ID_KEY_TTL_MS))) {
          results.push({ index, ok: true, duplicate: true });
          continue;
        }
        outcome = await recordActivity(deps, event);
        // Not stored (no grant matched yet): a later resend may match, so it must not count as seen.
        if (!outcome.ok) await deps.store.inbound.release('activity', key);
      } catch (error) {
        await deps.store.inbound.release('activity', key).catch(() => undefined);
        // A technical failure (database down): the events before this one are stored, so say where to resume.
        options.log.error({ route: '/activity', index, err: safeErrorMessage(error) }, 'activity ingest failed');
        return replyJson(res, 500, {
          error: 'internal',
          message: `recording failed at event ${index}; events before it were stored, resend from index ${index}`,
          processed: index,
          results,
        });
      }
      results.push(
        outcome.ok
          ? {
              index,
              ok: true,
              grant: outcome.value.grant,
              findings: outcome.value.findings.length,
              alerted: outcome.value.alerted.map((f) => f.detector),
              autoRevoked: outcome.value.autoRevoked,
            }
          : { index, ok: false, error: outcome.code, message: outcome.message },
      );
    }
    const duplicates = results.filter((r) => r.ok && 'duplicate' in r).length;
    const recorded = results.filter((r) => r.ok).length - duplicates;
    options.log.info({ route: '/activity', events: results.length, recorded, duplicates }, 'activity ingested');
    if (recorded === 0 && duplicates > 0) return replyJson(res, 200, { recorded, duplicates, results });
    if (recorded === 0) {
      return replyJson(res, 404, { error: 'unknown_grant', message: 'no event matched a Keycard grant; nothing was stored', results });
    }
    replyJson(res, 202, { recorded, ...(duplicates > 0 ? { duplicates } : {}), results });
  };
}
