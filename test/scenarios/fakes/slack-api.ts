import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Web API call as Slack received it (`blocks` and `view` parsed from their JSON strings). */
export interface SlackApiCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  /** What the fake answered (the body). */
  result?: unknown;
}

export interface SlackApiUser {
  id: string;
  email: string;
}

export interface SlackApiChannel {
  id: string;
  name: string;
  /** The user who created it (conversations.list `creator`); absent: Slack's own channels, like #general. */
  creator?: string;
}

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

export interface FakeSlackApi {
  /** Base URL for SLACK_API_URL (…/api/); response_urls are issued on the same origin. */
  apiUrl: string;
  origin: string;
  calls: SlackApiCall[];
  /** Posts to response_urls: the path's id and the body. */
  responses: Array<{ id: string; body: Record<string, unknown>; at: number }>;
  /** The next call of `method` gets this reply instead of the normal one (e.g. 429 ratelimited). */
  failNext(method: string, reply: Reply): void;
  responseUrl(id: string): string;
  /** Who is in a channel, for conversations.members (a channel never given members answers channel_not_found, as a private channel the bot is not in does). */
  setMembers(channel: string, userIds: string[]): void;
  close(): Promise<void>;
}

const JSON_FIELDS = ['blocks', 'view', 'attachments'];

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
  const args: Record<string, unknown> = Object.fromEntries(new URLSearchParams(raw));
  for (const field of JSON_FIELDS) if (typeof args[field] === 'string') args[field] = JSON.parse(args[field] as string);
  return args;
}

/**
 * A Slack Web API on a real HTTP port, answering like Slack: `ok:false` errors with HTTP 200
 * (`channel_not_found` for an unknown channel, `users_not_found` for an unknown email), `429` with
 * `Retry-After` when scripted, channel ids and `ts` values in responses, DMs opened by
 * conversations.open. It also serves response_urls, so ephemeral replies are observable.
 */
export async function startFakeSlackApi(options: {
  token: string;
  users: SlackApiUser[];
  channels: SlackApiChannel[];
}): Promise<FakeSlackApi> {
  const calls: SlackApiCall[] = [];
  const responses: FakeSlackApi['responses'] = [];
  const failures = new Map<string, Reply[]>();
  const byId = new Map(options.users.map((u) => [u.id, u]));
  const channels = new Map(options.channels.map((c) => [c.id, c]));
  const members = new Map<string, string[]>();
  let seq = 100;
  const ts = () => `1764000000.${String(++seq).padStart(6, '0')}`;

  const answer = (method: string, args: Record<string, unknown>): Reply => {
    const queued = failures.get(method)?.shift();
    if (queued) return queued;
    const ok = (body: Record<string, unknown>): Reply => ({ status: 200, body: { ok: true, ...body } });
    const error = (code: string): Reply => ({ status: 200, body: { ok: false, error: code } });
    switch (method) {
      case 'auth.test':
        return ok({ user_id: 'UKEYCARD', bot_id: 'BKEYCARD', team_id: 'T1', team: 'Acme', url: 'https://acme.slack.com/' });
      case 'users.info': {
        const user = byId.get(String(args.user));
        return user
          ? ok({ user: { id: user.id, deleted: false, is_bot: false, profile: { email: user.email } } })
          : error('user_not_found');
      }
      case 'users.lookupByEmail': {
        const user = options.users.find((u) => u.email === String(args.email));
        return user ? ok({ user: { id: user.id } }) : error('users_not_found');
      }
      case 'conversations.open': {
        const user = byId.get(String(args.users));
        return user ? ok({ channel: { id: `D${user.id}` } }) : error('user_not_found');
      }
      case 'chat.postMessage': {
        const channel = String(args.channel);
        const isDm = channel.startsWith('D') && byId.has(channel.slice(1));
        if (!isDm && !channels.has(channel)) return error('channel_not_found');
        return ok({ channel, ts: ts(), message: { text: args.text } });
      }
      case 'chat.update':
        return channels.has(String(args.channel)) || String(args.channel).startsWith('D')
          ? ok({ channel: args.channel, ts: args.ts, text: args.text })
          : error('channel_not_found');
      case 'chat.getPermalink':
        return ok({
          channel: args.channel,
          permalink: `https://acme.slack.com/archives/${String(args.channel)}/p${String(args.message_ts).replace('.', '')}`,
        });
      case 'conversations.list':
        return ok({
          channels: [...channels.values()].map((c) => ({
            id: c.id,
            name: c.name,
            is_channel: true,
            is_member: true,
            ...(c.creator ? { creator: c.creator } : {}),
          })),
          response_metadata: { next_cursor: '' },
        });
      case 'conversations.members': {
        const list = members.get(String(args.channel));
        if (!list) return error('channel_not_found');
        // One member a page, with Slack's cursor, so a client that stops after the first page misses people.
        const start = Number(args.cursor || 0);
        return ok({
          members: list.slice(start, start + 1),
          response_metadata: { next_cursor: start + 1 < list.length ? String(start + 1) : '' },
        });
      }
      case 'conversations.info': {
        const channel = channels.get(String(args.channel));
        return channel ? ok({ channel: { id: channel.id, name: channel.name, is_member: true } }) : error('channel_not_found');
      }
      case 'views.open':
      case 'views.update':
      case 'views.push':
      case 'views.publish':
        return ok({ view: { id: `V${++seq}`, ...(args.view as Record<string, unknown>) } });
      default:
        return error('unknown_method');
    }
  };

  let origin = '';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path.startsWith('/response/')) {
        responses.push({ id: path.slice('/response/'.length), body: JSON.parse(raw) as Record<string, unknown>, at: Date.now() });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
        return;
      }
      const method = path.replace(/^\/api\//, '');
      if (req.headers.authorization !== `Bearer ${options.token}`) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'not_authed' }));
        return;
      }
      const args = parseArgs(raw, req.headers['content-type']);
      const reply = answer(method, args);
      calls.push({ method, args, at: Date.now(), result: reply.body });
      res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
      res.end(JSON.stringify(reply.body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${origin}/api/`,
    origin,
    calls,
    responses,
    failNext(method, reply) {
      failures.set(method, [...(failures.get(method) ?? []), reply]);
    },
    responseUrl: (id) => `${origin}/response/${id}`,
    setMembers(channel, userIds) {
      members.set(channel, [...userIds]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
