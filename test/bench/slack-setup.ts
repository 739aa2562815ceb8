import type { ChatAdapter } from '../../src/chat/adapter.js';
import { createSlackAdapter } from '../../src/chat/slack/index.js';
import type { CoreDeps } from '../../src/core/lifecycle/deps.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { BUSINESS_HOURS, basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { fetchVia, type SlackStub, startSlackStub } from './slack-wire.js';

export const SIGNING_SECRET = 'fedcba9876543210fedcba9876543210';
export const CARD_CHANNEL = 'C0MEDIUM';

export interface SlackBench {
  h: Harness;
  stub: SlackStub;
  adapter: ChatAdapter;
  /** Keycard's own HTTP server with the adapter's /slack/events mounted. */
  eventsUrl: string;
  /** Slack signatures are checked against the harness clock, so requests are signed with it. */
  timestamp(): number;
  close(): Promise<void>;
}

/**
 * Keycard's Slack adapter on its real HTTP server, a PGlite core and a local Web API stub: everything
 * Slack-facing is real except Slack itself.
 */
export async function startSlackBench(): Promise<SlackBench> {
  const stub = await startSlackStub();
  const channel = { slack: CARD_CHANNEL };
  const policy = makePolicy({
    tiers: {
      low: { upTo: 14, approvals: 0 },
      medium: { upTo: 49, approvals: 1, approvers: ['sre'], channel },
      high: { upTo: 74, approvals: 1, approvers: ['db-owners'], channel },
      critical: { approvals: 2, approvers: ['db-owners', 'security'], distinctGroups: true, breakGlass: true, channel },
    },
    alerts: { ...basePolicyInput.alerts, channel },
  });
  const h = await createHarness('pglite', { policy, start: BUSINESS_HOURS });
  const adapter = createSlackAdapter(
    { botToken: 'xoxb-bench-0000000000', signingSecret: SIGNING_SECRET, socketMode: false, apiUrl: stub.apiUrl },
    { log: silentLogger, clock: h.clock, fetch: fetchVia(stub) },
  );
  const deps: CoreDeps = { ...h.deps, chat: adapter.chat };
  await adapter.start(deps);
  const http: HttpServer = createHttpServer({ log: silentLogger, ready: async () => ({ ok: true, checks: {} }) });
  for (const route of adapter.routes()) http.route(route.path, route.handler);
  const port = await http.listen(0, '127.0.0.1');
  return {
    h,
    stub,
    adapter,
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    timestamp: () => Math.floor(h.clock.now().getTime() / 1000),
    async close() {
      await http.close();
      await adapter.stop();
      await stub.close();
      await h.close();
    },
  };
}
