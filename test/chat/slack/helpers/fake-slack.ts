import nock from 'nock';

/** One Web API call as Slack would receive it; `blocks` and `view` arrive as JSON strings and are parsed here. */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
}

/** A channel as conversations.list returns it. */
export interface SlackChannelInfo {
  id: string;
  name: string;
  is_member?: boolean;
  /** The Slack user who created it. */
  creator?: string;
}

export interface SlackUser {
  id: string;
  email?: string;
  deleted?: boolean;
  isBot?: boolean;
}

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

export interface FakeSlack {
  /** Web API calls in arrival order. */
  calls: SlackCall[];
  /** Messages posted to response_urls, in arrival order. */
  responses: Array<{ path: string; body: Record<string, unknown> }>;
  /** Channels the bot is a member of (posting elsewhere fails with not_in_channel). */
  joined: Set<string>;
  /** The next call of `method` gets this reply instead of the normal one. */
  failNext(method: string, reply: Reply): void;
  called(method: string): SlackCall[];
  /** Every block's text in a call, joined: for "the card says …" assertions. */
  textOf(call: SlackCall): string;
}

const JSON_FIELDS = ['blocks', 'view', 'attachments'];

function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = Object.fromEntries(new URLSearchParams(raw));
  for (const field of JSON_FIELDS) if (typeof args[field] === 'string') args[field] = JSON.parse(args[field] as string);
  return args;
}

/**
 * A fake Slack at the network edge (nock 14 intercepts the global fetch Bolt and the Web API client use):
 * the Web API on https://slack.com/api and response_urls on https://hooks.slack.com. It answers
 * like Slack does and records every call so tests can assert the payloads.
 */
export function installFakeSlack(
  users: SlackUser[],
  options: {
    joined?: string[];
    socketUrl?: string;
    channels?: SlackChannelInfo[];
    listPageSize?: number;
    /** Member user ids per channel id, for conversations.members (a channel not listed: channel_not_found). */
    members?: Record<string, string[]>;
  } = {},
): FakeSlack {
  const calls: SlackCall[] = [];
  const responses: FakeSlack['responses'] = [];
  const joined = new Set(options.joined ?? []);
  const failures = new Map<string, Reply[]>();
  let seq = 100;
  const byId = new Map(users.map((u) => [u.id, u]));

  const answer = (method: string, args: Record<string, unknown>): Reply => {
    const queued = failures.get(method)?.shift();
    if (queued) return queued;
    const ok = (body: Record<string, unknown>): Reply => ({ status: 200, body: { ok: true, ...body } });
    const error = (code: string): Reply => ({ status: 200, body: { ok: false, error: code } });
    switch (method) {
      case 'auth.test':
        return ok({ user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', team: 'Acme' });
      case 'users.info': {
        const user = byId.get(String(args.user));
        if (!user) return error('user_not_found');
        return ok({
          user: {
            id: user.id,
            deleted: user.deleted ?? false,
            is_bot: user.isBot ?? false,
            profile: user.email ? { email: user.email } : {},
          },
        });
      }
      case 'users.lookupByEmail': {
        const user = users.find((u) => u.email === String(args.email));
        return user ? ok({ user: { id: user.id } }) : error('users_not_found');
      }
      case 'conversations.open':
        return ok({ channel: { id: `D${String(args.users)}` } });
      case 'chat.postMessage': {
        const channel = String(args.channel);
        if (!channel.startsWith('D') && !channel.startsWith('U') && !joined.has(channel)) return error('not_in_channel');
        seq += 1;
        return ok({ channel: channel.startsWith('U') ? `D${channel}` : channel, ts: `1764000000.000${seq}` });
      }
      case 'chat.update':
        return ok({ channel: args.channel, ts: args.ts });
      case 'chat.getPermalink':
        return ok({
          channel: args.channel,
          permalink: `https://acme.slack.com/archives/${String(args.channel)}/p${String(args.message_ts).replace('.', '')}`,
        });
      case 'conversations.list': {
        // Cursor pagination like Slack's: the cursor is the index of the next page's first channel.
        const all = options.channels ?? [];
        const size = options.listPageSize ?? all.length;
        const start = Number(args.cursor ?? 0);
        const next = start + size < all.length ? String(start + size) : '';
        return ok({ channels: all.slice(start, start + size), response_metadata: { next_cursor: next } });
      }
      case 'conversations.members': {
        // Cursor pagination like Slack's, two members a page so the paging is exercised.
        const all = options.members?.[String(args.channel)];
        if (!all) return error('channel_not_found');
        const start = Number(args.cursor ?? 0);
        const next = start + 2 < all.length ? String(start + 2) : '';
        return ok({ members: all.slice(start, start + 2), response_metadata: { next_cursor: next } });
      }
      case 'views.open':
      case 'views.publish':
        return ok({ view: { id: 'V1' } });
      case 'apps.connections.open':
        return options.socketUrl ? ok({ url: options.socketUrl }) : error('invalid_auth');
      default:
        return error('unknown_method');
    }
  };

  nock(/^https:\/\/(hooks\.)?slack\.com(:443)?$/)
    .persist()
    .post(/.*/)
    .reply(function (uri, body) {
      const raw = typeof body === 'string' ? body : JSON.stringify(body);
      const contentType = this.req.headers['content-type'];
      if (this.req.headers.host === 'hooks.slack.com') {
        responses.push({ path: uri, body: JSON.parse(raw) as Record<string, unknown> });
        return [200, 'ok'];
      }
      const method = uri.replace(/^\/api\//, '');
      const args = parseArgs(raw, typeof contentType === 'string' ? contentType : undefined);
      calls.push({ method, args });
      const reply = answer(method, args);
      return [reply.status, reply.body, reply.headers ?? {}];
    });

  return {
    calls,
    responses,
    joined,
    failNext(method, reply) {
      failures.set(method, [...(failures.get(method) ?? []), reply]);
    },
    called: (method) => calls.filter((c) => c.method === method),
    textOf: (call) => JSON.stringify([call.args.text, call.args.blocks, call.args.view]),
  };
}
