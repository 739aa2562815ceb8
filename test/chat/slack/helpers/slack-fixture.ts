import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import type { ChatAdapter } from '../../../../src/chat/adapter.js';
import { createSlackAdapter, type SlackAdapterOptions } from '../../../../src/chat/slack/index.js';
import type { CoreDeps } from '../../../../src/core/lifecycle/deps.js';
import type { PolicyInput } from '../../../../src/core/policy/schema.js';
import type { Logger } from '../../../../src/core/ports/runtime.js';
import { basePolicyInput, makePolicy } from '../../../fixtures/policy.js';
import type { StoreKind } from '../../../helpers/db.js';
import { createHarness, type Harness } from '../../../helpers/harness.js';
import { type FakeSlack, installFakeSlack, type SlackChannelInfo, type SlackUser } from './fake-slack.js';

export const SECRET = 'test-signing-secret';
export const CHANNELS = { medium: 'C0MEDIUM', high: 'C0HIGH', critical: 'C0CRIT', alerts: 'C0ALERTS' } as const;

/** Slack users; emails match the fixture policy's groups (sre: bob, erin; db-owners: carol; security: dave). */
export const U = {
  alice: { id: 'UALICE', email: 'alice@example.com' },
  bob: { id: 'UBOB', email: 'bob@example.com' },
  erin: { id: 'UERIN', email: 'erin@example.com' },
  carol: { id: 'UCAROL', email: 'carol@example.com' },
  dave: { id: 'UDAVE', email: 'dave@example.com' },
  ghost: { id: 'UGHOST', email: 'ghost@example.com', deleted: true },
  noMail: { id: 'UNOMAIL' },
  robot: { id: 'UROBOT', email: 'robot@example.com', isBot: true },
} satisfies Record<string, SlackUser>;

export const slackPolicyInput: PolicyInput = {
  ...basePolicyInput,
  tiers: {
    low: { upTo: 14, approvals: 0 },
    medium: { upTo: 49, approvals: 1, approvers: ['sre'], channel: { slack: CHANNELS.medium } },
    high: { upTo: 74, approvals: 1, approvers: ['db-owners'], channel: { slack: CHANNELS.high } },
    critical: {
      approvals: 2,
      approvers: ['db-owners', 'security'],
      distinctGroups: true,
      breakGlass: true,
      approvalTtl: '30m',
      channel: { slack: CHANNELS.critical },
    },
  },
  alerts: { channel: { slack: CHANNELS.alerts }, reviewers: ['security'] },
};

export interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: string) =>
    (a: string | Record<string, unknown>, b?: string): void => {
      lines.push(typeof a === 'string' ? { level, fields: {}, message: a } : { level, fields: a, message: b ?? '' });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function sign(body: string, ts: number, secret = SECRET): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(ts) };
}

export interface Sent {
  status: number;
  text: string;
  json(): Record<string, unknown>;
}

export interface SlackFixture {
  h: Harness;
  /** CoreDeps whose chat port is the Slack adapter's (use it for tick()). */
  deps: CoreDeps;
  adapter: ChatAdapter;
  slack: FakeSlack;
  logs: LogLine[];
  /** POSTs a body to /slack/events with the given headers (no signing). */
  post(body: string, headers: Record<string, string>): Promise<Sent>;
  /** POSTs a correctly signed form body (timestamp: the fake clock's now, unless given). */
  signed(body: string, options?: { ts?: number; contentType?: string }): Promise<Sent>;
  close(): Promise<void>;
}

export async function createSlackFixture(
  kind: StoreKind,
  options: {
    policy?: PolicyInput;
    start?: Date;
    joined?: string[];
    adapter?: SlackAdapterOptions;
    /** Channels conversations.list returns (incident channel lookups). */
    channels?: SlackChannelInfo[];
    listPageSize?: number;
    /** Member user ids per channel (conversations.members: who responds to an incident). */
    members?: Record<string, string[]>;
  } = {},
): Promise<SlackFixture> {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  const h = await createHarness(kind, {
    policy: makePolicy(options.policy ?? slackPolicyInput),
    ...(options.start ? { start: options.start } : {}),
  });
  const slack = installFakeSlack(Object.values(U), {
    joined: options.joined ?? Object.values(CHANNELS),
    ...(options.channels ? { channels: options.channels } : {}),
    ...(options.listPageSize ? { listPageSize: options.listPageSize } : {}),
    ...(options.members ? { members: options.members } : {}),
  });
  const logs: LogLine[] = [];
  const adapter = createSlackAdapter(
    { botToken: 'xoxb-test', signingSecret: SECRET, socketMode: false },
    { log: recordingLogger(logs), clock: h.clock, retryPolicy: { retries: 2, minTimeout: 0, maxTimeout: 1 }, ...options.adapter },
  );
  // As bootKeycard wires a started server: the adapter's chat port and its incident responders.
  const deps: CoreDeps = { ...h.deps, chat: adapter.chat, incidentResponders: adapter.incidentResponders };
  await adapter.start(deps);
  const route = adapter.routes()[0]!;
  const server: Server = createServer((req, res) => {
    void route.handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${route.path}`;

  const post = async (body: string, headers: Record<string, string>): Promise<Sent> => {
    const response = await fetch(url, { method: 'POST', body, headers });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };
  return {
    h,
    deps,
    adapter,
    slack,
    logs,
    post,
    signed(body, signOptions = {}) {
      const ts = signOptions.ts ?? Math.floor(h.clock.now().getTime() / 1000);
      return post(body, { 'content-type': signOptions.contentType ?? 'application/x-www-form-urlencoded', ...sign(body, ts) });
    },
    async close() {
      await adapter.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await h.close();
      nock.cleanAll();
    },
  };
}
