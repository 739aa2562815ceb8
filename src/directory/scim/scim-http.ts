import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_SCHEMA, ScimProblem, type ScimType } from './scim-schema.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json';

export function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': SCIM_CONTENT_TYPE, 'cache-control': 'no-store', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

/** The SCIM Error body (RFC 7644 §3.12): status is a string, scimType only for 400/409 kinds. */
export function replyError(
  res: ServerResponse,
  status: number,
  detail: string,
  scimType?: ScimType,
  headers: Record<string, string> = {},
): void {
  reply(res, status, { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail }, headers);
}

/** Reads and parses a JSON body of at most `limit` bytes; a problem is a SCIM 400/413. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) throw new ScimProblem(413, undefined, `the body exceeds ${limit} bytes`);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new ScimProblem(400, 'invalidSyntax', 'the request has no body');
  try {
    return JSON.parse(text);
  } catch {
    throw new ScimProblem(400, 'invalidSyntax', 'the body is not valid JSON');
  }
}
