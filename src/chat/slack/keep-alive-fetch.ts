import http from 'node:http';
import https from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/** How long a kept-alive connection may sit idle. */
const IDLE_SOCKET_MS = 4_000;
/** Statuses whose Response must have no body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

type Body = string | Uint8Array | URLSearchParams;

const isPlainBody = (body: unknown): body is Body | undefined | null =>
  body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array || body instanceof URLSearchParams;

function decoded(raw: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(raw);
    case 'deflate':
      return inflateSync(raw);
    case 'br':
      return brotliDecompressSync(raw);
    default:
      return raw;
  }
}

function headersOf(incoming: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}

/**
 * A `fetch` for Slack's Web API and response_urls over node:http(s) with keep-alive agents. The global
 * fetch (undici) costs about twice the CPU per call (measured against a local Web API: ~0.4 vs ~0.2 ms),
 * which a burst of requests pays three or four times each. It sends what it is given and does not follow
 * redirects (`redirect: 'error'` rejects on one, as fetch does; the Web API client asks for that); a body
 * or request it does not handle (a Request object, FormData for file uploads) goes to the global fetch.
 */
export function createKeepAliveFetch(fallback: typeof fetch = (input, init) => globalThis.fetch(input, init)): typeof fetch {
  // An idle connection is dropped after a few seconds (undici's default too), before a server or load balancer
  // closes it under a request that would then fail; a request in progress is not cut by it.
  const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_MS };
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };
  return (input, init) => {
    if (!(typeof input === 'string' || input instanceof URL) || !isPlainBody(init?.body)) return fallback(input, init);
    const url = new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fallback(input, init);
    const body = init?.body instanceof URLSearchParams ? init.body.toString() : (init?.body ?? undefined);
    const headers: Record<string, string> = Object.fromEntries(new Headers(init?.headers).entries());
    if (body !== undefined) {
      headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
      if (init?.body instanceof URLSearchParams && !headers['content-type'])
        headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    }
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const request = transport.request(
        url,
        {
          method: init?.method ?? 'GET',
          headers,
          agent: agents[url.protocol as 'http:' | 'https:'],
          ...(init?.signal ? { signal: init.signal } : {}),
        },
        (incoming) => {
          const status = incoming.statusCode ?? 0;
          if (init?.redirect === 'error' && status >= 300 && status < 400) {
            incoming.resume();
            reject(new TypeError(`fetch failed: redirect (${status}) to ${incoming.headers.location ?? 'nowhere'} refused`));
            return;
          }
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            try {
              const raw = decoded(Buffer.concat(chunks), incoming.headers['content-encoding']);
              const response = new Response(NULL_BODY.has(status) ? null : raw, {
                status,
                statusText: incoming.statusMessage ?? '',
                headers: headersOf(incoming.headers),
              });
              Object.defineProperty(response, 'url', { value: url.href });
              resolve(response);
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  };
}
