import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Slack's request signature (reference/tech.md §2): v0=HMAC-SHA256(secret, `v0:${ts}:${body}`). */
export function slackSignature(secret: string, body: string, ts: number): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(ts), 'content-type': 'application/x-www-form-urlencoded' };
}

let commandCounter = 0;

/**
 * A slash command body as Slack sends it. `responseBase` replaces Slack's response_url host (a stub's
 * `responseBase`, for a Keycard in another process that cannot be handed `fetchVia`).
 */
export function slashCommandBody(userId: string, text: string, responseBase?: string): string {
  commandCounter += 1;
  return new URLSearchParams({
    token: 'legacy',
    team_id: 'T1',
    team_domain: 'acme',
    channel_id: 'C0GENERAL',
    channel_name: 'general',
    user_id: userId,
    user_name: userId.toLowerCase(),
    command: '/access',
    text,
    api_app_id: 'A1',
    response_url: `${responseBase ?? 'https://hooks.slack.com/'}commands/T1/${commandCounter}/r${commandCounter}`,
    trigger_id: `trigger.${commandCounter}`,
  }).toString();
}

export interface SlackStubCall {
  method: string;
  args: Record<string, string>;
  at: number;
}

/**
 * A local Slack Web API (node:http on 127.0.0.1) answering the calls Keycard makes, like Slack does:
 * users are `U<n>` with email `u<n>@example.com`; every channel accepts posts. It also takes
 * response_url posts under /response/. `onCall` sees each call as it arrives.
 */
export interface SlackStub {
  apiUrl: string;
  responseBase: string;
  calls: SlackStubCall[];
  onCall: ((call: SlackStubCall) => void) | undefined;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function answer(method: string, args: Record<string, string>, seq: number): Record<string, unknown> {
  switch (method) {
    case 'auth.test':
      return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' };
    case 'users.info':
      return {
        ok: true,
        user: { id: args.user, deleted: false, is_bot: false, profile: { email: `${String(args.user).toLowerCase()}@example.com` } },
      };
    case 'users.lookupByEmail':
      return { ok: true, user: { id: String(args.email).split('@')[0]!.toUpperCase() } };
    case 'conversations.open':
      return { ok: true, channel: { id: `D${args.users}` } };
    case 'chat.postMessage':
      return { ok: true, channel: args.channel, ts: `1764000000.${String(seq).padStart(6, '0')}` };
    case 'chat.update':
      return { ok: true, channel: args.channel, ts: args.ts };
    case 'conversations.list':
      return { ok: true, channels: [], response_metadata: { next_cursor: '' } };
    case 'views.open':
    case 'views.publish':
      return { ok: true, view: { id: 'V1' } };
    default:
      return { ok: false, error: 'unknown_method' };
  }
}

export async function startSlackStub(): Promise<SlackStub> {
  let seq = 0;
  const stub: SlackStub = { apiUrl: '', responseBase: '', calls: [], onCall: undefined, close: async () => {} };
  const server: Server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const url = req.url ?? '/';
      if (url.startsWith('/response/')) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      const method = url.replace(/^\/api\//, '').split('?')[0] ?? '';
      const args = req.headers['content-type']?.includes('json')
        ? (JSON.parse(raw || '{}') as Record<string, string>)
        : Object.fromEntries(new URLSearchParams(raw));
      seq += 1;
      const call = { method, args, at: performance.now() };
      stub.calls.push(call);
      stub.onCall?.(call);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(method, args, seq)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.apiUrl = `${base}/api/`;
  stub.responseBase = `${base}/response/`;
  stub.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return stub;
}

/** response_urls must be on slack.com (the adapter refuses others); this fetch sends them to the stub instead. */
export function fetchVia(stub: SlackStub): typeof fetch {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith('https://hooks.slack.com/')) return globalThis.fetch(`${stub.responseBase}${encodeURIComponent(url)}`, init);
    return globalThis.fetch(input, init);
  };
}
