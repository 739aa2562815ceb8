import { Agent, request } from 'node:http';

/**
 * Sockets for a burst: one per request, none reused, no limit, as 500 senders at Slack would open. node:http
 * rather than fetch: undici's per-request CPU in the sending process (~1-2 ms) spread the burst's arrival over
 * seconds on a busy 2-core machine, and that delay was then measured as Keycard's ack time.
 */
export const burstAgent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

/** POSTs `body` and resolves with the status once the whole response has arrived. */
export function rawPost(url: URL, body: string, headers: Record<string, string>, agent: Agent = burstAgent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        res.on('error', reject);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.resume();
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
