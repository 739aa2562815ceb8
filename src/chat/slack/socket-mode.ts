import { createHash } from 'node:crypto';
import { type App, SocketModeReceiver } from '@slack/bolt';
import type { Clock, Logger } from '../../core/ports/runtime.js';
import { createBoltLogger } from './bolt-logger.js';
import { REPLAY_TTL_MS, type SlackAdapterOptions } from './options.js';
import { createTtlCache } from './ttl-cache.js';
import type { WebClientOptions } from './web-clients.js';

export interface SocketConnection {
  receiver: SocketModeReceiver;
  connected(): boolean;
  disconnect(): Promise<void>;
}

/**
 * Socket Mode: Keycard dials out to Slack over a WebSocket (app-level token, connections:write), so it
 * needs no public URL and no signing secret. The WebSocket itself is authenticated, so there is no
 * signature to check; redeliveries of an envelope are still dropped (see `dropRedeliveries`).
 */
export function createSocketConnection(
  appToken: string,
  clientOptions: NonNullable<WebClientOptions>,
  options: SlackAdapterOptions,
  log: Logger,
): SocketConnection {
  const receiver = new SocketModeReceiver({
    appToken,
    logger: createBoltLogger(log),
    installerOptions: { clientOptions },
    ...(options.socket?.clientPingTimeoutMs ? { clientPingTimeout: options.socket.clientPingTimeoutMs } : {}),
    ...(options.socket?.serverPingTimeoutMs ? { serverPingTimeout: options.socket.serverPingTimeoutMs } : {}),
    autoReconnectEnabled: options.socket?.autoReconnect ?? true,
  });
  let connected = false;
  receiver.client.on('connected', () => {
    connected = true;
    log.info('Slack Socket Mode connected');
  });
  for (const state of ['disconnected', 'reconnecting']) {
    receiver.client.on(state, () => {
      if (connected) log.warn({ state }, 'Slack Socket Mode connection lost');
      connected = false;
    });
  }
  return {
    receiver,
    connected: () => connected,
    disconnect: async () => {
      await receiver.client.disconnect();
    },
  };
}

/** Slack redelivers an envelope it saw no ack for; the same body is processed once. */
export function dropRedeliveries(app: App, clock: Clock, log: Logger): void {
  const seen = createTtlCache<true>({ ttlMs: REPLAY_TTL_MS, maxEntries: 20_000, clock });
  app.use(async (args) => {
    const key = createHash('sha256').update(JSON.stringify(args.body)).digest('hex');
    if (seen.add(key, true)) return args.next();
    log.info('ignored a Slack delivery that was already processed');
    if ('ack' in args && typeof args.ack === 'function') await args.ack();
  });
}
