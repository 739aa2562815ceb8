import { webApi } from '@slack/bolt';
import type { Logger } from '../../core/ports/runtime.js';
import { createBoltLogger } from './bolt-logger.js';
import { createKeepAliveFetch } from './keep-alive-fetch.js';
import { DEFAULT_RETRY_POLICY, type SlackAdapterConfig, type SlackAdapterOptions } from './options.js';

export type WebClient = InstanceType<typeof webApi.WebClient>;
export type WebClientOptions = ConstructorParameters<typeof webApi.WebClient>[1];

export interface SlackClients {
  /**
   * Card updates, thread replies and DMs: retries with backoff and waits out 429 Retry-After. It
   * never runs on an ack path, so a rate limit delays only the background delivery it belongs to.
   */
  outbound: WebClient;
  /**
   * Calls made while a person waits (views.open within trigger_id's 3 s, users.info, views.publish):
   * a 429 fails fast instead of pausing, and the person is told to try again.
   */
  interactive: WebClient;
  /** The interactive options, also given to Bolt so its own `client` behaves the same. */
  interactiveOptions: NonNullable<WebClientOptions>;
  /** The HTTP both clients use, for response_url posts too: the injected fetch, else keep-alive node:http(s). */
  fetch: typeof fetch;
}

export function createSlackClients(config: SlackAdapterConfig, options: SlackAdapterOptions, log: Logger): SlackClients {
  const logger = createBoltLogger(log);
  const transport = options.fetch ?? createKeepAliveFetch();
  const common = {
    logger,
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/` } : {}),
    fetch: transport,
    // A hung connection must not hold a card update (or a waiting person) forever.
    timeout: 15_000,
  };
  const interactiveOptions = { ...common, rejectRateLimitedCalls: true, retryConfig: { retries: 1, minTimeout: 100, maxTimeout: 500 } };
  return {
    outbound: new webApi.WebClient(config.botToken, { ...common, retryConfig: options.retryPolicy ?? DEFAULT_RETRY_POLICY }),
    interactive: new webApi.WebClient(config.botToken, interactiveOptions),
    interactiveOptions,
    fetch: transport,
  };
}
