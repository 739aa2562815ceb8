import type { Clock, Logger } from '../../core/ports/runtime.js';

/**
 * What the Slack adapter needs from the environment. Structurally the same as `SlackConfig` from
 * src/config/chat-env.ts (adapters may not import config; main.ts passes that object straight in).
 */
export interface SlackAdapterConfig {
  /** xoxb- Bot User OAuth Token. */
  botToken: string;
  /** Verifies HTTP deliveries; required unless Socket Mode is on. */
  signingSecret?: string;
  /** xapp- app-level token (connections:write); when set, events arrive over Socket Mode. */
  appToken?: string;
  /** Web API base URL override, e.g. a proxy or a test server. Default https://slack.com/api/. */
  apiUrl?: string;
  socketMode: boolean;
  /** Pins (SLACK_TEAM_ID, SLACK_ENTERPRISE_ID, SLACK_APP_ID); team and enterprise are otherwise learned from auth.test. */
  teamId?: string;
  enterpriseId?: string;
  appId?: string;
  /** SLACK_CONCURRENT_DELIVERIES; `SlackAdapterOptions.concurrentDeliveries` wins, default 4. */
  concurrentDeliveries?: number;
}

/** Retry policy for Web API calls made off the ack path (node-retry options, as @slack/web-api takes them). */
export interface SlackRetryPolicy {
  retries: number;
  factor?: number;
  minTimeout?: number;
  maxTimeout?: number;
  randomize?: boolean;
}

export interface SlackAdapterOptions {
  log?: Logger;
  /** Time for signature windows and caches (tests pass a fake clock). */
  clock?: Clock;
  /** fetch used for the Web API and response_url (default: global fetch). */
  fetch?: typeof fetch;
  /** Retries for card updates, thread replies and DMs (default: 5 retries in about 5 minutes, honouring Retry-After). */
  retryPolicy?: SlackRetryPolicy;
  /** How long a Slack user's email stays cached (default 15 min). */
  identityTtlMs?: number;
  /** If a listener never acknowledges, answer Slack ourselves after this long (default 2500 ms, inside Slack's 3 s). */
  ackTimeoutMs?: number;
  /** HTTP mode: acknowledged deliveries whose listeners work at once (default 4); the others wait, already acknowledged. */
  concurrentDeliveries?: number;
  /** How long one delivery's work may hold its slot before the next one starts anyway (default 2 s). */
  deliverySlotHoldMs?: number;
  /** Socket Mode ping timeouts (tests shorten them). */
  socket?: { clientPingTimeoutMs?: number; serverPingTimeoutMs?: number; autoReconnect?: boolean };
}

export const DEFAULT_RETRY_POLICY: SlackRetryPolicy = { retries: 5, factor: 3.86 };
export const DEFAULT_IDENTITY_TTL_MS = 15 * 60_000;
export const DEFAULT_ACK_TIMEOUT_MS = 2500;
export const DEFAULT_CONCURRENT_DELIVERIES = 4;
/**
 * A listener holds its slot at most this long: the slots bound how much work runs at once in a burst (a
 * delivery's work takes tens of milliseconds), not how long a provider may take. With N slots, grants waiting
 * on a slow provider (AWS Identity Center takes seconds) let the queue move on at least N/2 deliveries a second.
 */
export const ADMISSION_MAX_HOLD_MS = 2_000;
/** Slack rejects timestamps more than five minutes off; we do the same in both directions. */
export const SIGNATURE_WINDOW_SEC = 300;
/**
 * A captured request verifies for at most 600 s of wall-clock time (its timestamp may sit 300 s either
 * side of now), so remembering bodies for a little longer than that stops every replay.
 */
export const REPLAY_TTL_MS = 11 * 60_000;
